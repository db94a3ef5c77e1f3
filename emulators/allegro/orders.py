"""Orders: checkout forms (list/one), fulfillment status with revision check, shipments, carriers,
invoices (metadata + PDF file), the order event journal and its stats.

A checkout form holds one or more line items (a cart: several offers of one seller bought at once).
Each seller's forms are kept sorted by purchase time and by last change, so a listing never sorts:
the time bounds of its sort key are bisected, and only other filters need a pass over the forms.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from .formats import iso, money, new_uuid, parse_iso
from .journals_api import read_journal
from .order_data import CITIES, DELIVERY_METHODS, company_invoice, line_tax, parcel_locker, random_buyer
from .pipeline import Context, endpoint, require_dict
from .responses import ApiError, empty_response, json_response, not_found

if TYPE_CHECKING:
    from collections.abc import Callable

    from .offer_model import Offer
    from .world import World

READ = "allegro:api:orders:read"
WRITE = "allegro:api:orders:write"
FULFILLMENT_STATUSES = ("NEW", "PROCESSING", "READY_FOR_SHIPMENT", "READY_FOR_PICKUP", "SENT", "PICKED_UP",
                        "CANCELLED", "SUSPENDED", "RETURNED")
CARRIERS = [("INPOST", "InPost"), ("DPD", "DPD"), ("DHL", "DHL"), ("UPS", "UPS"), ("GLS", "GLS"),
            ("POCZTA_POLSKA", "Poczta Polska"), ("ORLEN_PACZKA", "Orlen Paczka"), ("FEDEX", "FedEx"),
            ("ALLEGRO", "Allegro Delivery"), ("OTHER", "Inny przewoźnik")]
STAGES = ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING")
PAYMENT_TYPES = ("ONLINE", "CASH_ON_DELIVERY")
SORT_KEYS = ("lineItems.boughtAt", "updatedAt")


@dataclass
class Invoice:
    id: str
    file_name: str
    invoice_number: str | None
    created_at: float
    uploaded_at: float | None = None
    size: int = 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "createdAt": iso(self.created_at)}
        if self.invoice_number:
            data["invoiceNumber"] = self.invoice_number
        file: dict[str, Any] = {"name": self.file_name}
        if self.uploaded_at is not None:
            file["uploadedAt"] = iso(self.uploaded_at)
            file["securityVerification"] = {"status": "ACCEPTED", "verifiedAt": iso(self.uploaded_at)}
        data["file"] = file
        return data


@dataclass
class CheckoutForm:
    id: str
    seller_id: str
    buyer: dict
    line_items: list[dict]
    bought_at: float
    updated_at: float
    delivery_cost: Decimal
    status: str = "BOUGHT"
    fulfillment: str = "NEW"
    payment_type: str = "ONLINE"
    payment: dict | None = None
    delivery: dict = field(default_factory=dict)
    version: int = 0
    shipments: list[dict] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    invoice: dict = field(default_factory=lambda: {"required": False})
    seq: int = 0  # creation order: breaks ties of bought_at
    change_seq: int = 0  # order of the last change: breaks ties of updated_at

    @property
    def revision(self) -> str:
        return hashlib.sha256(f"{self.id}:{self.version}".encode()).hexdigest()[:8]

    def total(self) -> Decimal:
        items = sum((Decimal(li["price"]["amount"]) * li["quantity"] for li in self.line_items), Decimal(0))
        return items + self.delivery_cost

    def lines_sent(self) -> str:
        sent = {li["id"] for s in self.shipments for li in s["lineItems"]}
        if not sent:
            return "NONE"
        return "ALL" if sent >= {li["id"] for li in self.line_items} else "SOME"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "buyer": self.buyer,
            "status": self.status,
            "fulfillment": {"status": self.fulfillment, "shipmentSummary": {"lineItemsSent": self.lines_sent()},
                            "provider": {"id": "SELLER"}},
            "delivery": {**self.delivery, "cost": money(self.delivery_cost)},
            "invoice": self.invoice,
            "lineItems": self.line_items,
            "surcharges": [],
            "note": {"text": ""},
            "marketplace": {"id": "allegro-pl"},
            "summary": {"totalToPay": money(self.total())},
            "updatedAt": iso(self.updated_at),
            "revision": self.revision,
        }
        if self.payment is not None:
            data["payment"] = self.payment
        return data

    def event_order(self) -> dict[str, Any]:
        buyer = {k: self.buyer[k] for k in ("id", "email", "login", "guest")}
        return {
            "seller": {"id": self.seller_id},
            "buyer": buyer,
            "lineItems": [{k: li[k] for k in ("id", "offer", "quantity", "originalPrice", "price", "boughtAt")}
                          for li in self.line_items],
            "checkoutForm": {"id": self.id, "revision": self.revision},
            "marketplace": {"id": "allegro-pl"},
        }


def to_millis(now: float) -> float:
    """A timestamp at Allegro's precision (ms): ``parse_iso(iso(t)) == t`` holds for the result, so a
    client's ``updatedAt.gte`` copied from a form always matches that form."""
    return round(now, 3)


