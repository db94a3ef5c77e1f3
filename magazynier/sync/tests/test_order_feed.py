"""Orders from Allegro (the emulator over loopback HTTP): the journal, reservations, cancellations with and
without events, unknown SKUs, past windows, write-back of status and tracking, oversells."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from magazynier.channels import types as t
from magazynier.channels.connections import allegro_connector
from magazynier.channels.models import Listing
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, Reservation, StockLevel, StockMovement, Warehouse
from magazynier.notifications.models import Alert
from magazynier.orders import actions
from magazynier.orders.models import Order, Shipment
from magazynier.sync.models import OrderFeed
from magazynier.sync.order_feed import import_window, run_feed
from magazynier.sync.tests.helpers import remote, settle


def pull(account):
    connector = allegro_connector(account, max_wait=2.0)
    result = run_feed(account.pk, lambda _account: connector)
    assert result is not None and not result.error, result
    return result


def _listing(account, sku=None) -> Listing:
    listings = Listing.objects.filter(account=account, conflict="").exclude(offer_id="").select_related("variant")
    if sku:
        return listings.get(sku=sku)
    return next(li for li in listings.order_by("sku") if _available(li) >= 3)


def _available(listing) -> int:
    """Units of the listing's variant available in our warehouse (on hand − reserved)."""
    level = StockLevel.objects.filter(variant=listing.variant).first()
    return level.on_hand - level.reserved if level else 0


def _stock(listing):
    level = StockLevel.objects.get(variant=listing.variant, warehouse=Warehouse.objects.get())
    return level.on_hand, level.reserved


@pytest.fixture
def started(live_account, emulator):
    """The account's feed has started (reads from now on) and the engine has settled."""
    settle(live_account)
    pull(live_account)
    return live_account


def test_a_new_account_starts_reading_now_and_ignores_older_orders(live_account, emulator):
    listing = _listing(live_account)
    emulator.world.purchase(listing.offer_id, 1)  # before Magazynier started reading orders
    result = pull(live_account)
    assert result.created == 0 and not Order.objects.exists()
    form_id = emulator.world.purchase(listing.offer_id, 1)
    result = pull(live_account)
    assert result.created == 1
    assert Order.objects.get().external_id == form_id


def test_a_paid_order_is_imported_with_its_lines_and_reserves_stock_at_once(started, emulator):
    listing = _listing(started)
    on_hand, reserved = _stock(listing)
    form_id = emulator.world.purchase(listing.offer_id, 2)
    result = pull(started)
    assert (result.created, result.oversold, result.unmatched) == (1, 0, 0)
    order = Order.objects.get(external_id=form_id)
    assert order.status == t.NEW and order.payment_status == t.PAID and order.stock_state == Order.STOCK_RESERVED
    assert order.channel == "allegro" and order.total > 0 and order.delivery_method
    line = order.lines.get()
    assert (line.variant_id, line.sku, line.quantity) == (listing.variant_id, listing.sku, 2)
    assert line.unit_price == listing.variant.price
    assert _stock(listing) == (on_hand, reserved + 2)
    contact = order.contact_data()
    assert contact["email"].endswith("@allegromail.pl") and contact["delivery"]["city"]
    assert "allegromail" not in repr(order) and "allegromail" not in str(order)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM orders_order WHERE id = %s", [order.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "allegromail" not in raw, "buyer data is encrypted at rest"
    # Allegro took the units off the offer itself: nothing needs sending for this account
    listing.refresh_from_db()
    assert listing.confirmed_quantity == remote(emulator, listing).available
    settle(started)
    assert remote(emulator, listing).available == on_hand - reserved - 2


def test_duplicated_and_reordered_events_do_no_harm(started, emulator):
    emulator.world.set_fault_profile("journal-chaos")
    listing = _listing(started)
    on_hand, reserved = _stock(listing)
    forms = [emulator.world.purchase(listing.offer_id, 1, stage="BOUGHT") for _ in range(3)]
    for form_id in forms:
        emulator.world.advance_order(form_id, "FILLED_IN")
        emulator.world.advance_order(form_id, "READY_FOR_PROCESSING")
    for _ in range(3):
        pull(started)
    assert Order.objects.count() == 3
    assert set(Order.objects.values_list("status", flat=True)) == {t.NEW}
    assert _stock(listing) == (on_hand, reserved + 3), "each order reserved exactly once"
    assert Reservation.objects.filter(state=Reservation.ACTIVE).count() == 3


def test_a_buyer_cancellation_releases_the_reservation(started, emulator):
    listing = _listing(started)
    before = _stock(listing)
    form_id = emulator.world.purchase(listing.offer_id, 1, stage="BOUGHT")
    pull(started)
    order = Order.objects.get(external_id=form_id)
    assert order.status == t.AWAITING_PAYMENT and order.stock_state == Order.STOCK_RESERVED
    emulator.world.buyer_cancel(form_id)
    pull(started)
    order.refresh_from_db()
    assert order.status == t.CANCELLED and order.stock_state == Order.STOCK_RELEASED
    assert _stock(listing) == before
    assert [e.kind for e in order.events.all()][:2] == ["imported", "stock"]


