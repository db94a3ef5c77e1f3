"""The shared rate budget on the configured store (SQLite file, or PostgreSQL when DATABASE_URL says so),
with real processes for the guarantees that matter across workers."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from magazynier import config
from magazynier.core import ratebudget
from magazynier.core.models import RatePause
from magazynier.core.ratebudget import Budget, BudgetExhausted, Limit, get_budget, key_label

REPO = Path(__file__).resolve().parents[3]
POSTGRES = config.is_postgres(config.database_url())

pytestmark = pytest.mark.django_db(transaction=True)  # other processes must see committed pauses


def new_key(kind: str = "client") -> str:
    return f"allegro:{kind}:test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def budget(tmp_path):
    """The store the configuration picks, in the test database (PostgreSQL) or a fresh file (SQLite)."""
    made = Budget.from_configuration() if POSTGRES else Budget(sqlite_path=tmp_path / "ratebudget.sqlite3")
    yield made
    made.close()


@pytest.fixture(autouse=True)
def _no_budget_left_open():
    """get_budget() caches one Budget per process; close it so no pool outlives the test database."""
    yield
    if ratebudget._budget is not None:
        ratebudget._budget.close()
        ratebudget._budget = None


# -- one process -----------------------------------------------------------------------------------------


def test_a_full_window_refuses_with_a_retry_time_and_admits_after_it(budget):
    key, limits = new_key(), [Limit(5, 2.0)]
    for _ in range(5):
        budget.acquire(key, limits)
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits)
    assert refused.value.key == key and refused.value.reason == "exhausted"
    assert 0 < refused.value.retry_after <= 2
    assert budget.used(key, limits) == [5]  # the refusal took nothing
    time.sleep(refused.value.retry_after)
    budget.acquire(key, limits)


def test_max_wait_waits_for_the_window_instead_of_refusing(budget):
    key, limits = new_key(), [Limit(2, 1.0)]
    budget.acquire(key, limits)
    budget.acquire(key, limits)
    started = time.monotonic()
    budget.acquire(key, limits, max_wait=3)
    assert 0.5 < time.monotonic() - started < 2.5


def test_weights_take_several_units_or_none(budget):
    key, limits = new_key("seller"), [Limit(10, 60)]
    budget.acquire(key, limits, weight=7)
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits, weight=4)
    assert 55 < refused.value.retry_after <= 60
    budget.acquire(key, limits, weight=3)
    assert budget.used(key, limits) == [10]


def test_a_refusal_by_a_long_window_spends_nothing_from_the_short_one(budget):
    key = new_key("seller")
    implied = [Limit(100, 1), Limit(10, 60)]  # the minute count implies the second one; pyrate rejects the list
    for _ in range(10):
        budget.acquire(key, implied)
    with pytest.raises(BudgetExhausted):
        budget.acquire(key, implied)
    assert budget.used(key, implied)[1] == 10 and budget.used(key, implied)[0] <= 10

    key, limits = new_key("seller"), [Limit(6, 1.0), Limit(8, 60)]
    budget.acquire(key, limits, weight=6)
    time.sleep(1.1)  # the short window is empty again, the long one holds 6 of 8
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits, weight=3)
    assert refused.value.retry_after > 50  # the long window decides the wait
    assert budget.used(key, limits) == [0, 6]
    budget.acquire(key, limits, weight=2)
    assert budget.used(key, limits) == [2, 8]


def test_the_wait_is_that_of_the_slowest_full_window(budget):
    key, limits = new_key(), [Limit(3, 1.0), Limit(3, 30)]  # pyrate would report the 1 s window's wait
    budget.acquire(key, limits, weight=3)
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits)
    assert 25 < refused.value.retry_after <= 30


def test_limits_pyrate_calls_unordered_are_enforced(budget):
    key, limits = new_key(), [Limit(2, 1.0), Limit(9000, 60)]  # density rises: pyrate's check refuses it
    budget.acquire(key, limits)
    budget.acquire(key, limits)
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits)
    assert 0 < refused.value.retry_after <= 1
    assert budget.used(key, limits) == [2, 2]


def test_impossible_requests_are_errors_not_waits(budget):
    key = new_key()
    with pytest.raises(ValueError, match="weight 11 can never be admitted"):
        budget.acquire(key, [Limit(100, 60), Limit(10, 1)], weight=11)
    with pytest.raises(ValueError, match="largest one request"):
        budget.acquire(key, [Limit(250_000, 3600)], weight=40_000)
    with pytest.raises(ValueError, match="positive"):
        budget.acquire(key, [Limit(10, 60)], weight=0)
    with pytest.raises(ValueError, match="at least one"):
        budget.acquire(key, [])
    with pytest.raises(ValueError):
        Limit(0, 60)
    with pytest.raises(ValueError):
        Limit(10, 0)


def test_acquire_deletes_expired_entries(budget, monkeypatch):
    monkeypatch.setattr(ratebudget, "LEAK_EVERY", 0.0)
    key, limits = new_key(), [Limit(3, 0.2)]
    for _ in range(3):
        budget.acquire(key, limits)
    time.sleep(0.3)
    budget.acquire(key, limits)
    assert budget._slot(key, ratebudget._rates(limits, 1)).bucket.count() == 1  # the three old ones are gone
    assert budget.used(key, limits) == [1]


def test_the_refusal_survives_pickling_and_names_no_identifier():
    pickled = pickle.dumps(BudgetExhausted("allegro:seller:4242:offer-changes", 12.5, "paused"))
    refused = pickle.loads(pickled)  # noqa: S301 - bytes made by this test
    assert (refused.key, refused.retry_after, refused.reason) == ("allegro:seller:4242:offer-changes", 12.5, "paused")
    assert "4242" not in str(refused) and "offer-changes" in str(refused)


def test_threads_of_one_process_share_the_budget_exactly(budget):
    key, limits = new_key(), [Limit(40, 60)]
    admitted, errors = [], []

    def worker():
        try:
            for _ in range(15):
                try:
                    budget.acquire(key, limits)
                    admitted.append(1)
                except BudgetExhausted:
                    pass
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(admitted) == 40
    assert budget.used(key, limits) == [40]


# -- pauses ----------------------------------------------------------------------------------------------


def test_pause_extends_never_shortens_and_resume_clears(budget):
    key, limits = new_key(), [Limit(100, 60)]
    first = budget.pause(key, 60)
    assert first.tzinfo is not None and first.utcoffset().total_seconds() == 0
    assert budget.pause(key, 5) == first  # shorter: the longer pause stays
    assert budget.paused_until(key) == first
    later = budget.pause(key, 120)
    assert later > first and budget.paused_until(key) == later
    assert budget.paused_until(key).tzinfo == UTC
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits, max_wait=5)
    assert refused.value.reason == "paused" and 115 < refused.value.retry_after <= 120
    assert budget.used(key, limits) == [0]
    budget.resume(key)
    assert budget.paused_until(key) is None
    budget.acquire(key, limits)
    assert RatePause.objects.count() == 0


def test_a_pause_ending_within_max_wait_is_waited_out(budget):
    key = new_key()
    budget.pause(key, 0.5)
    started = time.monotonic()
    budget.acquire(key, [Limit(10, 60)], max_wait=3)
    assert time.monotonic() - started >= 0.4
    assert budget.paused_until(key) is None


def test_pauses_are_shared_by_budget_objects_and_keys_are_separate(budget):
    key, other = new_key(), new_key()
    get_budget().pause(key, 30)
    with pytest.raises(BudgetExhausted):
        budget.acquire(key, [Limit(10, 60)])
    budget.acquire(other, [Limit(10, 60)])


# -- secrets ---------------------------------------------------------------------------------------------


def test_no_client_id_or_password_in_names_messages_or_logs(budget, caplog):
    caplog.set_level(logging.DEBUG)
    key, limits = "allegro:client:secret-client-id", [Limit(1, 60)]
    budget.resume(key)
    budget.acquire(key, limits)
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(key, limits)
    budget.pause(key, 1)
    shown = [repr(budget), str(budget), str(refused.value), repr(refused.value), budget.table_name(key, limits),
             caplog.text, *RatePause.objects.values_list("label", flat=True)]
    assert not [text for text in shown if "secret-client-id" in text]
    assert "allegro:client:#" in str(refused.value)
    assert refused.value.key == key  # the caller still gets the key it passed
    assert key_label("allegro:seller:123456:offer-changes").startswith("allegro:seller:#")
    assert key_label("allegro:seller:123456:offer-changes").endswith(":offer-changes")
    assert "123456" not in key_label("allegro:seller:123456:offer-changes")

    with_password = Budget(postgres_dsn="postgres://app:tajne-haslo@db.example:5432/magazynier")
    assert "tajne-haslo" not in repr(with_password) and "tajne-haslo" not in str(vars(with_password))
    budget.resume(key)


# -- configuration and processes -------------------------------------------------------------------------


def test_get_budget_follows_the_configuration_and_the_process(monkeypatch):
    monkeypatch.setattr(ratebudget, "_budget", None)
    first = get_budget()
    assert get_budget() is first
    if POSTGRES:
        assert first.backend == "postgres"
        assert connections["default"].settings_dict["NAME"] in ratebudget._django_conninfo()
    else:
        assert first.backend == "sqlite" and first._path == str(config.data_dir() / "ratebudget.sqlite3")
    real_pid = os.getpid()
    monkeypatch.setattr(ratebudget.os, "getpid", lambda: real_pid + 1)  # as in a forked child
    assert get_budget() is not first
    monkeypatch.undo()
    first.close()

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Budget.from_configuration().backend == "sqlite"


def _child_environment() -> dict[str, str]:
    """What a worker process needs to reach the same stores as this test: the same data dir and the
    database the test really uses (pytest-django's test database, not the configured one)."""
    name = connections["default"].settings_dict["NAME"]
    url = config.database_url()
    if POSTGRES:
        url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    else:
        url = f"sqlite:///{name}"
    return dict(os.environ, DJANGO_SETTINGS_MODULE="magazynier.test_settings", DATABASE_URL=url,
                MAGAZYNIER_DATA_DIR=str(settings.DATA_DIR),
                PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


CHILD = r"""
import json, sys, time
import django
django.setup()
from magazynier.core.ratebudget import BudgetExhausted, Limit, get_budget

job = json.loads(sys.argv[1])
budget = get_budget()
limits = [Limit(*limit) for limit in job.get("limits", [[1, 60]])]
budget.used(job["key"], limits)  # open the store before the start line
while time.time() < job["start"]:
    time.sleep(0.001)
result = {"admitted": 0, "refused": 0, "retry_after": []}
if job["mode"] == "hammer":
    for _ in range(job["attempts"]):
        try:
            budget.acquire(job["key"], limits, weight=job["weight"])
            result["admitted"] += 1
        except BudgetExhausted as exc:
            result["refused"] += 1
            result["retry_after"].append(exc.retry_after)
elif job["mode"] == "pause":
    result["until"] = budget.pause(job["key"], job["seconds"]).isoformat()
elif job["mode"] == "probe":
    started = time.monotonic()
    try:
        budget.acquire(job["key"], limits)
        result["admitted"] = 1
    except BudgetExhausted as exc:
        result.update(reason=exc.reason, retry_after=exc.retry_after)
    result["elapsed"] = time.monotonic() - started
sys.stdout.write(json.dumps(result))
"""


def run_children(jobs: list[dict], lead: float = 4.0) -> list[dict]:
    """Start one process per job; they all begin at the same wall-clock moment, `lead` s from now."""
    start = time.time() + lead
    env = _child_environment()
    processes = [
        subprocess.Popen([sys.executable, "-c", CHILD, json.dumps({**job, "start": start})], cwd=REPO, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for job in jobs
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out))
    return results


def configured_budget() -> Budget:
    """The store the worker processes use (their get_budget()), seen from this process."""
    return Budget.from_configuration()


def test_processes_hammering_one_key_get_exactly_the_budget():
    key, limits = new_key(), [Limit(50, 60)]
    results = run_children([{"mode": "hammer", "key": key, "limits": [[50, 60]], "weight": 1, "attempts": 40}
                            for _ in range(6)])
    admitted = [result["admitted"] for result in results]
    assert sum(admitted) == 50, admitted
    assert sum(result["refused"] for result in results) == 6 * 40 - 50
    assert sum(1 for count in admitted if count) >= 2, admitted  # they really competed
    waits = [wait for result in results for wait in result["retry_after"]]
    assert all(0 < wait <= 60 for wait in waits), sorted(waits)[:3] + sorted(waits)[-3:]
    shared = configured_budget()
    try:
        assert shared.used(key, limits) == [50]
    finally:
        shared.close()


def test_processes_spending_weights_from_two_windows_never_overspend():
    key, limits = new_key("seller"), [Limit(50, 60), Limit(80, 3600)]
    results = run_children([{"mode": "hammer", "key": key, "limits": [[50, 60], [80, 3600]], "weight": 3,
                             "attempts": 10} for _ in range(5)])
    assert sum(result["admitted"] for result in results) == 16  # 16 × 3 = 48 ≤ 50; a 17th would be 51
    shared = configured_budget()
    try:
        assert shared.used(key, limits) == [48, 48]
    finally:
        shared.close()


def test_a_pause_set_by_one_process_stops_the_others_at_once(budget):
    key = new_key()
    budget.pause(key, 60)
    probe, = run_children([{"mode": "probe", "key": key, "limits": [[1000, 60]]}], lead=0)
    assert probe["reason"] == "paused" and 50 < probe["retry_after"] <= 60
    assert probe["elapsed"] < 1.0

    other = new_key()
    paused, = run_children([{"mode": "pause", "key": other, "seconds": 60}], lead=0)
    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(other, [Limit(1000, 60)])
    assert refused.value.reason == "paused"
    assert budget.paused_until(other).isoformat() == paused["until"]


def test_processes_pausing_at_once_keep_the_later_end(budget):
    key = new_key()
    results = run_children([{"mode": "pause", "key": key, "seconds": seconds} for seconds in (90, 30, 60, 30)])
    final = budget.paused_until(key)
    assert max(result["until"] for result in results) == final.isoformat()
    assert 80 < (final - timezone.now()).total_seconds() <= 90
    assert budget.pause(key, 0) == final  # nothing shortened it
    assert RatePause.objects.filter(key_hash=ratebudget.key_digest(key)).count() == 1


# -- PostgreSQL specifics --------------------------------------------------------------------------------


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL store only")
def test_postgres_lock_contention_is_retried_not_reported_as_exhaustion(budget):
    import psycopg
    from psycopg import sql

    key, limits = new_key(), [Limit(10, 60)]
    table = budget.table_name(key, limits)
    locked, release = threading.Event(), threading.Event()

    def hold_the_table():
        with psycopg.connect(ratebudget._django_conninfo()) as conn:
            conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(table)))
            locked.set()
            release.wait(5)

    holder = threading.Thread(target=hold_the_table)
    holder.start()
    assert locked.wait(5)
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    budget.acquire(key, limits)  # max_wait=0, yet contention is waited out
    assert time.monotonic() - started >= 0.25
    holder.join()
    assert budget.used(key, limits) == [1]


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL store only")
def test_postgres_sessions_in_other_time_zones_count_the_same_window(budget, monkeypatch):
    key, limits = new_key(), [Limit(3, 60)]
    monkeypatch.setenv("PGTZ", "America/New_York")  # libpq's session TimeZone for connections opened now
    elsewhere = Budget.from_configuration()
    try:
        for _ in range(3):
            elsewhere.acquire(key, limits)
    finally:
        elsewhere.close()
    monkeypatch.delenv("PGTZ")
    with pytest.raises(BudgetExhausted):
        budget.acquire(key, limits)
