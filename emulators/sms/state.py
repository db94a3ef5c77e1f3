"""What the gateway knows: valid credentials, approved sender names, the points balance, the messages it
accepted, and the fault being injected. One lock guards it (handlers and tests read it from other threads)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal

DEMO_TOKEN = "emulator-smsapi-token-0123456789abcdef"  # noqa: S105 (the emulator's public demo token)
DEMO_USERS = {"demo": "demo-haslo"}
DEFAULT_SENDERS = ("Test", "Sklep", "Magazynier")


@dataclass
class Message:
    id: str
    gateway: str  # "smsapi" or "serwersms"
    number: str  # as the gateway delivers it: 48500100200 (SMSAPI), +48500100200 (SerwerSMS)
    text: str  # after normalisation, as the phone shows it
    sender: str
    parts: int
    encoding: str  # "gsm" or "ucs2"
    cost: str  # points (SMSAPI) or messages taken from the limit (SerwerSMS)
    received_at: float = field(default_factory=time.time)


class Gateway:
    def __init__(self, tokens: Iterable[str] | None = None, serwersms_users: Mapping[str, str] | None = None,
                 points: float | Decimal | str = "100", senders: Iterable[str] | None = None,
                 serwersms_limit: int = 1000):
        self.lock = threading.Lock()
        self.tokens = frozenset(tokens if tokens is not None else (DEMO_TOKEN,))
        self.serwersms_users = dict(serwersms_users if serwersms_users is not None else DEMO_USERS)
        self.senders = frozenset(senders if senders is not None else DEFAULT_SENDERS)
        self._initial = (Decimal(str(points)), int(serwersms_limit))
        self.points, self.serwersms_limit = self._initial
        self.messages: list[Message] = []
        self.fault_status: int | None = None
        self.requests = 0
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    def record(self, message: Message) -> None:
        self.messages.append(message)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.fault_status = None
            self.points, self.serwersms_limit = self._initial
            self.requests = 0

    def snapshot(self, gateway: str | None = None) -> list[dict]:
        with self.lock:
            return [asdict(m) for m in self.messages if gateway in (None, m.gateway)]
