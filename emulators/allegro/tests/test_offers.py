"""Product-offers create/edit/read, validation rules, async operations, listing and filters."""

from __future__ import annotations

import httpx
import pytest

from .support import api_client, create_offer, json_write, offer_body


def _errors(response: httpx.Response) -> list[dict]:
    return response.json()["errors"]


def test_create_active_offer_from_ean(emu, client, ean):
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean, sku="TS-BLK-M"))
    assert response.status_code == 201
    offer = response.json()
    assert offer["publication"]["status"] == "ACTIVE"
    assert offer["external"] == {"id": "TS-BLK-M"}
    assert offer["sellingMode"]["price"] == {"amount": "49.99", "currency": "PLN"}
    assert offer["createdAt"].endswith("Z") and len(offer["createdAt"]) == 24
    product = emu.world.catalog.products_by_ean[ean][0]
    assert offer["productSet"][0]["product"]["id"] == product.id
    assert offer["category"]["id"] == product.category_id
    assert offer["validation"]["errors"] == []


@pytest.mark.parametrize(("change", "code", "path"), [
    ({"name": "Za krótki"}, "VALIDATION_ERROR", "name"),
    ({"name": "Koszulka " + "x" * 70}, "VALIDATION_ERROR", "name"),
    ({"stock": {"available": 100_000}}, "INCORRECT_QUANTITY_VALUE", "stock.available"),
    ({"images": [f"https://a.allegroimg.com/original/{i}" for i in range(16)]}, "TOO_MANY_IMAGES", "images"),
])
def test_create_refuses_invalid_offers(emu, client, ean, change, code, path):
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean, **change))
    assert response.status_code == 422
    assert (_errors(response)[0]["code"], _errors(response)[0]["path"]) == (code, path)
    assert emu.world.offers.created_count == 0


def test_offer_needs_a_leaf_category(emu, client, ean):
    moda = next(c for c in emu.world.catalog.categories.values() if c.name == "Moda")
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean, category={"id": moda.id}))
    assert response.status_code == 422 and _errors(response)[0]["code"] == "CATEGORY_MISMATCH"


def _own_product_body(category_id: str, **extra) -> dict:
    body = offer_body("", sku="OWN-1", **extra)
    body["productSet"] = [{"product": {"name": "Pasek skórzany brązowy 35 mm", "category": {"id": category_id},
                                       "parameters": [], "images": []}}]
    body["category"] = {"id": category_id}
    body["name"] = "Pasek skórzany brązowy 35 mm"
    return body


def test_required_parameters_and_gpsr_block_publication_but_not_drafts(emu, client):
    belts = emu.world.catalog.leaf_named("Paski męskie").id
    refused = json_write(client, "POST", "/sale/product-offers", _own_product_body(belts))
    assert refused.status_code == 422
    codes = {e["code"] for e in _errors(refused)}
    assert {"PARAMETER_MISMATCH", "PRODUCT_SAFETY_EMPTY"} <= codes
    draft = json_write(client, "POST", "/sale/product-offers", _own_product_body(belts, status="INACTIVE"))
    assert draft.status_code == 201
    assert draft.json()["publication"]["status"] == "INACTIVE"
    assert {e["code"] for e in draft.json()["validation"]["errors"]} == codes
    fixed = _own_product_body(belts, parameters=[
        {"id": "11323", "valuesIds": ["11323_1"]}, {"id": "3", "valuesIds": ["3_5"]},
        {"id": "21", "rangeValue": {"from": "85", "to": "110"}}])
    fixed["productSet"][0]["responsibleProducer"] = {"type": "NAME", "name": "Kruk i Syn"}
    fixed["productSet"][0]["safetyInformation"] = {"type": "TEXT", "description": "Nie dla dzieci do lat 3."}
    created = json_write(client, "POST", "/sale/product-offers", fixed)
    assert created.status_code == 201, created.text
    assert created.json()["publication"]["status"] == "ACTIVE"


