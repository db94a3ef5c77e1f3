"""When a recipient hears about one alert (pure: no database, no network).

One problem alerts once; while it stays open a reminder follows after 1 h, 4 h, 12 h and then every 24 h;
when it is resolved, one "resolved" message follows — but only if the problem was announced: a problem that
healed before its first message went out is not worth two messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

NEW, REMINDER, RESOLVED = "new", "reminder", "resolved"
REMINDER_AFTER = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=12), timedelta(hours=24))


@dataclass(frozen=True)
class Sent:
    kind: str
    sequence: int
    at: datetime | None  # None: recorded, not delivered yet


def due(*, resolved: bool, sent: list[Sent], now: datetime) -> tuple[str, int] | None:
    """The next message (kind, sequence) due to one recipient now, or None."""
    if any(s.at is None for s in sent):
        return None  # one message at a time: the one in flight first
    announced = [s for s in sent if s.kind == NEW]
    if resolved:
        if announced and not any(s.kind == RESOLVED for s in sent):
            return RESOLVED, 0
        return None
    if not announced:
        return NEW, 0
    reminders = [s for s in sent if s.kind == REMINDER]
    last = max(s.at for s in sent if s.kind in (NEW, REMINDER))
    if now - last >= REMINDER_AFTER[min(len(reminders), len(REMINDER_AFTER) - 1)]:
        return REMINDER, len(reminders) + 1
    return None
