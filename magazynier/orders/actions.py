"""The only writes of orders: import from a channel, the seller's status changes and tracking numbers, matching
an unknown line, and recording what the channel said to our write-backs.

Stock follows the order in the same transaction as the order itself:
* an open order reserves its matched lines at once (inventory.reserve_across), so the sync engine moves every
  other channel's quantity; a line the pool cannot cover is reserved anyway and the order is flagged
  oversold (it is never dropped);
* a cancelled order releases what it reserved; a shipped order's reservation leaves the warehouse as a sale;
* an order first seen already shipped or cancelled (an import of past orders) changes no stock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.catalog.models import Variant
from magazynier.channels import types as t
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.core import changes as data_changes
from magazynier.inventory import actions as stock
from magazynier.inventory.exceptions import StockError
from magazynier.inventory.models import Reservation
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert
from magazynier.orders.models import Order, OrderEvent, OrderLine, Shipment
from magazynier.orders.status import OPEN, SELLER_TRANSITIONS, SHIPPED, label


class OrderActionError(Exception):
    """A change the seller asked for that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Upserted:
    order: Order
    created: bool = False
    changed: bool = False
    stale: bool = False  # the channel's answer was older than what we hold: nothing changed
    cancelled: bool = False  # this answer cancelled an order that was not cancelled before
    took_stock_before: bool = False  # whether the channel's own stock was down by the order before this answer


def unmatched_alert_key(order: Order) -> str:
    return f"order-unmatched:{order.pk}"


def oversold_alert_key(order: Order) -> str:
    return f"order-oversold:{order.pk}"


def _event(order: Order, kind: str, message: str, source: str = OrderEvent.SYSTEM, user=None) -> None:
    OrderEvent.objects.create(order=order, kind=kind, message=message, source=source, user=user)


def _contact_json(remote: t.RemoteOrder) -> str:
    return json.dumps(asdict(remote.contact), ensure_ascii=False)


def _invoice_json(remote: t.RemoteOrder) -> str:
    return json.dumps(asdict(remote.invoice), ensure_ascii=False) if remote.invoice else ""


# ---------------------------------------------------------------- import
def _variant_for(account: ChannelAccount, line: t.RemoteOrderLine, listings: dict[str, int | None],
                 by_sku: dict[str, int]) -> int | None:
    """Through the listing (the offer we linked), else by the offer's SKU; None: unknown."""
    return listings.get(line.offer_id) or by_sku.get(line.sku)


def _create(account: ChannelAccount, remote: t.RemoteOrder) -> Order:
    order = Order.objects.create(
        account=account, channel=account.kind, external_id=remote.external_id, revision=remote.revision,
        remote_updated_at=remote.updated_at, status=remote.status, channel_status=remote.channel_status,
        payment_status=remote.payment_status, payment_method=remote.payment_method, currency=remote.currency,
        total=remote.total, delivery_cost=remote.delivery_cost, paid_amount=remote.paid_amount,
        delivery_method=remote.delivery_method[:200], invoice_requested=remote.invoice_required,
        contact=_contact_json(remote), invoice_details=_invoice_json(remote), bought_at=remote.bought_at,
        channel_took_stock=remote.channel_took_stock,
    )
    offer_ids = [li.offer_id for li in remote.lines if li.offer_id]
    listings = dict(Listing.objects.filter(account=account, offer_id__in=offer_ids)
                    .values_list("offer_id", "variant_id"))
    by_sku = dict(Variant.objects.filter(sku__in=[li.sku for li in remote.lines if li.sku])
                  .values_list("sku", "pk"))
    OrderLine.objects.bulk_create([
        OrderLine(order=order, line_id=li.line_id, variant_id=_variant_for(account, li, listings, by_sku),
                  offer_id=li.offer_id, sku=li.sku[:100], name=li.name[:300], quantity=li.quantity,
                  unit_price=li.unit_price, vat_rate=li.vat_rate[:5])
        for li in remote.lines
    ])
    order.unmatched = any(line.variant_id is None for line in order.lines.all())
    if order.unmatched:
        Order.objects.filter(pk=order.pk).update(unmatched=True)
    _event(order, "imported", _("Imported from %(channel)s with status “%(status)s” (%(raw)s).") % {
        "channel": account.name, "status": label(remote.status), "raw": remote.channel_status}, OrderEvent.CHANNEL)
    if order.unmatched:
        _unmatched_alert(order)
    return order


