"""The engine survives what production does to it: SIGKILL at any instant, a flaky Allegro, offers that
always fail, and Allegro failing everything. Nothing is lost, nothing is sent twice under two ids, and the
right thing is set aside (one bad offer) or not (an outage).

Test 1 runs the engine as a real `magazynier sync run` subprocess against this test's database: the rows
must be committed (transactional_db) and the child must open the same database. On PostgreSQL that is the
test database (`test_<name>`); on SQLite test_settings already keeps the test database in a file
(DATA_DIR/test.sqlite3), which the child opens through DATABASE_URL=sqlite:///… — so one approach works on
both. The child also gets this process's data dir (rate-budget file, secret key) and encryption keys
(tokens are stored encrypted).
"""

from __future__ import annotations

import random
import subprocess
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from emulators.allegro import EmulatorConfig
from emulators.allegro.testing import running_emulator
from magazynier.channels.allegro import budgets
from magazynier.channels.connections import allegro_connector
from magazynier.notifications.models import Alert
from magazynier.sync import outbox
from magazynier.sync.actions import retry_quarantined
from magazynier.sync.dispatch import drive, outage_alert_key, quarantine_alert_key
from magazynier.sync.models import Command, CommandItem, OutboxEntry, SyncState
from magazynier.sync.stuck import check_stuck
from magazynier.sync.tests import recovery_world as rw
from magazynier.sync.tests.helpers import remote

SEED = 20240611


@pytest.fixture
def emulator():
    """Commands take 0.3 s to complete, so kills land between the PUT and the report too."""
    config = EmulatorConfig(seed=SEED % 1000, command_completion_seconds=0.3, slow_response_seconds=1.0,
                            timeout_hang_seconds=2.0)
    with running_emulator(config) as emu:
        yield emu


def _known_commands(emulator) -> set[tuple[str, str]]:
    with emulator.world.lock:
        return set(emulator.world.commands.commands)


def _open_alert(key: str) -> Alert | None:
    return Alert.objects.filter(key=key, resolved_at__isnull=True).first()


# ---------------------------------------------------------------- 1. SIGKILL
def test_sigkill_at_random_points_loses_nothing_and_sends_nothing_twice(transactional_db, live_account, emulator,
                                                                        monkeypatch, tmp_path):
    # In tests Huey is "immediate": a commit would run the engine here, in the test process. Only the child
    # may run it.
    monkeypatch.setattr(outbox, "_wake", lambda account_ids: None)
    before = _known_commands(emulator)
    rounds = rw.Rounds(live_account)
    env, log, rng = rw.child_env(), tmp_path / "runner.log", random.Random(SEED)
    # Some answers come late (the request is applied after the delay, whoever still waits for it) and one
    # PUT per round is applied but never answered: kills land in mid-request and before a resend, too.
    emulator.world.set_fault_profile({"slow_share": 0.1})
    landed = Counter()
    for kill in range(9):
        if kill % 3 != 2:  # a restart with no new data: whatever it resends must keep its id
            rounds.next()
        emulator.world.drop_next_response("PUT", "/sale/offer-")
        proc = rw.start_runner(env, log, "--slice", "3")
        try:
            rw.wait_until_working(live_account, proc, log)
            time.sleep(rng.uniform(0.05, 1.5))
            if kill % 2:  # and sometimes the data changes under the running engine
                rounds.next(prices=kill % 4 == 1)
                time.sleep(rng.uniform(0.05, 0.6))
        finally:
            proc.kill()
            proc.wait(timeout=10)  # reaped: its pid is dead, so the next runner takes the lease over at once
        assert proc.returncode == -9, rw.tail(log)
        unfinished = Command.objects.exclude(state=Command.DONE)
        landed["awaiting a report" if unfinished.filter(state=Command.SENT).exists() else
               "before a resend" if unfinished.filter(attempts__gt=0).exists() else "elsewhere"] += 1
    assert landed["awaiting a report"] + landed["before a resend"], f"no kill hit a command in flight: {landed}"
    assert CommandItem.objects.exists(), "the runners were killed before sending anything: the test tests nothing"
    rounds.next()
    proc = rw.start_runner(env, log, "--until-idle", "--settle", "1")
    try:
        code = proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"the last runner did not become idle:\n{rw.tail(log)}") from None
    assert code == 0, rw.tail(log)
    rw.assert_everything_arrived(rounds, emulator, before, prices=True)
    assert not SyncState.objects.get(account=live_account).lease_owner


