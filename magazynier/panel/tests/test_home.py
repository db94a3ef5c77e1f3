"""The start page ("Start") with the test client on real rows: today's orders per channel account (the day is
Warsaw's, storage is UTC), the stock each channel shows for the top products (pending changes, offers paused
by the buffer), the sync engine's health per account, the open alerts, who sees which section, and a number
of queries that does not grow with the products shown.

Orders are stored through the order feed's own path (sync.order_store.store_order), stock through
inventory.actions, alerts through notifications.actions; the sync engine's rows that only its dispatcher
writes (held plans, failures, confirmations) are created directly, as the sync pages' tests do.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from magazynier.catalog.models import Variant
from magazynier.channels import types as t
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, Warehouse
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert
from magazynier.orders.tests.factories import PERSONAL, remote_order
from magazynier.orders.tests.factories import variant as _variant
from magazynier.sync.actions import save_settings
from magazynier.sync.desired import desired_for
from magazynier.sync.models import AccountSyncSettings, Command, CommandItem, HeldPlan, OutboxEntry
from magazynier.sync.order_store import store_order

pytestmark = pytest.mark.django_db

# Friday 20 November 2026, 11:00 in Warsaw (winter time, UTC+1)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
YESTERDAY_2330 = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)  # 23:30 on the 19th in Warsaw
TODAY_0030 = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)  # 00:30 on the 20th in Warsaw, still the 19th in UTC


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The page's "now" (and every row's creation time); tests move it forward with clock["now"]."""
    state = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


# ---------------------------------------------------------------- helpers
def _account(name: str, kind: str = ChannelAccount.ALLEGRO, **fields) -> ChannelAccount:
    return ChannelAccount.objects.create(**{
        "kind": kind, "name": name, "environment": ChannelAccount.EMULATOR, "api_url": f"http://127.0.0.1:9/{name}",
        "auth_url": "http://127.0.0.1:9", "client_id": "x", "external_user_id": f"s-{uuid.uuid4().hex[:8]}",
        "status": ChannelAccount.CONNECTED, **fields})


def _buy(account: ChannelAccount, external_id: str, bought_at: datetime, lines=(("KUB-1", 1, "12.50"),), **fields):
    """An order as the channel reports it, stored the way the order feed stores it."""
    remote = remote_order(external_id, lines=lines, bought_at=bought_at, **fields)
    return store_order(account, remote, None).order


def _listing(account: ChannelAccount, sku: str, quantity: int | None, **fields) -> Listing:
    return Listing.objects.create(account=account, variant=Variant.objects.get(sku=sku), sku=sku,
                                  offer_id=f"O-{sku}", offer_status="ACTIVE", confirmed_quantity=quantity, **fields)


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _home(client) -> str:
    return _page(client.get(reverse("panel:home")))


def _section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</section>", start)]


def _attr(html: str, name: str, **match) -> str:
    """The value of data-`name` on the element carrying all the `match` data attributes (exactly one)."""
    found = []
    for tag in re.findall(r"<[a-z]+ [^>]*>", html):
        attrs = dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', tag))
        if name in attrs and all(attrs.get(k.replace("_", "-")) == str(v) for k, v in match.items()):
            found.append(attrs[name])
    assert len(found) == 1, (name, match, found)
    return found[0]


def _skus(section: str) -> list[str]:
    return re.findall(r'<tr data-sku="([^"]+)"', section)


