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


def _import_stock(tmp_path, counts: dict[str, int], name="stany.csv"):
    """A generic stock file as a seller's ERP exports it, imported the product's way."""
    from magazynier.catalog.import_runs import ImportRequest, open_request, run_import

    names = dict(Variant.objects.filter(sku__in=counts).values_list("sku", "name"))
    path = tmp_path / name
    path.write_text("sku;nazwa;stan\n" + "".join(f"{sku};{names[sku]};{n}\n" for sku, n in counts.items()),
                    encoding="utf-8")
    request = ImportRequest(path=path, source_name=name, format="generic",
                            mapping={"sku": "sku", "name": "nazwa", "stock": "stan"})
    return run_import(request, open_request(request))


def _emulator_state(emulator, listings):
    return {li.offer_id: (remote(emulator, li).available, remote(emulator, li).status, remote(emulator, li).price)
            for li in listings}


def test_a_faulty_import_zeroing_every_stock_is_held_and_approving_the_fixed_remainder_sends_it(
        live_account, emulator, tmp_path, alert_inbox):
    from magazynier.notifications.models import Alert
    from magazynier.sync.actions import decide
    from magazynier.sync.models import HeldPlan

    settle(live_account)
    listings = _listings(live_account)
    before = _emulator_state(emulator, listings)
    changes_before = emulator.world.counters()["sellers"]

    _import_stock(tmp_path, {li.sku: 0 for li in listings}, "zepsuty.csv")  # the ERP exported zeros
    result = settle(live_account)

    assert result.held
    plan = HeldPlan.objects.get(account=live_account, state=HeldPlan.HELD)
    assert plan.reasons[0]["code"] == "too_many_to_zero" and plan.summary["changes"] == len(listings)
    assert _emulator_state(emulator, listings) == before, "no offer changed on the channel"
    assert emulator.world.counters()["sellers"] == changes_before
    alert = Alert.objects.get(key=f"sync-held:{live_account.pk}", resolved_at__isnull=True)
    assert alert.severity == Alert.CRITICAL
    [message] = alert_inbox.messages()
    assert message["title"] == f"[critical] Changes to {live_account.name} are held for your decision — " \
                               f"{live_account.name}" and message["type"] == "failure"
    assert "Nothing was sent. Approve or reject the plan" in message["message"]
    assert "20 of 20 offers for sale would drop to 0" in message["message"], "why it was held"

    # The seller re-imports the right file: two products really sold out, one got a delivery.
    fixed = {li.sku: 10 for li in listings}
    sold_out, delivered = listings[0], listings[1]
    fixed[sold_out.sku], fixed[delivered.sku] = 0, 25
    _import_stock(tmp_path, fixed, "poprawiony.csv")
    assert settle(live_account).held, "still held until someone decides"
    decide(plan.pk, approve=True, name="test")
    settle(live_account)

    after = _emulator_state(emulator, listings)
    assert after[sold_out.offer_id][1] == "ENDED"
    assert after[delivered.offer_id][0] == 25
    assert {k: v for k, v in after.items() if k not in (sold_out.offer_id, delivered.offer_id)} == {
        k: v for k, v in before.items() if k not in (sold_out.offer_id, delivered.offer_id)}
    assert not Alert.objects.filter(key=f"sync-held:{live_account.pk}", resolved_at__isnull=True).exists()
    assert [m["title"] for m in alert_inbox.messages()][1:] == [
        f"Resolved: Changes to {live_account.name} are held for your decision — {live_account.name}"]


def test_a_rejected_plan_sends_nothing_until_the_data_changes(live_account, emulator):
    from magazynier.sync.actions import decide
    from magazynier.sync.models import HeldPlan

    settle(live_account)
    listings = _listings(live_account)
    Variant.objects.filter(pk=listings[0].variant_id).update(price=Decimal("1.00"))  # a typo: 90 % off
    from magazynier.sync.outbox import mark_variants

    mark_variants([listings[0].variant_id])
    assert settle(live_account).held
    plan = HeldPlan.objects.get(state=HeldPlan.HELD)
    assert plan.reasons[0]["code"] == "price_drop"
    decide(plan.pk, approve=False, name="test")
    assert not settle(live_account).held
    assert remote(emulator, listings[0]).price != Decimal("1.00")
    Variant.objects.filter(pk=listings[0].variant_id).update(price=Decimal("18.50"))  # the price the seller meant
    mark_variants([listings[0].variant_id])
    settle(live_account)
    assert remote(emulator, listings[0]).price == Decimal("18.50")


