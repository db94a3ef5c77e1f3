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
from .config import EmulatorConfig
from .world import World


@dataclass
class RunningShop:
    base_url: str  # http://127.0.0.1:PORT; the REST root is base_url + "/wp-json/wc/v3"
    world: World
    app: object

    @property
    def rest_url(self) -> str:
        return self.base_url + "/wp-json/wc/v3"


@contextlib.contextmanager
def running_emulator(config: EmulatorConfig | None = None) -> Iterator[RunningShop]:
    """Start uvicorn on 127.0.0.1:<free port>; yields base_url, world and app; stops on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    config = copy.deepcopy(config) if config is not None else EmulatorConfig()  # the caller's stays untouched
    config.public_base_url = base_url
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"woocommerce-emulator-{port}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    world: World = app.state.world
    try:
        yield RunningShop(base_url, world, app)
    finally:
        world.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
