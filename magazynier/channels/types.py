"""Plain values passed in and out of connectors (frozen dataclasses; money is Decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class AccountInfo:
    user_id: str
    login: str
    company_name: str = ""


@dataclass(frozen=True)
class RemoteListing:
    offer_id: str
    sku: str  # external.id; "" when the offer has none
    title: str
    status: str  # INACTIVE | ACTIVATING | ACTIVE | ENDED
    quantity: int | None
    price: Decimal | None
    category_id: str = ""
    product_id: str = ""


@dataclass(frozen=True)
class CatalogProduct:
    product_id: str
    name: str
    category_id: str
    category_path: str = ""
    parameter_ids: tuple[str, ...] = ()  # parameters the catalog product already supplies


@dataclass(frozen=True)
class OfferResult:
    """What the channel said about one offer after a create or edit."""

    offer_id: str
    status: str
    validation_errors: tuple[str, ...] = ()
    pending_operation: str = ""  # the channel is still processing (async edit); "" when done


@dataclass(frozen=True)
class OfferValue:
    """One offer's target in a write: a quantity (int) or a gross price (Decimal)."""

    offer_id: str
    value: int | Decimal


@dataclass(frozen=True)
class TaskOutcome:
    offer_id: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class CommandReport:
    command_id: str
    done: bool
    outcomes: tuple[TaskOutcome, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[TaskOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)


# ---------------------------------------------------------------- orders
# The one order vocabulary of every channel: connectors map their channel's states onto it.
AWAITING_PAYMENT, NEW, PROCESSING = "awaiting_payment", "new", "processing"
READY_FOR_SHIPMENT, READY_FOR_PICKUP = "ready_for_shipment", "ready_for_pickup"
SENT, PICKED_UP, SUSPENDED, CANCELLED, RETURNED = "sent", "picked_up", "suspended", "cancelled", "returned"
ORDER_STATUSES = (AWAITING_PAYMENT, NEW, PROCESSING, READY_FOR_SHIPMENT, READY_FOR_PICKUP, SENT, PICKED_UP,
                  SUSPENDED, CANCELLED, RETURNED)
UNPAID, PAID, CASH_ON_DELIVERY, REFUNDED = "unpaid", "paid", "cash_on_delivery", "refunded"
PAYMENT_STATUSES = (UNPAID, PAID, CASH_ON_DELIVERY, REFUNDED)


@dataclass(frozen=True)
class OrderEventRef:
    """One journal entry: which order changed (the order itself is read with get_order)."""

    event_id: str
    kind: str
    order_id: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class OrderChanges:
    events: tuple[OrderEventRef, ...]
    cursor: str | None  # the id of the last event returned, or the cursor given when there were none


@dataclass(frozen=True)
class PostalAddress:
    """Personal data: never in repr, logs or exceptions."""

    name: str = field(default="", repr=False)
    company: str = field(default="", repr=False)
    street: str = field(default="", repr=False)
    city: str = field(default="", repr=False)
    postal_code: str = field(default="", repr=False)
    country: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)


@dataclass(frozen=True)
class BuyerContact:
    """What fulfilment needs to reach the buyer. Personal data: never in repr, logs or exceptions."""

    login: str = field(default="", repr=False)
    email: str = field(default="", repr=False)
    name: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    delivery: PostalAddress | None = field(default=None, repr=False)
    pickup_point: str = field(default="", repr=False)  # "KRA01M — Paczkomat KRA01M, ul. …"
    message: str = field(default="", repr=False)  # the buyer's note to the seller


@dataclass(frozen=True)
class InvoiceRequest:
    """Who the buyer wants the invoice for (kept for the tax period). Never in repr or logs."""

    company: str = field(default="", repr=False)
    tax_id: str = field(default="", repr=False)  # NIP for Polish companies
    person: str = field(default="", repr=False)
    address: PostalAddress | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RemoteOrderLine:
    line_id: str
    offer_id: str
    sku: str  # the offer's external id; "" when it has none
    name: str
    quantity: int
    unit_price: Decimal  # gross, what the buyer pays per unit
    original_unit_price: Decimal | None = None
    vat_rate: str = ""  # "23", "8", "5", "0", "zw" … as the channel reports it; "" when it does not


@dataclass(frozen=True)
class RemoteOrder:
    external_id: str
    revision: str
    updated_at: datetime
    bought_at: datetime
    status: str  # one of ORDER_STATUSES
    channel_status: str  # the channel's own words, e.g. "READY_FOR_PROCESSING/PROCESSING"
    payment_status: str  # one of PAYMENT_STATUSES
    payment_method: str
    currency: str
    total: Decimal
    delivery_cost: Decimal
    delivery_method: str
    lines: tuple[RemoteOrderLine, ...]
    invoice_required: bool = False
    paid_amount: Decimal | None = None
    lines_sent: str = ""  # NONE | SOME | ALL, when the channel tracks it
    channel_took_stock: bool = True  # the channel took the units off its own offers (Woo: once paid or on hold)
    also_means: tuple[str, ...] = ()  # finer statuses the channel's one stands for (a shop's "processing")
    contact: BuyerContact = field(default_factory=BuyerContact, repr=False)
    invoice: InvoiceRequest | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RemoteShipment:
    shipment_id: str
    carrier_id: str
    waybill: str
    carrier_name: str = ""
    line_ids: tuple[str, ...] = ()
