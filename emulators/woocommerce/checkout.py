"""The storefront checkout: a buyer purchases products/variations; the order lands in the status the
payment method gives it (as WooCommerce gateways do):

* ``przelewy24`` paid → ``processing`` (``date_paid``, ``transaction_id``); unpaid → ``pending``;
* ``bacs`` (bank transfer) → ``on-hold`` until the owner marks it paid;
* ``cod`` (cash on delivery) → ``processing``; WooCommerce sets ``date_paid`` when an order reaches
  processing, so a COD order has a ``date_paid`` although no money moved.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .buyers import random_buyer
from .orders import SHIPPING_METHODS, Order
from .products import Product

if TYPE_CHECKING:
    from .world import World

PAYMENT_METHODS = ("przelewy24", "bacs", "cod")
USER_AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
               "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
               "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36")


class PurchaseRefused(ValueError):
    """The checkout refuses (HTTP 409 on the admin API): out of stock, not purchasable …"""


def resolve_item(world: World, spec: dict[str, Any]) -> Product:
    """``{"sku"}`` or ``{"product_id", "variation_id"?}`` → the product or variation. KeyError if unknown."""
    catalog = world.catalog
    if spec.get("sku"):
        item = catalog.find_sku(str(spec["sku"]))
        if item is None:
            raise KeyError(f"sku {spec['sku']}")
        return item
    variation_id = int(spec.get("variation_id") or 0)
    product_id = int(spec.get("product_id") or 0)
    item = catalog.items.get(variation_id or product_id)
    if item is None or (variation_id and item.parent_id != product_id and product_id):
        raise KeyError(f"product {product_id}/{variation_id}")
    return item


def check_purchasable(world: World, wanted: list[tuple[Product, int]]) -> None:
    catalog = world.catalog
    per_owner: dict[int, int] = defaultdict(int)
    for item, quantity in wanted:
        name = catalog.display_name(item)
        if quantity < 1:
            raise PurchaseRefused(f"quantity for {name} must be at least 1")
        if item.type == "variable":
            raise PurchaseRefused(f"{name} is a variable product: choose a variation")
        if not catalog.purchasable(item):
            raise PurchaseRefused(f"{name} cannot be purchased (not published or no price)")
        if catalog.stock_status(item) == "outofstock":
            raise PurchaseRefused(f"{name} is out of stock")
        owner = catalog.stock_owner(item)
        if owner is not None:
            per_owner[owner.id] += quantity
    for owner_id, quantity in per_owner.items():
        owner = catalog.items[owner_id]
        available = owner.stock_quantity or 0
        if owner.backorders == "no" and quantity > available:
            raise PurchaseRefused(f"not enough stock of {catalog.display_name(owner)}: "
                                  f"{available} available, {quantity} wanted")


def purchase(world: World, items: list[dict[str, Any]], *, payment_method: str = "przelewy24", paid: bool = True,
             invoice: bool = False, customer_note: str = "") -> Order:
    """Caller holds the world lock. Nothing changes when the purchase is refused."""
    if payment_method not in PAYMENT_METHODS:
        raise ValueError(f"payment_method must be one of {', '.join(PAYMENT_METHODS)}")
    if not isinstance(items, list) or not items:
        raise ValueError("items must be a non-empty list")
    wanted = []
    for spec in items:
        if not isinstance(spec, dict):
            raise ValueError("each item must be an object with sku or product_id")
        quantity = spec.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise ValueError("quantity must be an integer")
        wanted.append((resolve_item(world, spec), quantity))
    check_purchasable(world, wanted)
    rng = world.rng
    buyer = random_buyer(rng, company=invoice)
    orders = world.orders
    lines = [orders.line_for(item, quantity) for item, quantity in wanted]
    if payment_method == "cod":
        method = SHIPPING_METHODS[2]
    else:
        method = SHIPPING_METHODS[rng.randrange(2)]
    meta = [{"id": world.next_meta_id(), "key": "_wc_order_attribution_source_type", "value": "typein"},
            {"id": world.next_meta_id(), "key": "_wc_order_attribution_device_type",
             "value": rng.choice(("Desktop", "Mobile"))}]
    if invoice:
        meta.append({"id": world.next_meta_id(), "key": "_billing_nip", "value": buyer["nip"]})
    if payment_method == "przelewy24":
        status = "processing" if paid else "pending"
    elif payment_method == "bacs":
        status = "on-hold"
    else:
        status = "processing"
    transaction_id = f"{rng.randint(300_000_000, 399_999_999)}" if payment_method == "przelewy24" and paid else ""
    order = orders.new_order(status=status, created_via="checkout", lines=lines, billing=buyer["billing"],
                             shipping=buyer["shipping"], payment_method=payment_method,
                             shipping_lines=[orders.shipping_line(method)], customer_note=customer_note,
                             meta=meta, transaction_id=transaction_id)
    order.customer_ip_address = f"{rng.choice((31, 46, 77, 78, 83, 89, 91, 188, 213))}.{rng.randint(0, 255)}." \
                                f"{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    order.customer_user_agent = rng.choice(USER_AGENTS)
    order.cart_hash = hashlib.md5(f"{order.id}{order.order_key}".encode(), usedforsecurity=False).hexdigest()
    world.count("purchases")
    return order
