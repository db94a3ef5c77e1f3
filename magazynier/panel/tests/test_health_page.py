"""The health page ("Zdrowie") with the test client on real rows: who may see it, the worker's heartbeat,
and each account's numbers, times in Warsaw time, Polish first and English second."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from magazynier.channels.allegro.budgets import OFFER_CHANGES, seller_key
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.core import monitoring
from magazynier.core.ratebudget import get_budget
from magazynier.notifications.models import Alert
from magazynier.sync.models import Command, CommandItem, HeldPlan, OrderFeed, OutboxEntry, SyncState

pytestmark = pytest.mark.django_db


def _account(name: str, kind: str = ChannelAccount.ALLEGRO, **fields) -> ChannelAccount:
    return ChannelAccount.objects.create(**{
        "kind": kind, "name": name, "environment": ChannelAccount.EMULATOR, "api_url": f"http://127.0.0.1:9/{name}",
        "auth_url": "http://127.0.0.1:9", "client_id": "x", "external_user_id": f"s-{uuid.uuid4().hex[:8]}",
        "status": ChannelAccount.CONNECTED, **fields})


def _listing(account: ChannelAccount, sku: str) -> Listing:
    return Listing.objects.create(account=account, sku=sku, offer_id=f"O-{sku}")


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _card(page: str, account: ChannelAccount) -> str:
    start = page.index(f'id="health-{account.pk}"')
    return page[start:page.find("</section>", start)]


def test_the_owner_and_the_warehouse_see_the_page_the_accountant_does_not(client, owner, warehouse_worker,
                                                                           accountant):
    url = reverse("panel:health")
    assert url == "/zdrowie/"
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))

    client.force_login(accountant)
    assert client.get(url).status_code == 403
    assert url not in _page(client.get(reverse("panel:home")))

    for user in (warehouse_worker, owner):
        client.force_login(user)
        home = _page(client.get(reverse("panel:home")))
        assert f'href="{url}"' in home and "Zdrowie" in home
        assert _page(client.get(url))


def test_the_worker_heartbeat_is_at_the_top(owner_client):
    page = _page(owner_client.get(reverse("panel:health")))
    assert 'data-alive="0"' in page and "jeszcze bez sygnału życia" in page and 'id="worker-missing"' in page

    monitoring.beat(at=datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC))  # long ago: missing
    page = _page(owner_client.get(reverse("panel:health")))
    assert 'data-alive="0"' in page and "01.07.2026 12:00:05" in page  # Warsaw summer time

    monitoring.beat()
    page = _page(owner_client.get(reverse("panel:health")))
    assert 'data-alive="1"' in page and 'id="worker-missing"' not in page and "działa" in page


def test_each_account_shows_its_numbers(owner_client):
    shop = _account("Główny sklep")
    quiet = _account("Sklep WWW", ChannelAccount.WOOCOMMERCE, status=ChannelAccount.NEEDS_RECONNECT)
    now = timezone.now()
    SyncState.objects.create(account=shop, last_success_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC),
                             last_error="HTTP 503 od kanału")
    OrderFeed.objects.create(account=shop, last_success_at=datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC), failures=3,
                             last_error="timeout")
    for i, fields in enumerate([{}, {}, {"failures": 1}, {"quarantined_at": now}]):
        OutboxEntry.objects.create(listing=_listing(shop, f"H-{i}"), account=shop, next_attempt_at=now, **fields)
    HeldPlan.objects.create(account=shop)
    command = Command.objects.create(account=shop, kind=Command.QUANTITY, command_id=uuid.uuid4(),
                                     state=Command.DONE, created_at=now, sent_at=now)
    for i, seconds in enumerate([1.0, 2.0, 7.5]):
        listing = _listing(shop, f"L-{i}")
        CommandItem.objects.create(command=command, listing=listing, offer_id=listing.offer_id,
                                   kind=Command.QUANTITY, outcome=CommandItem.OK,
                                   changed_since=now - timedelta(seconds=seconds), confirmed_at=now)
    Alert.objects.create(key="a1", kind="sync", severity=Alert.CRITICAL, account=shop, title="t", message="m")
    Alert.objects.create(key="a2", kind="sync", severity=Alert.WARNING, account=shop, title="t", message="m",
                         resolved_at=now)
    get_budget().acquire(seller_key(shop.external_user_id, "offer-changes"), OFFER_CHANGES, 12)

    page = _page(owner_client.get(reverse("panel:health")))

    assert 'lang="pl"' in page and "<h1>Zdrowie</h1>" in page
    assert 'id="alerts-open">1<' in page and 'data-severity="critical">krytyczny: 1<' in page
    card = _card(page, shop)
    for count, value in (("pending", 3), ("held", 1), ("failed", 1), ("quarantined", 1), ("alerts", 1)):
        assert f'data-count="{count}">{value}<' in card, count
    assert "16.01.2026 00:30:00" in card  # last push, Warsaw winter time
    assert "01.07.2026 12:00:05" in card  # last order read, Warsaw summer time
    assert "3 nieudane próby" in card and "timeout" in card
    assert "7,5 s" in card  # p99 of the last hour
    assert f"12 / {OFFER_CHANGES[0].count}<" in card and f"12 / {OFFER_CHANGES[1].count}<" in card
    assert "HTTP 503 od kanału" in card and "połączone" in card

    shop_card = _card(page, quiet)
    assert 'data-count="pending">0<' in shop_card and "wymaga ponownego połączenia" in shop_card
    assert "hook-health" in shop_card and "Zmiany ofert" not in shop_card  # webhooks, no Allegro budget


def test_english_is_the_second_language(owner_client, settings):
    _account("Sklep")
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _page(owner_client.get(reverse("panel:health")))
    assert 'lang="en"' in page and "<h1>Health</h1>" in page and "Background worker" in page
    assert "Last successful order read" in page and "not running" in page
