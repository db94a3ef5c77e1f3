"""Webhooks: ping on create/activation, signed asynchronous deliveries, PHP-style JSON, auto-disable
after more than 5 consecutive failures, deleted payloads, which changes fire which topic."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs

import httpx

from .support import product_body

SECRET = "tajny-klucz-ĄĘ/+"


def _hook(api, receiver, topic: str, **extra) -> dict:
    answer = api.post("/webhooks", json={"name": topic, "topic": topic, "delivery_url": receiver.url,
                                         "secret": SECRET, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _expected_signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode()


def test_ping_on_create_is_an_unsigned_form_post(api, receiver, shop):
    hook = _hook(api, receiver, "order.created")
    assert hook["status"] == "active" and hook["resource"] == "order" and hook["event"] == "created"
    assert "secret" not in hook and hook["delivery_url"] == receiver.url
    assert "woocommerce_new_order" in hook["hooks"]
    [ping] = receiver.pings
    assert parse_qs(ping.body.decode()) == {"webhook_id": [str(hook["id"])]}
    assert ping.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "x-wc-webhook-signature" not in ping.headers
    assert api.get(f"/webhooks/{hook['id']}").json()["topic"] == "order.created"
    paused = _hook(api, receiver, "order.updated", status="paused")
    assert paused["status"] == "paused" and len(receiver.pings) == 1  # no ping unless active


def test_create_fails_when_the_ping_fails(api, receiver, shop):
    receiver.ping_status = 500
    answer = api.post("/webhooks", json={"topic": "order.created", "delivery_url": receiver.url})
    assert answer.status_code == 400
    assert answer.json()["code"] == "woocommerce_rest_webhook_delivery_failed"
    assert "Delivery URL returned response code: 500" in answer.json()["message"]
    assert api.get("/webhooks").json() == [] and shop.world.webhooks == {}
    unreachable = api.post("/webhooks", json={"topic": "order.created", "delivery_url": "http://127.0.0.1:9/nothing"})
    assert unreachable.status_code == 400 and unreachable.json()["code"] == "woocommerce_rest_webhook_delivery_failed"


def test_invalid_topic_and_url(api, receiver):
    for topic in ("order.shipped", "invoice.created", "", None, "customer.restored"):
        answer = api.post("/webhooks", json={"topic": topic, "delivery_url": receiver.url})
        assert answer.status_code == 400 and answer.json()["code"] == "woocommerce_rest_webhook_invalid_topic", topic
    bad_url = api.post("/webhooks", json={"topic": "order.created", "delivery_url": "ftp://x"})
    assert bad_url.json()["code"] == "woocommerce_rest_webhook_invalid_delivery_url"
    assert receiver.requests == []


def test_signed_delivery_over_raw_bytes(api, receiver, shop):
    hook = _hook(api, receiver, "product.created")
    product = api.post("/products", json=product_body("WH/1", name="Żółta koszulka / XL")).json()
    [delivery] = receiver.wait_for(1)
    headers = delivery.headers
    assert headers["x-wc-webhook-signature"] == _expected_signature(delivery.body)
    assert headers["content-type"] == "application/json"
    assert headers["x-wc-webhook-topic"] == "product.created" and headers["x-wc-webhook-resource"] == "product"
    assert headers["x-wc-webhook-event"] == "created" and headers["x-wc-webhook-id"] == str(hook["id"])
    assert headers["x-wc-webhook-source"] == shop.base_url + "/"
    assert headers["user-agent"].startswith("WooCommerce/9.4.") and "Hookshot (WordPress/6.7" in headers["user-agent"]
    assert len(headers["x-wc-webhook-delivery-id"]) == 32
    body = delivery.body
    assert b"WH\\/1" in body and b"\\u017b\\u00f3\\u0142ta" in body and b'": ' not in body
    payload = json.loads(body)
    assert payload == api.get(f"/products/{product['id']}").json()
    reserialised = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert _expected_signature(reserialised) != headers["x-wc-webhook-signature"]  # sign the raw bytes


def test_which_changes_fire_which_topics(api, receiver, shop):
    topics = ("product.created", "product.updated", "product.deleted", "order.created", "order.updated",
              "order.deleted")
    hooks = {t: _hook(api, receiver, t)["id"] for t in topics}
    product = api.post("/products", json=product_body("FIRE", stock_quantity=5)).json()
    shop.world.wait_for_deliveries()
    order = httpx.post(f"{shop.base_url}/__admin__/purchase", json={"items": [{"sku": "FIRE", "quantity": 2}]}).json()
    shop.world.wait_for_deliveries()
    api.post(f"/orders/{order['id']}/notes", json={"note": "notatka"})  # no webhook
    shop.world.wait_for_deliveries()
    api.put(f"/orders/{order['id']}", json={"status": "completed"})
    shop.world.wait_for_deliveries()
    api.delete(f"/products/{product['id']}", params={"force": "true"})
    shop.world.wait_for_deliveries()
    seen = [(d.headers["x-wc-webhook-topic"], json.loads(d.body)["id"]) for d in receiver.deliveries]
    assert seen == [("product.created", product["id"]),
                    ("order.created", order["id"]), ("product.updated", product["id"]),  # the sale lowered stock
                    ("order.updated", order["id"]),
                    ("product.deleted", product["id"])]
    deleted = receiver.deliveries[-1]
    assert json.loads(deleted.body) == {"id": product["id"]}
    assert deleted.headers["x-wc-webhook-id"] == str(hooks["product.deleted"])
    stock_update = json.loads(receiver.deliveries[2].body)
    assert stock_update["stock_quantity"] == 3


def test_variation_stock_change_fires_product_updated_with_the_variation(api, receiver, shop):
    parent = api.post("/products", json={"name": "Bluza", "sku": "VW", "type": "variable"}).json()
    variation = api.post(f"/products/{parent['id']}/variations",
                         json={"sku": "VW-M", "regular_price": "80", "manage_stock": True, "stock_quantity": 3}).json()
    _hook(api, receiver, "product.updated")
    httpx.post(f"{shop.base_url}/__admin__/products/{parent['id']}/variations/{variation['id']}/stock",
               json={"quantity": 8})
    shop.world.wait_for_deliveries()
    [delivery] = receiver.deliveries
    payload = json.loads(delivery.body)
    assert payload["id"] == variation["id"] and payload["type"] == "variation"
    assert payload["parent_id"] == parent["id"] and payload["stock_quantity"] == 8


def test_disabled_after_more_than_five_failures_and_reactivated(api, receiver, shop):
    hook = _hook(api, receiver, "product.updated")
    product = api.post("/products", json=product_body("FAIL")).json()
    receiver.delivery_status = 500
    for attempt in range(1, 7):
        api.put(f"/products/{product['id']}", json={"name": f"próba {attempt}"})
        shop.world.wait_for_deliveries()
        expected = "active" if attempt <= 5 else "disabled"
        assert api.get(f"/webhooks/{hook['id']}").json()["status"] == expected, attempt
    assert len(receiver.deliveries) == 6
    api.put(f"/products/{product['id']}", json={"name": "while disabled"})
    shop.world.wait_for_deliveries()
    assert len(receiver.deliveries) == 6  # nothing while disabled
    receiver.delivery_status = 200
    reactivated = api.put(f"/webhooks/{hook['id']}", json={"status": "active"})
    assert reactivated.status_code == 200 and reactivated.json()["status"] == "active"
    assert len(receiver.pings) == 2
    api.put(f"/products/{product['id']}", json={"name": "znowu"})
    receiver.wait_for(7)
    shop.world.wait_for_deliveries()
    log = shop.world.deliveries
    assert [e["outcome"] for e in log] == ["failed"] * 6 + ["delivered"]
    assert shop.world.webhooks[hook["id"]].failure_count == 0
    counters = httpx.get(f"{shop.base_url}/__admin__/counters").json()
    assert counters["webhook_deliveries_failed"] == 6 and counters["webhook_deliveries_ok"] == 1
    assert counters["webhooks_disabled"] == 1


def test_reactivation_fails_when_the_ping_fails(api, receiver, shop):
    hook = _hook(api, receiver, "order.updated", status="paused")
    receiver.ping_status = 404
    answer = api.put(f"/webhooks/{hook['id']}", json={"status": "active"})
    assert answer.status_code == 400 and "response code: 404" in answer.json()["message"]
    assert api.get(f"/webhooks/{hook['id']}").json()["status"] == "paused"


def test_redirect_counts_as_success(api, receiver, shop):
    _hook(api, receiver, "product.created")
    receiver.delivery_status = 302
    api.post("/products", json=product_body("REDIR"))
    shop.world.wait_for_deliveries()
    assert [e["outcome"] for e in shop.world.deliveries] == ["delivered"]
    assert len(receiver.deliveries) == 1  # not followed


def test_changes_waiting_for_delivery_are_coalesced(api, receiver, shop):
    shop.world.config.webhook_delay_seconds = 0.3
    _hook(api, receiver, "product.updated")
    product = api.post("/products", json=product_body("COAL")).json()
    for name in ("a", "b", "c"):
        api.put(f"/products/{product['id']}", json={"name": name})
    shop.world.wait_for_deliveries()
    [delivery] = receiver.deliveries
    assert json.loads(delivery.body)["name"] == "c"  # built when sent: the latest state


def test_drafts_are_not_delivered_and_webhook_crud(api, receiver, shop):
    hook = _hook(api, receiver, "order.created")
    api.post("/orders", json={"status": "checkout-draft"})
    shop.world.wait_for_deliveries()
    assert receiver.deliveries == []
    listing = api.get("/webhooks")
    assert listing.headers["x-wp-total"] == "1"
    renamed = api.put(f"/webhooks/{hook['id']}", json={"name": "nowa nazwa", "secret": "inny"}).json()
    assert renamed["name"] == "nowa nazwa" and "secret" not in renamed
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 501
    assert api.delete(f"/webhooks/{hook['id']}", params={"force": "true"}).status_code == 200
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404


def test_deliveries_log_over_the_admin_api(api, receiver, shop):
    _hook(api, receiver, "product.created")
    api.post("/products", json=product_body("LOG-1"))
    api.post("/products", json=product_body("LOG-2"))
    shop.world.wait_for_deliveries()
    log = httpx.get(f"{shop.base_url}/__admin__/webhooks/deliveries", params={"limit": 1}).json()["deliveries"]
    assert len(log) == 1
    entry = log[0]
    assert entry["topic"] == "product.created" and entry["status"] == 200 and entry["outcome"] == "delivered"
    assert entry["body_size"] > 100 and entry["delivery_id"]


def test_webhook_batch(api, receiver, shop):
    existing = _hook(api, receiver, "order.updated")
    answer = api.post("/webhooks/batch", json={
        "create": [{"topic": "product.updated", "delivery_url": receiver.url}, {"topic": "nope", "delivery_url": receiver.url}],
        "update": [{"id": existing["id"], "status": "paused"}],
        "delete": [existing["id"] + 100],
    }).json()
    assert answer["create"][0]["topic"] == "product.updated" and answer["create"][0]["api_version"] == "wp_api_v3"
    assert answer["create"][1]["error"]["code"] == "woocommerce_rest_webhook_invalid_topic"
    assert answer["update"][0]["status"] == "paused"
    assert answer["delete"][0]["error"]["code"] == "woocommerce_rest_webhook_invalid_id"
    assert len(receiver.pings) == 2
