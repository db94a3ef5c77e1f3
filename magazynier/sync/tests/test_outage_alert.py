"""The channel answering 5xx to everything: exactly one alert reaches the seller within 60 s of the outage
starting, then one "resolved" once it answers again. The test moves the clock; nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from magazynier.channels.connections import allegro_connector
from magazynier.channels.models import Listing
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, Warehouse
from magazynier.notifications.delivery import deliver_due
from magazynier.notifications.models import Recipient
from magazynier.sync.dispatch import drive


def test_an_outage_alerts_once_within_a_minute_and_its_end_once(live_account, emulator, hook, monkeypatch):
    from magazynier.sync.tests.helpers import settle

    settle(live_account)
    Recipient.objects.create(name="Dyżur", urls=hook.url("/dyzur"))
    real_now = timezone.now
    start = real_now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    connector = allegro_connector(live_account, max_wait=1.0)

    def at(seconds: float):
        clock["now"] = start + timedelta(seconds=seconds)
        result = drive(live_account.pk, lambda _account: connector, time_slice=0.1)
        deliver_due(clock["now"])
        return result

    emulator.world.set_fault_profile({"error_share": 1.0})  # every API request: 500 or 503
    listing = Listing.objects.filter(account=live_account, conflict="").exclude(offer_id="").first()
    set_stock(listing.variant_id, Warehouse.objects.get().pk, 3, reason=MovementReason.STOCKTAKE)
    for seconds in (0, 10, 20):
        assert at(seconds).error
        assert hook.posts == [], "a few seconds of failures are not an outage yet"
    for seconds in (35, 45, 55):
        at(seconds)
    assert len(hook.posts) == 1, "exactly one alert within the first minute"
    title = hook.posts[0][1]["title"]
    assert live_account.name in title
    for seconds in (65, 120, 600):
        at(seconds)
    assert len(hook.posts) == 1, "no repeats while the outage goes on (a reminder comes after an hour)"
    emulator.world.set_fault_profile("none")
    monkeypatch.setattr(timezone, "now", real_now)
    clock["now"] = real_now()
    settle(live_account)
    deliver_due()
    assert len(hook.posts) == 2 and hook.posts[1][1]["type"] == "success"
    assert live_account.name in hook.posts[1][1]["title"]