def test_the_buffer_ends_the_offer_and_returning_stock_resumes_it(live_account, emulator):
    from magazynier.sync.actions import save_settings
    from magazynier.sync.desired import settings_of

    settle(live_account)
    settings = settings_of(live_account)
    settings.buffer = 2
    save_settings(settings)
    listing = _listings(live_account)[0]
    warehouse = Warehouse.objects.get()
    set_stock(listing.variant_id, warehouse.pk, 2, reason=MovementReason.SALE)
    settle(live_account)
    assert remote(emulator, listing).status == "ENDED"
    listing.refresh_from_db()
    assert listing.paused_by_sync and listing.sync_note == "buffer"
    set_stock(listing.variant_id, warehouse.pk, 6, reason=MovementReason.DELIVERY)
    settle(live_account)
    assert (remote(emulator, listing).status, remote(emulator, listing).available) == ("ACTIVE", 6)
    listing.refresh_from_db()
    assert not listing.paused_by_sync and listing.confirmed_quantity == 6


def test_allocation_shares_the_stock_between_two_accounts(live_account, emulator):
    from magazynier.channels.tests.conftest import connect
    from magazynier.sync.actions import save_settings
    from magazynier.sync.desired import settings_of

    settle(live_account)
    other = connect(emulator, seller="second-seller", name="Drugie konto")
    for account, share in ((live_account, Decimal(60)), (other, Decimal(30))):
        settings = settings_of(account)
        settings.share_percent = share
        save_settings(settings)
    listing = _listings(live_account)[0]
    set_stock(listing.variant_id, Warehouse.objects.get().pk, 10, reason=MovementReason.STOCKTAKE)
    settle(live_account)
    assert remote(emulator, listing).available == 6
    set_stock(listing.variant_id, Warehouse.objects.get().pk, 2, reason=MovementReason.SALE)
    settle(live_account)
    assert remote(emulator, listing).available == 2, "the last units go to the account with priority"


def test_a_throttled_seller_waits_without_delaying_another_sellers_stock_out(live_account, emulator):
    from magazynier.channels.allegro.budgets import seller_key
    from magazynier.channels.connections import allegro_connector
    from magazynier.channels.offers import apply_plan, make_plan
    from magazynier.channels.scope import Scope
    from magazynier.channels.tests.conftest import connect
    from magazynier.core.ratebudget import get_budget
    from magazynier.sync.dispatch import drive

    settle(live_account)
    other = connect(emulator, seller="second-seller", name="Drugie konto")
    skus = [li.sku for li in _listings(live_account)[:3]]
    connector = allegro_connector(other)
    assert not apply_plan(other, connector, make_plan(other, connector, Scope(skus=tuple(skus))),
                          poll_interval=0.1).failed
    from magazynier.channels.actions import set_writers

    set_writers(other, True)
    settle(other)
    # The first seller just got a 429 for its commands: its offer changes are paused for a minute.
    get_budget().pause(seller_key(live_account.external_user_id, "offer-changes"), 60)
    variant_id = Listing.objects.get(account=other, sku=skus[0]).variant_id
    set_stock(variant_id, Warehouse.objects.get().pk, 0, reason=MovementReason.SALE)  # a stock-out on both

    throttled = drive(live_account.pk, time_slice=0.5)
    assert throttled.retry_after and throttled.retry_after > 30 and throttled.sent_commands == 0
    settle(other)
    mine = Listing.objects.get(account=live_account, sku=skus[0])
    theirs = Listing.objects.get(account=other, sku=skus[0])
    assert remote(emulator, theirs).status == "ENDED", "the other seller's stock-out went out at once"
    assert remote(emulator, mine).status == "ACTIVE", "nothing is sent into a pause"
    assert OutboxEntry.objects.filter(listing=mine).exists(), "it waits in the outbox, not lost"
    counters = emulator.world.counters()
    assert all(s["rejected"] == 0 for s in counters["sellers"].values()), counters["sellers"]
    assert all(c["rejected"] == 0 for c in counters["clients"].values()), counters["clients"]
