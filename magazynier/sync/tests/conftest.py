"""An Allegro account with the sample catalog live on the emulator, its writers on: the engine's world."""

from __future__ import annotations

import pytest
from django.utils import translation

from emulators.allegro import EmulatorConfig
from emulators.allegro.testing import running_emulator
from magazynier.channels.tests.conftest import connect
from magazynier.channels.tests.test_offers import ready_account  # noqa: F401


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def emulator():
    with running_emulator(EmulatorConfig(seed=1, command_completion_seconds=0.2)) as emu:
        yield emu


@pytest.fixture
def allegro_account(db, emulator):
    return connect(emulator)


@pytest.fixture
def live_account(ready_account, emulator):  # noqa: F811
    """Every listable sample product is an active offer; the sync engine may write."""
    from magazynier.channels.actions import set_writers
    from magazynier.channels.connections import allegro_connector
    from magazynier.channels.offers import apply_plan, make_plan
    from magazynier.channels.scope import Scope

    connector = allegro_connector(ready_account)
    report = apply_plan(ready_account, connector, make_plan(ready_account, connector, Scope()), poll_interval=0.1)
    assert report.created > 10 and not report.stopped
    set_writers(ready_account, True)
    ready_account.refresh_from_db()
    return ready_account