class SortedForms:
    """Forms kept sorted by one timestamp, with the timestamps alongside for bisecting. New forms and
    changed ones almost always belong at the end (the clock moves forward), so keeping the order costs
    an append; a clock stepping back costs one insertion, never a sort."""

    def __init__(self, key: Callable[[CheckoutForm], float], order: Callable[[CheckoutForm], tuple]):
        self.key = key
        self.order = order  # the full order: key, then a sequence number for ties
        self.forms: list[CheckoutForm] = []
        self.keys: list[float] = []

    def add(self, form: CheckoutForm) -> None:
        value = self.key(form)
        if not self.keys or value >= self.keys[-1]:
            self.keys.append(value)
            self.forms.append(form)
        else:
            at = bisect.bisect_right(self.keys, value)
            self.keys.insert(at, value)
            self.forms.insert(at, form)

    def remove(self, form: CheckoutForm, value: float) -> None:
        """Take out ``form`` stored under ``value`` (its key before the change)."""
        for at in range(bisect.bisect_right(self.keys, value) - 1, bisect.bisect_left(self.keys, value) - 1, -1):
            if self.forms[at] is form:
                del self.keys[at], self.forms[at]
                return
        raise LookupError(form.id)

    def span(self, gte: float | None, lte: float | None) -> tuple[int, int]:
        """Positions [low, high) of the forms whose key lies within the bounds."""
        low = bisect.bisect_left(self.keys, gte) if gte is not None else 0
        high = bisect.bisect_right(self.keys, lte) if lte is not None else len(self.keys)
        return low, max(low, high)


def _updated_at(form: CheckoutForm) -> float:
    return form.updated_at


def _bought_at(form: CheckoutForm) -> float:
    return form.bought_at


def _updated_order(form: CheckoutForm) -> tuple[float, int]:
    return form.updated_at, form.change_seq


def _bought_order(form: CheckoutForm) -> tuple[float, int]:
    return form.bought_at, form.seq


class SellerForms:
    """One seller's forms sorted by purchase time and by last change."""

    def __init__(self) -> None:
        self.bought = SortedForms(_bought_at, _bought_order)
        self.updated = SortedForms(_updated_at, _updated_order)

    def add(self, form: CheckoutForm) -> None:
        self.bought.add(form)
        self.updated.add(form)


