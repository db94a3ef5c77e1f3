"""Run the emulator on a free loopback port in a background thread (real HTTP for tests)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import dataclass

from emulators.loopback import free_port, serving

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
    sock, base_url = free_port()
    config = copy.deepcopy(config) if config is not None else EmulatorConfig()  # the caller's stays untouched
    config.public_base_url = base_url
    app = create_app(config)
    world: World = app.state.world
    with serving(app, sock, "woocommerce-emulator"):
        try:
            yield RunningShop(base_url, world, app)
        finally:
            world.close()