# ---------------------------------------------------------------- orders today
def test_orders_today_count_the_warsaw_day_per_account(owner_client):
    _variant("KUB-1", on_hand=50)
    allegro = _account("Allegro Główne")
    shop = _account("Sklep WWW", ChannelAccount.WOOCOMMERCE)
    quiet = _account("Allegro Outlet")
    _buy(allegro, "A-LATE", YESTERDAY_2330, total="500.00")  # yesterday in Warsaw: not today
    _buy(allegro, "A-EARLY", TODAY_0030, lines=(("KUB-1", 2, "12.50"),))  # 25.00 + 9.99 delivery
    _buy(allegro, "A-MORNING", datetime(2026, 11, 20, 8, 15, tzinfo=UTC), total="100.00")
    _buy(allegro, "A-CANCELLED", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), total="70.00", status=t.CANCELLED)
    store_order(shop, replace(remote_order("W-1", bought_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
                                           total="19.90"), currency="EUR"), None)

    page = _home(owner_client)

    section = _section(page, "orders-today")
    assert "Zamówienia dziś" in section and "20.11.2026" in section
    assert _attr(section, "orders-today", account=allegro.pk) == "2"
    assert _attr(section, "total", account=allegro.pk) == "134.99"
    assert "134,99\u00a0zł" in section  # formatted as the order pages format money
    assert _attr(section, "cancelled-today") == "1" and "+ 1 anulowane" in section
    assert _attr(section, "orders-today", account=shop.pk) == "1"
    assert (_attr(section, "total", account=shop.pk), _attr(section, "currency", account=shop.pk)) == ("19.90", "EUR")
    assert "19,90\u00a0EUR" in section and "WooCommerce" in section and "Allegro" in section
    assert _attr(section, "orders-today", account=quiet.pk) == "0"
    assert _attr(section, "total", account=quiet.pk) == "0.00" and "0,00\u00a0zł" in section
    for text in PERSONAL:  # no buyer's data on this page
        assert text not in page

    # the count opens the order list of that account and that day: the same orders (and the cancelled one)
    link = re.search(r'href="([^"]+)"[^>]*><b>2</b>', section).group(1).replace("&amp;", "&")
    assert link == f"{reverse('panel:orders')}?account={allegro.pk}&date_from=2026-11-20&date_to=2026-11-20"
    listed = _page(owner_client.get(link))
    numbers = set(re.findall(r'<div class="small muted">([A-Z]-[A-Z]+)</div>', listed))
    assert numbers == {"A-EARLY", "A-MORNING", "A-CANCELLED"}


def test_just_after_midnight_the_new_day_starts_empty(owner_client, clock):
    _variant("KUB-1")
    allegro = _account("Allegro Główne")
    _buy(allegro, "A-1", datetime(2026, 11, 20, 22, 50, tzinfo=UTC))  # 23:50 on the 20th in Warsaw
    clock["now"] = datetime(2026, 11, 20, 22, 55, tzinfo=UTC)
    assert _attr(_section(_home(owner_client), "orders-today"), "orders-today", account=allegro.pk) == "1"
    clock["now"] = datetime(2026, 11, 20, 23, 5, tzinfo=UTC)  # 00:05 on the 21st in Warsaw, the 20th in UTC
    section = _section(_home(owner_client), "orders-today")
    assert _attr(section, "orders-today", account=allegro.pk) == "0" and "21.11.2026" in section