def test_a_cancellation_in_the_allegro_panel_has_no_event_and_is_found_by_the_sweep(started, emulator):
    listing = _listing(started)
    before = _stock(listing)
    form_id = emulator.world.purchase(listing.offer_id, 1)
    pull(started)
    emulator.world.panel_cancel_order(form_id)
    result = pull(started)
    assert result.events == 0 and Order.objects.get().status == t.NEW, "no event: the journal cannot tell"
    OrderFeed.objects.filter(account=started).update(last_sweep_at=timezone.now() - timedelta(hours=1))
    result = pull(started)
    assert result.swept >= 1
    order = Order.objects.get()
    assert order.status == t.CANCELLED and order.stock_state == Order.STOCK_RELEASED
    assert _stock(listing) == before


def test_an_unknown_sku_keeps_the_order_flags_it_and_alerts(started, emulator, alert_inbox):
    listing = _listing(started)
    Listing.objects.filter(pk=listing.pk).delete()
    variant = listing.variant
    variant.sku = "renamed-in-shop"
    variant.save()
    form_id = emulator.world.purchase(listing.offer_id, 1)
    result = pull(started)
    assert result.unmatched == 1
    order = Order.objects.get(external_id=form_id)
    assert order.unmatched and order.lines.get().variant_id is None
    alert = Alert.objects.get(key=actions.unmatched_alert_key(order), resolved_at__isnull=True)
    assert listing.sku in alert.message
    [message] = alert_inbox.messages()
    assert message["title"] == f"[warning] Order {order.number} has lines Magazynier does not know — {started.name}"
    assert f"No product in the catalog matches {listing.sku}" in message["message"]
    assert "Assign a product to each line on the order's page" in message["message"]
    before = _stock(listing)
    actions.match_line(order.lines.get(), variant)
    order.refresh_from_db()
    assert not order.unmatched and order.stock_state == Order.STOCK_RESERVED
    assert _stock(listing) == (before[0], before[1] + 1)
    assert not Alert.objects.filter(key=actions.unmatched_alert_key(order), resolved_at__isnull=True).exists()
    assert alert_inbox.messages()[-1]["title"].startswith(f"Resolved: Order {order.number} has lines")


def test_a_past_window_is_imported_on_request(started, emulator):
    OrderFeed.objects.all().delete()
    Order.objects.all().delete()
    listing = _listing(started)
    old = emulator.world.purchase(listing.offer_id, 1)
    emulator.world.purchase(listing.offer_id, 1)
    emulator.world.panel_cancel_order(old)
    before = _stock(listing)
    result = import_window(started, timezone.now() - timedelta(days=1),
                           connector=allegro_connector(started, max_wait=2.0))
    assert result.created == 2
    cancelled = Order.objects.get(external_id=old)
    assert cancelled.status == t.CANCELLED and cancelled.stock_state == Order.STOCK_NONE
    assert _stock(listing) == (before[0], before[1] + 1), "only the open order reserves"


def test_status_and_tracking_go_back_to_allegro_and_sending_consumes_the_reservation(started, emulator):
    listing = _listing(started)
    on_hand, reserved = _stock(listing)
    form_id = emulator.world.purchase(listing.offer_id, 1)
    pull(started)
    order = Order.objects.get(external_id=form_id)
    actions.change_status(order, t.PROCESSING)
    pull(started)
    form = emulator.world.orders.forms[form_id]
    assert form.fulfillment == "PROCESSING"
    shipment = actions.add_shipment(order, "INPOST", "620000000000000000000001")
    actions.change_status(order, t.SENT)
    pull(started)
    assert [s["waybill"] for s in form.shipments] == ["620000000000000000000001"]
    assert form.fulfillment == "SENT"
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.state == Shipment.SENT and shipment.remote_id
    assert order.status == t.SENT and order.stock_state == Order.STOCK_SHIPPED and not order.push_status
    assert _stock(listing) == (on_hand - 1, reserved)
    assert StockMovement.objects.filter(reason=MovementReason.SALE, reference__startswith=f"order:{order.pk}").count() == 1
    pull(started)  # the journal's FULFILLMENT_STATUS_CHANGED events change nothing more
    assert len(form.shipments) == 1 and _stock(listing) == (on_hand - 1, reserved)


