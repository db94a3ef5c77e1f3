"""The Allegro client against the emulator over loopback: headers, errors, budgets, 429 pauses, 303s."""

from __future__ import annotations

import httpx
import pytest

from magazynier.channels.allegro import budgets
from magazynier.channels.allegro.client import AllegroClient
from magazynier.channels.connections import allegro_connector
from magazynier.channels.errors import (
    ConfigurationError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
)
from magazynier.channels.tests.conftest import connect
from magazynier.core.http import user_agent
from magazynier.core.ratebudget import get_budget


def _client_stats(emulator, client_id="magazynier-demo"):
    return emulator.world.counters()["clients"].get(client_id, {})


def test_requests_carry_the_user_agent_and_media_types_allegro_requires(db, emulator, allegro_account):
    seen = []
    connector = allegro_connector(allegro_account)
    connector.client.http.event_hooks["request"].append(lambda r: seen.append(r))
    connector.check_connection()
    request = seen[-1]
    assert request.headers["User-Agent"] == user_agent()
    name, rest = user_agent().split("/", 1)
    assert name == "Magazynier" and rest.startswith("0.1.0 (+https://")
    assert request.headers["Accept"] == "application/vnd.allegro.public.v1+json"
    assert request.headers["Authorization"].startswith("Bearer ")


def test_allegro_errors_become_typed_exceptions_with_code_path_and_trace_id(db, emulator, allegro_account):
    connector = allegro_connector(allegro_account)
    with pytest.raises(NotFound) as missing:
        connector.get_offer("999999999")
    assert missing.value.status == 404 and missing.value.trace_id
    with pytest.raises(InvalidRequest) as invalid:
        connector.create_offer({"name": "Za krótki", "stock": {"available": 1},
                                "productSet": [{"product": {"name": "x"}}]})
    assert invalid.value.status == 422 and invalid.value.details
    assert any(d.path for d in invalid.value.details), "the field at fault is named"
    with pytest.raises(InvalidRequest):
        connector.send_command("quantity", "00000000-0000-4000-8000-000000000001", ["1"] * 1001,
                               {"modification": {"changeType": "FIXED", "value": 1}})


def test_a_token_without_the_scope_gets_permission_denied(db, emulator):
    account = connect(emulator)
    narrow = emulator.world.token_for("demo-seller", scopes=("allegro:api:profile:read",))
    from magazynier.channels.models import Credential

    Credential.objects.filter(account=account).update(access_token=narrow["access_token"])
    with pytest.raises(PermissionDenied):
        allegro_connector(account).iter_listings().__next__()


def test_server_errors_and_timeouts_are_transient(db, emulator, allegro_account):
    connector = allegro_connector(allegro_account)
    emulator.world.set_fault_profile({"error_share": 1.0})
    with pytest.raises(TransientError) as failed:
        connector.check_connection()
    assert failed.value.status in (500, 503) and failed.value.retryable
    emulator.world.set_fault_profile("none")
    emulator.world.drop_next_response("GET", "/me")
    with pytest.raises(TransientError) as dropped:
        connector.check_connection()
    assert dropped.value.maybe_applied
    slow = allegro_connector(allegro_account)
    slow.client.http.timeout = httpx.Timeout(0.2)
    emulator.world.config.slow_response_seconds = 1.0
    emulator.world.set_fault_profile({"slow_share": 1.0})
    with pytest.raises(TransientError) as timed_out:
        slow.check_connection()
    assert "did not answer in time" in str(timed_out.value)


def test_wrong_accept_header_is_a_configuration_error(db, emulator, allegro_account):
    client = allegro_connector(allegro_account).client
    with pytest.raises(ConfigurationError) as error:
        client.request("GET", "/me", accept="application/json")
    assert error.value.status == 406


@pytest.mark.django_db(transaction=True)
def test_a_429_pauses_the_client_id_for_every_worker_and_nobody_calls_into_the_block(emulator):
    account = connect(emulator)
    other_seller = connect(emulator, seller="second-seller", name="Drugi")
    served = _client_stats(emulator)["served"]
    emulator.world.config.limits.client_requests_per_minute = served + 2
    worker_a = allegro_connector(account, max_wait=0)
    worker_b = allegro_connector(other_seller, max_wait=0)  # another worker, another seller, same app
    worker_a.check_connection()
    worker_b.check_connection()
    with pytest.raises(RateLimited) as throttled:
        worker_a.check_connection()
    assert throttled.value.scope == "client" and throttled.value.retry_after == 60
    assert _client_stats(emulator)["rejected"] == 1
    for worker in (worker_a, worker_b, allegro_connector(account, max_wait=0)):
        with pytest.raises(RateLimited):
            worker.check_connection()
    stats = _client_stats(emulator)
    assert stats["rejected"] == 1 and stats["blocks"] == 1, "a call was made into the block and extended it"
    paused = get_budget().paused_until(budgets.client_key("magazynier-demo"))
    assert paused is not None and 55 < (paused - _now()).total_seconds() <= 60
    get_budget().resume(budgets.client_key("magazynier-demo"))


def test_over_our_own_budget_the_request_is_not_sent(db, emulator, allegro_account, monkeypatch):
    from magazynier.core.ratebudget import Limit

    monkeypatch.setattr(budgets, "CLIENT_REQUESTS", (Limit(3, 60),))
    connector = allegro_connector(allegro_account, max_wait=0)
    connector.client.client_id = "budget-test-client"  # a fresh budget key for this test
    served = _client_stats(emulator)["served"]
    for _ in range(3):
        connector.check_connection()
    with pytest.raises(RateLimited) as waiting:
        connector.check_connection()
    assert 0 < waiting.value.retry_after <= 60
    assert _client_stats(emulator)["served"] == served + 3 and _client_stats(emulator).get("rejected", 0) == 0


def test_a_seller_over_its_offer_change_limit_is_paused_alone(db, emulator):
    account = connect(emulator)
    other = connect(emulator, seller="second-seller", name="Drugi")
    emulator.world.config.limits.seller_offer_changes_per_minute = 2
    connector = allegro_connector(account, max_wait=0)
    with pytest.raises(RateLimited) as throttled:
        connector.send_command("publication", "00000000-0000-4000-8000-0000000000a1", ["1", "2", "3"],
                               {"publication": {"action": "ACTIVATE"}})
    assert throttled.value.scope == "seller"
    rejected = emulator.world.counters()["sellers"]["46968690"]["rejected"]
    with pytest.raises(RateLimited):
        connector.send_command("publication", "00000000-0000-4000-8000-0000000000a2", ["1"],
                               {"publication": {"action": "ACTIVATE"}})
    assert emulator.world.counters()["sellers"]["46968690"]["rejected"] == rejected  # not sent
    allegro_connector(other, max_wait=0).check_connection()  # the other seller carries on
    allegro_connector(account, max_wait=0).check_connection()  # and so do this seller's other calls


def test_a_303_is_followed_only_on_the_api_host(db, emulator, allegro_account):
    client: AllegroClient = allegro_connector(allegro_account).client
    with pytest.raises(ConfigurationError):
        client.follow("https://evil.example/sale/product-offers/1")


def _now():
    from django.utils import timezone

    return timezone.now()


def test_the_spec_check_of_every_request_is_live(db, emulator, allegro_account):
    """The suite-wide hook (conftest.py) validates each exchange: a request outside the spec fails loudly."""
    from conformance.allegro_openapi import ConformanceError

    client = allegro_connector(allegro_account).client
    client.language = "xx-XX"  # the emulator ignores it; the spec allows only six languages
    with pytest.raises(ConformanceError):
        client.request("GET", "/sale/offers")