# ---------------------------------------------------------------- stock on the channels
def test_the_top_products_show_what_each_channel_shows(owner_client):
    for sku, on_hand in [("KUB-1", 10), ("BIG-1", 50), ("TAL-2", 3), ("ZERO-1", 0),
                         *[(f"F-{n}", 1) for n in range(1, 8)]]:
        _variant(sku, on_hand=on_hand)
    allegro = _account("Allegro Główne")
    shop = _account("Sklep WWW", ChannelAccount.WOOCOMMERCE)
    new = _account("Nowe konto", status=ChannelAccount.PENDING)  # never connected: no column
    save_settings(AccountSyncSettings(account=allegro, buffer=5))  # at 5 units or fewer Allegro sells nothing
    OutboxEntry.objects.all().delete()  # (nothing listed yet)
    kub_allegro = _listing(allegro, "KUB-1", 10)
    kub_shop = _listing(shop, "KUB-1", 10)
    _listing(allegro, "TAL-2", 0)  # 3 available, within the buffer: paused
    tal_shop = _listing(shop, "TAL-2", 3)
    OutboxEntry.objects.create(listing=tal_shop, account=shop, next_attempt_at=NOW, failures=9, quarantined_at=NOW)
    # sold lately: 3 × KUB-1 two days ago on Allegro (Allegro took them off its offer: 10 → 7; the order's
    # reservation leaves a change for the shop's offer); sold 8 days ago: 1 × BIG-1 (outside the window)
    _buy(allegro, "A-1", NOW - timedelta(days=2), lines=(("KUB-1", 3, "12.50"),))
    _buy(shop, "W-OLD", NOW - timedelta(days=8), lines=(("BIG-1", 1, "40.00"),))

    page = _home(owner_client)

    section = _section(page, "channel-stock")
    assert "Stany na kanałach" in section
    assert _skus(section) == ["KUB-1", "BIG-1", "TAL-2", "F-1", "F-2", "F-3", "F-4", "F-5"]  # 8 rows at most
    assert f'data-channel="{allegro.pk}"' in section and f'data-channel="{shop.pk}"' in section
    assert f'data-channel="{new.pk}"' not in section
    kub = Variant.objects.get(sku="KUB-1")
    assert f'href="{reverse("panel:product", args=[kub.product_id])}"' in section
    for name, value in (("sold", "3"), ("on-hand", "10"), ("reserved", "3"), ("available", "7")):
        assert _attr(section, name, sku="KUB-1") == value, name
    for name, value in (("sold", "0"), ("on-hand", "50"), ("reserved", "1"), ("available", "49")):
        assert _attr(section, name, sku="BIG-1") == value, name

    # Allegro confirmed 7 after the sale, and its change (the reservation) still waits: pending, nothing new
    cell = {"sku": "KUB-1", "channel": allegro.pk}
    assert (_attr(section, "quantity", **cell), _attr(section, "pending", **cell)) == ("7", "1")
    # the shop still shows 10 and will be sent 7, as the engine computes it
    kub_shop.refresh_from_db()
    assert desired_for(shop, [Listing.objects.select_related("variant__product").get(pk=kub_shop.pk)])[
        kub_shop.pk].quantity == 7
    cell = {"sku": "KUB-1", "channel": shop.pk}
    assert (_attr(section, "quantity", **cell), _attr(section, "pending", **cell),
            _attr(section, "desired", **cell)) == ("10", "1", "7")
    kub_allegro.refresh_from_db()
    assert kub_allegro.confirmed_quantity == 7 and OutboxEntry.objects.filter(listing=kub_allegro).exists()
    assert "→ 7" in section and "oczekuje" in section
    # TAL-2: Allegro shows 0 while 3 are available (the buffer): paused; the shop's failed change is set aside
    cell = {"sku": "TAL-2", "channel": allegro.pk}
    assert (_attr(section, "quantity", **cell), _attr(section, "paused", **cell),
            _attr(section, "pending", **cell)) == ("0", "1", "0")
    assert "wstrzymana" in section
    cell = {"sku": "TAL-2", "channel": shop.pk}
    assert (_attr(section, "quantity", **cell), _attr(section, "pending", **cell),
            _attr(section, "paused", **cell)) == ("3", "0", "0")
    assert 'data-flag="quarantined"' in section
    # no offer: a dash
    cell = {"sku": "BIG-1", "channel": shop.pk}
    assert (_attr(section, "listed", **cell), _attr(section, "quantity", **cell)) == ("0", "")
    assert section.count('data-flag="paused"') == 1 and section.count('data-flag="pending"') == 2