# ---------------------------------------------------------------- 2. faults
def test_faults_slow_the_engine_down_but_every_change_arrives_once(live_account, emulator, monkeypatch):
    # A 429 pauses the client id for 60 s everywhere; the pause itself is what matters, not its length.
    monkeypatch.setattr(budgets, "CLIENT_BLOCK_SECONDS", 0.5)
    monkeypatch.setattr(budgets, "SELLER_BACKOFF_SECONDS", 0.5)
    connector = rw.impatient_connector(live_account, read_timeout=0.5)
    rw.drive_until_idle(live_account, connector, timeout=30)  # the first run reads every offer
    before = _known_commands(emulator)
    rounds = rw.Rounds(live_account)
    emulator.world.set_fault_profile({"error_share": 0.2, "slow_share": 0.05, "timeout_share": 0.05,
                                      "drop_share": 0.05, "burst_429_share": 0.05, "burst_429_length": 3})
    kinds = ("error500", "error503", "slow", "timeout", "drop", "throttle", "drop_after_processing")

    def missing() -> list[str]:
        injected = emulator.world.counters()["faultsInjected"]
        return [kind for kind in kinds if not injected.get(kind)]

    cycles = 0
    while rounds.round < 3 or (missing() and rounds.round < 10):  # until every kind of fault has struck
        rounds.next()
        # Allegro applies these commands but the answers never arrive: resent under the same id (409)
        emulator.world.drop_next_response("PUT", "/sale/offer-quantity-change-commands" if rounds.round % 2
                                          else "/sale/offer-price-change-commands")
        cycles += rw.drive_until_idle(live_account, connector, timeout=60, nap=0.05)[1]
    emulator.world.set_fault_profile("none")
    assert not missing(), f"faults injected: {emulator.world.counters()['faultsInjected']}"
    rw.assert_everything_arrived(rounds, emulator, before, prices=True)
    assert not OutboxEntry.objects.filter(quarantined_at__isnull=False).exists()
    assert not _open_alert(outage_alert_key(live_account.pk))
    assert cycles > 8


# ---------------------------------------------------------------- 3. one bad offer vs an outage
def _retry_now(account) -> None:
    """Backoff makes retries wait 15 s, 60 s…: move the clock, not the behaviour."""
    OutboxEntry.objects.filter(account=account, quarantined_at__isnull=True).update(next_attempt_at=timezone.now())


def _take_away(emulator, offer_ids) -> dict[str, str]:
    """The offers now belong to another seller: every task on them fails with NotFound."""
    with emulator.world.lock:
        owners = {}
        for offer_id in offer_ids:
            offer = emulator.world.offers.offers[offer_id]
            owners[offer_id], offer.seller_id = offer.seller_id, "someone-else"
        return owners


def _give_back(emulator, owners: dict[str, str]) -> None:
    with emulator.world.lock:
        for offer_id, owner in owners.items():
            emulator.world.offers.offers[offer_id].seller_id = owner


