"""Shared rate budgets: one count of API calls for every process of the installation.

Allegro counts requests per application client id (9,000/min for all sellers together; going over blocks the
client id for 60 s and every call made during the block extends it) and, for some resources, per seller
(PATCH /sale/product-offers 2,500/min, offer changes 9,000/min *and* 250,000/h, where one command with 1,000
offers weighs 1,000). The web panel and every Huey worker are separate processes, so the count lives in one
store they all share, built on pyrate-limiter 4.5 buckets.

Rules
-----
* A *key* names one budget ("allegro:client:<client_id>", "allegro:seller:<user_id>:offer-changes"); its
  `Limit`s are sliding windows: `Limit(9000, 60)` admits at most 9,000 units in any 60 s (the window is the
  half-open interval (now - 60 s, now]). Use one key always with the same limits: another list of limits is
  another budget (its own table), equivalent lists (see `_rates`) share one.
* `Budget.acquire` takes `weight` units from every window of the key at once or from none: all windows of
  a key are one pyrate bucket with several `Rate`s, checked and written under one lock, so a request refused
  by the hour window has not spent anything from the minute window. When the units do not fit it waits up to
  `max_wait` seconds, then raises `BudgetExhausted` with `retry_after` = seconds until *every* window would
  admit the weight. A weight larger than a window's count could never fit: ValueError, not a wait.
* Store: when Django's database is PostgreSQL, one table per budget in that same database (pyrate's
  `PostgresBucket`, a small psycopg pool; the clock is the database's, so several hosts agree); otherwise
  the SQLite file `ratebudget.sqlite3` in the data dir, every write serialised by a file lock (pyrate's
  `SQLiteBucket.init_from_file(use_file_lock=True)`), which several processes of one host share.
* A pause (`Budget.pause`, e.g. after a 429) lives in the Django database (`core.RatePause`) and is read by
  every `acquire` (one indexed query), so a pause set by one process stops all others at their next call. It
  only ever extends; `resume` clears it. A pause is not a budget: it consumes nothing.
* Secrets: a key may carry the client id, so it never appears in table names (sha256), pause rows (sha256 +
  `key_label`), log lines or exception messages (`key_label`). `repr(Budget)` shows no DSN.
* Processes: `get_budget()` gives each process one `Budget`, re-created in a forked child (connections and
  locks are never shared across a fork). A `Budget` is safe to use from several threads.

pyrate-limiter 4.5 details this module depends on (checked against its source)
----------------------------------------------------------------------------
* `Limiter.try_acquire(blocking=False)` returns a bare bool: a full window, a contended table and a weight
  that can never fit all read False, with no retry time. We therefore drive the bucket ourselves with
  `put_decision()`, which returns the verdict and the wait computed under the bucket's lock.
* `PostgresBucket.put` takes `LOCK TABLE … NOWAIT` and returns False (retry_after None) when another process
  holds the lock: that is contention, retried after a few ms, never reported as exhaustion.
* pyrate validates rate lists as "strictly increasing interval *and* limit, non-increasing density", so
  `[Limit(100, 1), Limit(10, 60)]` (the minute count implies the second one) or `[Limit(5, 1),
  Limit(9000, 60)]` raise. `_rates` drops implied limits and our bucket subclasses keep only the sort.
* The stock policy reports the wait of the *first* failing window only, and counts an inclusive window
  (60.001 s); `_SlidingWindow` reports the slowest failing window and counts exactly `seconds`.
* `PostgresBucket` keeps `TIMESTAMP WITHOUT TIME ZONE` written and read through `TO_TIMESTAMP()`, i.e. in the
  session's TimeZone: two sessions with different TimeZones disagree by hours (checked: a UTC writer and a
  Europe/Warsaw reader over-admit). Our pool sets every session to UTC.
* `PostgresBucket` stores the weight in a SMALLINT, so a weight above 32,767 fails there (`MAX_WEIGHT`);
  `PostgresBucket.close()` closes the pool it was given (we never call it: the pool is shared);
  Postgres truncates identifiers at 63 bytes, so table names are short hashes.
* The Leaker thread that `BucketFactory`/`Limiter` start dies on the first database error (it catches only
  RuntimeError) and does not survive a fork; expired rows are deleted by `acquire` itself, at most every
  `LEAK_EVERY` seconds per budget and process.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyrate_limiter import (
    AbstractBucket,
    Decision,
    Duration,
    PostgresBucket,
    Rate,
    RateItem,
    SlidingWindowLog,
    SQLiteBucket,
    SQLiteQueries,
)

from magazynier import config

logger = logging.getLogger(__name__)

SQLITE_FILE = "ratebudget.sqlite3"
MAX_WEIGHT = 32_767  # PostgresBucket keeps the weight in a SMALLINT column
LEAK_EVERY = 10.0  # seconds between deletions of expired entries of one budget by one process
CONTENTION_GRACE = 5.0  # how long acquire retries a locked Postgres table before giving up
POOL_MAX = 4


@dataclass(frozen=True)
class Limit:
    """At most `count` units in any window of `seconds` (e.g. Limit(9000, 60), Limit(250_000, 3600))."""

    count: int
    seconds: float

    def __post_init__(self):
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"Limit count must be a positive int, not {self.count!r}")
        if not (isinstance(self.seconds, int | float) and math.isfinite(self.seconds) and self.seconds >= 0.001):
            raise ValueError(f"Limit seconds must be a number ≥ 0.001, not {self.seconds!r}")

    @property
    def milliseconds(self) -> int:
        """The window as pyrate counts it (whole milliseconds)."""
        return max(1, round(self.seconds * Duration.SECOND.value))


class BudgetExhausted(Exception):
    """The budget of `key` cannot admit the weight within the allowed wait (or the key is paused).

    `retry_after` is the number of seconds after which it would (for a pause: until the pause ends). The
    message names the key through `key_label`, so it is safe to log; `key` holds the key as given.
    """

    def __init__(self, key: str, retry_after: float, reason: str = "exhausted"):
        self.key = key
        self.retry_after = retry_after
        self.reason = reason  # exhausted | paused | busy
        super().__init__(f"rate budget {key_label(key)} {reason}; retry in {retry_after:.3f} s")

    def __reduce__(self):
        return type(self), (self.key, self.retry_after, self.reason)


def key_digest(key: str) -> str:
    """sha256 hex of a key: what table names and pause rows are derived from."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_label(key: str) -> str:
    """A key as logs and messages show it: "allegro:client:#3f9c0a1b2d" for "allegro:client:<client_id>",
    "allegro:seller:#…:offer-changes" for "allegro:seller:<user_id>:offer-changes".

    Keys are "<system>:<kind>:<identifier>[:…:<resource>]". The first two parts and, with four or more
    parts, the last one are kept; everything else (the identifiers) is replaced by 10 hex of the key's
    sha256, which still tells two budgets apart.
    """
    parts = key.split(":")
    head = parts[:2] if len(parts) > 2 else parts[:1] if len(parts) == 2 else []
    tail = parts[-1:] if len(parts) > 3 else []
    return ":".join([*head, "#" + key_digest(key)[:10], *tail])


