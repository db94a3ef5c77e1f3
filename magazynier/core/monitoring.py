"""Is the installation alive: the database answers, the worker beats.

* The worker's periodic `tick` (sync/tasks.py, every minute) calls `beat()`, which stamps the `worker` row of
  `core.Heartbeat`. The worker counts as missing when that stamp is older than
  MAGAZYNIER_WORKER_STALE_SECONDS (default 180 s: three missed ticks) or was never written.
* `health()` is what /healthz answers: the database is pinged with `SELECT 1`; when it does not answer the
  worker's state cannot be read and is reported as "unknown".
* `worker_heartbeat_age()` is for alerts ("the worker is not running") and the panel's health page.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import DatabaseError, connection
from django.utils import timezone

from magazynier.config import positive_number

logger = logging.getLogger(__name__)

WORKER = "worker"
DEFAULT_STALE_SECONDS = 180.0


def stale_after() -> float:
    """Seconds after which a silent worker counts as missing (MAGAZYNIER_WORKER_STALE_SECONDS)."""
    return positive_number("MAGAZYNIER_WORKER_STALE_SECONDS", DEFAULT_STALE_SECONDS)


def beat(name: str = WORKER, at: datetime | None = None) -> None:
    """Record that `name` is alive now (one UPDATE; an INSERT the first time)."""
    from magazynier.core.models import Heartbeat

    at = at or timezone.now()
    if not Heartbeat.objects.filter(name=name).update(beat_at=at):
        _row, created = Heartbeat.objects.get_or_create(name=name, defaults={"beat_at": at})
        if not created:  # another process inserted it between our UPDATE and INSERT
            Heartbeat.objects.filter(name=name).update(beat_at=at)


def last_beat(name: str = WORKER) -> datetime | None:
    from magazynier.core.models import Heartbeat

    return Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()


def worker_heartbeat_age(now: datetime | None = None) -> float | None:
    """Seconds since the worker's last beat, or None when it never beat (never started on this database)."""
    at = last_beat(WORKER)
    if at is None:
        return None
    return max(0.0, ((now or timezone.now()) - at).total_seconds())


def worker_alive(age: float | None) -> bool:
    return age is not None and age <= stale_after()


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except DatabaseError:
        logger.warning("health check: the database does not answer", exc_info=True)
        return False


def health() -> tuple[bool, dict]:
    """(healthy, body) for /healthz: healthy means the database answers; a missing worker is reported, not
    failed (uptime checkers watch the web process)."""
    now = timezone.now()
    body = {"status": "ok", "database": "ok", "worker": "unknown", "worker_heartbeat_age": None,
            "checked_at": now.isoformat(timespec="seconds")}
    if not database_ok():
        body.update(status="error", database="error")
        return False, body
    try:
        age = worker_heartbeat_age(now)
    except DatabaseError:
        logger.warning("health check: the heartbeat cannot be read", exc_info=True)
        body.update(status="error", database="error")
        return False, body
    body["worker"] = "ok" if worker_alive(age) else "missing"
    body["worker_heartbeat_age"] = None if age is None else round(age, 1)
    return True, body
