"""Alert sources with no other home: an Allegro authorisation about to lapse, a stuck sync, a gap in the order
journal (the worker not running: notifications/tests/test_watchdog.py). Each is triggered the way it happens and the message is asserted as the
seller's endpoint received it (a real HTTP receiver; `alert_inbox` in the root conftest).

The other sources are asserted where they are triggered: held plan (test_engine), dead refresh token
(channels/test_connection), outage (test_outage_alert, test_recovery), quarantine (test_recovery), unmatched
and oversold orders (test_order_feed), a switched-off shop webhook (test_shop)."""

from __future__ import annotations

import socket
from datetime import timedelta

from django.utils import timezone

from magazynier.channels.actions import set_writers
from magazynier.channels.models import ChannelAccount, Credential, Listing
from magazynier.channels.renewal import renew_expiring
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, Warehouse
from magazynier.notifications.models import Alert
from magazynier.sync.models import OrderFeed
from magazynier.sync.stuck import check_stuck
from magazynier.sync.tests.helpers import remote, settle
from magazynier.sync.tests.test_order_feed import pull


def _dead_address() -> str:
    with socket.socket() as s:  # a port nothing listens on: connection refused
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# ---------------------------------------------------------------- authorisation about to lapse
def test_an_idle_authorisation_is_renewed_a_week_ahead_and_the_seller_warned_when_it_cannot_be(
        allegro_account, emulator, alert_inbox):
    account = allegro_account
    now = timezone.now()
    Credential.objects.filter(account=account).update(refresh_expires_at=now + timedelta(days=8))
    assert renew_expiring() == {"renewed": 0, "failed": 0, "refused": 0}, "eight days left: nothing to do yet"

    Credential.objects.filter(account=account).update(refresh_expires_at=now + timedelta(days=5))
    issued = emulator.world.counters()["tokensIssued"]
    assert renew_expiring()["renewed"] == 1
    assert emulator.world.counters()["tokensIssued"] == issued + 1
    assert Credential.objects.get(account=account).refresh_expires_at > now + timedelta(days=80)
    assert alert_inbox.messages() == [], "renewed without bothering the seller"

    # Allegro's login service cannot be reached while the end draws near: the seller is told the date
    ends = now + timedelta(days=5)
    Credential.objects.filter(account=account).update(refresh_expires_at=ends)
    ChannelAccount.objects.filter(pk=account.pk).update(auth_url=_dead_address())
    assert renew_expiring()["failed"] == 1
    assert renew_expiring()["failed"] == 1  # an hour later, still failing: the same alert, not a second one
    [message] = alert_inbox.messages()
    date = timezone.localtime(ends).strftime("%Y-%m-%d %H:%M")
    assert message["title"] == f"[warning] The connection of Sklep Demo ends on {date} — Sklep Demo"
    assert "could not renew it (Cannot reach Allegro's login service" in message["message"]
    assert "connect the account again before then" in message["message"]
    assert Alert.objects.get(kind="account-expiring").occurrences == 2

    Credential.objects.filter(account=account).update(refresh_expires_at=now + timedelta(hours=20))
    renew_expiring()
    assert Alert.objects.get(kind="account-expiring").severity == Alert.CRITICAL, "the last day"

    ChannelAccount.objects.filter(pk=account.pk).update(auth_url=emulator.base_url)
    assert renew_expiring()["renewed"] == 1
    assert alert_inbox.messages()[-1]["title"].startswith("Resolved: The connection of Sklep Demo ends on")


def test_a_refused_renewal_asks_for_reconnecting_instead(allegro_account, alert_inbox):
    Credential.objects.filter(account=allegro_account).update(refresh_expires_at=timezone.now() + timedelta(days=3),
                                                              refresh_token="revoked-by-the-seller")
    assert renew_expiring()["refused"] == 1
    allegro_account.refresh_from_db()
    assert allegro_account.status == ChannelAccount.NEEDS_RECONNECT
    [message] = alert_inbox.messages()
    assert message["title"] == "[critical] Allegro account Sklep Demo must be connected again — Sklep Demo"
    assert not Alert.objects.filter(kind="account-expiring", resolved_at__isnull=True).exists()