def _rates(limits: Sequence[Limit], weight: int) -> list[Rate]:
    """Validate a request and return the pyrate rates that enforce its limits, shortest window first.

    A limit is implied by another whose window is at least as long and whose count is at most as large (the
    short window lies inside the long one, so the long count bounds it); implied limits are dropped – pyrate
    would reject such lists – which also leaves every window length once, as pyrate's SQLite count needs.
    """
    if not limits:
        raise ValueError("a rate budget needs at least one Limit")
    for limit in limits:
        if not isinstance(limit, Limit):
            raise ValueError(f"limits must be Limit instances, not {type(limit).__name__}")
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
        raise ValueError(f"weight must be a positive int, not {weight!r}")
    smallest = min(limits, key=lambda limit: limit.count)
    if weight > smallest.count:
        raise ValueError(
            f"weight {weight} can never be admitted: Limit({smallest.count}, {smallest.seconds}) allows at most "
            f"{smallest.count} units per window; split the request")
    if weight > MAX_WEIGHT:
        raise ValueError(f"weight {weight} is above {MAX_WEIGHT}, the largest one request may take; split it")
    windows = sorted({(limit.milliseconds, limit.count) for limit in limits})
    kept = [
        Rate(count, ms) for ms, count in windows
        if not any(other != (ms, count) and other[0] >= ms and other[1] <= count for other in windows)
    ]
    return kept


