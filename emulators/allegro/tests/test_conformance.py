"""The strict spec checker itself, and a tour through every implemented operation with validation."""

from __future__ import annotations

import copy

import pytest

from conformance.allegro_openapi import ConformanceError, check_request, check_response, strict_spec
from emulators.allegro.operations import IMPLEMENTED_OPERATIONS

from .support import BETA, PUBLIC, VALIDATED_OPERATIONS, api_client, create_offer, json_write, new_id

URL = "http://127.0.0.1:9/"
VENDOR = {"content-type": PUBLIC}


def test_checker_accepts_a_correct_response_and_rejects_unknown_fields_and_wrong_types():
    me = {"id": "1", "login": "demo", "baseMarketplace": {"id": "allegro-pl"},
          "company": {"name": None, "taxId": None}}
    check_response("GET", URL + "me", 200, VENDOR, me)
    with pytest.raises(ConformanceError, match="bogus"):
        check_response("GET", URL + "me", 200, VENDOR, {**me, "bogus": 1})
    with pytest.raises(ConformanceError, match="not of type"):
        check_response("GET", URL + "me", 200, VENDOR, {**me, "id": 1})
    with pytest.raises(ConformanceError, match="unexpected"):
        check_response("GET", URL + "me", 200, VENDOR, {**me, "company": {"name": "x", "vat": "1"}})


def test_checker_is_strict_inside_allof_compositions():
    offer = {"id": "1", "name": "Koszulka bawełniana czarna", "stock": {"available": 1, "unit": "UNIT"},
             "sellingMode": {"format": "BUY_NOW", "price": {"amount": "1.00", "currency": "PLN"}}}
    check_response("GET", URL + "sale/product-offers/1", 200, VENDOR, offer)
    with pytest.raises(ConformanceError, match="surprise"):
        check_response("GET", URL + "sale/product-offers/1", 200, VENDOR, {**offer, "surprise": True})
    with pytest.raises(ConformanceError):
        bad = copy.deepcopy(offer)
        bad["sellingMode"]["price"]["amount"] = 1.0
        check_response("GET", URL + "sale/product-offers/1", 200, VENDOR, bad)


def test_checker_dispatches_discriminated_category_parameters():
    param = {"id": "4", "name": "Rozmiar", "type": "dictionary", "required": True,
             "restrictions": {"multipleChoices": False}, "dictionary": [{"id": "4_1", "value": "S"}]}
    check_response("GET", URL + "sale/categories/1/parameters", 200, VENDOR, {"parameters": [param]})
    with pytest.raises(ConformanceError):
        check_response("GET", URL + "sale/categories/1/parameters", 200, VENDOR,
                       {"parameters": [{**param, "colour": "red"}]})
    with pytest.raises(ConformanceError):
        # integer restrictions on a dictionary parameter
        check_response("GET", URL + "sale/categories/1/parameters", 200, VENDOR,
                       {"parameters": [{**param, "restrictions": {"min": 1}}]})


def test_checker_validates_request_bodies():
    headers = {"Content-Type": PUBLIC, "Accept": PUBLIC}
    body = {"modification": {"changeType": "FIXED", "value": 3},
            "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": [{"id": "1"}]}]}
    check_request("PUT", URL + "sale/offer-quantity-change-commands/x", headers, body)
    with pytest.raises(ConformanceError):
        check_request("PUT", URL + "sale/offer-quantity-change-commands/x", headers,
                      {**body, "modification": {"changeType": "FIXED", "value": "3"}})
    with pytest.raises(ConformanceError):
        check_request("PUT", URL + "sale/offer-quantity-change-commands/x", headers, {**body, "extra": 1})


def test_strict_spec_closes_most_object_schemas():
    schemas = strict_spec()["components"]["schemas"]
    closed = sum(1 for s in schemas.values() if s.get("additionalProperties") is False)
    assert closed > 0.75 * len(schemas)
    assert not any("allOf" in s for s in schemas.values())