class OrderStore:
    def __init__(self, world: World):
        self.world = world
        self.forms: dict[str, CheckoutForm] = {}
        self.by_seller: dict[str, SellerForms] = {}
        self.created_count = 0
        self._changes = 0

    def emit(self, form: CheckoutForm, event_type: str, now: float) -> None:
        self.world.order_journal(form.seller_id).append(now, {"type": event_type, "order": form.event_order()})

    def touch(self, form: CheckoutForm, now: float) -> None:
        """Every change of a form: new revision, new ``updatedAt``."""
        index = self.by_seller[form.seller_id].updated
        index.remove(form, form.updated_at)
        form.version += 1
        form.updated_at = to_millis(now)
        self._changes += 1
        form.change_seq = self._changes
        index.add(form)

    def _add(self, form: CheckoutForm) -> None:
        self.created_count += 1
        self._changes += 1
        form.seq, form.change_seq = self.created_count, self._changes
        self.forms[form.id] = form
        self.by_seller.setdefault(form.seller_id, SellerForms()).add(form)

    def purchase(self, offer: Offer, quantity: int, now: float, stage: str = "READY_FOR_PROCESSING") -> CheckoutForm:
        """A buyer buys ``quantity`` units of one offer (a cart of one)."""
        return self.purchase_cart([(offer, quantity)], now, stage)

    def purchase_cart(self, items: list[tuple[Offer, int]], now: float, stage: str = "READY_FOR_PROCESSING", *,
                      payment_type: str = "ONLINE", invoice_company: bool = False,
                      pickup_point: bool = False) -> CheckoutForm:
        """A buyer buys several offers of one seller in one checkout form: stock drops, the form and its
        events appear. Everything is checked before anything changes (ValueError, nothing done)."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")
        if payment_type not in PAYMENT_TYPES:
            raise ValueError(f"paymentType must be one of {PAYMENT_TYPES}")
        wanted: dict[str, list] = {}  # offer id -> [offer, quantity]; the same offer twice adds up
        for offer, quantity in items:
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise ValueError(f"quantity of offer {offer.id} must be a positive integer")
            wanted.setdefault(offer.id, [offer, 0])[1] += quantity
        if not wanted:
            raise ValueError("a purchase needs at least one offer")
        sellers = {offer.seller_id for offer, _ in wanted.values()}
        if len(sellers) > 1:
            raise ValueError("all offers of one checkout form must belong to one seller")
        for offer, quantity in wanted.values():
            if not offer.is_live or offer.available < quantity:
                raise ValueError(f"offer {offer.id} is not active or has not enough stock")

        offers = self.world.offers
        now = to_millis(now)
        bought_at = iso(now)
        lines = []
        for offer, quantity in wanted.values():
            offer.sold += quantity
            offers.set_stock(offer, offer.available - quantity, now)
            offer_ref: dict[str, Any] = {"id": offer.id, "name": offer.name}
            if offer.external_id is not None:
                offer_ref["external"] = {"id": offer.external_id}
            price = money(offer.price or Decimal(0), offer.currency)
            lines.append({"id": new_uuid(), "offer": offer_ref, "quantity": quantity, "originalPrice": price,
                          "price": price, "tax": line_tax(offer), "boughtAt": bought_at})

        rng = self.world.rng
        buyer = random_buyer(rng)
        address = buyer["address"]
        method = DELIVERY_METHODS[(pickup_point, payment_type == "CASH_ON_DELIVERY")]
        delivery: dict[str, Any] = {
            "address": {"firstName": buyer["firstName"], "lastName": buyer["lastName"],
                        "street": address["street"], "city": address["city"], "zipCode": address["postCode"],
                        "countryCode": "PL", "phoneNumber": buyer["phoneNumber"]},
            "method": {"id": method.id, "name": method.name},
            "smart": False, "calculatedNumberOfPackages": 1}
        form = CheckoutForm(id=new_uuid(), seller_id=sellers.pop(), buyer=buyer, line_items=lines,
                            bought_at=now, updated_at=now, delivery_cost=method.cost, payment_type=payment_type,
                            delivery=delivery)
        if invoice_company:
            form.invoice = company_invoice(rng)
        if pickup_point:
            delivery["pickupPoint"] = parcel_locker(rng, address["city"], address["postCode"])
        self._add(form)
        self.emit(form, "BOUGHT", now)
        for next_stage in STAGES[1:STAGES.index(stage) + 1]:
            self.advance(form, next_stage, now)
        return form

    def advance(self, form: CheckoutForm, stage: str, now: float) -> None:
        """Buyer fills in the form (FILLED_IN) or pays / confirms cash on delivery (READY_FOR_PROCESSING)."""
        if stage not in STAGES[1:]:
            raise ValueError(f"stage must be one of {STAGES[1:]}")
        if form.status == "CANCELLED":
            raise ValueError("order is cancelled")
        form.status = stage
        if stage == "READY_FOR_PROCESSING":
            if form.payment_type == "CASH_ON_DELIVERY":
                form.payment = {"id": new_uuid(), "type": "CASH_ON_DELIVERY", "provider": "OFFLINE"}
            else:
                form.payment = {"id": new_uuid(), "type": "ONLINE", "provider": "P24", "finishedAt": iso(now),
                                "paidAmount": money(form.total())}
        self.touch(form, now)
        self.emit(form, stage, now)

    def buyer_modify(self, form: CheckoutForm, now: float) -> None:
        """The buyer changes the delivery address of an unpaid order (event BUYER_MODIFIED)."""
        if form.status not in ("BOUGHT", "FILLED_IN"):
            raise ValueError("only unpaid orders can be modified by the buyer")
        city, post_code = self.world.rng.choice(CITIES)
        address = form.delivery["address"]
        address.update({"city": city, "zipCode": post_code, "modifiedAt": iso(now),
                        "street": f"ul. Lipowa {self.world.rng.randrange(1, 90)}"})
        self.touch(form, now)
        self.emit(form, "BUYER_MODIFIED", now)

    def cancel(self, form: CheckoutForm, now: float, by_buyer: bool, event: str = "BUYER_CANCELLED") -> None:
        """Buyer cancellation (event BUYER_CANCELLED), automatic cancellation of an unpaid order
        (AUTO_CANCELLED) or the seller's cancellation in the panel (no event)."""
        form.status = "CANCELLED"
        form.fulfillment = "CANCELLED"
        self.touch(form, now)
        for line in form.line_items:
            offer = self.world.offers.offers.get(line["offer"]["id"])
            if offer is not None and offer.status != "ENDED":
                offer.sold -= line["quantity"]
                self.world.offers.set_stock(offer, offer.available + line["quantity"], now, emit=by_buyer)
        if by_buyer:
            self.emit(form, event, now)

    def set_fulfillment(self, form: CheckoutForm, status: str, now: float, *, emit: bool) -> bool:
        """The seller sets the fulfillment status (API: with an event; panel: see World). Returns whether
        anything changed; ValueError for a status the seller cannot set."""
        if status not in FULFILLMENT_STATUSES or status == "RETURNED":
            raise ValueError(f"Status {status!r} cannot be set by the seller")
        if form.status == "CANCELLED" and status != "CANCELLED":
            raise ValueError("Order is cancelled")
        if status == form.fulfillment:
            return False
        form.fulfillment = status
        self.touch(form, now)
        if emit:
            self.emit(form, "FULFILLMENT_STATUS_CHANGED", now)
        return True

    def owned(self, form_id: str, seller_id: str) -> CheckoutForm:
        form = self.forms.get(form_id)
        if form is None or form.seller_id != seller_id:
            raise not_found("checkout form")
        return form

    def query(self, seller_id: str, *, sort: str, bounds: dict[str, float | None],
              match: Callable[[CheckoutForm], bool] | None, offset: int, limit: int
              ) -> tuple[list[CheckoutForm], int]:
        """One page of a seller's forms and the number of all that match. The time bounds are bisected
        in both orders; without other filters the page is a slice of the sorted forms, otherwise the
        narrower of the two time windows is filtered (and, if it is the other order's, sorted: only
        that window, never all forms)."""
        index = self.by_seller.get(seller_id)
        if index is None:
            return [], 0
        by_updated = sort.lstrip("-") == "updatedAt"
        own, other = (index.updated, index.bought) if by_updated else (index.bought, index.updated)
        own_name, other_name = ("updatedAt", "lineItems.boughtAt") if by_updated else ("lineItems.boughtAt",
                                                                                       "updatedAt")
        own_gte, own_lte = bounds[own_name + ".gte"], bounds[own_name + ".lte"]
        other_gte, other_lte = bounds[other_name + ".gte"], bounds[other_name + ".lte"]
        low, high = own.span(own_gte, own_lte)
        if match is None and other_gte is None and other_lte is None:
            found, first, total = own.forms, low, high - low
        else:
            other_low, other_high = other.span(other_gte, other_lte)
            if other_high - other_low < high - low:
                found = [form for form in other.forms[other_low:other_high]
                         if (own_gte is None or own.key(form) >= own_gte)
                         and (own_lte is None or own.key(form) <= own_lte)
                         and (match is None or match(form))]
                found.sort(key=own.order)
            else:
                found = [form for form in own.forms[low:high]
                         if (other_gte is None or other.key(form) >= other_gte)
                         and (other_lte is None or other.key(form) <= other_lte)
                         and (match is None or match(form))]
            first, total = 0, len(found)
        if offset >= total:
            return [], total
        if sort.startswith("-"):
            stop = first + total - offset
            return found[max(first, stop - limit):stop][::-1], total
        return found[first + offset:first + min(offset + limit, total)], total


