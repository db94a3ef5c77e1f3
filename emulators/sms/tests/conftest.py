from __future__ import annotations

import httpx
import pytest

from emulators.sms.testing import running_emulator

TOKEN = "test-token-abc123"
OTHER_TOKEN = "second-token-xyz"
USERS = {"sklep": "tajne-haslo"}


@pytest.fixture(scope="session")
def _server():
    with running_emulator(tokens=[TOKEN, OTHER_TOKEN], serwersms_users=USERS, points="10",
                          senders=["Sklep"], serwersms_limit=50) as running:
        yield running


@pytest.fixture
def gateway(_server):
    """The running emulator (real loopback HTTP) with fresh state."""
    _server.gateway.reset()
    yield _server


@pytest.fixture
def http(gateway):
    with httpx.Client(base_url=gateway.base_url, timeout=5) as client:
        yield client
