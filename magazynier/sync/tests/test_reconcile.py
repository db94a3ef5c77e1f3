"""Reconciliation: what changed on Allegro behind our back is found by reading every offer, and repaired
(or flagged) — and after a long downtime that read happens before anything is sent."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from magazynier.channels.connections import allegro_connector
from magazynier.channels.models import Listing
from magazynier.sync.models import Command, SyncState
from magazynier.sync.reconcile import sweep
from magazynier.sync.tests.helpers import remote, settle


def _listings(account):
    return list(Listing.objects.filter(account=account, conflict="").exclude(offer_id="").order_by("sku"))


def test_panel_edits_are_found_and_set_back_to_the_catalog(live_account, emulator):
    settle(live_account)
    first, second = _listings(live_account)[:2]
    emulator.world.panel_edit_offer(first.offer_id, stock=99)
    emulator.world.panel_edit_offer(second.offer_id, price="1.23")
    report = sweep(live_account, allegro_connector(live_account))
    assert report.drifted == 2
    settle(live_account)
    first.refresh_from_db()
    second.refresh_from_db()
    assert remote(emulator, first).available == first.confirmed_quantity == 10
    assert remote(emulator, second).price == second.confirmed_price != Decimal("1.23")


def test_vanished_and_duplicated_offers_become_conflicts_and_are_never_written(live_account, emulator):
    settle(live_account)
    gone, doubled = _listings(live_account)[:2]
    del emulator.world.offers.offers[gone.offer_id]
    original = emulator.world.offers.offers[doubled.offer_id]
    emulator.world.offers.offers["99999999999"] = dataclasses.replace(original, id="99999999999")
    report = sweep(live_account, allegro_connector(live_account))
    assert (report.vanished, report.duplicates) == (1, 1)
    gone.refresh_from_db()
    doubled.refresh_from_db()
    assert gone.conflict == Listing.VANISHED
    assert doubled.conflict == Listing.DUPLICATE_SKU
    assert set(doubled.conflict_offers) == {original.id, "99999999999"}
    from magazynier.inventory.actions import set_stock
    from magazynier.inventory.models import MovementReason, Warehouse

    for listing in (gone, doubled):
        set_stock(listing.variant_id, Warehouse.objects.get().pk, 3, reason=MovementReason.STOCKTAKE)
    settle(live_account)
    assert not Command.objects.exists()
    assert emulator.world.offers.offers["99999999999"].available == original.available == 10


def test_an_offer_that_sold_out_on_allegro_is_resumed_one_ended_by_the_seller_is_not(live_account, emulator):
    settle(live_account)
    sold_out, ended_by_hand = _listings(live_account)[:2]
    emulator.world.purchase(sold_out.offer_id, quantity=10)  # the order is not imported yet (issue 6)
    emulator.world.panel_edit_offer(ended_by_hand.offer_id, end=True)
    report = sweep(live_account, allegro_connector(live_account))
    assert (report.ended_outside, report.resumable) == (2, 1)
    settle(live_account)
    assert remote(emulator, sold_out).status == "ACTIVE" and remote(emulator, sold_out).available == 10
    assert remote(emulator, ended_by_hand).status == "ENDED"
    ended_by_hand.refresh_from_db()
    assert "USER" in ended_by_hand.last_error


def test_after_a_day_of_downtime_a_full_read_runs_before_anything_is_sent(live_account, emulator):
    settle(live_account)
    listing = _listings(live_account)[0]
    emulator.world.panel_edit_offer(listing.offer_id, stock=42)  # while we were down, no event reaches us
    SyncState.objects.filter(account=live_account).update(
        last_full_sweep_at=timezone.now() - timedelta(hours=25))
    settle(live_account)
    assert remote(emulator, listing).available == 10, "the drift was found and repaired without being told"
    state = SyncState.objects.get(account=live_account)
    assert timezone.now() - state.last_full_sweep_at < timedelta(minutes=1)
