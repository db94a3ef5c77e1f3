"""Fixtures: a running Allegro emulator (real loopback HTTP) and accounts connected to it by device flow."""

from __future__ import annotations

import pytest

from emulators.allegro import EmulatorConfig
from emulators.allegro.testing import running_emulator

DEMO_CLIENT = ("magazynier-demo", "magazynier-demo-secret")


@pytest.fixture
def emulator():
    with running_emulator(EmulatorConfig(seed=1)) as emu:
        yield emu


def connect(emu, seller: str = "demo-seller", name: str = "Sklep Demo", client=DEMO_CLIENT):
    """Connect an account the way `magazynier allegro connect` does (device flow over HTTP), minus the sleep."""
    from magazynier.channels.allegro.auth import AllegroOAuth
    from magazynier.channels.allegro.hosts import hosts_for
    from magazynier.channels.connections import complete_connection
    from magazynier.channels.models import ChannelAccount
    from magazynier.core.http import make_client

    hosts = hosts_for("emulator", emu.base_url)
    oauth = AllegroOAuth(hosts, client[0], client[1], make_client(channel="allegro"))
    code = oauth.start_device_flow()
    assert emu.world.approve_device_code(code.user_code, seller)
    tokens = oauth.poll_device(code.device_code)
    account = ChannelAccount(kind=ChannelAccount.ALLEGRO, environment=ChannelAccount.EMULATOR, name=name,
                             api_url=hosts.api, auth_url=hosts.web, client_id=client[0], client_secret=client[1])
    return complete_connection(account, tokens)


@pytest.fixture
def allegro_account(db, emulator):
    return connect(emulator)
