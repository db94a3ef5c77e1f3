"""/healthz and /metrics over real HTTP (the live server), on rows the tests create: the worker's heartbeat,
the bearer token, and metric values parsed back with prometheus_client's own parser."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.db import OperationalError
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from magazynier.channels import types as t
from magazynier.channels.allegro.budgets import OFFER_CHANGES, seller_key
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.channels.tests.conftest import allegro_account, emulator  # noqa: F401
from magazynier.core import monitoring
from magazynier.core.ratebudget import get_budget
from magazynier.notifications.models import Alert
from magazynier.orders.models import Order
from magazynier.sync.models import Command, CommandItem, HeldPlan, OutboxEntry

TOKEN = "metrics-token-123"


def _account(name: str, kind: str = ChannelAccount.ALLEGRO) -> ChannelAccount:
    return ChannelAccount.objects.create(
        kind=kind, name=name, environment=ChannelAccount.EMULATOR, api_url=f"http://127.0.0.1:9/{name}",
        auth_url="http://127.0.0.1:9", client_id="x", external_user_id=f"seller-{uuid.uuid4().hex[:8]}",
        status=ChannelAccount.CONNECTED)


def _order(account: ChannelAccount, n: int, status: str = t.NEW, **fields) -> Order:
    return Order.objects.create(account=account, channel=account.kind, external_id=f"ord-{n}", status=status,
                                payment_status=t.PAID, total=Decimal("10.00"), bought_at=timezone.now(), **fields)


def _listing(account: ChannelAccount, sku: str) -> Listing:
    return Listing.objects.create(account=account, sku=sku, offer_id=f"O-{sku}")


def _confirmed(account: ChannelAccount, latencies: list[float]) -> None:
    now = timezone.now()
    command = Command.objects.create(account=account, kind=Command.QUANTITY, command_id=uuid.uuid4(),
                                     state=Command.DONE, created_at=now, sent_at=now, completed_at=now)
    for i, seconds in enumerate(latencies):
        listing = _listing(account, f"LAT-{account.pk}-{i}")
        done = now - timedelta(seconds=10)
        CommandItem.objects.create(command=command, listing=listing, offer_id=listing.offer_id, kind=Command.QUANTITY,
                                   value="1", outcome=CommandItem.OK, changed_since=done - timedelta(seconds=seconds),
                                   confirmed_at=done)


def _scrape(live_server, token: str = TOKEN) -> dict:
    response = httpx.get(f"{live_server.url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def _value(families: dict, family: str, sample: str | None = None, **labels) -> float | None:
    for s in families[family].samples:
        if s.name == (sample or family) and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


# ---------------------------------------------------------------- /healthz
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_without_login_and_reports_a_worker_that_never_beat(live_server):
    response = httpx.get(f"{live_server.url}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["worker"] == "missing" and body["worker_heartbeat_age"] is None
    assert body["checked_at"]
    assert monitoring.worker_heartbeat_age() is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_is_ok_with_a_fresh_beat_and_missing_with_a_stale_one(live_server, monkeypatch):
    monitoring.beat(at=timezone.now() - timedelta(seconds=30))
    body = httpx.get(f"{live_server.url}/healthz").json()
    assert body["worker"] == "ok" and 29 <= body["worker_heartbeat_age"] < 60
    assert 29 <= monitoring.worker_heartbeat_age() < 60

    monitoring.beat(at=timezone.now() - timedelta(seconds=181))
    response = httpx.get(f"{live_server.url}/healthz")
    assert response.status_code == 200  # the web works: uptime checkers stay green, the worker is reported
    assert response.json()["worker"] == "missing"

    monkeypatch.setenv("MAGAZYNIER_WORKER_STALE_SECONDS", "600")
    assert httpx.get(f"{live_server.url}/healthz").json()["worker"] == "ok"


@pytest.mark.django_db
def test_the_periodic_tick_beats():
    from magazynier.sync.tasks import tick

    assert monitoring.worker_heartbeat_age() is None
    tick.call_local()
    assert monitoring.worker_heartbeat_age() < 5
    tick.call_local()  # the second beat updates the one row
    from magazynier.core.models import Heartbeat

    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(monitoring, "connection", Down())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error" and response.json()["status"] == "error"


# ---------------------------------------------------------------- /metrics: access
@pytest.mark.django_db(transaction=True)
def test_metrics_are_off_without_a_token_and_need_the_right_bearer(live_server, monkeypatch):
    monkeypatch.delenv("MAGAZYNIER_METRICS_TOKEN", raising=False)
    assert httpx.get(f"{live_server.url}/metrics").status_code == 404

    monkeypatch.setenv("MAGAZYNIER_METRICS_TOKEN", TOKEN)
    assert httpx.get(f"{live_server.url}/metrics").status_code == 401
    for header in (f"Bearer {TOKEN}x", "Bearer", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN[:-1]}"):
        response = httpx.get(f"{live_server.url}/metrics", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert "magazynier_" not in response.text
    assert _scrape(live_server)


# ---------------------------------------------------------------- /metrics: values
@pytest.mark.django_db(transaction=True)
def test_metrics_report_the_rows_in_the_database(live_server, monkeypatch):
    monkeypatch.setenv("MAGAZYNIER_METRICS_TOKEN", TOKEN)
    shop, quiet = _account("Sklep A"), _account("Sklep B", ChannelAccount.WOOCOMMERCE)
    a, b = str(shop.pk), str(quiet.pk)
    # orders: 3 imported, one open oversold, one open unmatched, one oversold but cancelled (not open)
    _order(shop, 1, oversold=True)
    _order(shop, 2, unmatched=True)
    _order(shop, 3, status=t.CANCELLED, oversold=True, unmatched=True)
    # the engine: 2 due, 1 quarantined, 1 due later; one held plan; one open and one finished command
    now = timezone.now()
    for i, fields in enumerate([{}, {"failures": 2}, {"quarantined_at": now},
                                {"next_attempt_at": now + timedelta(hours=1)}]):
        OutboxEntry.objects.create(listing=_listing(shop, f"OB-{i}"), account=shop,
                                   **{"next_attempt_at": now - timedelta(seconds=5), **fields})
    HeldPlan.objects.create(account=shop)
    Command.objects.create(account=shop, kind=Command.QUANTITY, command_id=uuid.uuid4(), state=Command.SENT,
                           created_at=now)
    # latencies of items confirmed in the last hour, one older item that must not count
    _confirmed(shop, [0.3, 1.5, 4.0, 45.0, 400.0])
    old = CommandItem.objects.filter(command__account=shop).first()
    CommandItem.objects.filter(pk=old.pk).update(confirmed_at=now - timedelta(hours=2),
                                                 changed_since=now - timedelta(hours=2, seconds=1))
    # alerts: one open critical, one resolved warning
    Alert.objects.create(key="k1", kind="sync", severity=Alert.CRITICAL, account=shop, title="x", message="y")
    Alert.objects.create(key="k2", kind="sync", severity=Alert.WARNING, title="x", message="y", resolved_at=now)
    # the seller spent 7 offer changes from the shared budget
    get_budget().acquire(seller_key(shop.external_user_id, "offer-changes"), OFFER_CHANGES, 7)
    monitoring.beat(at=now - timedelta(seconds=42))

    m = _scrape(live_server)

    assert _value(m, "magazynier_orders_imported", "magazynier_orders_imported_total", account=a) == 3
    assert _value(m, "magazynier_orders_imported", "magazynier_orders_imported_total", account=b,
                  channel="woocommerce") == 0
    assert _value(m, "magazynier_orders_oversold_open", account=a, channel="allegro") == 1
    assert _value(m, "magazynier_orders_unmatched_open", account=a) == 1
    assert _value(m, "magazynier_orders_unmatched_open", account=b) == 0

    assert _value(m, "magazynier_outbox_due", account=a) == 2
    assert _value(m, "magazynier_outbox_failed", account=a) == 1
    assert _value(m, "magazynier_quarantined_listings", account=a) == 1
    assert _value(m, "magazynier_held_plans", account=a) == 1
    assert _value(m, "magazynier_held_plans", account=b) == 0
    assert _value(m, "magazynier_commands_open", account=a) == 1  # the confirmed command is done

    # 0.3 is gone (confirmed 2 h ago): 1.5, 4, 45, 400 remain
    hist = "magazynier_propagation_latency_seconds"
    buckets = {s.labels["le"]: s.value for s in m[hist].samples
               if s.name == f"{hist}_bucket" and s.labels["account"] == a}
    assert buckets == {"0.5": 0, "1.0": 0, "2.0": 1, "5.0": 2, "10.0": 2, "30.0": 2, "60.0": 3, "300.0": 3,
                       "+Inf": 4}
    assert _value(m, hist, f"{hist}_count", account=a) == 4
    assert _value(m, hist, f"{hist}_sum", account=a) == pytest.approx(450.5, abs=0.01)
    assert _value(m, hist, f"{hist}_count", account=b) == 0

    assert _value(m, "magazynier_alerts_open", severity="critical") == 1
    assert _value(m, "magazynier_alerts_open", severity="warning") == 0

    assert _value(m, "magazynier_allegro_offer_changes_used", account=a, window="60s") == 7
    assert _value(m, "magazynier_allegro_offer_changes_used", account=a, window="3600s") == 7
    assert _value(m, "magazynier_allegro_offer_changes_limit", window="60s") == OFFER_CHANGES[0].count
    assert _value(m, "magazynier_allegro_offer_changes_used", account=b) is None  # a shop has no such budget

    assert 42 <= _value(m, "magazynier_worker_heartbeat_age_seconds") < 100
    assert _value(m, "magazynier_queue_pending_tasks") == 0
    assert _value(m, "magazynier_account_connected", account=a) == 1
    assert _value(m, "magazynier_account_info", account=b, name="Sklep B") == 1


@pytest.mark.django_db(transaction=True)
def test_requests_to_the_channel_are_counted_by_status_class(live_server, monkeypatch, emulator,  # noqa: F811
                                                             allegro_account):  # noqa: F811
    from magazynier.channels.connections import allegro_connector
    from magazynier.channels.errors import RateLimited

    monkeypatch.setenv("MAGAZYNIER_METRICS_TOKEN", TOKEN)
    requests, limited = "magazynier_channel_requests", "magazynier_channel_rate_limited"

    def counts():
        m = _scrape(live_server)
        return (_value(m, requests, f"{requests}_total", channel="allegro", status_class="2xx") or 0,
                _value(m, requests, f"{requests}_total", channel="allegro", status_class="4xx") or 0,
                _value(m, limited, f"{limited}_total", channel="allegro"))

    ok_before, client_errors_before, throttled_before = counts()
    assert ok_before >= 2  # connecting the account (device flow, token) went through the counted client

    info = allegro_connector(allegro_account).check_connection()  # GET /me
    assert info.user_id
    assert counts() == (ok_before + 1, client_errors_before, throttled_before)

    emulator.world.set_fault_profile({"burst_429_share": 1.0, "burst_429_length": 1})
    try:
        with pytest.raises(RateLimited):
            allegro_connector(allegro_account).check_connection()
    finally:
        emulator.world.set_fault_profile("none")
    assert counts() == (ok_before + 1, client_errors_before + 1, throttled_before + 1)


@pytest.mark.django_db(transaction=True)
def test_requests_the_worker_sent_are_in_the_web_process_scrape(live_server, monkeypatch, emulator,  # noqa: F811
                                                                 allegro_account, tmp_path):  # noqa: F811
    """Another process (as the worker) runs a background task that talks to the channel; the web process's
    /metrics counts those responses too."""
    import os
    import subprocess
    import sys

    from django.db import connection

    monkeypatch.setenv("MAGAZYNIER_METRICS_TOKEN", TOKEN)
    name = "magazynier_channel_requests"

    def ok_count() -> float:
        return _value(_scrape(live_server), name, f"{name}_total", channel="allegro", status_class="2xx") or 0

    before = ok_count()
    db = connection.settings_dict
    url = (f"sqlite:///{db['NAME']}" if connection.vendor == "sqlite" else
           f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    env = {**os.environ, "DATABASE_URL": url, "MAGAZYNIER_QUEUE": "immediate",
           "DJANGO_SETTINGS_MODULE": "magazynier.settings"}
    worker = ("import django; django.setup()\n"
              "from magazynier.channels.tasks import link_offers_task\n"
              f"link_offers_task({allegro_account.pk})\n")
    done = subprocess.run([sys.executable, "-c", worker], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ok_count() == before + 1, "the other process's GET of the seller's offers is counted"