# ---------------------------------------------------------------- sync health
def test_sync_health_shows_a_held_plan_pending_changes_and_latency(owner_client):
    _variant("KUB-1", on_hand=10)
    allegro = _account("Allegro Główne", writers_enabled=True)
    shop = _account("Sklep WWW", ChannelAccount.WOOCOMMERCE)
    listing = _listing(allegro, "KUB-1", 10)
    set_stock(listing.variant_id, Warehouse.objects.get().pk, 4, reason=MovementReason.STOCKTAKE)  # pending
    OutboxEntry.objects.filter(listing=listing).update(failures=2)  # it failed twice and is retried
    plan = HeldPlan.objects.create(account=allegro, reasons=[{"code": "too_many_to_zero", "message": "x",
                                                              "count": 9}])
    command = Command.objects.create(account=allegro, kind=Command.QUANTITY, command_id=uuid.uuid4(),
                                     state=Command.DONE, created_at=NOW, sent_at=NOW)
    for n, seconds in enumerate([1.0, 2.0, 7.5]):
        confirmed = _listing(allegro, _variant(f"L-{n}").sku, 1)
        CommandItem.objects.create(command=command, listing=confirmed, offer_id=confirmed.offer_id,
                                   kind=Command.QUANTITY, outcome=CommandItem.OK,
                                   changed_since=NOW - timedelta(seconds=seconds), confirmed_at=NOW)

    section = _section(_home(owner_client), "sync-health")

    assert "Stan synchronizacji" in section
    row = {"account": allegro.pk}
    assert (_attr(section, "pending", **row), _attr(section, "failed", **row), _attr(section, "held", **row),
            _attr(section, "p99", **row)) == ("1", "1", "1", "7.5")
    assert _attr(section, "held-plan", **row) == str(plan.pk)
    assert f'href="{reverse("panel:sync_held", args=[plan.pk])}"' in section and "7,5 s" in section
    row = {"account": shop.pk}
    assert (_attr(section, "pending", **row), _attr(section, "failed", **row), _attr(section, "held", **row),
            _attr(section, "p99", **row)) == ("0", "0", "0", "")
    assert "wysyłanie wyłączone" in section  # the shop's writers are off
    assert f'href="{reverse("panel:health")}"' in section


# ---------------------------------------------------------------- alerts
def test_open_alerts_are_counted_by_severity_and_the_newest_listed(owner_client, clock):
    allegro = _account("Allegro Główne")
    raised = []
    for n, severity in enumerate([Alert.CRITICAL, Alert.WARNING, Alert.WARNING, Alert.INFO, Alert.WARNING,
                                  Alert.CRITICAL, Alert.WARNING]):
        clock["now"] = NOW + timedelta(minutes=n)
        raised.append(raise_alert(f"test:{n}", kind="test", severity=severity, account=allegro,
                                  title=f"Problem numer {n}", message="Co się stało i co zrobić."))
    resolve_alert("test:6")  # the newest is resolved: not counted, not listed
    clock["now"] = NOW + timedelta(hours=1)

    page = _home(owner_client)

    section = _section(page, "open-alerts")
    assert _attr(section, "open-alerts") == "6"
    counts = dict(re.findall(r'data-severity="([a-z]+)" data-count="(\d+)"', section))
    assert counts == {"critical": "2", "warning": "3", "info": "1"}
    listed = re.findall(r'<li [^>]*data-alert="(\d+)"', section)
    assert listed == [str(a.pk) for a in reversed(raised[1:6])]  # the 5 newest open ones, newest first
    assert "Problem numer 6" not in section and "Problem numer 0" not in section
    assert "20.11.2026 11:05" in section  # raised 10:05 UTC, shown in Warsaw time
    assert f'href="{reverse("panel:alerts")}"' in section and "Powiadomienia" in section


def test_no_open_alert_says_so(owner_client):
    section = _section(_home(owner_client), "open-alerts")
    assert _attr(section, "open-alerts") == "0" and 'id="no-alerts"' in section


