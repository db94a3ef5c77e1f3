"""What every emulator needs to run beside the code under test: a free loopback port, uvicorn serving the app
in a background thread, and a connection cut without an answer (fault injection). Shared by the emulators
only; nothing in magazynier imports it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn


class DroppedConnection(ConnectionError):
    """Raised when no server transport can be closed (e.g. under Starlette's TestClient)."""


async def abort_connection(send: Any) -> None:
    """Close the client's connection without an answer."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise DroppedConnection("answer dropped by the emulator's fault injection")
    transport.abort()
    for _ in range(3):  # let the server notice the disconnect before the app returns
        await asyncio.sleep(0)


def free_port() -> tuple[socket.socket, str]:
    """A bound socket on 127.0.0.1:<free port> and its base URL (the app is built knowing its address)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.contextmanager
def serving(app, sock: socket.socket, name: str) -> Iterator[None]:
    """Serve `app` on `sock` in a daemon thread until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"{name}-{sock.getsockname()[1]}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