# ---- handlers -----------------------------------------------------------------------------------


def _time_filter(ctx: Context, name: str) -> float | None:
    raw = ctx.query(name)
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError as exc:
        raise ApiError(422, "VALIDATION_ERROR", f"Invalid date-time in {name}", path=name) from exc


@endpoint(scope=READ)
def list_checkout_forms(ctx: Context):
    limit = ctx.query_int("limit", 100, 1, 100)
    offset = ctx.query_int("offset", 0, 0, 10_000_000)
    status = ctx.query("status")
    fulfillment = ctx.query("fulfillment.status")
    login = ctx.query("buyer.login")
    bounds = {name: _time_filter(ctx, name) for name in
              ("updatedAt.gte", "updatedAt.lte", "lineItems.boughtAt.gte", "lineItems.boughtAt.lte")}
    sort = ctx.query("sort", "-lineItems.boughtAt")
    if sort.lstrip("-") not in SORT_KEYS:
        raise ApiError(400, "VALIDATION_ERROR", "Unsupported sort", path="sort")

    def match(form: CheckoutForm) -> bool:
        return ((not status or form.status == status) and (not fulfillment or form.fulfillment == fulfillment)
                and (not login or form.buyer["login"] == login))

    page, total = ctx.world.orders.query(ctx.seller_id, sort=sort, bounds=bounds,
                                         match=match if status or fulfillment or login else None,
                                         offset=offset, limit=limit)
    return json_response({"checkoutForms": [f.to_json() for f in page], "count": len(page),
                          "totalCount": total})


