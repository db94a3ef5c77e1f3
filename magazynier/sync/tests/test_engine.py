"""The engine end to end: stock and price changes reach Allegro (the emulator over loopback HTTP) batched,
confirmed per offer, and nothing is sent twice."""

from __future__ import annotations

from decimal import Decimal

from magazynier.catalog.models import Variant
from magazynier.channels.models import Listing
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, Warehouse
from magazynier.sync.models import Command, CommandItem, OutboxEntry
from magazynier.sync.tests.helpers import remote, settle


def _listings(account):
    return list(Listing.objects.filter(account=account, conflict="").exclude(offer_id="").select_related("variant"))


def test_a_stock_change_reaches_allegro_and_is_confirmed(live_account, emulator):
    settle(live_account)  # the first run reads every offer (nothing to send: the offers were just created)
    assert not Command.objects.exists()
    listing = _listings(live_account)[0]
    warehouse = Warehouse.objects.get()
    set_stock(listing.variant_id, warehouse.pk, 7, reason=MovementReason.STOCKTAKE)
    assert OutboxEntry.objects.filter(listing=listing).exists(), "the outbox row is written with the change"
    settle(live_account)
    assert remote(emulator, listing).available == 7
    listing.refresh_from_db()
    assert listing.confirmed_quantity == 7
    assert not OutboxEntry.objects.filter(listing=listing).exists()
    item = CommandItem.objects.get(listing=listing)
    assert item.outcome == CommandItem.OK and item.latency_seconds is not None


def test_equal_targets_share_one_command_and_no_ops_are_dropped(live_account, emulator):
    settle(live_account)
    listings = _listings(live_account)
    warehouse = Warehouse.objects.get()
    for listing in listings:
        set_stock(listing.variant_id, warehouse.pk, 4, reason=MovementReason.STOCKTAKE)
    settle(live_account)
    commands = list(Command.objects.all())
    assert [(c.kind, c.value) for c in commands] == [("quantity", "4")]
    assert commands[0].items.count() == len(listings)
    assert all(remote(emulator, li).available == 4 for li in listings)
    before = emulator.world.counters()
    for listing in listings:  # the same value again: nothing to send
        set_stock(listing.variant_id, warehouse.pk, 4, reason=MovementReason.STOCKTAKE)
    Variant.objects.filter(pk=listings[0].variant_id).update(price=Decimal("19.99"))
    settle(live_account)
    assert Command.objects.count() == 1
    assert emulator.world.counters()["sellers"] == before["sellers"]