def _update(order: Order, remote: t.RemoteOrder) -> None:
    """Take the channel's state. While the seller's own status change waits to be sent, the channel still
    shows the old one: the seller's stays, unless the buyer cancelled meanwhile. A channel with fewer steps
    than Magazynier (a shop's "processing" also means "ready for shipment") keeps the seller's finer status."""
    before = order.status
    order.revision, order.remote_updated_at = remote.revision, remote.updated_at
    order.channel_took_stock = remote.channel_took_stock
    if order.push_status and remote.status == t.CANCELLED:
        _event(order, "push_dropped", _("Cancelled on the channel before the status “%(status)s” was sent; it "
                                        "will not be sent.") % {"status": label(order.push_status)})
        order.push_status, order.push_error = "", ""
    if not order.push_status and order.status not in remote.also_means:
        order.status = remote.status
    order.channel_status = remote.channel_status
    order.payment_status, order.payment_method = remote.payment_status, remote.payment_method
    order.paid_amount, order.total, order.delivery_cost = remote.paid_amount, remote.total, remote.delivery_cost
    order.delivery_method, order.invoice_requested = remote.delivery_method[:200], remote.invoice_required
    if order.pseudonymised_at is None:
        order.contact = _contact_json(remote)
    order.invoice_details = _invoice_json(remote) or order.invoice_details
    if order.push_status and remote.status == order.push_status:
        order.push_status, order.push_error = "", ""  # the channel already shows what we were to send
    order.save()
    if before != order.status:
        _event(order, "status", _("The channel changed the status: %(old)s → %(new)s (%(raw)s).") % {
            "old": label(before), "new": label(order.status), "raw": remote.channel_status}, OrderEvent.CHANNEL)
    else:
        _event(order, "refreshed", _("Order refreshed from the channel (%(raw)s).") % {"raw": remote.channel_status},
               OrderEvent.CHANNEL)


def upsert_from_channel(account: ChannelAccount, remote: t.RemoteOrder, *,
                        warehouse_ids: Iterable[int] | None = None) -> Upserted:
    """Store what the channel says about one order (by account, external id and revision) and move stock
    accordingly, in one transaction. The same revision twice, or an older answer, changes nothing."""
    warehouse_ids = list(warehouse_ids) if warehouse_ids is not None else None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(account=account, external_id=remote.external_id).first()
        if order is None:
            order = _create(account, remote)
            _settle_stock(order, first_seen=True, warehouse_ids=warehouse_ids)
            return Upserted(order, created=True, changed=True)
        if order.revision == remote.revision:
            return Upserted(order)
        if order.remote_updated_at and remote.updated_at < order.remote_updated_at:
            return Upserted(order, stale=True)
        was_cancelled, took_before = order.status == t.CANCELLED, order.channel_took_stock
        _update(order, remote)
        _settle_stock(order, first_seen=False, warehouse_ids=warehouse_ids)
        return Upserted(order, changed=True, cancelled=remote.status == t.CANCELLED and not was_cancelled,
                        took_stock_before=took_before)


# ---------------------------------------------------------------- stock
def line_reference(order: Order, line: OrderLine) -> str:
    return f"{order.reservation_reference}/{line.pk}"