@endpoint(scope=READ)
def get_checkout_form(ctx: Context):
    return json_response(ctx.world.orders.owned(ctx.path["id"], ctx.seller_id).to_json())


@endpoint(scope=WRITE, body="json")
def put_fulfillment(ctx: Context):
    form = ctx.world.orders.owned(ctx.path["id"], ctx.seller_id)
    revision = ctx.query("checkoutForm.revision")
    if revision is not None and revision != form.revision:
        raise ApiError(409, "CONFLICT", "Checkout form revision is outdated",
                       "Zamówienie zostało zmienione. Odśwież dane i spróbuj ponownie.",
                       metadata={"revision": form.revision})
    status = require_dict(ctx.body).get("status")
    try:
        ctx.world.orders.set_fulfillment(form, str(status), ctx.now, emit=True)
    except ValueError as exc:
        raise ApiError(422, "VALIDATION_ERROR", str(exc), path="status") from exc
    return empty_response(204)


@endpoint(user=False)
def list_carriers(ctx: Context):
    return json_response({"carriers": [{"id": cid, "name": name} for cid, name in CARRIERS]})


@endpoint(scope=WRITE, body="json")
def post_shipment(ctx: Context):
    form = ctx.world.orders.owned(ctx.path["id"], ctx.seller_id)
    body = require_dict(ctx.body)
    carrier_id, waybill = body.get("carrierId"), body.get("waybill")
    if carrier_id not in {cid for cid, _ in CARRIERS}:
        raise ApiError(422, "VALIDATION_ERROR", "Unknown carrierId", path="carrierId")
    if not isinstance(waybill, str) or not 1 <= len(waybill) <= 64:
        raise ApiError(422, "VALIDATION_ERROR", "waybill must have 1 to 64 characters", path="waybill")
    carrier_name = body.get("carrierName")
    if carrier_id == "OTHER" and not carrier_name:
        raise ApiError(422, "VALIDATION_ERROR", "carrierName is required for OTHER", path="carrierName")
    known = {li["id"] for li in form.line_items}
    wanted = [str(li.get("id")) for li in body.get("lineItems") or []] or sorted(known)
    if not set(wanted) <= known:
        raise ApiError(422, "VALIDATION_ERROR", "Unknown line item", path="lineItems")
    shipment = {"id": new_uuid(), "waybill": waybill, "carrierId": carrier_id,
                "carrierName": carrier_name or dict(CARRIERS)[carrier_id],
                "lineItems": [{"id": i} for i in wanted], "createdAt": iso(ctx.now)}
    form.shipments.append(shipment)
    ctx.world.orders.touch(form, ctx.now)
    return json_response(shipment, status=201)


@endpoint(scope=READ)
def list_shipments(ctx: Context):
    form = ctx.world.orders.owned(ctx.path["id"], ctx.seller_id)
    return json_response({"shipments": form.shipments})


