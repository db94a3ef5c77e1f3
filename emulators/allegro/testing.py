"""Run the emulator on a free loopback port in a background thread (real HTTP for tests)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import dataclass

from emulators.loopback import free_port, serving

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
    sock, base_url = free_port()
    config = copy.deepcopy(config) if config is not None else EmulatorConfig()  # the caller's stays untouched
    config.public_base_url = base_url
    app = create_app(config, clock)
    with serving(app, sock, "allegro-emulator"):
        yield RunningEmulator(base_url, app.state.world, app.state.world.clock, app)
