"""Orders: checkout forms (list/one), fulfillment status with revision check, shipments, carriers,
invoices (metadata + PDF file), the order event journal and its stats.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from .formats import iso, money, new_uuid, parse_iso
from .journals_api import read_journal
from .pipeline import Context, endpoint, require_dict
from .responses import ApiError, empty_response, json_response, not_found

if TYPE_CHECKING:
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
FIRST_NAMES = ["Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Michał", "Ewa",
               "Krzysztof"]
LAST_NAMES = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska",
              "Szymański", "Dąbrowska", "Kozłowski"]
CITIES = [("Warszawa", "00-001"), ("Kraków", "30-001"), ("Gdańsk", "80-001"), ("Poznań", "60-001"),
          ("Wrocław", "50-001"), ("Łódź", "90-001")]


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
    payment: dict | None = None
    delivery: dict = field(default_factory=dict)
    version: int = 0
    shipments: list[dict] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    invoice_required: bool = False

    @property
    def revision(self) -> str:
        return hashlib.sha256(f"{self.id}:{self.version}".encode()).hexdigest()[:8]

    def touch(self, now: float) -> None:
        self.version += 1
        self.updated_at = now

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
            "invoice": {"required": self.invoice_required},
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


class OrderStore:
    def __init__(self, world: World):
        self.world = world
        self.forms: dict[str, CheckoutForm] = {}

    def emit(self, form: CheckoutForm, event_type: str, now: float) -> None:
        self.world.order_journal(form.seller_id).append(now, {"type": event_type, "order": form.event_order()})

    def _buyer(self) -> dict[str, Any]:
        rng = self.world.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        number = rng.randrange(10_000, 99_999_999)
        city, post_code = rng.choice(CITIES)
        return {"id": str(number), "email": f"{first.lower()}.{number}@allegromail.pl",
                "login": f"{first.lower()}_{number}", "firstName": first, "lastName": last, "guest": False,
                "phoneNumber": f"+48 600 {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
                "preferences": {"language": "pl-PL"},
                "address": {"street": f"ul. Kwiatowa {rng.randrange(1, 120)}", "city": city,
                            "postCode": post_code, "countryCode": "PL"}}

    def purchase(self, offer: Offer, quantity: int, now: float, stage: str = "READY_FOR_PROCESSING") -> CheckoutForm:
        """A buyer buys ``quantity`` units: stock drops, a checkout form and its events appear."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")
        if not offer.is_live or offer.available < quantity or quantity < 1:
            raise ValueError("offer is not active or has not enough stock")
        offers = self.world.offers
        offer.sold += quantity
        offers.set_stock(offer, offer.available - quantity, now)
        buyer = self._buyer()
        offer_ref: dict[str, Any] = {"id": offer.id, "name": offer.name}
        if offer.external_id is not None:
            offer_ref["external"] = {"id": offer.external_id}
        price = money(offer.price or Decimal(0), offer.currency)
        line = {"id": new_uuid(), "offer": offer_ref, "quantity": quantity, "originalPrice": price,
                "price": price, "boughtAt": iso(now)}
        address = buyer["address"]
        form = CheckoutForm(
            id=new_uuid(), seller_id=offer.seller_id, buyer=buyer, line_items=[line], bought_at=now,
            updated_at=now, delivery_cost=Decimal("12.99"),
            delivery={"address": {"firstName": buyer["firstName"], "lastName": buyer["lastName"],
                                  "street": address["street"], "city": address["city"],
                                  "zipCode": address["postCode"], "countryCode": "PL",
                                  "phoneNumber": buyer["phoneNumber"]},
                      "method": {"id": "b20ef9e1-faa2-4f25-9032-adbea23e5cb9", "name": "Allegro Kurier DPD"},
                      "smart": False, "calculatedNumberOfPackages": 1},
        )
        self.forms[form.id] = form
        self.emit(form, "BOUGHT", now)
        for next_stage in STAGES[1:STAGES.index(stage) + 1]:
            self.advance(form, next_stage, now)
        return form

    def advance(self, form: CheckoutForm, stage: str, now: float) -> None:
        """Buyer fills in the form (FILLED_IN) or pays (READY_FOR_PROCESSING)."""
        if form.status == "CANCELLED":
            raise ValueError("order is cancelled")
        form.status = stage
        if stage == "READY_FOR_PROCESSING":
            form.payment = {"id": new_uuid(), "type": "ONLINE", "provider": "P24", "finishedAt": iso(now),
                            "paidAmount": money(form.total())}
        form.touch(now)
        self.emit(form, stage, now)

    def buyer_modify(self, form: CheckoutForm, now: float) -> None:
        """The buyer changes the delivery address of an unpaid order (event BUYER_MODIFIED)."""
        if form.status not in ("BOUGHT", "FILLED_IN"):
            raise ValueError("only unpaid orders can be modified by the buyer")
        city, post_code = self.world.rng.choice(CITIES)
        address = form.delivery["address"]
        address.update({"city": city, "zipCode": post_code, "modifiedAt": iso(now),
                        "street": f"ul. Lipowa {self.world.rng.randrange(1, 90)}"})
        form.touch(now)
        self.emit(form, "BUYER_MODIFIED", now)

    def cancel(self, form: CheckoutForm, now: float, by_buyer: bool, event: str = "BUYER_CANCELLED") -> None:
        """Buyer cancellation (event BUYER_CANCELLED), automatic cancellation of an unpaid order
        (AUTO_CANCELLED) or the seller's cancellation in the panel (no event)."""
        form.status = "CANCELLED"
        form.fulfillment = "CANCELLED"
        form.touch(now)
        for line in form.line_items:
            offer = self.world.offers.offers.get(line["offer"]["id"])
            if offer is not None and offer.status != "ENDED":
                offer.sold -= line["quantity"]
                self.world.offers.set_stock(offer, offer.available + line["quantity"], now, emit=by_buyer)
        if by_buyer:
            self.emit(form, event, now)

    def owned(self, form_id: str, seller_id: str) -> CheckoutForm:
        form = self.forms.get(form_id)
        if form is None or form.seller_id != seller_id:
            raise not_found("checkout form")
        return form


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
    found = []
    for form in ctx.world.orders.forms.values():
        if form.seller_id != ctx.seller_id:
            continue
        if status and form.status != status:
            continue
        if fulfillment and form.fulfillment != fulfillment:
            continue
        if login and form.buyer["login"] != login:
            continue
        if bounds["updatedAt.gte"] is not None and form.updated_at < bounds["updatedAt.gte"]:
            continue
        if bounds["updatedAt.lte"] is not None and form.updated_at > bounds["updatedAt.lte"]:
            continue
        if bounds["lineItems.boughtAt.gte"] is not None and form.bought_at < bounds["lineItems.boughtAt.gte"]:
            continue
        if bounds["lineItems.boughtAt.lte"] is not None and form.bought_at > bounds["lineItems.boughtAt.lte"]:
            continue
        found.append(form)
    sort = ctx.query("sort", "-lineItems.boughtAt")
    if sort.lstrip("-") not in ("lineItems.boughtAt", "updatedAt"):
        raise ApiError(400, "VALIDATION_ERROR", "Unsupported sort", path="sort")
    key = (lambda f: f.bought_at) if sort.lstrip("-") == "lineItems.boughtAt" else (lambda f: f.updated_at)
    found.sort(key=key, reverse=sort.startswith("-"))
    page = found[offset:offset + limit]
    return json_response({"checkoutForms": [f.to_json() for f in page], "count": len(page),
                          "totalCount": len(found)})


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
    if status not in FULFILLMENT_STATUSES or status == "RETURNED":
        raise ApiError(422, "VALIDATION_ERROR", f"Status {status!r} cannot be set by the seller", path="status")
    if form.status == "CANCELLED" and status != "CANCELLED":
        raise ApiError(422, "VALIDATION_ERROR", "Order is cancelled", path="status")
    if status != form.fulfillment:
        form.fulfillment = status
        form.touch(ctx.now)
        ctx.world.orders.emit(form, "FULFILLMENT_STATUS_CHANGED", ctx.now)
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
    form.touch(ctx.now)
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
