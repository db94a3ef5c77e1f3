"""Fault profiles: 500/503, slow answers, timeouts, dropped connections, 429 bursts, drop-after-create."""

from __future__ import annotations

import time

import httpx
import pytest

from emulators.allegro.faults import PROFILES, FaultInjector

from .support import api_client, json_write, offer_body


def test_decisions_are_reproducible_from_the_seed():
    def run(seed: int) -> list:
        injector = FaultInjector("chaos", seed)
        return [injector.decide() for _ in range(500)]

    assert run(5) == run(5)
    assert run(5) != run(6)
    decisions = run(5)
    assert {"error500", "error503", "slow", "timeout", "drop", "throttle"} <= set(decisions)


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="known"):
        FaultInjector("nope")
    assert "none" in PROFILES and "flaky" in PROFILES


def test_server_errors_share(emu, client):
    emu.world.set_fault_profile({"error_share": 1.0})
    statuses = {client.get("/me").status_code for _ in range(20)}
    assert statuses == {500, 503}
    assert client.get("/me").json()["errors"][0]["code"] in ("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE")
    oauth = httpx.post(f"{emu.base_url}/auth/oauth/token", params={"grant_type": "client_credentials"})
    assert oauth.status_code == 401  # OAuth and admin paths are not faulted


def test_429_bursts(emu, client):
    emu.world.set_fault_profile({"burst_429_share": 1.0, "burst_429_length": 3})
    first = client.get("/me")
    assert first.status_code == 429 and first.json()["errors"][0]["code"] == "RateLimitExceedException"
    emu.world.set_fault_profile("none")
    assert [client.get("/me").status_code for _ in range(3)] == [429, 429, 200]


def test_a_429_burst_ends_with_its_limit_window_for_a_client_that_backs_off(emu, client):
    """A client that waits a minute after a 429 (as Allegro asks) is served, however long the burst."""
    emu.world.set_fault_profile({"burst_429_share": 1.0, "burst_429_length": 10})
    assert client.get("/me").status_code == 429
    emu.world.set_fault_profile("none")
    assert client.get("/me").status_code == 429  # the burst goes on within its window
    emu.world.clock.advance(61)
    assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]


def test_dropped_connection_without_processing(emu, client, ean):
    emu.world.set_fault_profile({"drop_share": 1.0})
    with pytest.raises(httpx.TransportError):
        json_write(client, "POST", "/sale/product-offers", offer_body(ean))
    emu.world.set_fault_profile("none")
    assert emu.world.offers.created_count == 0


def test_drop_the_answer_to_the_next_create(emu, client, ean):
    emu.world.drop_next_response("POST", "/sale/product-offers")
    with pytest.raises(httpx.TransportError):
        json_write(client, "POST", "/sale/product-offers", offer_body(ean, sku="LOST-ANSWER"))
    # the offer was created: a careful client finds it instead of creating a duplicate
    found = client.get("/sale/offers", params={"external.id": "LOST-ANSWER"}).json()
    assert found["totalCount"] == 1
    assert json_write(client, "POST", "/sale/product-offers", offer_body(ean, sku="NEXT")).status_code == 201


def test_drop_next_over_the_admin_api(emu, client, ean):
    httpx.post(f"{emu.base_url}/__admin__/faults/drop-next", json={"method": "POST", "path": "/sale/product-offers"})
    with pytest.raises(httpx.TransportError):
        json_write(client, "POST", "/sale/product-offers", offer_body(ean))
    assert emu.world.offers.created_count == 1


def test_timeouts_and_slow_answers(emu, token):
    emu.world.config.timeout_hang_seconds = 0.5
    emu.world.config.slow_response_seconds = 0.2
    emu.world.set_fault_profile({"timeout_share": 1.0})
    with api_client(emu.base_url, token) as http, pytest.raises(httpx.ReadTimeout):
        http.get("/me", timeout=0.2)
    emu.world.set_fault_profile({"slow_share": 1.0})
    with api_client(emu.base_url, token) as http:
        started = time.monotonic()
        assert http.get("/me").status_code == 200
        assert time.monotonic() - started >= 0.2


def test_fault_profile_chosen_per_run_by_config(emu):
    emu.world.config.fault_profile = "flaky"
    emu.world.reset()
    assert emu.world.faults.profile_name == "flaky"


def _outcomes(emu, token, profile: str, count: int = 60) -> list:
    emu.world.config.fault_profile = profile
    emu.world.config.slow_response_seconds = 0.01
    emu.world.config.timeout_hang_seconds = 0.3
    emu.world.reset()  # re-seeds the fault RNG
    outcomes = []
    with api_client(emu.base_url, emu.world.token_for("demo-seller")["access_token"]) as http:
        for _ in range(count):
            try:
                outcomes.append(http.get("/me", timeout=0.15).status_code)
            except httpx.TransportError as exc:
                outcomes.append(type(exc).__name__)
    return outcomes


def test_a_run_under_a_profile_is_reproducible_over_http(emu, token):
    first = _outcomes(emu, token, "chaos")
    assert first == _outcomes(emu, token, "chaos")
    assert {500, 503, 200} <= set(first)
    assert any(isinstance(o, str) for o in first)  # dropped or timed out
    emu.world.config.seed = 99
    assert _outcomes(emu, token, "chaos") != first


def test_empty_checkout_form_list_is_accepted_by_the_corrected_spec(client):
    assert client.get("/order/checkout-forms").json() == {"checkoutForms": [], "count": 0, "totalCount": 0}
