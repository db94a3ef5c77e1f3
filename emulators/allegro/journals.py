"""Event journals: offer events (24 h retention, base64 ids) and order events (60 days, numeric ids).

Ids encode a strictly increasing microsecond timestamp, as Allegro's do; ``from`` means "strictly
after that id". Retention is applied on read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .formats import b64_event_id, iso, parse_b64_event_id


@dataclass
class JournalEvent:
    seq: int  # microseconds, strictly increasing
    id: str
    occurred_at: float
    body: dict[str, Any]  # the JSON object without id/occurredAt

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "occurredAt": iso(self.occurred_at), **self.body}


class Journal:
    def __init__(self, retention: float, base64_ids: bool):
        self.retention = retention
        self.base64_ids = base64_ids
        self.events: list[JournalEvent] = []
        self._last_seq = 0

    def append(self, now: float, body: dict[str, Any]) -> JournalEvent:
        seq = max(self._last_seq + 1, int(now * 1_000_000))
        self._last_seq = seq
        event_id = b64_event_id(seq) if self.base64_ids else str(seq)
        event = JournalEvent(seq, event_id, now, body)
        self.events.append(event)
        return event

    def parse_cursor(self, value: str) -> int:
        """Raise ValueError for ids that are not ours."""
        return parse_b64_event_id(value) if self.base64_ids else int(value)

    def purge(self, now: float) -> None:
        horizon = now - self.retention
        if self.events and self.events[0].occurred_at < horizon:
            self.events = [e for e in self.events if e.occurred_at >= horizon]

    def read(self, now: float, after: int | None, limit: int, types: set[str] | None,
             predicate=None) -> list[JournalEvent]:
        self.purge(now)
        result = []
        for event in self._after(after):
            if types and event.body.get("type") not in types:
                continue
            if predicate is not None and not predicate(event):
                continue
            result.append(event)
            if len(result) >= limit:
                break
        return result

    def _after(self, after: int | None):
        if after is None:
            return iter(self.events)
        # binary search on seq
        low, high = 0, len(self.events)
        while low < high:
            mid = (low + high) // 2
            if self.events[mid].seq <= after:
                low = mid + 1
            else:
                high = mid
        return iter(self.events[low:])

    def latest(self, now: float, predicate=None) -> JournalEvent | None:
        self.purge(now)
        for event in reversed(self.events):
            if predicate is None or predicate(event):
                return event
        return None
