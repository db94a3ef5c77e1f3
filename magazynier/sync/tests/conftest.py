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


@pytest.fixture
def shop():
    """A running WooCommerce emulator with a generated catalog (simple and variable products)."""
    from emulators.woocommerce.config import EmulatorConfig as ShopConfig
    from emulators.woocommerce.testing import running_emulator as running_shop

    with running_shop(ShopConfig(seed=2, webhook_timeout_seconds=30.0)) as running:
        running.world.generate_catalog(12)
        yield running
        running.world.stop_buyers()


@pytest.fixture
def shop_account(transactional_db, shop, live_server, monkeypatch):
    """The shop connected the way `magazynier woocommerce connect` does; its webhooks reach this test's server."""
    from magazynier.channels.shop_connection import connect_shop

    monkeypatch.setenv("MAGAZYNIER_PUBLIC_URL", live_server.url)
    config = shop.world.config
    done = connect_shop(name="Sklep WWW", url=shop.base_url, key=config.consumer_key, secret=config.consumer_secret)
    assert done.webhooks.healthy, done.webhooks.failed
    return done.account


@pytest.fixture
def shop_live(shop_account):
    """The shop's products imported into the catalog and linked; writers on; its order feed started."""
    from magazynier.channels.actions import set_writers
    from magazynier.channels.connections import woo_connector
    from magazynier.channels.shop_connection import import_products
    from magazynier.sync.order_feed import run_feed

    summary, links = import_products(shop_account, woo_connector(shop_account))
    assert summary.variants_created > 10 and links.linked == summary.variants_created, (summary, links)
    set_writers(shop_account, True)
    shop_account.refresh_from_db()
    assert run_feed(shop_account.pk) is not None
    return shop_account
