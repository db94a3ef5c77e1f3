"""One contract for every connector (../shared/DESIGN.md §3), run against Allegro and WooCommerce and their
emulators over real HTTP. The truth each test compares with is the emulator's own memory, never the connector.

Channel differences the contract allows, and the harness absorbs:
* Allegro's stock and price writes are commands whose outcomes come later (`command_report`); a shop's batch
  answers with them at once (the report comes back done). `finish` waits for the outcomes either way.
* An Allegro command sets one value on all its offers; a shop's batch takes a value per offer
  (`value_per_offer`). The common tests write one value; the shop's mixed batches are tested on their own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from emulators.woocommerce.config import EmulatorConfig as ShopConfig
from emulators.woocommerce.testing import running_emulator as running_shop
from magazynier.channels import types as t
from magazynier.channels.allegro.client import AllegroClient
from magazynier.channels.allegro.connector import AllegroConnector
from magazynier.channels.connections import _FreshToken, allegro_connector
from magazynier.channels.errors import AuthenticationError, NotFound
from magazynier.channels.types import CommandReport, OfferValue
from magazynier.channels.woocommerce.client import WooClient
from magazynier.channels.woocommerce.connector import WooConnector
from magazynier.core.http import make_client
from magazynier.core.ratebudget import get_budget


@dataclass
class Harness:
    connector: object
    offers: list[str]  # live offers with stock, for writes and purchases
    truth: Callable[[], dict[str, tuple[str, int | None, Decimal | None]]]  # offer -> (sku, quantity, price)
    buy: Callable[[str, int], str]  # a buyer buys; the order's id on the channel
    wrong_keys: Callable[[], object]  # a connector whose credentials the channel refuses

    def finish(self, kind: str, report: CommandReport, timeout: float = 20.0) -> CommandReport:
        deadline = time.monotonic() + timeout
        while not report.done:
            assert time.monotonic() < deadline, f"no report for {report.command_id}"
            time.sleep(0.2)
            report = self.connector.command_report(kind, report.command_id)
        return report


def _allegro(live_account, emulator) -> Harness:
    world = emulator.world
    seller = live_account.external_user_id

    def truth():
        return {o.id: (o.external_id or "", o.available, o.price) for o in world.offers.offers.values()
                if o.seller_id == seller}

    offers = sorted(oid for oid, (_sku, qty, _p) in truth().items()
                    if qty and qty >= 3 and world.offers.offers[oid].status == "ACTIVE")

    def wrong_keys():
        client = AllegroClient(api_url=live_account.api_url, client_id=live_account.client_id, seller_id=seller,
                               tokens=_FreshToken("not-a-token"), http=make_client(channel="allegro"),
                               budget=get_budget())
        return AllegroConnector(client)

    return Harness(allegro_connector(live_account, max_wait=2.0), offers, truth,
                   lambda offer, qty: world.purchase(offer, qty), wrong_keys)


def _woocommerce(shop) -> Harness:
    world = shop.world
    world.generate_catalog(14)
    catalog = world.catalog

    def truth():
        found = {}
        for item in list(catalog.items.values()):
            if item.type not in ("simple", "variation"):
                continue
            owner = catalog.stock_owner(item)
            offer = f"{item.parent_id}:{item.id}" if item.is_variation else str(item.id)
            found[offer] = (item.sku, owner.stock_quantity if owner else None,
                            Decimal(item.regular_price) if item.regular_price else None)
        return found

    offers = sorted((o for o, (_s, qty, price) in truth().items() if qty and qty >= 3 and price), key=str)

    def buy(offer: str, qty: int) -> str:
        parent, _sep, variation = offer.partition(":")
        item = {"product_id": int(parent), "quantity": qty, **({"variation_id": int(variation)} if variation else {})}
        return str(world.purchase([item])["id"])

    def connector(key: str, secret: str) -> WooConnector:
        return WooConnector(WooClient(shop_url=shop.base_url, key=key, secret=secret,
                                      http=make_client(channel="woocommerce"), budget=get_budget(), max_wait=2.0))

    config = world.config
    return Harness(connector(config.consumer_key, config.consumer_secret), offers, truth, buy,
                   lambda: connector(config.consumer_key, "cs_" + "0" * 40))


@pytest.fixture(params=["allegro", "woocommerce"])
def channel(request, db):
    if request.param == "allegro":
        yield _allegro(request.getfixturevalue("live_account"), request.getfixturevalue("emulator"))
    else:
        with running_shop(ShopConfig(seed=3)) as shop:
            yield _woocommerce(shop)


def test_check_connection_names_the_account(channel):
    info = channel.connector.check_connection()
    assert info.user_id and info.login


def test_every_listing_is_read_and_each_reads_the_same_alone(channel):
    listed = {li.offer_id: li for li in channel.connector.iter_listings()}
    truth = channel.truth()
    assert set(listed) == set(truth)
    for offer_id, (sku, quantity, price) in truth.items():
        assert (listed[offer_id].sku, listed[offer_id].quantity, listed[offer_id].price) == (sku, quantity, price)
    some = channel.offers[0]
    alone = channel.connector.get_listing(some)
    fields = ("offer_id", "sku", "title", "status", "quantity", "price")  # a list may omit details (Allegro's)
    assert [getattr(alone, f) for f in fields] == [getattr(listed[some], f) for f in fields]


def test_listings_are_found_by_sku_and_an_unknown_sku_finds_nothing(channel):
    truth = channel.truth()
    skus = [truth[o][0] for o in channel.offers[:3]]
    found = channel.connector.find_listings_by_sku([*skus, "NO-SUCH-SKU-1"])
    assert sorted(li.sku for li in found) == sorted(skus)
    assert {li.offer_id for li in found} == set(channel.offers[:3])


def test_a_stock_write_reports_each_offer_and_the_channel_shows_it(channel):
    offers = channel.offers[:2]
    report = channel.finish("quantity", channel.connector.push_stock(
        str(uuid.uuid4()), [OfferValue(o, 2) for o in offers]))
    assert {o.offer_id: o.ok for o in report.outcomes} == dict.fromkeys(offers, True)
    truth = channel.truth()
    assert [truth[o][1] for o in offers] == [2, 2]
    assert channel.connector.get_listing(offers[0]).quantity == 2


def test_one_bad_offer_fails_alone(channel):
    good = channel.offers[0]
    ghost = "999999999" if ":" not in good else "999999:999999"
    report = channel.finish("quantity", channel.connector.push_stock(
        str(uuid.uuid4()), [OfferValue(good, 4), OfferValue(ghost, 4)]))
    outcomes = {o.offer_id: o for o in report.outcomes}
    assert outcomes[good].ok
    assert ghost not in outcomes or not outcomes[ghost].ok
    assert channel.truth()[good][1] == 4


def test_a_price_write_reports_each_offer_and_the_channel_shows_it(channel):
    offers = channel.offers[:2]
    report = channel.finish("price", channel.connector.push_prices(
        str(uuid.uuid4()), [OfferValue(o, Decimal("123.45")) for o in offers]))
    assert all(o.ok for o in report.outcomes) and {o.offer_id for o in report.outcomes} == set(offers)
    assert [channel.truth()[o][2] for o in offers] == [Decimal("123.45")] * 2


def test_refused_credentials_raise_authentication_error(channel):
    with pytest.raises(AuthenticationError):
        channel.wrong_keys().check_connection()


def test_a_purchase_shows_up_as_an_order_change_and_reads_as_an_order(channel):
    connector = channel.connector
    cursor = connector.order_journal_head() if connector.capabilities.order_journal else \
        (timezone.now() - timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
    offer = channel.offers[0]
    sku = channel.truth()[offer][0]
    order_id = channel.buy(offer, 2)
    deadline = time.monotonic() + 10
    while True:
        changes = connector.fetch_order_changes(cursor)
        if order_id in {e.order_id for e in changes.events}:
            break
        assert time.monotonic() < deadline, "the purchase never showed up"
        time.sleep(0.3)
    assert changes.cursor
    order = connector.get_order(order_id)
    assert order.external_id == order_id and order.status in (t.NEW, t.AWAITING_PAYMENT)
    assert order.channel_took_stock and order.total > 0 and isinstance(order.total, Decimal)
    [line] = order.lines
    assert (line.offer_id, line.sku, line.quantity) == (offer, sku, 2) and line.unit_price > 0
    assert order_id in {o.external_id for o in connector.iter_orders(updated_since=timezone.now() - timedelta(
        minutes=5))}


def test_status_and_tracking_go_back_and_read_back(channel):
    connector = channel.connector
    order_id = channel.buy(channel.offers[0], 1)
    order = connector.get_order(order_id)
    connector.push_fulfillment(order_id, t.SENT, order.revision)
    assert connector.get_order(order_id).status == t.SENT
    carrier = connector.carriers()[0][0]
    added = connector.add_shipment(order_id, carrier, "TRACK123456", carrier_name="Kurier")
    assert "TRACK123456" in {s.waybill for s in connector.shipments(order_id)} and added.waybill == "TRACK123456"


def test_an_order_the_channel_does_not_have_is_not_found(channel):
    with pytest.raises(NotFound):
        channel.connector.get_order("99999999" if not channel.connector.capabilities.order_journal
                                    else "00000000-0000-0000-0000-000000000000")
