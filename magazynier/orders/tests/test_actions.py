"""Orders and their stock without a channel: revisions, allowed transitions, refusals by the channel, matching."""

from __future__ import annotations

from dataclasses import replace

import pytest

from magazynier.channels import types as t
from magazynier.inventory.models import Reservation, Warehouse
from magazynier.notifications.models import Alert
from magazynier.orders import actions
from magazynier.orders.models import Order
from magazynier.orders.status import SELLER_TRANSITIONS, allowed_next
from magazynier.orders.tests.factories import account, changed, remote_order, reserved, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return account(), variant("KUB-1", on_hand=10)


def test_the_same_revision_twice_or_an_older_answer_changes_nothing(shop):
    acc, kub = shop
    first = remote_order("A-1")
    assert actions.upsert_from_channel(acc, first).created
    assert not actions.upsert_from_channel(acc, first).changed
    newer = changed(first, "r2", status=t.PROCESSING)
    assert actions.upsert_from_channel(acc, newer).changed
    older = replace(first, revision="r0")  # a read that started before the change and answered after it
    assert actions.upsert_from_channel(acc, older).stale
    order = Order.objects.get()
    assert order.status == t.PROCESSING and order.revision == "r2"
    assert reserved(kub) == 2


def test_a_seller_may_only_move_an_order_forward(shop):
    acc, _kub = shop
    order = actions.upsert_from_channel(acc, remote_order("A-1")).order
    assert t.SENT not in allowed_next(t.NEW) and t.PROCESSING in allowed_next(t.NEW)
    with pytest.raises(actions.OrderActionError):
        actions.change_status(order, t.RETURNED)
    order.refresh_from_db()
    assert order.status == t.NEW and not order.push_status
    assert all(not SELLER_TRANSITIONS[s] for s in (t.SENT, t.CANCELLED, t.RETURNED)), "final states stay final"


def test_while_the_sellers_status_waits_to_be_sent_the_channels_old_status_does_not_undo_it(shop):
    acc, _kub = shop
    remote = remote_order("A-1")
    order = actions.upsert_from_channel(acc, remote).order
    actions.change_status(order, t.PROCESSING)
    actions.upsert_from_channel(acc, changed(remote, "r2"))  # e.g. the buyer changed the address meanwhile
    order.refresh_from_db()
    assert order.status == t.PROCESSING and order.push_status == t.PROCESSING
    actions.upsert_from_channel(acc, changed(remote, "r3", status=t.CANCELLED))  # the buyer cancelled
    order.refresh_from_db()
    assert order.status == t.CANCELLED and not order.push_status
    assert order.stock_state == Order.STOCK_RELEASED


def test_a_cancellation_the_channel_refuses_reserves_the_stock_again(shop):
    acc, kub = shop
    remote = remote_order("A-1")
    order = actions.upsert_from_channel(acc, remote).order
    actions.change_status(order, t.CANCELLED)
    assert reserved(kub) == 0
    order.refresh_from_db()
    actions.status_push_failed(order, "Order cannot be cancelled", retry_at=None)
    assert Alert.objects.filter(key=f"order-push-failed:{order.pk}", resolved_at__isnull=True).exists()
    actions.upsert_from_channel(acc, changed(remote, "r2"))  # the channel still has it open
    order.refresh_from_db()
    assert order.status == t.NEW and order.stock_state == Order.STOCK_RESERVED
    assert reserved(kub) == 2, "an open order holds its units again: no oversell"
    actions.retry_push(order)
    order.refresh_from_db()
    assert order.push_status == t.NEW and not order.push_error
    assert not Alert.objects.filter(key=f"order-push-failed:{order.pk}", resolved_at__isnull=True).exists()
    actions.status_pushed(order, t.NEW)
    with pytest.raises(actions.OrderActionError):  # nothing failed any more
        actions.retry_push(order)


def test_an_order_without_any_warehouse_is_kept_and_alerted(shop):
    acc, _kub = shop
    Warehouse.objects.update(is_active=False)
    order = actions.upsert_from_channel(acc, remote_order("A-1")).order
    assert Order.objects.filter(pk=order.pk).exists() and not Reservation.objects.exists()
    assert Alert.objects.filter(kind="order-no-warehouse", resolved_at__isnull=True).exists()


def test_the_last_unit_sold_twice_flags_the_later_order(shop):
    acc, _kub = shop
    one = variant("OST-1", on_hand=1)
    first = actions.upsert_from_channel(acc, remote_order("A-1", lines=(("OST-1", 1, "5.00"),))).order
    later = actions.upsert_from_channel(acc, remote_order("A-2", lines=(("OST-1", 1, "5.00"),))).order
    assert not first.oversold and later.oversold and reserved(one) == 2
    alert = Alert.objects.get(key=actions.oversold_alert_key(later))
    assert alert.severity == Alert.CRITICAL and "OST-1" in alert.message
    actions.change_status(later, t.CANCELLED)
    assert reserved(one) == 1
    assert Alert.objects.get(key=actions.oversold_alert_key(later)).resolved_at is not None
