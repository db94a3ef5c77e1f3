"""Run the SMS gateway emulator on a free loopback port in a background thread (real HTTP for tests)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from emulators.loopback import free_port, serving

from .app import create_app
from .state import Gateway


@dataclass
class RunningGateway:
    base_url: str  # http://127.0.0.1:PORT
    gateway: Gateway

    @property
    def smsapi_domain(self) -> str:
        """What smsapi-client takes as `domain` (it appends "sms.do")."""
        return self.base_url + "/"

    @property
    def serwersms_send_url(self) -> str:
        return self.base_url + "/messages/send_sms"

    def messages(self, gateway: str | None = None) -> list[dict]:
        return self.gateway.snapshot(gateway)


@contextlib.contextmanager
def running_emulator(**options) -> Iterator[RunningGateway]:
    """Start uvicorn on 127.0.0.1:<free port> with create_app(**options); stops on exit."""
    sock, base_url = free_port()
    app = create_app(**options)
    with serving(app, sock, "sms-emulator"):
        yield RunningGateway(base_url, app.state.gateway)