def test_an_offer_that_keeps_failing_while_others_succeed_is_quarantined(live_account, emulator, alert_inbox):
    connector = allegro_connector(live_account, max_wait=2.0)
    rw.drive_until_idle(live_account, connector, timeout=30)
    rounds = rw.Rounds(live_account)
    bad, good = rounds.listings[0], rounds.listings[1:]
    owners = _take_away(emulator, [bad.offer_id])
    key = quarantine_alert_key(live_account.pk)
    for attempt in (1, 2, 3):
        _retry_now(live_account)
        rounds.next(prices=False, same=True)  # one command per round: the bad offer fails beside good ones
        rw.drive_until_idle(live_account, connector, timeout=30)
        entry = OutboxEntry.objects.get(listing=bad)
        assert entry.failures == attempt and "not found" in entry.last_error.lower()
        assert bool(entry.quarantined_at) == (attempt == 3)
        assert bool(_open_alert(key)) == (attempt == 3)
        for li in good:
            li.refresh_from_db()
            assert li.confirmed_quantity == rounds.want_quantity[li.pk] == remote(emulator, li).available
        assert not OutboxEntry.objects.filter(listing__in=good).exists()
    alert = _open_alert(key)
    assert alert.severity == Alert.WARNING and alert.account_id == live_account.pk
    assert not _open_alert(outage_alert_key(live_account.pk)), "one bad offer is not an outage"
    [message] = alert_inbox.messages()
    assert message["title"] == f"[warning] Some offers on {live_account.name} are not being updated — " \
                               f"{live_account.name}" and message["type"] == "warning"
    assert message["message"].startswith("1 offers failed 3 times in a row while other changes went through")
    assert "fix them and retry" in message["message"]

    # set aside: the next changes go out without it
    before = _known_commands(emulator)
    _retry_now(live_account)
    rounds.next(prices=False, same=True)
    rw.drive_until_idle(live_account, connector, timeout=30)
    sent_to = {t.offer_id for c in rw.commands_since(emulator, before) for t in c.tasks}
    assert sent_to == {li.offer_id for li in good}

    # the seller fixes the offer and retries: it is confirmed and the alert goes away
    _give_back(emulator, owners)
    assert retry_quarantined(live_account) == 1
    rw.drive_until_idle(live_account, connector, timeout=30)
    bad.refresh_from_db()
    assert bad.confirmed_quantity == rounds.want_quantity[bad.pk] == remote(emulator, bad).available
    assert not _open_alert(key) and not OutboxEntry.objects.exists()
    assert alert_inbox.messages()[-1]["title"].startswith("Resolved: Some offers on")


def test_when_every_change_fails_nothing_is_quarantined_and_an_outage_is_raised(live_account, emulator,
                                                                               alert_inbox):
    connector = allegro_connector(live_account, max_wait=2.0)
    rw.drive_until_idle(live_account, connector, timeout=30)
    rounds = rw.Rounds(live_account)
    owners = _take_away(emulator, [li.offer_id for li in rounds.listings])
    rounds.next(prices=False, same=True)
    for attempt in range(1, 5):
        _retry_now(live_account)
        rw.drive_until_idle(live_account, connector, timeout=30)
        entries = list(OutboxEntry.objects.filter(account=live_account))
        assert len(entries) == len(rounds.listings)
        assert all(e.failures == attempt and e.quarantined_at is None for e in entries)
        assert all(e.next_attempt_at > timezone.now() for e in entries), "retries back off"
    alert = _open_alert(outage_alert_key(live_account.pk))
    assert alert is not None and alert.severity == Alert.CRITICAL and alert.occurrences == 4
    assert not _open_alert(quarantine_alert_key(live_account.pk))
    assert SyncState.objects.get(account=live_account).outage_since is not None
    [message] = alert_inbox.messages()  # once, not once per failed run
    assert message["title"] == f"[critical] Changes to {live_account.name} are failing — {live_account.name}"
    assert "The channel refused every change in the last run" in message["message"]
    assert "Seen 4 times since" in message["message"]
    assert check_stuck(timezone.now() + timedelta(hours=1)) == [], "the outage's alert says it already"

    # Allegro is back: the same changes go through and the outage is over
    _give_back(emulator, owners)
    _retry_now(live_account)
    rw.drive_until_idle(live_account, connector, timeout=30)
    for li in rounds.listings:
        li.refresh_from_db()
        assert li.confirmed_quantity == rounds.want_quantity[li.pk] == remote(emulator, li).available
    assert not _open_alert(outage_alert_key(live_account.pk))
    assert SyncState.objects.get(account=live_account).outage_since is None
    assert not OutboxEntry.objects.exists()
    assert [m["title"] for m in alert_inbox.messages()][1:] == [
        f"Resolved: Changes to {live_account.name} are failing — {live_account.name}"]


# ---------------------------------------------------------------- a failing full read
def test_a_503_during_the_first_full_read_is_retried_later(live_account, emulator):
    connector = allegro_connector(live_account, max_wait=2.0)
    emulator.world.set_fault_profile({"error_share": 1.0})  # Allegro answers 500/503 to everything
    result = drive(live_account.pk, lambda _account: connector, time_slice=0)
    assert result.retry_after and result.error
    assert SyncState.objects.get(account=live_account).last_full_sweep_at is None
    emulator.world.set_fault_profile("none")
    rw.drive_until_idle(live_account, connector, timeout=30)
    assert SyncState.objects.get(account=live_account).last_full_sweep_at is not None
