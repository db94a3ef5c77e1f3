"""Fault injection (seeded, reproducible): hosting errors (500 JSON from WordPress, 502/503 HTML from the
web server), slow answers, timeouts, dropped connections, WAF 429 bursts, and webhook faults (dropped,
duplicated, delayed deliveries). API decisions and webhook decisions use separate seeded RNGs."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class FaultProfile:
    error_share: float = 0.0  # 500 (WordPress critical error JSON), 502 and 503 (HTML from the host)
    slow_share: float = 0.0
    timeout_share: float = 0.0  # hang timeout_hang_seconds, then close without an answer
    drop_share: float = 0.0  # connection closed at once, request NOT processed
    burst_429_share: float = 0.0  # chance that a WAF throttling burst starts
    burst_429_length: int = 5
    retry_after_seconds: int = 5
    webhook_drop_share: float = 0.0  # a delivery is never sent
    webhook_duplicate_share: float = 0.0  # a delivery is sent twice
    webhook_delay_seconds_max: float = 0.0  # random extra delay per delivery (reordering)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultProfile:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return cls(**data)


PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile(),
    "flaky": FaultProfile(error_share=0.05, slow_share=0.02, drop_share=0.01, burst_429_share=0.005,
                          webhook_drop_share=0.02, webhook_duplicate_share=0.05, webhook_delay_seconds_max=0.5),
    "chaos": FaultProfile(error_share=0.15, slow_share=0.05, timeout_share=0.02, drop_share=0.03,
                          burst_429_share=0.02, burst_429_length=5, webhook_drop_share=0.2,
                          webhook_duplicate_share=0.2, webhook_delay_seconds_max=2.0),
    "lost-webhooks": FaultProfile(webhook_drop_share=0.5),
}


@dataclass
class DropRule:
    method: str
    path_prefix: str
    remaining: int = 1


class FaultInjector:
    """Per-request and per-delivery decisions; the world's lock makes it thread-safe."""

    def __init__(self, profile: str | FaultProfile = "none", seed: int = 1):
        self.rng = random.Random(seed)
        self.webhook_rng = random.Random(seed * 7919 + 1)
        self.profile = FaultProfile()
        self.profile_name = "none"
        self.set_profile(profile)
        self.drop_rules: list[DropRule] = []
        self._burst_left = 0
        self.injected: dict[str, int] = {}

    def set_profile(self, profile: str | FaultProfile) -> None:
        if isinstance(profile, FaultProfile):
            self.profile, self.profile_name = profile, "custom"
            return
        if profile not in PROFILES:
            raise ValueError(f"unknown fault profile {profile!r}; known: {sorted(PROFILES)}")
        self.profile, self.profile_name = PROFILES[profile], profile

    def _count(self, kind: str) -> str:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    def drop_next(self, method: str, path_prefix: str, count: int = 1) -> None:
        """Process the next matching request(s), then close the connection without answering."""
        self.drop_rules.append(DropRule(method.upper(), path_prefix, count))

    def take_drop_rule(self, method: str, path: str) -> bool:
        for rule in self.drop_rules:
            if rule.method == method and path.startswith(rule.path_prefix):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.drop_rules.remove(rule)
                self._count("drop_after_processing")
                return True
        return False

    def decide(self) -> str | None:
        """None, 'error500', 'error502', 'error503', 'slow', 'timeout', 'drop' or 'throttle'."""
        if self._burst_left > 0:
            self._burst_left -= 1
            return self._count("throttle")
        profile = self.profile
        shares = (("error", profile.error_share), ("slow", profile.slow_share), ("timeout", profile.timeout_share),
                  ("drop", profile.drop_share), ("throttle", profile.burst_429_share))
        if not any(share for _, share in shares):
            return None
        roll = self.rng.random()
        for kind, share in shares:
            if roll < share:
                if kind == "error":
                    return self._count(self.rng.choice(("error500", "error502", "error503")))
                if kind == "throttle":
                    self._burst_left = max(profile.burst_429_length - 1, 0)
                return self._count(kind)
            roll -= share
        return None

    def webhook_fate(self) -> dict[str, Any]:
        """For one delivery: dropped?, sent twice?, extra delay in seconds."""
        profile = self.profile
        rng = self.webhook_rng
        drop = bool(profile.webhook_drop_share) and rng.random() < profile.webhook_drop_share
        duplicate = bool(profile.webhook_duplicate_share) and rng.random() < profile.webhook_duplicate_share
        delay = rng.uniform(0, profile.webhook_delay_seconds_max) if profile.webhook_delay_seconds_max else 0.0
        if drop:
            self._count("webhook_drop")
        elif duplicate:
            self._count("webhook_duplicate")
        return {"drop": drop, "duplicate": duplicate and not drop, "delay": delay}