class _SlidingWindow(SlidingWindowLog):
    """pyrate's sliding-window log with two changes.

    The window is (now - interval, now] – exactly `seconds` long – instead of pyrate's inclusive one, so a
    wait never exceeds the window. A refusal reports the wait of the *slowest* full window (pyrate reports the
    first one it meets): after that wait every window admits the weight, before it at least one does not.
    The wait is never below 1 ms, so a refusal without a wait can only be PostgresBucket's lock contention.
    """

    def window_start(self, rate: Rate, now: int) -> int:
        return now - rate.interval + 1

    def retry_after(self, rate: Rate, now: int, blocking_timestamp: int | None) -> int:
        if blocking_timestamp is None:
            return 1
        # Capped at the window: another process may have stamped its entry a few ms after our `now` (taken
        # before the shared lock), which must not make the wait look longer than the window itself.
        return min(rate.interval, max(1, blocking_timestamp + rate.interval - now))

    def decide(self, rates, counts, weight, now, peek_timestamp) -> Decision:
        failing, wait = None, 0
        for rate, count in zip(rates, counts, strict=True):
            if rate.limit - int(count) >= weight:
                continue
            # the entry whose expiry leaves room for `weight`, counted from the newest one
            rate_wait = self.retry_after(rate, now, peek_timestamp(rate.limit - weight))
            if failing is None or rate_wait > wait:
                failing, wait = rate, rate_wait
        if failing is None:
            return Decision()
        return Decision(failing_rate=failing, retry_after_ms=wait)


_WINDOW = _SlidingWindow()


class _KeepRateOrder:
    """Keep pyrate's ascending-interval sort of the rates but not its density rule (see `_rates`)."""

    @property
    def rates(self) -> list[Rate]:
        return self._rates

    @rates.setter
    def rates(self, value: list[Rate]) -> None:
        self._rates = sorted(value, key=lambda rate: rate.interval)


class _SQLiteBucket(_KeepRateOrder, SQLiteBucket):
    pass


class _PostgresBucket(_KeepRateOrder, PostgresBucket):
    pass


class _Secret:
    """A value that prints as *** (a DSN with its password), also in debug pages and vars()."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return "'***'"


class _Slot:
    """One budget (key + rates) as this process uses it: the pyrate bucket and a thread lock around it.

    The thread lock serialises this process's threads (pyrate keeps the last verdict on the bucket object),
    the bucket's own lock (file lock / table lock) the processes.
    """

    def __init__(self, bucket: AbstractBucket, key: str):
        self.bucket = bucket
        self.key_hash = key_digest(key)
        self.label = key_label(key)
        self.lock = threading.Lock()
        self.next_leak = 0.0


def _utc_session(conn) -> None:
    """Pool `configure` hook: PostgresBucket's timestamps are read in the session TimeZone (see module doc)."""
    conn.execute("SET TIME ZONE 'UTC'")
    conn.commit()


