"""Orders: the stored model, totals with Polish VAT (prices include tax), status transitions and their
stock effects, notes. Every change bumps ``date_modified`` and fires ``order.*`` webhooks.

Stock (as WooCommerce): reduced once when an order reaches processing, on-hold or completed (remembered
internally as ``_order_stock_reduced``), restored when such an order goes to cancelled, refunded, failed
or pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from .products import Product
from .responses import WooError

if TYPE_CHECKING:
    from .world import World

ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
                  "trash", "checkout-draft")
REDUCING = ("processing", "on-hold", "completed")
RESTORING = ("cancelled", "refunded", "failed", "pending")
DRAFTS = ("checkout-draft", "auto-draft", "draft")
PAID_STATUSES = ("processing", "completed")
LABELS = {"pending": "Oczekujące na płatność", "processing": "W trakcie realizacji",
          "on-hold": "Wstrzymane (oczekujące na płatność)", "completed": "Zrealizowane",
          "cancelled": "Anulowane", "refunded": "Zwrócone", "failed": "Nieudane", "trash": "Kosz",
          "checkout-draft": "Wersja robocza"}
PAYMENT_TITLES = {"bacs": "Przelew bankowy", "cod": "Płatność przy odbiorze", "przelewy24": "Przelewy24"}
SHIPPING_METHODS = (("flat_rate", 1, "Kurier DPD", "16.99"), ("flat_rate", 2, "Paczkomaty InPost", "12.99"),
                    ("flat_rate", 3, "Kurier DPD (pobranie)", "21.99"))
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def split_gross(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Gross → (net, tax), the tax rounded to grosze (prices include tax)."""
    tax = (gross * rate / (Decimal(100) + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return gross - tax, tax


@dataclass
class LineItem:
    id: int
    product_id: int
    variation_id: int
    name: str
    quantity: int
    gross: Decimal  # line gross total
    total: Decimal  # net
    total_tax: Decimal
    meta: list[dict[str, Any]] = field(default_factory=list)
    reduced: int = 0  # _reduced_stock
    stock_owner_id: int | None = None


@dataclass
class ShippingLine:
    id: int
    method_id: str
    instance_id: int
    method_title: str
    total: Decimal
    total_tax: Decimal


@dataclass
class Note:
    id: int
    note: str
    customer_note: bool
    author: str
    created: float


@dataclass
class Order:
    id: int
    status: str
    order_key: str
    created_via: str
    created: float
    modified: float = 0.0
    modified_seq: int = 0
    date_paid: float | None = None
    date_completed: float | None = None
    customer_id: int = 0
    customer_note: str = ""
    billing: dict[str, str] = field(default_factory=dict)
    shipping: dict[str, str] = field(default_factory=dict)
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    line_items: list[LineItem] = field(default_factory=list)
    shipping_lines: list[ShippingLine] = field(default_factory=list)
    meta: list[dict[str, Any]] = field(default_factory=list)
    stock_reduced: bool = False
    sales_recorded: bool = False
    notes: list[Note] = field(default_factory=list)
    announced: bool = False  # order.created has fired (not for drafts)
    customer_ip_address: str = ""
    customer_user_agent: str = ""
    cart_hash: str = ""
    status_before_trash: str | None = None

    def totals(self) -> dict[str, Decimal]:
        lines_tax = sum((li.total_tax for li in self.line_items), Decimal(0))
        lines_gross = sum((li.gross for li in self.line_items), Decimal(0))
        shipping_net = sum((s.total for s in self.shipping_lines), Decimal(0))
        shipping_tax = sum((s.total_tax for s in self.shipping_lines), Decimal(0))
        return {"cart_tax": lines_tax, "shipping_total": shipping_net, "shipping_tax": shipping_tax,
                "total_tax": lines_tax + shipping_tax, "total": lines_gross + shipping_net + shipping_tax}


class OrderBook:
    """All orders (callers hold the world lock)."""

    def __init__(self, world: World):
        self.world = world
        self.orders: dict[int, Order] = {}
        self.created_count = 0

    def get(self, order_id: int, status: int = 404) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise WooError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    # ---- building -----------------------------------------------------------------------------------
    def line_for(self, item: Product, quantity: int) -> LineItem:
        world = self.world
        catalog = world.catalog
        price = catalog.price(item)
        unit = Decimal(price) if price else Decimal(0)
        net, tax = split_gross(unit * quantity, Decimal(world.config.vat_rate))
        meta = []
        if item.is_variation:
            for attribute in item.attributes:
                if attribute.get("option"):
                    key = attribute["name"].lower() if not attribute.get("id") else f"pa_{attribute['name'].lower()}"
                    meta.append({"id": world.next_meta_id(), "key": key, "value": attribute["option"],
                                 "display_key": attribute["name"], "display_value": attribute["option"]})
        return LineItem(id=world.next_order_item_id(), product_id=item.parent_id if item.is_variation else item.id,
                        variation_id=item.id if item.is_variation else 0, name=catalog.display_name(item),
                        quantity=quantity, gross=unit * quantity, total=net, total_tax=tax, meta=meta)

    def shipping_line(self, method: tuple[str, int, str, str]) -> ShippingLine:
        method_id, instance, title, gross = method
        net, tax = split_gross(Decimal(gross), Decimal(self.world.config.vat_rate))
        return ShippingLine(self.world.next_order_item_id(), method_id, instance, title, net, tax)

    def new_order(self, *, status: str, created_via: str, lines: list[LineItem], billing: dict, shipping: dict,
                  payment_method: str, shipping_lines: list[ShippingLine], customer_note: str = "",
                  meta: list[dict[str, Any]] | None = None, transaction_id: str = "",
                  announce: bool = True) -> Order:
        """A new order, saved in ``status`` (side effects of reaching it included); ``order.created``
        fires unless ``announce`` is false (the caller then saves it with ``touch``) or it is a draft."""
        world = self.world
        now = world.now()
        key = "".join(world.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                      for _ in range(13))
        order = Order(id=world.next_post_id(), status="pending", order_key=f"wc_order_{key}",
                      created_via=created_via, created=now, modified=now, modified_seq=world.next_seq(),
                      billing=billing, shipping=shipping, payment_method=payment_method,
                      payment_method_title=PAYMENT_TITLES.get(payment_method, payment_method),
                      line_items=lines, shipping_lines=shipping_lines, customer_note=customer_note,
                      transaction_id=transaction_id, meta=meta or [])
        self.orders[order.id] = order
        self.created_count += 1
        if announce and status not in DRAFTS:
            order.announced = True  # queued before the stock changes, as WooCommerce saves the order first
            world.fire("order", "created", order.id)
        if status != "pending":
            self.transition(order, status, quiet=True)
        return order

    # ---- changes ------------------------------------------------------------------------------------
    def touch(self, order: Order) -> None:
        order.modified = self.world.now()
        order.modified_seq = self.world.next_seq()
        if order.status in DRAFTS:
            return
        if not order.announced:
            order.announced = True
            self.world.fire("order", "created", order.id)
        else:
            self.world.fire("order", "updated", order.id)

    def transition(self, order: Order, new: str, *, quiet: bool = False, note: str = "") -> None:
        """Set the status with WooCommerce's side effects; ``quiet`` skips the save (used on creation)."""
        old = order.status
        world = self.world
        if new == "trash":
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): status",
                           params={"status": "use DELETE to move an order to the trash"})
        order.status = new
        if old == "trash":
            order.status_before_trash = None
        if new in PAID_STATUSES and order.date_paid is None:
            order.date_paid = world.now()
        if new == "completed" and order.date_completed is None:
            order.date_completed = world.now()
        if new != old:
            text = f"Status zamówienia zmieniony z {LABELS.get(old, old)} na {LABELS.get(new, new)}."
            self.add_note(order, f"{note} {text}".strip())
        if new in REDUCING and not order.stock_reduced:
            self.reduce_stock(order)
        elif new in RESTORING and order.stock_reduced:
            self.restore_stock(order)
        if not quiet:
            self.touch(order)

    def payment_complete(self, order: Order, transaction_id: str = "") -> None:
        if transaction_id:
            order.transaction_id = transaction_id
        if order.date_paid is None:
            order.date_paid = self.world.now()
        if order.status in ("pending", "on-hold", "failed", "cancelled", "checkout-draft"):
            self.transition(order, "processing")
        else:
            self.touch(order)

    def reduce_stock(self, order: Order) -> None:
        catalog = self.world.catalog
        changes = []
        for line in order.line_items:
            item = catalog.items.get(line.variation_id or line.product_id)
            if item is None or line.reduced:
                continue
            result = catalog.adjust_stock(item, -line.quantity)
            if result is not None:
                owner, old, new = result
                line.reduced, line.stock_owner_id = line.quantity, owner.id
                changes.append(f"{catalog.display_name(item)} ({item.sku or '#' + str(item.id)}) {old}→{new}")
        order.stock_reduced = True
        if not order.sales_recorded:
            order.sales_recorded = True
            for line in order.line_items:
                product = catalog.items.get(line.product_id)
                if product is not None:
                    product.total_sales += line.quantity
        if changes:
            self.add_note(order, "Obniżono stany magazynowe: " + ", ".join(changes))

    def restore_stock(self, order: Order) -> None:
        catalog = self.world.catalog
        changes = []
        for line in order.line_items:
            owner = catalog.items.get(line.stock_owner_id) if line.stock_owner_id else None
            if owner is not None and line.reduced and owner.manage_stock:
                old = owner.stock_quantity or 0
                catalog.set_quantity(owner, old + line.reduced)
                changes.append(f"{catalog.display_name(owner)} ({owner.sku or '#' + str(owner.id)}) {old}→{old + line.reduced}")
            line.reduced, line.stock_owner_id = 0, None
        order.stock_reduced = False
        if changes:
            self.add_note(order, "Przywrócono stany magazynowe: " + ", ".join(changes))

    def add_note(self, order: Order, text: str, customer_note: bool = False, author: str = "system") -> Note:
        note = Note(self.world.next_comment_id(), text, customer_note, author, self.world.now())
        order.notes.append(note)
        return note

    def trash(self, order: Order) -> None:
        order.status_before_trash = order.status
        order.status = "trash"
        order.modified = self.world.now()
        order.modified_seq = self.world.next_seq()
        self.world.fire("order", "deleted", order.id)

    def remove(self, order: Order) -> None:
        del self.orders[order.id]
        self.world.fire("order", "deleted", order.id, deleted=True)