def _settle_stock(order: Order, *, first_seen: bool, warehouse_ids: list[int] | None, user=None) -> None:
    if order.status in OPEN:
        if order.stock_state == Order.STOCK_RELEASED:  # e.g. the seller's cancellation was refused by the channel
            _event(order, "stock", _("The order is open again on the channel: its stock is reserved again."))
            order.stock_state = Order.STOCK_NONE
            for line in order.lines.filter(variant__isnull=False):
                Reservation.objects.filter(reference=line_reference(order, line)).delete()
        if order.stock_state == Order.STOCK_NONE:
            _reserve(order, order.lines.filter(variant__isnull=False), warehouse_ids)
            Order.objects.filter(pk=order.pk).update(stock_state=Order.STOCK_RESERVED)
            order.stock_state = Order.STOCK_RESERVED
        return
    if order.stock_state != Order.STOCK_RESERVED:
        if first_seen:
            _event(order, "stock", _("First seen already %(status)s: stock was not changed.") % {
                "status": label(order.status)})
        return
    references = [line_reference(order, line) for line in order.lines.all()]
    if order.status in SHIPPED:
        units = sum(stock.consume(ref, user=user) for ref in references)
        state, message = Order.STOCK_SHIPPED, _("Shipped: %(units)s units left the warehouse.") % {"units": units}
    else:
        units = sum(stock.release(ref) for ref in references)
        state, message = Order.STOCK_RELEASED, _("%(units)s reserved units returned to stock.") % {"units": units}
    Order.objects.filter(pk=order.pk).update(stock_state=state)
    order.stock_state = state
    _event(order, "stock", message)
    resolve_alert(oversold_alert_key(order))


def _reserve(order: Order, lines: Iterable[OrderLine], warehouse_ids: list[int] | None) -> None:
    short_skus = []
    for line in lines:
        try:
            split = stock.reserve_across(line.variant_id, line.quantity, reference=line_reference(order, line),
                                         warehouse_ids=warehouse_ids)
        except StockError as exc:  # no warehouse at all: the order is kept, the seller is told
            _event(order, "stock", str(exc))
            raise_alert(f"order-no-warehouse:{order.account_id}", kind="order-no-warehouse", severity=Alert.CRITICAL,
                        account=order.account, title=_("Orders cannot reserve stock"),
                        message=_("There is no active warehouse, so new orders reserve nothing and other channels "
                                  "keep selling the same units. Add or activate a warehouse."))
            return
        if split.short:
            short_skus.append(f"{line.sku or line.name} ({split.short})")
    if short_skus and not order.oversold:
        Order.objects.filter(pk=order.pk).update(oversold=True)
        order.oversold = True
        text = _("Stock was short for: %(lines)s. The order is kept and the units are reserved anyway; every "
                 "channel now shows what is left.") % {"lines": ", ".join(short_skus)}
        _event(order, "oversold", text)
        raise_alert(oversold_alert_key(order), kind="order-oversold", severity=Alert.CRITICAL, account=order.account,
                    title=_("Order %(number)s from %(channel)s is oversold") % {
                        "number": order.number, "channel": order.account.name},
                    message=text + " " + _("Check the stock and decide: restock, split the shipment, or cancel "
                                           "the order on the channel."))
    elif not short_skus:
        _event(order, "stock", _("Stock reserved."))


def _unmatched_alert(order: Order) -> None:
    skus = ", ".join(sorted({line.sku or line.offer_id for line in order.lines.all() if line.variant_id is None}))
    raise_alert(unmatched_alert_key(order), kind="order-unmatched", severity=Alert.WARNING, account=order.account,
                title=_("Order %(number)s has lines Magazynier does not know") % {"number": order.number},
                message=_("No product in the catalog matches %(skus)s, so no stock was reserved for those lines. "
                          "Assign a product to each line on the order's page (or add the SKU to the catalog).")
                % {"skus": skus})
    _event(order, "unmatched", _("Lines without a product in the catalog: %(skus)s.") % {"skus": skus})