# ---------------------------------------------------------------- stuck sync
def test_a_change_waiting_longer_than_the_limit_is_a_stuck_sync_until_it_is_confirmed(live_account, emulator,
                                                                                       alert_inbox):
    settle(live_account)
    listing = Listing.objects.filter(account=live_account, conflict="").exclude(offer_id="").first()
    set_stock(listing.variant_id, Warehouse.objects.get().pk, 4, reason=MovementReason.STOCKTAKE)
    # no cycle runs (this test's transaction never commits, so no task is woken): the change just waits
    now = timezone.now()
    assert check_stuck(now + timedelta(minutes=14)) == [], "fourteen minutes is within the limit"
    assert check_stuck(now + timedelta(minutes=16)) == [live_account.pk]
    assert check_stuck(now + timedelta(minutes=17)) == [live_account.pk]
    [message] = alert_inbox.messages(now + timedelta(minutes=17))  # the text of the latest check
    assert message["title"] == f"[critical] Changes to {live_account.name} have waited 17 minutes — " \
                               f"{live_account.name}"
    assert message["message"].startswith(f"1 offers on {live_account.name} still show old stock or prices")
    assert "Check that the worker is running" in message["message"]

    set_writers(live_account, False)
    assert check_stuck(now + timedelta(minutes=18)) == [], "the seller switched sending off: nothing is stuck"
    set_writers(live_account, True)
    live_account.refresh_from_db()
    assert check_stuck(now + timedelta(minutes=19)) == [live_account.pk]
    assert len(alert_inbox.messages(now + timedelta(minutes=19))) == 3, "new, resolved (writers off), new"
    settle(live_account)
    assert remote(emulator, listing).available == 4
    assert check_stuck(now + timedelta(minutes=20)) == []
    titles = [m["title"] for m in alert_inbox.messages(now + timedelta(minutes=20))]
    assert titles[-1].startswith(f"Resolved: Changes to {live_account.name} have waited")
    assert len(titles) == 4


def test_a_held_plan_explains_waiting_changes_so_no_second_alert(live_account, tmp_path, alert_inbox):
    from magazynier.sync.tests.test_engine import _import_stock, _listings

    settle(live_account)
    _import_stock(tmp_path, {li.sku: 0 for li in _listings(live_account)}, "zera.csv")
    assert settle(live_account).held
    assert check_stuck(timezone.now() + timedelta(hours=2)) == []
    assert [m["title"] for m in alert_inbox.messages()] == [
        f"[critical] Changes to {live_account.name} are held for your decision — {live_account.name}"]


# ---------------------------------------------------------------- order-journal gap
def test_a_feed_silent_longer_than_the_journal_keeps_events_raises_a_gap_and_reads_again(live_account, emulator,
                                                                                       alert_inbox, monkeypatch):
    settle(live_account)
    pull(live_account)
    last = timezone.now() - timedelta(days=61)
    OrderFeed.objects.filter(account=live_account).update(last_success_at=last)
    listing = Listing.objects.filter(account=live_account, conflict="").exclude(offer_id="").first()
    form_id = emulator.world.purchase(listing.offer_id, 1)
    result = pull(live_account)
    assert result.created == 1, "the journal is read again from its oldest event"
    [message] = alert_inbox.messages()
    assert message["title"] == f"[critical] Orders of {live_account.name} were not read for 61 days — " \
                               f"{live_account.name}"
    assert f"changed since {timezone.localtime(last).strftime('%Y-%m-%d')} now" in message["message"]
    assert "check the order list for orders from that time" in message["message"]
    assert form_id

    pull(live_account)
    assert len(alert_inbox.messages()) == 1, "read again, but the seller gets time to look first"
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    pull(live_account)
    assert alert_inbox.messages(later)[-1]["title"].startswith(f"Resolved: Orders of {live_account.name} were not")