def order_json(world: World, order: Order) -> dict[str, Any]:
    times = world.site_time
    catalog = world.catalog
    totals = order.totals()
    rate = Decimal(world.config.vat_rate)
    site = world.config.site()

    def line_json(line: LineItem) -> dict[str, Any]:
        item = catalog.items.get(line.variation_id or line.product_id)
        parent = catalog.items.get(line.product_id) if line.variation_id else None
        image = item.images[0] if item is not None and item.images else (parent.images[0] if parent and parent.images else None)
        return {
            "id": line.id, "name": line.name, "product_id": line.product_id, "variation_id": line.variation_id,
            "quantity": line.quantity, "tax_class": "",
            "subtotal": money(line.total), "subtotal_tax": money(line.total_tax),
            "total": money(line.total), "total_tax": money(line.total_tax),
            "taxes": [{"id": 1, "total": money(line.total_tax), "subtotal": money(line.total_tax)}],
            "meta_data": [dict(m) for m in line.meta],
            "sku": item.sku if item is not None else None,
            "global_unique_id": "",
            "price": float(line.total / line.quantity) if line.quantity else 0.0,
            "image": {"id": image or "", "src": catalog.attachments[image]["src"] if image else ""},
            "parent_name": parent.name if parent is not None else None,
        }

    def shipping_json(line: ShippingLine) -> dict[str, Any]:
        return {"id": line.id, "method_title": line.method_title, "method_id": line.method_id,
                "instance_id": str(line.instance_id), "total": money(line.total), "total_tax": money(line.total_tax),
                "taxes": [{"id": 1, "total": money(line.total_tax), "subtotal": ""}], "tax_status": "taxable",
                "meta_data": []}

    tax_lines = []
    if totals["total_tax"]:
        tax_lines.append({"id": order.id * 10 + 1, "rate_code": f"PL-VAT {world.config.vat_rate}%-1", "rate_id": 1,
                          "label": f"VAT {world.config.vat_rate}%", "compound": False,
                          "tax_total": money(totals["cart_tax"]), "shipping_tax_total": money(totals["shipping_tax"]),
                          "rate_percent": float(rate), "meta_data": []})
    root = world.rest_root()
    return {
        "id": order.id,
        "parent_id": 0,
        "status": order.status,
        "currency": "PLN",
        "version": world.config.wc_version,
        "prices_include_tax": True,
        **times.pair("date_created", order.created),
        **times.pair("date_modified", order.modified),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": money(totals["shipping_total"]),
        "shipping_tax": money(totals["shipping_tax"]),
        "cart_tax": money(totals["cart_tax"]),
        "total": money(totals["total"]),
        "total_tax": money(totals["total_tax"]),
        "customer_id": order.customer_id,
        "order_key": order.order_key,
        "billing": dict(order.billing),
        "shipping": dict(order.shipping),
        "payment_method": order.payment_method,
        "payment_method_title": order.payment_method_title,
        "transaction_id": order.transaction_id,
        "customer_ip_address": order.customer_ip_address,
        "customer_user_agent": order.customer_user_agent,
        "created_via": order.created_via,
        "customer_note": order.customer_note,
        **times.pair("date_completed", order.date_completed),
        **times.pair("date_paid", order.date_paid),
        "cart_hash": order.cart_hash,
        "number": str(order.id),
        "meta_data": [dict(m) for m in order.meta],
        "line_items": [line_json(line) for line in order.line_items],
        "tax_lines": tax_lines,
        "shipping_lines": [shipping_json(line) for line in order.shipping_lines],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "payment_url": f"{site}zamowienie/order-pay/{order.id}/?pay_for_order=true&key={order.order_key}",
        "is_editable": order.status in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": order.status in ("pending", "failed") and totals["total"] > 0,
        "needs_processing": any(not (catalog.items.get(li.variation_id or li.product_id) or Product(0)).virtual
                                for li in order.line_items),
        "currency_symbol": "zł",
        "_links": {"self": [{"href": f"{root}/orders/{order.id}"}], "collection": [{"href": f"{root}/orders"}]},
    }


def note_json(world: World, order: Order, note: Note) -> dict[str, Any]:
    root = world.rest_root()
    return {"id": note.id, "author": note.author, **world.site_time.pair("date_created", note.created),
            "note": note.note, "customer_note": note.customer_note,
            "_links": {"self": [{"href": f"{root}/orders/{order.id}/notes/{note.id}"}],
                       "collection": [{"href": f"{root}/orders/{order.id}/notes"}],
                       "up": [{"href": f"{root}/orders/{order.id}"}]}}
