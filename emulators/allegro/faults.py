"""Fault injection: 500/503 shares, slow responses, timeouts, dropped connections, 429 bursts and
duplicated/reordered journal events. Decisions come from a seeded RNG so a run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields


@dataclass
class FaultProfile:
    error_share: float = 0.0  # 500/503 answers (half each)
    slow_share: float = 0.0
    timeout_share: float = 0.0
    drop_share: float = 0.0  # connection closed without an answer (request NOT processed)
    burst_429_share: float = 0.0  # chance that a burst of 429s starts
    burst_429_length: int = 5  # requests answered 429 in a row, within one limit window at most
    journal_duplicate_share: float = 0.0
    journal_reorder_share: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> FaultProfile:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return cls(**data)


PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile(),
    "flaky": FaultProfile(error_share=0.05, slow_share=0.02, drop_share=0.01,
                          journal_duplicate_share=0.1, journal_reorder_share=0.1),
    "chaos": FaultProfile(error_share=0.15, slow_share=0.05, timeout_share=0.02, drop_share=0.03,
                          burst_429_share=0.02, burst_429_length=5,
                          journal_duplicate_share=0.3, journal_reorder_share=0.3),
    "journal-chaos": FaultProfile(journal_duplicate_share=0.5, journal_reorder_share=0.5),
    "throttle-bursts": FaultProfile(burst_429_share=0.05, burst_429_length=10),
}


@dataclass
class DropRule:
    method: str
    path_prefix: str
    remaining: int = 1


BURST_WINDOW_SECONDS = 60.0  # Allegro counts its limits per minute: a client that waits that long is served


class FaultInjector:
    """Per-request decisions; thread-safety is provided by the world's lock."""

    def __init__(self, profile_name: str = "none", seed: int = 1):
        self.rng = random.Random(seed)
        self.set_profile(profile_name)
        self.drop_rules: list[DropRule] = []
        self._burst_left = 0
        self._burst_until = 0.0
        self.injected: dict[str, int] = {}

    def set_profile(self, name_or_profile: str | FaultProfile) -> None:
        if isinstance(name_or_profile, FaultProfile):
            self.profile, self.profile_name = name_or_profile, "custom"
            return
        if name_or_profile not in PROFILES:
            raise ValueError(f"unknown fault profile {name_or_profile!r}; known: {sorted(PROFILES)}")
        self.profile, self.profile_name = PROFILES[name_or_profile], name_or_profile

    def drop_next(self, method: str, path_prefix: str, count: int = 1) -> None:
        """Process the next matching request(s) but never answer (the connection is closed)."""
        self.drop_rules.append(DropRule(method.upper(), path_prefix, count))

    def _count(self, kind: str) -> str:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    def take_drop_rule(self, method: str, path: str) -> bool:
        for rule in self.drop_rules:
            if rule.method == method and path.startswith(rule.path_prefix) and rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.drop_rules.remove(rule)
                self._count("drop_after_processing")
                return True
        return False

    def decide(self, now: float = 0.0) -> str | None:
        """One of None, 'error500', 'error503', 'slow', 'timeout', 'drop', 'throttle'. `now` is the world's
        clock: a burst of 429s ends after its length in requests or with its limit window, whichever is first
        (a client that backs off for the window is not throttled again by the same burst)."""
        profile = self.profile
        if self._burst_left > 0 and now < self._burst_until:
            self._burst_left -= 1
            return self._count("throttle")
        self._burst_left = 0
        if profile == PROFILES["none"]:
            return None
        roll = self.rng.random()
        for kind, share in (("error", profile.error_share), ("slow", profile.slow_share),
                            ("timeout", profile.timeout_share), ("drop", profile.drop_share),
                            ("throttle", profile.burst_429_share)):
            if roll < share:
                if kind == "error":
                    return self._count("error500" if self.rng.random() < 0.5 else "error503")
                if kind == "throttle":
                    self._burst_left = max(profile.burst_429_length - 1, 0)
                    self._burst_until = now + BURST_WINDOW_SECONDS
                return self._count(kind)
            roll -= share
        return None

    def mangle_journal(self, events: list) -> list:
        """Duplicate and swap events according to the profile (reproducible from the seed)."""
        profile = self.profile
        if not events or (profile.journal_duplicate_share == 0 and profile.journal_reorder_share == 0):
            return events
        result = []
        for event in events:
            result.append(event)
            if self.rng.random() < profile.journal_duplicate_share:
                result.append(event)
                self._count("journal_duplicate")
        for index in range(len(result) - 1):
            if self.rng.random() < profile.journal_reorder_share:
                result[index], result[index + 1] = result[index + 1], result[index]
                self._count("journal_reorder")
        return result