def test_a_stale_revision_is_read_again_and_the_status_still_goes_through(started, emulator):
    listing = _listing(started)
    form_id = emulator.world.purchase(listing.offer_id, 1, stage="FILLED_IN")
    pull(started)
    emulator.world.advance_order(form_id, "READY_FOR_PROCESSING")  # the revision moves on; we have not read it
    order = Order.objects.get(external_id=form_id)
    order.status = t.NEW  # the buyer paid meanwhile; the seller starts packing from the panel
    Order.objects.filter(pk=order.pk).update(status=t.NEW)
    actions.change_status(order, t.PROCESSING)
    pull(started)
    assert emulator.world.orders.forms[form_id].fulfillment == "PROCESSING"
    order.refresh_from_db()
    assert order.status == t.PROCESSING and not order.push_status and order.payment_status == t.PAID


def test_a_lost_answer_to_a_tracking_number_does_not_add_it_twice(started, emulator):
    listing = _listing(started)
    form_id = emulator.world.purchase(listing.offer_id, 1)
    pull(started)
    order = Order.objects.get(external_id=form_id)
    emulator.world.drop_next_response("POST", f"/order/checkout-forms/{form_id}/shipments")
    actions.add_shipment(order, "DPD", "DPD123456")
    connector = allegro_connector(started, max_wait=2.0)
    result = run_feed(started.pk, lambda _account: connector)
    assert result.error, "the answer was lost"
    Shipment.objects.update(next_attempt_at=timezone.now())
    pull(started)
    assert [s["waybill"] for s in emulator.world.orders.forms[form_id].shipments] == ["DPD123456"]
    assert Shipment.objects.get().state == Shipment.SENT


def test_two_last_unit_sales_on_two_accounts_keep_both_orders_and_flag_the_later(started, emulator, alert_inbox):
    from magazynier.channels.actions import set_writers
    from magazynier.channels.offers import apply_plan, make_plan
    from magazynier.channels.scope import Scope
    from magazynier.channels.tests.conftest import connect

    listing = _listing(started)
    second = connect(emulator, seller="second-seller", name="Drugie konto")
    connector = allegro_connector(second)
    apply_plan(second, connector, make_plan(second, connector, Scope(skus=(listing.sku,))), poll_interval=0.1)
    set_writers(second, True)
    other = Listing.objects.get(account=second, variant=listing.variant)
    pull(second)
    set_stock(listing.variant_id, Warehouse.objects.get().pk, 1, reason=MovementReason.STOCKTAKE)
    settle(started)
    settle(second)
    assert remote(emulator, listing).available == 1 and remote(emulator, other).available == 1
    first_form = emulator.world.purchase(listing.offer_id, 1)
    second_form = emulator.world.purchase(other.offer_id, 1)  # the same moment, on the other account
    pull(started)
    pull(second)
    first, later = Order.objects.get(external_id=first_form), Order.objects.get(external_id=second_form)
    assert not first.oversold and later.oversold
    assert Alert.objects.get(key=actions.oversold_alert_key(later), resolved_at__isnull=True).severity == "critical"
    assert _stock(listing) == (1, 2)
    [message] = alert_inbox.about("oversold")
    assert message["title"] == f"[critical] Order {later.number} from Drugie konto is oversold — Drugie konto"
    assert f"Stock was short for: {listing.sku} (1)" in message["message"]
    assert "restock, split the shipment, or cancel the order" in message["message"]
    settle(started)
    settle(second)
    assert remote(emulator, listing).status == "ENDED" and remote(emulator, other).status == "ENDED"


def test_the_orders_cli_pulls_lists_shows_and_writes_back(started, emulator, capsys, monkeypatch):
    from magazynier.cli import main

    monkeypatch.setenv("COLUMNS", "250")
    listing = _listing(started)
    form_id = emulator.world.purchase(listing.offer_id, 1)
    assert main(["orders", "pull"]) == 0
    assert "nowe 1" in capsys.readouterr().out
    order = Order.objects.get(external_id=form_id)
    assert main(["orders", "list", "--status", "new"]) == 0
    out = capsys.readouterr().out
    assert order.number in out and listing.sku in out
    buyer = emulator.world.orders.forms[form_id].buyer
    assert main(["orders", "show", order.number]) == 0
    out = capsys.readouterr().out
    assert "Historia" in out and listing.sku in out
    assert buyer["email"] not in out and buyer["lastName"] not in out, "no buyer data in the terminal"
    assert main(["orders", "status", order.number, "returned"]) == 2
    assert "cannot be changed" in capsys.readouterr().out
    assert main(["orders", "status", order.number, "processing"]) == 0
    assert "Kanał przyjął zmianę" in capsys.readouterr().out
    assert main(["orders", "ship", order.number, "--carrier", "OTHER", "--waybill", "X1"]) == 2
    assert main(["orders", "ship", order.number, "--carrier", "DPD", "--waybill", "DPD777"]) == 0
    assert "przekazany do kanału" in capsys.readouterr().out
    form = emulator.world.orders.forms[form_id]
    assert form.fulfillment == "PROCESSING" and [s["waybill"] for s in form.shipments] == ["DPD777"]
    assert main(["orders", "pull", "--since", "2026-13-01"]) == 2
    assert "RRRR-MM-DD" in capsys.readouterr().out