@endpoint(scope=WRITE, body="json")
def post_invoice(ctx: Context):
    form = ctx.world.orders.owned(ctx.path["id"], ctx.seller_id)
    body = require_dict(ctx.body)
    file = body.get("file")
    if not isinstance(file, dict) or not file.get("name"):
        raise ApiError(422, "VALIDATION_ERROR", "file.name is required", path="file.name")
    if len(form.invoices) >= ctx.world.config.limits.invoices_per_order:
        raise ApiError(422, "INVOICES_LIMIT_EXCEEDED",
                       f"An order can have at most {ctx.world.config.limits.invoices_per_order} invoices",
                       "Osiągnięto limit faktur dla zamówienia.")
    invoice = Invoice(new_uuid(), str(file["name"]), body.get("invoiceNumber"), ctx.now)
    form.invoices.append(invoice)  # no idempotency: a repeated POST makes another invoice
    return json_response({"id": invoice.id}, status=201)


@endpoint(scope=WRITE, body="pdf")
def put_invoice_file(ctx: Context):
    form = ctx.world.orders.owned(ctx.path["id"], ctx.seller_id)
    invoice = next((i for i in form.invoices if i.id == ctx.path["invoiceId"]), None)
    if invoice is None:
        raise not_found("invoice")
    content: bytes = ctx.body
    if len(content) > ctx.world.config.limits.invoice_max_bytes:
        raise ApiError(413, "FILE-TOO-LARGE", "Invoice file is larger than 3 MB", "Plik jest za duży.")
    if not content:
        raise ApiError(422, "EMPTY-ATTACHMENT", "Invoice file is empty", "Plik jest pusty.")
    if not content.startswith(b"%PDF-"):
        raise ApiError(422, "FILE-CONTENT-INVALID", "Invoice file is not a PDF document",
                       "Plik nie jest dokumentem PDF.")
    if invoice.uploaded_at is not None:
        raise ApiError(409, "INVOICE-FILE-ALREADY-UPLOADED", "This invoice already has a file",
                       "Faktura ma już plik.")
    invoice.uploaded_at, invoice.size = ctx.now, len(content)
    return empty_response(200)


@endpoint(scope=READ)
def list_invoices(ctx: Context):
    form = ctx.world.orders.owned(ctx.path["id"], ctx.seller_id)
    return json_response({"orderMode": "REGULAR", "invoices": [i.to_json() for i in form.invoices],
                          "hasExternalInvoices": False})


ORDER_EVENT_TYPES = {"BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "BUYER_CANCELLED",
                     "FULFILLMENT_STATUS_CHANGED", "BUYER_MODIFIED", "AUTO_CANCELLED"}


@endpoint(scope=READ)
def order_events(ctx: Context):
    journal = ctx.world.order_journal(ctx.seller_id)
    return json_response({"events": read_journal(ctx, journal, ORDER_EVENT_TYPES)})


@endpoint(scope=READ)
def order_event_stats(ctx: Context):
    latest = ctx.world.order_journal(ctx.seller_id).latest(ctx.now)
    if latest is None:
        return json_response({})
    return json_response({"latestEvent": {"id": latest.id, "occurredAt": iso(latest.occurred_at)}})


ROUTES = [
    Route("/order/checkout-forms", list_checkout_forms, methods=["GET"]),
    Route("/order/checkout-forms/{id}", get_checkout_form, methods=["GET"]),
    Route("/order/checkout-forms/{id}/fulfillment", put_fulfillment, methods=["PUT"]),
    Route("/order/checkout-forms/{id}/shipments", post_shipment, methods=["POST"]),
    Route("/order/checkout-forms/{id}/shipments", list_shipments, methods=["GET"]),
    Route("/order/checkout-forms/{id}/invoices", post_invoice, methods=["POST"]),
    Route("/order/checkout-forms/{id}/invoices", list_invoices, methods=["GET"]),
    Route("/order/checkout-forms/{id}/invoices/{invoiceId}/file", put_invoice_file, methods=["PUT"]),
    Route("/order/carriers", list_carriers, methods=["GET"]),
    Route("/order/events", order_events, methods=["GET"]),
    Route("/order/event-stats", order_event_stats, methods=["GET"]),
]
