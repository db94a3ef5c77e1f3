"""Test helpers: an authenticated client and a webhook receiver (stdlib http.server in a thread)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from emulators.woocommerce.config import EmulatorConfig

DEMO = EmulatorConfig()
KEY, SECRET = DEMO.consumer_key, DEMO.consumer_secret
RO_KEY, RO_SECRET = DEMO.readonly_key, DEMO.readonly_secret


def api_client(rest_url: str, key: str = KEY, secret: str = SECRET) -> httpx.Client:
    return httpx.Client(base_url=rest_url, auth=(key, secret), timeout=10,
                        headers={"User-Agent": "Magazynier-Tests/1.0"})


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST. Pings (form body ``webhook_id=…``) answer ``ping_status``, deliveries
    ``delivery_status``."""

    url: str = ""
    ping_status: int = 200
    delivery_status: int = 200
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pings(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.body.startswith(b"webhook_id=")]

    @property
    def deliveries(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if not r.body.startswith(b"webhook_id=")]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.deliveries
            if len(found) >= count:
                return found
            time.sleep(0.01)
        return self.deliveries


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = receiver.ping_status if body.startswith(b"webhook_id=") else receiver.delivery_status
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True, name="webhook-receiver").start()
    return receiver, server


def product_body(sku: str, **extra: Any) -> dict[str, Any]:
    body = {"name": f"Produkt {sku}", "sku": sku, "regular_price": "49.99", "manage_stock": True,
            "stock_quantity": 10}
    body.update(extra)
    return body
