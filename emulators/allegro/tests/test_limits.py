"""Rate limits with controlled time: per client id (block + extension), per seller, per resource."""

from __future__ import annotations

from .support import api_client, create_offer, json_write, new_id

RATE_LIMIT_BODY = {"errors": [{"code": "RateLimitExceedException", "message": "An error has occurred",
                               "details": None, "path": None, "userMessage": "Przekroczony limit zapytań."}]}


def test_client_limit_gives_429_then_a_60_second_block(emu, client):
    emu.world.config.limits.client_requests_per_minute = 5
    assert [client.get("/me").status_code for _ in range(5)] == [200] * 5
    refused = client.get("/me")
    assert refused.status_code == 429
    assert refused.json() == RATE_LIMIT_BODY
    assert refused.headers["content-type"] == "application/json"
    emu.clock.advance(59.9)
    assert client.get("/me").status_code == 429  # still blocked (and this call extends the block)
    emu.clock.advance(59.9)
    assert client.get("/me").status_code == 429  # extended: 59.9 s after the last call
    emu.clock.advance(60)
    assert client.get("/me").status_code == 200
    counters = emu.world.counters()["clients"]["magazynier-demo"]
    assert counters["served"] == 6 and counters["rejected"] == 3 and counters["peakPerMinute"] == 5


def test_block_expires_after_60_quiet_seconds(emu, client):
    emu.world.config.limits.client_requests_per_minute = 2
    client.get("/me"), client.get("/me")
    assert client.get("/me").status_code == 429
    emu.clock.advance(60)
    assert client.get("/me").status_code == 200


def test_client_limit_is_shared_by_all_sellers_of_the_app_but_not_other_apps(emu, client):
    emu.world.config.limits.client_requests_per_minute = 3
    second = emu.world.token_for("second-seller")["access_token"]
    other_app = emu.world.token_for("demo-seller", client_id="magazynier-second")["access_token"]
    client.get("/me"), client.get("/me")
    with api_client(emu.base_url, second) as http:
        assert http.get("/me").status_code == 200
        assert http.get("/me").status_code == 429
    with api_client(emu.base_url, other_app) as http:
        assert http.get("/me").status_code == 200


def test_window_slides(emu, client):
    emu.world.config.limits.client_requests_per_minute = 2
    client.get("/me")
    emu.clock.advance(30)
    client.get("/me")
    emu.clock.advance(30.5)  # the first request left the window
    assert client.get("/me").status_code == 200
    assert client.get("/me").status_code == 429


def _quantity(client, offers: list[str], command_id: str | None = None):
    body = {"modification": {"changeType": "FIXED", "value": 3},
            "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": [{"id": o} for o in offers]}]}
    return json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{command_id or new_id()}", body)


def test_seller_offer_changes_per_minute_and_per_hour(emu, client, ean):
    limits = emu.world.config.limits
    limits.seller_offer_changes_per_minute, limits.seller_offer_changes_per_hour = 4, 6
    offers = [create_offer(client, ean, sku=f"L{i}")["id"] for i in range(3)]
    assert _quantity(client, offers).status_code == 201
    refused = _quantity(client, offers[:2])  # 3 + 2 > 4 per minute
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "TooManyRequestsException"
    assert _quantity(client, offers[:1]).status_code == 201
    emu.clock.advance(61)
    assert _quantity(client, offers[:2]).status_code == 201  # 6 in the hour
    assert _quantity(client, offers[:1]).status_code == 429  # hour budget spent
    emu.clock.advance(3600)
    assert _quantity(client, offers[:1]).status_code == 201
    seller = emu.world.counters()["sellers"]["46968690"]
    assert seller["offerChanges"] == 7 and seller["peakOfferChangesPerMinute"] == 4
    assert seller["peakOfferChangesPerHour"] == 6


def test_price_changes_have_their_own_hourly_budget(emu, client, ean):
    emu.world.config.limits.seller_price_changes_per_hour = 2
    offer = create_offer(client, ean)["id"]
    body = {"modification": {"type": "FIXED_PRICE", "price": {"amount": "10.00", "currency": "PLN"}},
            "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": [{"id": offer}]}]}
    statuses = [json_write(client, "PUT", f"/sale/offer-price-change-commands/{new_id()}", body).status_code
                for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert _quantity(client, [offer]).status_code == 201  # other changes still allowed


def test_product_offer_patch_and_get_limits_per_seller(emu, client, ean):
    limits = emu.world.config.limits
    limits.product_offer_patch_per_minute, limits.product_offer_get_per_minute = 2, 3
    offer = create_offer(client, ean)["id"]
    patches = [json_write(client, "PATCH", f"/sale/product-offers/{offer}", {"stock": {"available": n}}).status_code
               for n in (1, 2, 3)]
    assert patches == [200, 200, 429]
    gets = [client.get(f"/sale/product-offers/{offer}").status_code for _ in range(4)]
    assert gets == [200, 200, 200, 429]
    emu.clock.advance(60)
    assert client.get(f"/sale/product-offers/{offer}").status_code == 200
    with api_client(emu.base_url, emu.world.token_for("second-seller")["access_token"]) as other:
        assert other.get(f"/sale/product-offers/{offer}").status_code == 403  # own bucket, not throttled


def test_admin_counters_over_http(emu, client):
    import httpx

    client.get("/me")
    counters = httpx.get(f"{emu.base_url}/__admin__/counters").json()
    assert counters["clients"]["magazynier-demo"]["served"] == 1


def test_parts_have_twice_the_budget_of_full_reads(emu, client, ean):
    limits = emu.world.config.limits
    assert limits.product_offer_parts_per_minute == 2 * limits.product_offer_get_per_minute
    limits.product_offer_parts_per_minute = 2
    offer = create_offer(client, ean)["id"]
    statuses = [client.get(f"/sale/product-offers/{offer}/parts", params={"include": "stock"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get(f"/sale/product-offers/{offer}").status_code == 200  # separate bucket


def test_product_search_slows_down_after_a_burst_when_enabled(emu, client):
    import time

    limits = emu.world.config.limits
    limits.products_fast_calls_per_minute, limits.products_slowdown_seconds = 3, 0.25
    durations = []
    for _ in range(4):
        started = time.monotonic()
        assert client.get("/sale/products", params={"phrase": "bluza"}).status_code == 200
        durations.append(time.monotonic() - started)
    assert max(durations[:3]) < 0.2 <= durations[3]
    emu.clock.advance(60)
    started = time.monotonic()
    client.get("/sale/products", params={"phrase": "bluza"})
    assert time.monotonic() - started < 0.2


def test_token_issuance_cap_per_user_when_enabled(emu):
    import httpx

    from .support import basic

    emu.world.config.limits.tokens_per_user_per_hour = 2
    first = emu.world.token_for("demo-seller")
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    answer = httpx.post(f"{emu.base_url}/auth/oauth/token", params=refresh, headers=basic())
    assert answer.status_code == 200
    newest = answer.json()["refresh_token"]
    answer = httpx.post(f"{emu.base_url}/auth/oauth/token", params=refresh, headers=basic())
    assert answer.status_code == 429 and answer.json()["error"] == "too_many_requests"
    emu.world.token_for("second-seller")  # other users are not affected
    emu.clock.advance(3600)
    later = httpx.post(f"{emu.base_url}/auth/oauth/token", params={
        "grant_type": "refresh_token", "refresh_token": newest}, headers=basic())
    assert later.status_code == 200
