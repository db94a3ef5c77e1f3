"""Injectable clocks: the real one for demos, a fake one tests advance by hand."""

from __future__ import annotations

import threading
import time


class RealClock:
    """Wall-clock time as epoch seconds (float)."""

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "RealClock()"


class FakeClock:
    """A clock that only moves when told to (thread-safe, since the server runs in another thread)."""

    def __init__(self, start: float = 1_790_000_000.0):
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, timestamp: float) -> None:
        with self._lock:
            if timestamp < self._now:
                raise ValueError("time only moves forward")
            self._now = float(timestamp)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now})"