# ---------------------------------------------------------------- who sees what
def test_each_role_sees_the_sections_its_permissions_allow(client, warehouse_worker, accountant):
    _variant("KUB-1")
    allegro = _account("Allegro Główne")
    HeldPlan.objects.create(account=allegro)
    raise_alert("test:1", kind="test", title="Coś się stało", message="m", account=allegro)

    client.force_login(warehouse_worker)  # sees the sync engine (read only), not the notifications page
    page = _home(client)
    for section in ("orders-today", "channel-stock", "sync-health", "open-alerts"):
        assert f'id="{section}"' in page, section
    assert reverse("panel:alerts") not in page and "Powiadomienia" not in page
    assert f'href="{reverse("panel:health")}"' in _section(page, "open-alerts")

    client.force_login(accountant)  # no sync.view_heldplan: no sync health, no alerts
    assert not accountant.has_perm("sync.view_heldplan")
    page = _home(client)
    assert 'id="orders-today"' in page and 'id="channel-stock"' in page
    assert 'id="sync-health"' not in page and 'id="open-alerts"' not in page
    assert reverse("panel:health") not in page and "Coś się stało" not in page


def test_english_is_the_second_language(owner_client, settings):
    _variant("KUB-1")
    allegro = _account("Allegro Główne")
    shop = _account("Sklep WWW", ChannelAccount.WOOCOMMERCE)
    _listing(allegro, "KUB-1", 0)
    _listing(shop, "KUB-1", 10)
    set_stock(Variant.objects.get(sku="KUB-1").pk, Warehouse.objects.get().pk, 8, reason=MovementReason.STOCKTAKE)
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = _home(owner_client)

    assert 'lang="en"' in page
    for text in ("Orders today", "Stock on the channels", "Sync health", "Open alerts", ">pending<", ">paused<",
                 "Sold (7 days)"):
        assert text in page, text


# ---------------------------------------------------------------- queries
def _grow(accounts: int, variants: int) -> None:
    """More variants and accounts: every account offers every variant, has a held plan and an alert, and
    just sold one of each variant (so every offer has a pending change)."""
    start = Variant.objects.count()
    for n in range(start, start + variants):
        _variant(f"Q-{n:02d}", on_hand=50 + n)
    start = ChannelAccount.objects.count()
    for a in range(start, start + accounts):
        account = _account(f"Konto {a}", ChannelAccount.WOOCOMMERCE if a % 2 else ChannelAccount.ALLEGRO)
        HeldPlan.objects.create(account=account)
        raise_alert(f"q:{a}", kind="test", title=f"Alert {a}", message="m", account=account)
    skus = list(Variant.objects.values_list("sku", flat=True))
    for account in ChannelAccount.objects.all():
        for variant in Variant.objects.all():
            Listing.objects.get_or_create(account=account, variant=variant, defaults={
                "sku": variant.sku, "offer_id": f"O-{variant.sku}", "offer_status": "ACTIVE",
                "confirmed_quantity": 3})
        _buy(account, f"Q-{uuid.uuid4().hex[:8]}", NOW - timedelta(hours=1),
             lines=tuple((sku, 1, "10.00") for sku in skus))


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        _home(client)
    return len(captured)


def test_the_number_of_queries_grows_only_with_the_accounts(owner_client, django_assert_max_num_queries):
    _grow(accounts=1, variants=2)
    _home(owner_client)  # warm the caches (content types, permissions)
    small = _queries(owner_client)  # 1 account, 2 products shown

    _grow(accounts=0, variants=10)  # 8 products shown (of 12), each with an offer and a pending change
    full = _queries(owner_client)
    assert full <= small

    _grow(accounts=1, variants=0)
    per_account = _queries(owner_client) - full
    assert 0 < per_account <= 10  # sync.status reads each account in a fixed number of queries

    _grow(accounts=4, variants=4)  # 6 accounts, 16 products (8 shown), 96 offers
    with django_assert_max_num_queries(full + 5 * per_account):
        page = _home(owner_client)
    section = _section(page, "channel-stock")
    assert len(_skus(section)) == 8 and section.count('data-flag="pending"') == 8 * 6
