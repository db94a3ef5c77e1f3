"""Run the emulator on a free loopback port in a background thread (real HTTP for tests)."""

from __future__ import annotations

import contextlib
import copy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from .app import create_app
from .clock import FakeClock, RealClock
from .config import EmulatorConfig
from .world import World


@dataclass
class RunningEmulator:
    base_url: str
    world: World
    clock: RealClock | FakeClock
    app: object


@contextlib.contextmanager
def running_emulator(config: EmulatorConfig | None = None,
                     clock: RealClock | FakeClock | None = None) -> Iterator[RunningEmulator]:
    """Start uvicorn on 127.0.0.1:<free port>; yields base_url, world and clock; stops on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    config = copy.deepcopy(config) if config is not None else EmulatorConfig()  # the caller's stays untouched
    config.public_base_url = base_url
    app = create_app(config, clock)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"allegro-emulator-{port}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    try:
        yield RunningEmulator(base_url, app.state.world, app.state.world.clock, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