def test_parameter_values_are_checked_against_the_category(emu, client):
    belts = emu.world.catalog.leaf_named("Paski męskie").id
    body = _own_product_body(belts, status="INACTIVE", parameters=[
        {"id": "11323", "valuesIds": ["11323_99"]}, {"id": "21", "rangeValue": {"from": "5", "to": "110"}}])
    draft = json_write(client, "POST", "/sale/product-offers", body).json()
    messages = " ".join(e["message"] for e in draft["validation"]["errors"])
    assert "11323_99" in messages and "between 30 and 160" in messages


def test_patch_changes_only_given_fields(emu, client, ean):
    offer = create_offer(client, ean)
    patched = json_write(client, "PATCH", f"/sale/product-offers/{offer['id']}", {"stock": {"available": 9}}).json()
    assert patched["stock"]["available"] == 9
    assert patched["sellingMode"] == offer["sellingMode"] and patched["name"] == offer["name"]
    rejected = json_write(client, "PATCH", f"/sale/product-offers/{offer['id']}", {"stock": {"available": -1}})
    assert rejected.status_code == 422
    assert client.get(f"/sale/product-offers/{offer['id']}").json()["stock"]["available"] == 9
    ended = json_write(client, "PATCH", f"/sale/product-offers/{offer['id']}", {"publication": {"status": "ENDED"}})
    assert ended.json()["publication"]["status"] == "ENDED"
    assert ended.json()["publication"]["endedBy"] == "USER"


def test_async_create_then_poll_operation_until_303(emu, client, ean):
    emu.world.config.product_offer_async_share = 1.0
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean))
    assert response.status_code == 202
    offer_id = response.json()["id"]  # the id is known at once, even on 202
    assert response.json()["publication"]["status"] == "ACTIVATING"
    assert int(response.headers["Retry-After"]) >= 1
    operation_path = response.headers["Location"].removeprefix(emu.base_url)
    assert operation_path.startswith(f"/sale/product-offers/{offer_id}/operations/")
    running = client.get(operation_path)
    assert running.status_code == 202 and running.json()["offer"]["id"] == offer_id
    busy = json_write(client, "PATCH", f"/sale/product-offers/{offer_id}", {"stock": {"available": 1}})
    assert busy.status_code == 409
    emu.clock.advance(emu.world.config.product_offer_operation_seconds)
    done = client.get(operation_path, follow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/sale/product-offers/{offer_id}")
    assert client.get(f"/sale/product-offers/{offer_id}").json()["publication"]["status"] == "ACTIVE"
    emu.world.config.product_offer_async_share = 0.0
    assert json_write(client, "PATCH", f"/sale/product-offers/{offer_id}", {"stock": {"available": 1}}).is_success


def test_operations_are_forgotten_after_a_week(emu, client, ean):
    emu.world.config.product_offer_async_share = 1.0
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean))
    operation_path = response.headers["Location"].removeprefix(emu.base_url)
    emu.clock.advance(2 * 24 * 3600)
    fresh = emu.world.token_for("demo-seller")["access_token"]
    with api_client(emu.base_url, fresh) as http:
        assert http.get(operation_path).status_code == 303
        emu.clock.advance(6 * 24 * 3600)
    with api_client(emu.base_url, emu.world.token_for("demo-seller")["access_token"]) as http:
        assert http.get(operation_path).status_code == 404


def test_parts_returns_stock_and_price_only(client, ean):
    offer = create_offer(client, ean, stock=7, price="12.30")
    parts = client.get(f"/sale/product-offers/{offer['id']}/parts", params={"include": ["stock", "price"]}).json()
    assert parts == {"id": offer["id"], "stock": {"available": 7},
                     "sellingMode": {"price": {"amount": "12.30", "currency": "PLN"}}}
    assert client.get(f"/sale/product-offers/{offer['id']}/parts").status_code == 400


