"""Fault injection (seeded): hosting errors, 429 bursts, dropped connections, timeouts, webhook faults."""

from __future__ import annotations

import json

import httpx
import pytest

from emulators.woocommerce.faults import PROFILES, FaultInjector

from .support import api_client, product_body


def test_decisions_are_reproducible_from_the_seed():
    def run(seed: int) -> list:
        injector = FaultInjector("chaos", seed)
        return [injector.decide() for _ in range(400)], [tuple(injector.webhook_fate().values()) for _ in range(50)]

    assert run(3) == run(3)
    assert run(3) != run(4)
    decisions = run(3)[0]
    assert {"error500", "error502", "error503", "slow", "timeout", "drop", "throttle"} <= set(decisions)
    assert set(PROFILES) == {"none", "flaky", "chaos", "lost-webhooks"}
    with pytest.raises(ValueError, match="known"):
        FaultInjector("nope")


def test_same_seed_same_answers_over_http(shop, api):
    def statuses() -> list[int]:
        shop.world.reset()
        shop.world.set_fault_profile({"error_share": 0.3, "burst_429_share": 0.05, "burst_429_length": 2})
        return [api.get("/products").status_code for _ in range(40)]

    first = statuses()
    assert first == statuses()
    assert {200, 429} <= set(first) and set(first) & {500, 502, 503}


def test_hosting_errors_are_html_or_wordpress_json(shop, api):
    shop.world.set_fault_profile({"error_share": 1.0})
    answers = [api.get("/products") for _ in range(30)]
    by_status = {a.status_code: a for a in answers}
    assert set(by_status) == {500, 502, 503}
    assert by_status[500].json()["code"] == "internal_server_error"
    assert by_status[502].headers["content-type"].startswith("text/html") and "nginx" in by_status[502].text
    assert by_status[503].headers["content-type"].startswith("text/html")
    admin = httpx.get(f"{shop.base_url}/__admin__/state")
    assert admin.status_code == 200  # the admin API is never faulted
    assert shop.world.counters()["faults_injected"]["error500"] >= 1


def test_waf_throttling_bursts(shop, api):
    shop.world.set_fault_profile({"burst_429_share": 1.0, "burst_429_length": 3, "retry_after_seconds": 7})
    first = api.get("/products")
    assert first.status_code == 429 and first.headers["retry-after"] == "7"
    shop.world.set_fault_profile("none")
    assert [api.get("/products").status_code for _ in range(3)] == [429, 429, 200]


def test_dropped_connection_does_not_process_the_request(shop, api):
    shop.world.set_fault_profile({"drop_share": 1.0})
    with pytest.raises(httpx.TransportError):
        api.post("/products", json=product_body("DROP"))
    shop.world.set_fault_profile("none")
    assert shop.world.catalog.items == {}


def test_answer_dropped_after_processing(shop, api):
    httpx.post(f"{shop.base_url}/__admin__/faults/drop-next", json={"method": "POST", "path": "/wp-json/wc/v3/products"})
    with pytest.raises(httpx.TransportError):
        api.post("/products", json=product_body("LOST-ANSWER"))
    found = api.get("/products", params={"sku": "LOST-ANSWER"}).json()
    assert len(found) == 1  # created: a careful client looks it up before retrying


def test_slow_answers_and_timeouts(shop):
    shop.world.config.slow_response_seconds = 0.3
    shop.world.config.timeout_hang_seconds = 0.5
    shop.world.set_fault_profile({"timeout_share": 1.0})
    with api_client(shop.rest_url) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/products", timeout=0.2)
    shop.world.set_fault_profile({"slow_share": 1.0})
    with api_client(shop.rest_url) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/products", timeout=0.1)
        assert client.get("/products", timeout=2).status_code == 200


def test_request_latency(shop, api):
    shop.world.config.request_latency_seconds = 0.2
    assert api.get("/products").elapsed.total_seconds() >= 0.2


def test_admin_fault_profiles(shop):
    answer = httpx.post(f"{shop.base_url}/__admin__/faults", json={"profile": "lost-webhooks"}).json()
    assert answer["profile"] == "lost-webhooks" and answer["settings"]["webhook_drop_share"] == 0.5
    custom = httpx.post(f"{shop.base_url}/__admin__/faults", json={"error_share": 0.1}).json()
    assert custom["profile"] == "custom" and custom["settings"]["error_share"] == 0.1
    assert httpx.post(f"{shop.base_url}/__admin__/faults", json={"profile": "nope"}).status_code == 400
    assert httpx.post(f"{shop.base_url}/__admin__/faults", json={"bogus": 1}).status_code == 400


def _hook(api, receiver, topic="product.created") -> dict:
    return api.post("/webhooks", json={"topic": topic, "delivery_url": receiver.url, "secret": "s"}).json()


def test_lost_webhooks_drops_deliveries(shop, api, receiver):
    _hook(api, receiver)
    shop.world.set_fault_profile("lost-webhooks")
    api.post("/products/batch", json={"create": [product_body(f"LW-{i}") for i in range(40)]})
    shop.world.wait_for_deliveries()
    counters = shop.world.counters()
    dropped = counters["webhook_deliveries_dropped"]
    assert 8 <= dropped <= 32 and len(receiver.deliveries) == 40 - dropped
    assert counters["webhook_deliveries_ok"] == 40 - dropped
    assert sum(1 for e in shop.world.deliveries if e["outcome"] == "dropped") == dropped
    assert shop.world.faults.injected["webhook_drop"] == dropped


def test_duplicated_and_delayed_deliveries(shop, api, receiver):
    _hook(api, receiver)
    shop.world.set_fault_profile({"webhook_duplicate_share": 1.0})
    product = api.post("/products", json=product_body("TWICE")).json()
    shop.world.wait_for_deliveries()
    first, second = receiver.deliveries
    assert first.body == second.body and json.loads(first.body)["id"] == product["id"]
    assert first.headers["x-wc-webhook-delivery-id"] == second.headers["x-wc-webhook-delivery-id"]
    assert shop.world.counters()["webhook_deliveries_duplicated"] == 1
    receiver.clear()
    shop.world.set_fault_profile({"webhook_delay_seconds_max": 0.6})
    created = [api.post("/products", json=product_body(f"LATE-{i}")).json()["id"] for i in range(8)]
    shop.world.wait_for_deliveries()
    arrived = [json.loads(d.body)["id"] for d in receiver.deliveries]
    assert sorted(arrived) == created and arrived != created  # all arrive, not in order