def match_line(line: OrderLine, variant: Variant, *, user=None, warehouse_ids: Iterable[int] | None = None) -> None:
    """The seller says which product an unknown line is; an open order reserves it at once."""
    warehouse_ids = list(warehouse_ids) if warehouse_ids is not None else None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=line.order_id)
        line = OrderLine.objects.get(pk=line.pk)
        if line.variant_id is not None:
            raise OrderActionError(_("This line already has a product."))
        line.variant = variant
        line.save(update_fields=["variant"])
        _event(order, "matched", _("Line %(line)s assigned to %(sku)s.") % {"line": line.sku or line.name,
                                                                             "sku": variant.sku},
               OrderEvent.SELLER, user)
        if order.stock_state == Order.STOCK_RESERVED:
            _reserve(order, [line], warehouse_ids)
        elif order.status in OPEN:
            _settle_stock(order, first_seen=False, warehouse_ids=warehouse_ids)
        if not order.lines.filter(variant__isnull=True).exists():
            Order.objects.filter(pk=order.pk).update(unmatched=False)
            resolve_alert(unmatched_alert_key(order))


# ---------------------------------------------------------------- the seller's changes
def change_status(order: Order, status: str, *, user=None) -> None:
    """Move the order on (panel, CLI); the channel hears of it through the outbox (`push_status`)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if status not in SELLER_TRANSITIONS.get(order.status, ()):
            raise OrderActionError(_("An order that is “%(old)s” cannot be changed to “%(new)s”.") % {
                "old": label(order.status), "new": label(status)})
        before = order.status
        order.status = status
        order.push_status, order.push_attempts, order.push_after, order.push_error = status, 0, timezone.now(), ""
        order.save(update_fields=["status", "push_status", "push_attempts", "push_after", "push_error",
                                  "updated_at"])
        _event(order, "status", _("Status changed: %(old)s → %(new)s.") % {"old": label(before), "new": label(status)},
               OrderEvent.SELLER, user)
        _settle_stock(order, first_seen=False, warehouse_ids=None, user=user)
        data_changes.changed(data_changes.FULFILMENT, {order.account_id})


def add_shipment(order: Order, carrier_id: str, waybill: str, *, carrier_name: str = "", user=None) -> Shipment:
    waybill = waybill.strip()
    if not 1 <= len(waybill) <= 64:
        raise OrderActionError(_("A tracking number has 1 to 64 characters."))
    if carrier_id == "OTHER" and not carrier_name.strip():
        raise OrderActionError(_("Name the carrier when it is “other”."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == t.CANCELLED:
            raise OrderActionError(_("The order is cancelled: it cannot get a tracking number."))
        if order.shipments.filter(waybill=waybill).exists():
            raise OrderActionError(_("This order already has the tracking number %(waybill)s.") % {"waybill": waybill})
        shipment = Shipment.objects.create(order=order, carrier_id=carrier_id, carrier_name=carrier_name.strip()[:60],
                                           waybill=waybill, created_by=user, next_attempt_at=timezone.now())
        _event(order, "shipment", _("Tracking number added: %(carrier)s %(waybill)s.") % {
            "carrier": shipment.carrier_name if carrier_id == "OTHER" else carrier_id, "waybill": waybill},
               OrderEvent.SELLER, user)
        data_changes.changed(data_changes.FULFILMENT, {order.account_id})
        return shipment


# ---------------------------------------------------------------- what the channel said to our write-backs
PUSH_BACKOFF = (10, 30, 60, 300, 900, 3600)


def push_delay(attempts: int) -> timedelta:
    return timedelta(seconds=PUSH_BACKOFF[min(max(attempts, 1), len(PUSH_BACKOFF)) - 1])


def status_push_started(order: Order) -> int:
    """Count the attempt before sending (committed), so a crash mid-send still backs off."""
    Order.objects.filter(pk=order.pk).update(push_attempts=order.push_attempts + 1,
                                             push_after=timezone.now() + push_delay(order.push_attempts + 1))
    order.push_attempts += 1
    return order.push_attempts


def status_pushed(order: Order, status: str) -> None:
    with transaction.atomic():
        if Order.objects.filter(pk=order.pk, push_status=status).update(push_status="", push_error="",
                                                                      push_after=None):
            _event(order, "pushed", _("The channel accepted the status “%(status)s”.") % {"status": label(status)})


def status_push_failed(order: Order, message: str, *, retry_at: datetime | None) -> None:
    """Transient (retry_at given): try again later. Final: stop, and tell the seller."""
    with transaction.atomic():
        if retry_at is not None:
            Order.objects.filter(pk=order.pk).update(push_error=message[:1000], push_after=retry_at)
            return
        status = order.push_status
        Order.objects.filter(pk=order.pk).update(push_status="", push_error=message[:1000], push_after=None)
        _event(order, "push_failed", _("The channel refused the status “%(status)s”: %(error)s") % {
            "status": label(status), "error": message})
        raise_alert(f"order-push-failed:{order.pk}", kind="order-push-failed", severity=Alert.WARNING,
                    account=order.account,
                    title=_("The status of order %(number)s was not accepted by %(channel)s") % {
                        "number": order.number, "channel": order.account.name},
                    message=_("%(error)s Open the order, check its status on the channel and set it again.")
                    % {"error": message})


def shipment_started(shipment: Shipment) -> None:
    shipment.attempts += 1
    Shipment.objects.filter(pk=shipment.pk).update(attempts=shipment.attempts,
                                                   next_attempt_at=timezone.now() + push_delay(shipment.attempts))


def shipment_sent(shipment: Shipment, remote_id: str, *, adopted: bool = False) -> None:
    with transaction.atomic():
        if Shipment.objects.filter(pk=shipment.pk, state=Shipment.PENDING).update(
                state=Shipment.SENT, remote_id=remote_id, last_error="", next_attempt_at=None):
            text = (_("The channel already had tracking number %(waybill)s (an earlier attempt got through).")
                    if adopted else _("Tracking number %(waybill)s sent to the channel.")) % {"waybill": shipment.waybill}
            _event(shipment.order, "pushed", text)


def shipment_failed(shipment: Shipment, message: str, *, retry_at: datetime | None) -> None:
    with transaction.atomic():
        if retry_at is not None:
            Shipment.objects.filter(pk=shipment.pk).update(last_error=message[:1000], next_attempt_at=retry_at)
            return
        Shipment.objects.filter(pk=shipment.pk).update(state=Shipment.FAILED, last_error=message[:1000],
                                                       next_attempt_at=None)
        order = shipment.order
        _event(order, "push_failed", _("The channel refused tracking number %(waybill)s: %(error)s") % {
            "waybill": shipment.waybill, "error": message})
        raise_alert(f"order-push-failed:{order.pk}", kind="order-push-failed", severity=Alert.WARNING,
                    account=order.account,
                    title=_("A tracking number of order %(number)s was not accepted by %(channel)s") % {
                        "number": order.number, "channel": order.account.name},
                    message=_("%(error)s Correct the number or the carrier and add it again.") % {"error": message})


def retry_push(order: Order, *, user=None) -> None:
    """The seller asks to send again what the channel refused: the order's status and its tracking numbers."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        now = timezone.now()
        shipments = Shipment.objects.filter(order=order, state=Shipment.FAILED).update(
            state=Shipment.PENDING, attempts=0, next_attempt_at=now, last_error="")
        status_again = bool(order.push_error) and not order.push_status
        if status_again:
            Order.objects.filter(pk=order.pk).update(push_status=order.status, push_attempts=0, push_after=now,
                                                     push_error="")
        if not shipments and not status_again:
            raise OrderActionError(_("Nothing failed: there is nothing to send again."))
        _event(order, "retry", _("Sending to the channel again."), OrderEvent.SELLER, user)
        resolve_alert(f"order-push-failed:{order.pk}")
        data_changes.changed(data_changes.FULFILMENT, {order.account_id})


def record_contact_view(order: Order, user, *, invoice_only: bool = False) -> OrderEvent:
    """Every view of the buyer's personal data is logged on the order (who and when; never the data itself).
    `invoice_only`: the user was shown the invoice details, not the contact (the accountant)."""
    message = (_("The buyer's invoice details shown in the panel.") if invoice_only
               else _("The buyer's data shown in the panel."))
    return OrderEvent.objects.create(order=order, kind="contact_viewed", source=OrderEvent.SELLER, message=message,
                                     user=user)
