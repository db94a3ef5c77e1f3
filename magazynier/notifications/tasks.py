"""Alerts go out at once after the change that raised or resolved them, and every minute (reminders, retries)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(priority=5)
def deliver_alerts() -> None:
    from magazynier.notifications.delivery import deliver_due

    deliver_due()


@db_periodic_task(crontab(minute="*"))
def deliver_alerts_every_minute() -> None:
    from magazynier.notifications.delivery import deliver_due

    deliver_due()
