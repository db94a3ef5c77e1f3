from __future__ import annotations

import dataclasses

import pytest

from emulators.allegro.clock import FakeClock
from emulators.allegro.config import EmulatorConfig
from emulators.allegro.testing import running_emulator

from .support import api_client


@pytest.fixture(scope="session")
def _server():
    with running_emulator(EmulatorConfig(), FakeClock()) as emulator:
        yield emulator


@pytest.fixture
def emu(_server):
    """A running emulator (real loopback HTTP, fake clock) with fresh state and default settings."""
    world = _server.world
    fresh = EmulatorConfig(public_base_url=_server.base_url)
    for item in dataclasses.fields(fresh):
        setattr(world.config, item.name, getattr(fresh, item.name))
    world.reset()
    return _server


@pytest.fixture
def token(emu) -> str:
    return emu.world.token_for("demo-seller")["access_token"]


@pytest.fixture
def client(emu, token):
    with api_client(emu.base_url, token) as http:
        yield http


@pytest.fixture
def ean(emu) -> str:
    """An EAN that matches exactly one catalog product (a T-shirt)."""
    catalog = emu.world.catalog
    return next(e for e in catalog.unambiguous_eans()
                if catalog.categories[catalog.products_by_ean[e][0].category_id].name == "Koszulki")
