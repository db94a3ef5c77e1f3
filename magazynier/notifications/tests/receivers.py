"""Real local receivers for alert tests: an SMTP server (aiosmtpd) and an HTTP endpoint (webhook, Slack- and
ntfy-style JSON posts). What arrives is kept for the test to read."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    port: int
    messages: list = field(default_factory=list)  # email.message.EmailMessage

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def url(self, to: str = "sprzedawca@example.pl") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=alerty@magazynier.example&to={to}&mode=insecure"

    def bodies(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size)
        self.server.posts.append((self.path, json.loads(body or b"{}")))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


class HttpReceiver:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.posts, self.server.status = [], 200
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def posts(self) -> list:
        return self.server.posts

    def answer(self, status: int) -> None:
        self.server.status = status

    def url(self, path: str = "/alerty") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()


def start_mailbox() -> tuple[Mailbox, Controller]:
    mailbox = Mailbox(free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    return mailbox, controller