def test_listing_filters_and_paging(emu, client, ean):
    for index in range(5):
        create_offer(client, ean, sku=f"SKU-{index}", status="ACTIVE" if index % 2 == 0 else "INACTIVE")
    listing = client.get("/sale/offers", params={"limit": 2}).json()
    assert listing["count"] == 2 and listing["totalCount"] == 5
    assert [o["external"]["id"] for o in listing["offers"]] == ["SKU-4", "SKU-3"]
    second_page = client.get("/sale/offers", params={"limit": 2, "offset": 4}).json()
    assert [o["external"]["id"] for o in second_page["offers"]] == ["SKU-0"]
    by_sku = client.get("/sale/offers", params=[("external.id", "SKU-1"), ("external.id", "SKU-2")]).json()
    assert {o["external"]["id"] for o in by_sku["offers"]} == {"SKU-1", "SKU-2"}
    active = client.get("/sale/offers", params={"publication.status": "ACTIVE"}).json()
    assert active["totalCount"] == 3
    assert client.get("/sale/offers", params={"limit": 1001}).status_code == 422
    too_many = [("external.id", f"S{i}") for i in range(101)]
    assert client.get("/sale/offers", params=too_many).status_code == 422
    with api_client(emu.base_url, emu.world.token_for("second-seller")["access_token"]) as other:
        assert other.get("/sale/offers").json()["totalCount"] == 0


def test_other_sellers_offer_is_not_accessible(emu, client, ean):
    offer = create_offer(client, ean)
    with api_client(emu.base_url, emu.world.token_for("second-seller")["access_token"]) as other:
        assert other.get(f"/sale/product-offers/{offer['id']}").status_code == 403


def test_only_drafts_can_be_deleted(client, ean):
    active = create_offer(client, ean)
    assert client.delete(f"/sale/offers/{active['id']}").status_code == 409
    draft = create_offer(client, ean, status="INACTIVE")
    assert client.delete(f"/sale/offers/{draft['id']}").status_code == 204
    assert client.get(f"/sale/product-offers/{draft['id']}").status_code == 404


def test_repeated_create_makes_a_second_offer(emu, client, ean):
    first, second = create_offer(client, ean, sku="SAME"), create_offer(client, ean, sku="SAME")
    assert first["id"] != second["id"]
    assert client.get("/sale/offers", params={"external.id": "SAME"}).json()["totalCount"] == 2


def test_rich_offer_round_trips_through_the_spec(emu, client, ean):
    """Many optional request fields at once; the hook validates request and response strictly."""
    extra = {
        "name": "Koszulka bawełniana czarna rozmiar M",
        "description": {"sections": [{"items": [{"type": "TEXT", "content": "<p>Miękka bawełna.</p>"}]}]},
        "location": {"countryCode": "PL", "province": "MAZOWIECKIE", "city": "Warszawa", "postCode": "00-001"},
        "payments": {"invoice": "VAT"},
        "delivery": {"handlingTime": "PT24H", "shippingRates": {"name": "Cennik standardowy"}},
        "afterSalesServices": {"returnPolicy": {"name": "Zwroty 14 dni"}, "impliedWarranty": {"name": "Rękojmia"}},
        "additionalMarketplaces": {"allegro-cz": {"sellingMode": {"price": {"amount": "55.00", "currency": "CZK"}}}},
        "discounts": {"wholesalePriceList": {"name": "Hurt"}},
        "contact": {"name": "Biuro"},
        "b2b": {"buyableOnlyByBusiness": False},
        "parameters": [{"id": "17", "valuesIds": ["17_1"]}, {"id": "18", "values": ["100% bawełna"]}],
        "language": "pl-PL",
        "messageToSellerSettings": {"mode": "OPTIONAL", "hint": "Napisz rozmiar"},
    }
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean, **extra))
    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["afterSalesServices"]["returnPolicy"]["id"]
    assert offer["discounts"]["wholesalePriceList"]["id"]
    assert offer["additionalMarketplaces"]["allegro-cz"]["sellingMode"]["price"]["currency"] == "CZK"
    parts = client.get(f"/sale/product-offers/{offer['id']}/parts", params={"include": "price"}).json()
    assert parts["additionalMarketplaces"]["allegro-cz"]["sellingMode"]["price"]["amount"] == "55.00"
    cleared = json_write(client, "PATCH", f"/sale/product-offers/{offer['id']}", {"messageToSellerSettings": None})
    assert "messageToSellerSettings" not in cleared.json() and cleared.json()["location"]["city"] == "Warszawa"
