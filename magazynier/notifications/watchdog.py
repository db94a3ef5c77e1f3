"""The worker's watchdog. The worker cannot report its own death, and it is also what normally sends alerts,
so the web process watches its heartbeat (core/monitoring.py) and, when it is missing, raises the alert and
sends it itself. `magazynier web` runs the check every 30 s in a background thread; `magazynier alerts
check` runs it once (e.g. from cron where the panel runs elsewhere). Several web processes may watch at once:
the alert's key and the delivery records keep it to one message per recipient.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.core.monitoring import last_beat, stale_after, worker_alive, worker_heartbeat_age
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.delivery import deliver_due
from magazynier.notifications.models import Alert

log = logging.getLogger(__name__)

WORKER_DOWN = "worker-down"
CHECK_EVERY = 30.0  # seconds


def check_worker(now: datetime | None = None, *, watching_since: datetime | None = None) -> bool:
    """Raise or resolve the worker-down alert and send what is due; True when the worker is alive.

    A worker that never beat is missing once `watching_since` (when this process started watching) is
    older than the heartbeat's staleness limit; a one-off check with no `watching_since` says so at once."""
    now = now or timezone.now()
    age = worker_heartbeat_age(now)
    alive = worker_alive(age)
    if alive:
        resolve_alert(WORKER_DOWN)  # a live worker sends the "resolved" (and everything else) itself
        return True
    if age is not None or watching_since is None or now - watching_since > timedelta(seconds=stale_after()):
        _raise(now)
    deliver_due(now)  # the worker, which normally sends alerts, is the thing that is down
    return False


def _raise(now: datetime) -> None:
    beat_at = last_beat()
    if beat_at is None:
        message = _("The background worker has never run on this installation. Until it does, stock and prices "
                    "are not sent to the sales channels, orders are not read and other alerts are not sent. "
                    "Start it with `magazynier worker` (`magazynier run` starts it together with the panel).")
    else:
        message = _("Its last sign of life was at %(time)s. Since then stock and prices are not sent to the sales "
                    "channels, orders are not read and other alerts wait, so buyers may order what is no longer "
                    "there. Start it again: `magazynier worker`, or restart `magazynier run` or the service; "
                    "its log says why it stopped.") % {"time": timezone.localtime(beat_at).strftime("%Y-%m-%d %H:%M")}
    raise_alert(WORKER_DOWN, kind="worker-down", severity=Alert.CRITICAL,
                title=_("Magazynier's background worker is not running"), message=message)


def watch_in_background(interval: float = CHECK_EVERY) -> threading.Thread:
    """Start the watchdog thread of a web process (a daemon: it ends with the process)."""
    started = timezone.now()

    def loop() -> None:
        while True:
            time.sleep(interval)
            try:
                check_worker(watching_since=started)
            except Exception:  # the panel must keep serving; the log says what broke
                log.exception("the worker watchdog's check failed")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="worker-watchdog", daemon=True)
    thread.start()
    return thread
