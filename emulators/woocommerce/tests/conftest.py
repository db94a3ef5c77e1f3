from __future__ import annotations

import dataclasses

import pytest

from emulators.woocommerce.config import EmulatorConfig
from emulators.woocommerce.testing import running_emulator

from .support import api_client, start_receiver


@pytest.fixture(scope="session")
def _server():
    with running_emulator(EmulatorConfig()) as shop:
        yield shop


@pytest.fixture
def shop(_server):
    """The running shop (real loopback HTTP) with fresh state and default settings."""
    world = _server.world
    fresh = EmulatorConfig(public_base_url=_server.base_url, webhook_timeout_seconds=2.0)
    for item in dataclasses.fields(fresh):
        setattr(world.config, item.name, getattr(fresh, item.name))
    world.reset()
    yield _server
    world.stop_buyers()
    world.wait_for_deliveries(2)


@pytest.fixture
def api(shop):
    with api_client(shop.rest_url) as client:
        yield client


@pytest.fixture(scope="session")
def _receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()


@pytest.fixture
def receiver(_receiver):
    _receiver.clear()
    _receiver.ping_status = 200
    _receiver.delivery_status = 200
    return _receiver
