"""Order statuses: the one vocabulary of every channel (channels.types), its labels, and which changes a
seller may make. A channel's own report is applied as it comes (the channel is the truth about the buyer's
side); these rules apply to what the seller asks for in the panel or the CLI.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from magazynier.channels import types as t

LABELS = {
    t.AWAITING_PAYMENT: _("awaiting payment"),
    t.NEW: _("new"),
    t.PROCESSING: _("processing"),
    t.READY_FOR_SHIPMENT: _("ready for shipment"),
    t.READY_FOR_PICKUP: _("ready for pickup"),
    t.SENT: _("sent"),
    t.PICKED_UP: _("picked up"),
    t.SUSPENDED: _("suspended"),
    t.CANCELLED: _("cancelled"),
    t.RETURNED: _("returned"),
}
STATUS_CHOICES = [(status, LABELS[status]) for status in t.ORDER_STATUSES]
PAYMENT_CHOICES = [(t.UNPAID, _("unpaid")), (t.PAID, _("paid")), (t.CASH_ON_DELIVERY, _("cash on delivery")),
                   (t.REFUNDED, _("refunded"))]

OPEN = frozenset({t.AWAITING_PAYMENT, t.NEW, t.PROCESSING, t.READY_FOR_SHIPMENT, t.READY_FOR_PICKUP, t.SUSPENDED})
SHIPPED = frozenset({t.SENT, t.PICKED_UP})
CLOSED = frozenset({t.CANCELLED, t.RETURNED})

_PACKING = {t.PROCESSING, t.READY_FOR_SHIPMENT, t.READY_FOR_PICKUP, t.SUSPENDED, t.CANCELLED}
SELLER_TRANSITIONS: dict[str, frozenset[str]] = {
    t.AWAITING_PAYMENT: frozenset({t.CANCELLED}),
    t.NEW: frozenset(_PACKING),
    t.PROCESSING: frozenset(_PACKING - {t.PROCESSING} | {t.SENT}),
    t.READY_FOR_SHIPMENT: frozenset({t.PROCESSING, t.SENT, t.SUSPENDED, t.CANCELLED}),
    t.READY_FOR_PICKUP: frozenset({t.PROCESSING, t.PICKED_UP, t.SUSPENDED, t.CANCELLED}),
    t.SUSPENDED: frozenset({t.PROCESSING, t.READY_FOR_SHIPMENT, t.READY_FOR_PICKUP, t.CANCELLED}),
    t.SENT: frozenset(),
    t.PICKED_UP: frozenset(),
    t.CANCELLED: frozenset(),
    t.RETURNED: frozenset(),
}


def allowed_next(status: str) -> list[str]:
    """Statuses a seller may move an order to, in the lifecycle's order."""
    allowed = SELLER_TRANSITIONS.get(status, frozenset())
    return [s for s in t.ORDER_STATUSES if s in allowed]


def label(status: str) -> str:
    return str(LABELS.get(status, status))