def test_tour_of_every_implemented_operation(emu, client, ean):
    """Exercise every implemented operation; each exchange is validated by the client's hook."""
    world = emu.world
    assert client.get("/me").status_code == 200
    assert client.get("/sale/categories").status_code == 200
    tshirts = world.catalog.leaf_named("Koszulki").id
    assert client.get(f"/sale/categories/{tshirts}").status_code == 200
    assert client.get(f"/sale/categories/{tshirts}/parameters").status_code == 200
    assert client.get("/sale/matching-categories", params={"name": "koszulka"}).status_code == 200
    products = client.get("/sale/products", params={"phrase": ean, "mode": "GTIN"}).json()["products"]
    assert client.get(f"/sale/products/{products[0]['id']}").status_code == 200

    offer = create_offer(client, ean, sku="TOUR-1")
    offer_id = offer["id"]
    assert client.get(f"/sale/product-offers/{offer_id}").status_code == 200
    assert json_write(client, "PATCH", f"/sale/product-offers/{offer_id}",
                      {"sellingMode": {"price": {"amount": "59.00", "currency": "PLN"}}}).status_code == 200
    assert client.get(f"/sale/product-offers/{offer_id}/parts",
                      params={"include": ["stock", "price"]}).status_code == 200
    assert client.get("/sale/offers", params={"external.id": "TOUR-1"}).json()["count"] == 1

    world.config.product_offer_async_share = 1.0
    pending = json_write(client, "PATCH", f"/sale/product-offers/{offer_id}", {"name": "Koszulka na lato XL"})
    assert pending.status_code == 202
    operation_url = pending.headers["Location"].removeprefix(emu.base_url)
    assert client.get(operation_url).status_code == 202
    emu.clock.advance(world.config.product_offer_operation_seconds)
    assert client.get(operation_url).status_code == 303
    world.config.product_offer_async_share = 0.0

    draft = create_offer(client, ean, sku="TOUR-DRAFT", status="INACTIVE")
    assert client.delete(f"/sale/offers/{draft['id']}").status_code == 204

    criteria = [{"type": "CONTAINS_OFFERS", "offers": [{"id": offer_id}]}]
    commands = {
        "offer-quantity-change-commands": {"modification": {"changeType": "GAIN", "value": 2},
                                           "offerCriteria": criteria},
        "offer-price-change-commands": {"modification": {"type": "FIXED_PRICE",
                                                         "price": {"amount": "61.50", "currency": "PLN"}},
                                        "offerCriteria": criteria},
        "offer-publication-commands": {"publication": {"action": "END"}, "offerCriteria": criteria},
    }
    for path, body in commands.items():
        command_id = new_id()
        assert json_write(client, "PUT", f"/sale/{path}/{command_id}", body).status_code == 201
        emu.clock.advance(world.config.command_completion_seconds)
        assert client.get(f"/sale/{path}/{command_id}").json()["completedAt"] is not None
        assert client.get(f"/sale/{path}/{command_id}/tasks").json()["tasks"][0]["status"] == "SUCCESS"
    bulk_id = new_id()
    bulk = {"commandId": bulk_id, "modifications": [{"offerId": offer_id,
                                                      "stock": {"changeType": "FIXED", "value": 4}}]}
    response = client.post("/sale/offer-bulk-modification-commands", json=bulk,
                           headers={"Content-Type": BETA, "Accept": BETA})
    assert response.status_code == 201
    emu.clock.advance(world.config.command_completion_seconds)
    assert client.get(f"/sale/offer-bulk-modification-commands/{bulk_id}").status_code == 200
    assert client.get(f"/sale/offer-bulk-modification-commands/{bulk_id}/tasks").status_code == 200
    assert client.get("/sale/offer-events").json()["offerEvents"]

    live = create_offer(client, ean, sku="TOUR-2")
    form_id = world.purchase(live["id"], 1)
    assert client.get("/order/events").json()["events"]
    assert client.get("/order/event-stats").status_code == 200
    assert client.get("/order/checkout-forms").json()["count"] == 1
    # a cart of two offers with a company invoice, cash on delivery and a parcel locker
    extra = create_offer(client, ean, sku="TOUR-3", taxSettings={"rates": [{"rate": "8.00", "countryCode": "PL"}],
                                                                 "subject": "GOODS"})
    cart_id = world.purchase_cart([(live["id"], 1), (extra["id"], 2)], payment_type="CASH_ON_DELIVERY",
                                  invoice_company=True, pickup_point=True)
    cart = client.get(f"/order/checkout-forms/{cart_id}").json()
    assert len(cart["lineItems"]) == 2 and cart["delivery"]["pickupPoint"] and cart["invoice"]["required"]
    assert client.get("/order/checkout-forms", params={"sort": "updatedAt"}).json()["count"] == 2
    form = client.get(f"/order/checkout-forms/{form_id}").json()
    assert json_write(client, "PUT", f"/order/checkout-forms/{form_id}/fulfillment", {"status": "PROCESSING"},
                      params={"checkoutForm.revision": form["revision"]}).status_code == 204
    assert client.get("/order/carriers").status_code == 200
    assert json_write(client, "POST", f"/order/checkout-forms/{form_id}/shipments",
                      {"carrierId": "INPOST", "waybill": "620000000000000000000001"}).status_code == 201
    assert client.get(f"/order/checkout-forms/{form_id}/shipments").status_code == 200
    invoice = json_write(client, "POST", f"/order/checkout-forms/{form_id}/invoices",
                         {"file": {"name": "FV-1-2026.pdf"}, "invoiceNumber": "FV 1/2026"}).json()
    assert client.put(f"/order/checkout-forms/{form_id}/invoices/{invoice['id']}/file", content=b"%PDF-1.7\n",
                      headers={"Content-Type": "application/pdf"}).status_code == 200
    assert client.get(f"/order/checkout-forms/{form_id}/invoices").status_code == 200

    missing = IMPLEMENTED_OPERATIONS - VALIDATED_OPERATIONS
    assert not missing, f"operations never validated: {sorted(missing)}"


def test_error_responses_conform(emu, token):
    with api_client(emu.base_url, token) as http:
        assert http.get("/sale/product-offers/1").status_code == 404
        assert http.get("/no/such/path").json()["errors"][0]["code"] == "NotFoundException"
    with api_client(emu.base_url, "not-a-token") as http:
        assert http.get("/me").status_code == 401
