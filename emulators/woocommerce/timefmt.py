"""Time: a clock that tests can move forward, WordPress date formats and ISO 8601 parameter parsing."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_REST_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$")


class Clock:
    """Real time plus an offset that ``advance`` moves forward (time never goes back)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds


class SiteTime:
    """Formats stored epoch seconds the way WordPress does: whole seconds, no offset."""

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)

    def local(self, ts: float | None) -> str | None:
        if ts is None:
            return None
        return datetime.fromtimestamp(int(ts), self.zone).strftime("%Y-%m-%dT%H:%M:%S")

    def gmt(self, ts: float | None) -> str | None:
        if ts is None:
            return None
        return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S")

    def pair(self, name: str, ts: float | None) -> dict[str, str | None]:
        return {name: self.local(ts), name + "_gmt": self.gmt(ts)}

    def gmt_offset_hours(self, ts: float) -> float:
        offset = datetime.fromtimestamp(ts, self.zone).utcoffset()
        return offset.total_seconds() / 3600 if offset else 0.0

    def parse(self, value: str, dates_are_gmt: bool) -> float:
        """An ISO 8601 parameter to epoch seconds. Without an offset the value is site-local time, or
        UTC with ``dates_are_gmt``. Raises ValueError for anything else."""
        match = _REST_DATE.match(value.strip())
        if not match:
            raise ValueError(value)
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        fraction = float(match.group(7)) if match.group(7) else 0.0
        offset = match.group(8)
        if offset:
            if offset in ("Z", "z"):
                tz = UTC
            else:
                digits = offset[1:].replace(":", "")
                minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
                sign = -1 if offset[0] == "-" else 1
                from datetime import timedelta, timezone

                tz = timezone(sign * timedelta(minutes=minutes))
        else:
            tz = UTC if dates_are_gmt else self.zone
        moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        return moment.timestamp() + fraction
