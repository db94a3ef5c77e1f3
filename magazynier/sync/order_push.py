"""The seller's order changes back to the channel: fulfilment statuses and tracking numbers (the outbox is
`Order.push_status` and `Shipment.state`, written with the change).

* A status is a PUT with the order's revision. A stale revision (409) means the order changed on the channel:
  it is read again and stored, and the PUT repeated with the new revision — unless the order is now
  cancelled there, or already shows the status.
* A tracking number is a POST, which Allegro does not deduplicate: after an attempt whose answer was lost,
  the order's shipments are read first and a matching waybill is adopted instead of added twice.
* Transient failures back off; a refusal is final for that change, recorded on the order and alerted.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.errors import ChannelError, Conflict, InvalidRequest, NotFound, TransientError
from magazynier.channels.models import ChannelAccount
from magazynier.channels.types import CANCELLED
from magazynier.orders import actions
from magazynier.orders.models import Order, Shipment
from magazynier.sync.order_store import feeding_warehouses, store_order

PER_RUN = 50
CONFLICT_RETRIES = 3


def push_due(account: ChannelAccount, connector, result) -> None:
    now = timezone.now()
    due = Q(push_after__isnull=True) | Q(push_after__lte=now)
    warehouses = feeding_warehouses(account)
    for order in Order.objects.filter(due, account=account).exclude(push_status="").order_by("push_after")[:PER_RUN]:
        _push_status(account, connector, order, result, warehouses)
    shipments = (Shipment.objects.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                                         order__account=account, state=Shipment.PENDING)
                 .select_related("order", "order__account")[:PER_RUN])
    for shipment in shipments:
        _push_shipment(connector, shipment, result)


def _final(exc: ChannelError) -> str:
    detail = next((str(d) for d in exc.details if str(d)), "")
    return detail or str(exc)


def _push_status(account, connector, order: Order, result, warehouses) -> None:

    status = order.push_status
    attempts = actions.status_push_started(order)
    try:
        for _try in range(CONFLICT_RETRIES):
            try:
                connector.push_fulfillment(order.external_id, status, order.revision or None)
            except Conflict:
                store_order(account, connector.get_order(order.external_id), warehouses)
                order.refresh_from_db()
                if order.push_status != status:
                    return  # the channel already shows it
                if order.status == CANCELLED and status != CANCELLED:
                    actions.status_push_failed(order, _("The order was cancelled on the channel."), retry_at=None)
                    result.push_failed += 1
                    return
                continue
            actions.status_pushed(order, status)
            result.pushed += 1
            return
        actions.status_push_failed(order, _("The order kept changing on the channel; trying again later."),
                                   retry_at=timezone.now() + actions.push_delay(attempts))
    except (InvalidRequest, NotFound) as exc:
        actions.status_push_failed(order, _final(exc), retry_at=None)
        result.push_failed += 1
    except TransientError as exc:
        actions.status_push_failed(order, str(exc), retry_at=timezone.now() + actions.push_delay(attempts))
        raise


def _push_shipment(connector, shipment: Shipment, result) -> None:
    order = shipment.order
    try:
        if shipment.attempts:
            for remote in connector.shipments(order.external_id):
                if remote.waybill == shipment.waybill:
                    actions.shipment_sent(shipment, remote.shipment_id, adopted=True)
                    result.pushed += 1
                    return
        actions.shipment_started(shipment)
        remote = connector.add_shipment(order.external_id, shipment.carrier_id, shipment.waybill,
                                        carrier_name=shipment.carrier_name)
    except (InvalidRequest, Conflict, NotFound) as exc:
        actions.shipment_failed(shipment, _final(exc), retry_at=None)
        result.push_failed += 1
        return
    except TransientError as exc:
        actions.shipment_failed(shipment, str(exc),
                                retry_at=timezone.now() + actions.push_delay(shipment.attempts))
        raise
    actions.shipment_sent(shipment, remote.shipment_id)
    result.pushed += 1