class Budget:
    """One shared budget store for the whole installation; safe across threads and processes.

    Give exactly one of `sqlite_path` (a file every process of this host opens) or `postgres_dsn` (a
    libpq conninfo/URL; its tables are created on first use). Nothing is opened before the first call.
    Most code wants `get_budget()`, which picks the store from the configuration.
    """

    def __init__(self, *, sqlite_path: str | Path | None = None, postgres_dsn: str | None = None,
                 pool_max: int = POOL_MAX):
        if (sqlite_path is None) == (postgres_dsn is None):
            raise ValueError("give exactly one of sqlite_path and postgres_dsn")
        self.backend = "sqlite" if sqlite_path is not None else "postgres"
        self._path = str(sqlite_path) if sqlite_path is not None else None
        self._dsn = _Secret(postgres_dsn) if postgres_dsn is not None else None  # it may hold a password
        self._pool_max = pool_max
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._slots: dict[tuple[str, tuple[tuple[int, int], ...]], _Slot] = {}
        self._pool = None

    @classmethod
    def from_configuration(cls) -> Budget:
        """The store magazynier/config.py describes: PostgreSQL tables in Django's database when that is
        PostgreSQL (the database Django really uses, e.g. the test database in tests), else
        DATA_DIR/ratebudget.sqlite3."""
        if config.is_postgres(config.database_url()):
            return cls(postgres_dsn=_django_conninfo())
        return cls(sqlite_path=config.data_dir() / SQLITE_FILE)

    def __repr__(self) -> str:
        where = f", path={self._path!r}" if self._path else ""
        return f"Budget(backend={self.backend!r}{where})"

    # -- spending -----------------------------------------------------------------------------------------

    def acquire(self, key: str, limits: Sequence[Limit], weight: int = 1, max_wait: float = 0.0) -> None:
        """Take `weight` units from every limit of `key`, waiting at most `max_wait` seconds; else raise
        BudgetExhausted (with the soonest retry time) and take nothing.

        Also raises BudgetExhausted (reason "paused") while the key is paused, unless the pause ends within
        `max_wait`, in which case it waits for it. Lock contention between processes (PostgreSQL) is
        retried for up to CONTENTION_GRACE seconds even with max_wait=0, then reported as reason "busy".
        """
        rates = _rates(limits, weight)
        if not max_wait >= 0:
            raise ValueError(f"max_wait must be ≥ 0, not {max_wait!r}")
        slot = self._slot(key, rates)
        start = time.monotonic()
        deadline = start + max_wait
        contention_deadline = start + max(max_wait, CONTENTION_GRACE)
        while True:
            paused = self._pause_left(slot.key_hash)
            if paused > 0:
                if time.monotonic() + paused > deadline:
                    raise BudgetExhausted(key, paused, "paused")
                time.sleep(paused)
                continue
            decision = self._put(slot, weight)
            if decision.allowed:
                self._maybe_leak(slot)
                return
            now = time.monotonic()
            if decision.retry_after_ms is None:  # another process holds the table lock: not exhaustion
                if now >= contention_deadline:
                    raise BudgetExhausted(key, 0.05, "busy")
                time.sleep(random.uniform(0.002, 0.02))
                continue
            wait = decision.retry_after_ms / 1000
            if now + wait > deadline:
                raise BudgetExhausted(key, wait)
            time.sleep(wait)

    def used(self, key: str, limits: Sequence[Limit]) -> list[int]:
        """Units spent from `key` in each limit's window right now, in the order of `limits` (monitoring)."""
        rates = _rates(limits, 1)
        slot = self._slot(key, rates)
        with slot.lock:
            bucket = slot.bucket
            now = bucket.now()
            starts = [_WINDOW.window_start(Rate(limit.count, limit.milliseconds), now) for limit in limits]
            if isinstance(bucket, SQLiteBucket):
                return self._sqlite_counts(bucket, starts)
            return self._postgres_counts(bucket, starts)

    def table_name(self, key: str, limits: Sequence[Limit]) -> str:
        """The table holding this budget (a hash: safe to show; for diagnostics)."""
        slot = self._slot(key, _rates(limits, 1))
        return slot.bucket.table if isinstance(slot.bucket, SQLiteBucket) else slot.bucket._full_tbl

    # -- pauses -------------------------------------------------------------------------------------------

    def pause(self, key: str, seconds: float) -> datetime:
        """Stop every process from spending from `key` for `seconds` (e.g. 60 after a 429 on the client id).

        Extends, never shortens: the stored end becomes the later of the current one and now + seconds, also
        when two processes pause at once (row lock, or SQLite's immediate write transaction). Returns the
        end of the pause (UTC). It writes through this thread's Django connection, so call it outside
        transaction.atomic: inside, the pause would commit – or roll back – with the caller's transaction.
        """
        from django.db import transaction
        from django.utils import timezone

        from magazynier.core.models import RatePause

        if not seconds >= 0:
            raise ValueError(f"pause seconds must be ≥ 0, not {seconds!r}")
        label = key_label(key)
        if transaction.get_connection().in_atomic_block:
            logger.warning("rate budget %s paused inside a transaction: other processes see it only on commit",
                           label)
        until = timezone.now() + timedelta(seconds=seconds)
        digest = key_digest(key)
        with transaction.atomic():
            RatePause.objects.bulk_create([RatePause(key_hash=digest, label=label, until=until)],
                                          ignore_conflicts=True)
            row = RatePause.objects.select_for_update().get(key_hash=digest)
            if row.until < until:
                row.until = until
                row.save(update_fields=["until"])
        until = row.until.astimezone(UTC)
        logger.warning("rate budget %s paused until %s", label, until.isoformat(timespec="seconds"))
        return until

    def paused_until(self, key: str) -> datetime | None:
        """End of the key's pause (UTC), or None when it is not paused."""
        from django.utils import timezone

        from magazynier.core.models import RatePause

        until = (RatePause.objects.filter(key_hash=key_digest(key), until__gt=timezone.now())
                 .values_list("until", flat=True).first())
        return until.astimezone(UTC) if until else None

    def resume(self, key: str) -> None:
        """End the key's pause now."""
        from magazynier.core.models import RatePause

        RatePause.objects.filter(key_hash=key_digest(key)).delete()
        logger.info("rate budget %s resumed", key_label(key))

    def _pause_left(self, digest: str) -> float:
        from django.utils import timezone

        from magazynier.core.models import RatePause

        now = timezone.now()
        until = RatePause.objects.filter(key_hash=digest, until__gt=now).values_list("until", flat=True).first()
        return (until - now).total_seconds() if until else 0.0

    # -- buckets ------------------------------------------------------------------------------------------

    def _slot(self, key: str, rates: list[Rate]) -> _Slot:
        if self._pid != os.getpid():
            # forked child: the parent's connections, pool threads and locks are not ours; let them be
            self._reset()
        spec = tuple((rate.interval, rate.limit) for rate in rates)
        slot = self._slots.get((key, spec))
        if slot is None:
            with self._lock:
                slot = self._slots.get((key, spec))
                if slot is None:
                    slot = self._slots[(key, spec)] = _Slot(self._make_bucket(key, rates, spec), key)
        return slot

    def _make_bucket(self, key: str, rates: list[Rate], spec) -> AbstractBucket:
        """A new pyrate bucket. Table "rb_<32 hex of the key's sha256>_<8 hex of the windows>": no key text
        in it, and short enough for PostgreSQL's 63-byte identifiers with pyrate's prefixes."""
        windows = hashlib.sha256(repr(spec).encode()).hexdigest()[:8]
        table = f"rb_{key_digest(key)[:32]}_{windows}"
        if self.backend == "sqlite":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            return _SQLiteBucket.init_from_file(rates, table=table, db_path=self._path, use_file_lock=True,
                                                algorithm=_WINDOW)
        return _PostgresBucket(self._open_pool(), table, rates, algorithm=_WINDOW)

    def _open_pool(self):
        if self._pool is None:
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(self._dsn.value, min_size=1, max_size=self._pool_max, open=True,
                                        configure=_utc_session, name="ratebudget", timeout=10.0)
        return self._pool

    def _put(self, slot: _Slot, weight: int) -> Decision:
        with slot.lock:
            item = RateItem("", slot.bucket.now(), weight)
            return slot.bucket.put_decision(item)

    def _maybe_leak(self, slot: _Slot) -> None:
        """Delete entries older than the longest window, at most every LEAK_EVERY s per budget and process.
        Only storage depends on it (counts always look at the window), so a failure is logged, not raised."""
        if time.monotonic() < slot.next_leak:
            return
        slot.next_leak = time.monotonic() + LEAK_EVERY
        try:
            with slot.lock:
                slot.bucket.leak(slot.bucket.now())
        except Exception:
            logger.warning("rate budget %s: deleting expired entries failed", slot.label, exc_info=True)

    @staticmethod
    def _sqlite_counts(bucket: SQLiteBucket, starts: list[int]) -> list[int]:
        query = SQLiteQueries.COUNT_BEFORE_INSERT.format(table=bucket.table, index=0)
        with bucket.lock:  # the file lock: no writer is half-way through
            counts = []
            for start in starts:
                cur = bucket.conn.execute(query, {"interval0": 0, "start0": start})
                counts.append(int(cur.fetchone()[1]))
                cur.close()
            return counts

    @staticmethod
    def _postgres_counts(bucket: PostgresBucket, starts: list[int]) -> list[int]:
        from psycopg import sql

        one = sql.SQL("COUNT(*) FILTER (WHERE item_timestamp >= TO_TIMESTAMP(%s))")
        query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join([one] * len(starts)),
                                                     sql.Identifier(bucket._full_tbl))
        with bucket.pool.connection() as conn:
            row = conn.execute(query, [start / 1000 for start in starts]).fetchone()
        return [int(count) for count in row]

    def close(self) -> None:
        """Close this process's connections (tests; a process that ends needs not call it)."""
        with self._lock:
            slots, self._slots = list(self._slots.values()), {}
            pool, self._pool = self._pool, None
        if self._pid != os.getpid():
            return
        for slot in slots:
            if isinstance(slot.bucket, SQLiteBucket):
                slot.bucket.close()
        if pool is not None:
            pool.close()


def _django_conninfo() -> str:
    """libpq conninfo of the database Django's default connection uses (after a test runner renamed it)."""
    from django.db import connections
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    db = connections["default"].settings_dict
    params = {"dbname": db.get("NAME"), "user": db.get("USER"), "password": db.get("PASSWORD"),
              "host": db.get("HOST"), "port": str(db["PORT"]) if db.get("PORT") else None}
    known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    params.update({name: value for name, value in (db.get("OPTIONS") or {}).items()
                   if name in known and isinstance(value, str | int)})
    return make_conninfo("", **{name: value for name, value in params.items() if value not in (None, "")})


_budget: Budget | None = None
_budget_lock = threading.Lock()


def get_budget() -> Budget:
    """This process's Budget, from the configuration; a forked child gets its own on first use."""
    global _budget
    budget = _budget
    if budget is not None and budget._pid == os.getpid():
        return budget
    with _budget_lock:
        if _budget is None or _budget._pid != os.getpid():
            _budget = Budget.from_configuration()
        return _budget


def _forget_after_fork() -> None:
    global _budget, _budget_lock
    _budget, _budget_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
