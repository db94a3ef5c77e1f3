"""Publication / quantity / price commands and the bulk modification command."""

from __future__ import annotations

from .support import BETA, create_offer, json_write, new_id


def _criteria(*offer_ids: str) -> list[dict]:
    return [{"type": "CONTAINS_OFFERS", "offers": [{"id": i} for i in offer_ids]}]


def test_quantity_command_completes_asynchronously(emu, client, ean):
    offers = [create_offer(client, ean, sku=f"Q{i}", stock=5)["id"] for i in range(3)]
    command_id = new_id()
    body = {"modification": {"changeType": "GAIN", "value": -2}, "offerCriteria": _criteria(*offers)}
    created = json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{command_id}", body)
    assert created.status_code == 201
    report = created.json()
    assert report["id"] == command_id and report["completedAt"] is None
    assert report["taskCount"] == {"total": 3, "success": 0, "failed": 0}
    assert client.get(f"/sale/offer-quantity-change-commands/{command_id}/tasks").json()["tasks"][0]["status"] == "NEW"
    emu.clock.advance(emu.world.config.command_completion_seconds)
    done = client.get(f"/sale/offer-quantity-change-commands/{command_id}").json()
    assert done["completedAt"] and done["taskCount"] == {"total": 3, "success": 3, "failed": 0}
    assert client.get(f"/sale/product-offers/{offers[0]}/parts", params={"include": "stock"}).json()["stock"] == {
        "available": 3}


def test_reused_command_id_is_409_and_changes_nothing(emu, client, ean):
    offer = create_offer(client, ean, stock=5)["id"]
    command_id = new_id()
    body = {"modification": {"changeType": "FIXED", "value": 8}, "offerCriteria": _criteria(offer)}
    assert json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{command_id}", body).status_code == 201
    again = json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{command_id}", body)
    assert again.status_code == 409
    assert emu.world.limiter.sellers["46968690"].offer_changes == 1


def test_more_than_1000_offers_is_422(client):
    body = {"modification": {"changeType": "FIXED", "value": 1},
            "offerCriteria": _criteria(*[str(17_000_000_000 + i) for i in range(1001)])}
    response = json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{new_id()}", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "offerCriteria[0].offers"


def test_failed_tasks_are_reported_per_offer(emu, client, ean):
    good = create_offer(client, ean, stock=5)["id"]
    command_id = new_id()
    body = {"modification": {"changeType": "GAIN", "value": 99_999}, "offerCriteria": _criteria(good, "123")}
    json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{command_id}", body)
    emu.clock.advance(5)
    tasks = client.get(f"/sale/offer-quantity-change-commands/{command_id}/tasks").json()["tasks"]
    assert [t["status"] for t in tasks] == ["FAIL", "FAIL"]
    assert tasks[1]["errors"][0]["code"] == "NotFoundException"
    report = client.get(f"/sale/offer-quantity-change-commands/{command_id}").json()
    assert report["taskCount"] == {"total": 2, "success": 0, "failed": 2}


def test_price_command_variants(emu, client, ean):
    offer = create_offer(client, ean, price="100.00")["id"]
    steps = [({"type": "INCREASE_PERCENTAGE", "percentage": "10"}, "110.00"),
             ({"type": "DECREASE_PRICE", "value": {"amount": "0.01", "currency": "PLN"}}, "109.99"),
             ({"type": "FIXED_PRICE", "price": {"amount": "39.90", "currency": "PLN"}}, "39.90")]
    for modification, expected in steps:
        body = {"modification": modification, "offerCriteria": _criteria(offer)}
        assert json_write(client, "PUT", f"/sale/offer-price-change-commands/{new_id()}", body).status_code == 201
        emu.clock.advance(5)
        parts = client.get(f"/sale/product-offers/{offer}/parts", params={"include": "price"}).json()
        assert parts["sellingMode"]["price"]["amount"] == expected


def test_publication_command_ends_and_reactivates(emu, client, ean):
    offer = create_offer(client, ean)["id"]
    for action, status in (("END", "ENDED"), ("ACTIVATE", "ACTIVE")):
        body = {"publication": {"action": action}, "offerCriteria": _criteria(offer)}
        json_write(client, "PUT", f"/sale/offer-publication-commands/{new_id()}", body)
        emu.clock.advance(5)
        assert client.get(f"/sale/product-offers/{offer}").json()["publication"]["status"] == status


def test_activation_of_invalid_draft_fails_its_task(emu, client):
    belts = emu.world.catalog.leaf_named("Paski męskie").id
    body = {"productSet": [{"product": {"name": "Pasek", "category": {"id": belts}}}], "name": "Pasek skórzany czarny",
            "category": {"id": belts}, "stock": {"available": 1},
            "sellingMode": {"price": {"amount": "10.00", "currency": "PLN"}}, "publication": {"status": "INACTIVE"}}
    draft = json_write(client, "POST", "/sale/product-offers", body).json()["id"]
    command_id = new_id()
    json_write(client, "PUT", f"/sale/offer-publication-commands/{command_id}",
               {"publication": {"action": "ACTIVATE"}, "offerCriteria": _criteria(draft)})
    emu.clock.advance(5)
    task = client.get(f"/sale/offer-publication-commands/{command_id}/tasks").json()["tasks"][0]
    assert task["status"] == "FAIL" and task["errors"]


def test_bulk_modification_sets_stock_and_price(emu, client, ean):
    offer = create_offer(client, ean, stock=5, price="20.00")["id"]
    command_id = new_id()
    body = {"commandId": command_id, "modifications": [{
        "offerId": offer, "stock": {"changeType": "GAIN", "value": 3},
        "prices": {"allegro-pl": {"changeType": "FIXED", "value": {"amount": "25.00", "currency": "PLN"}}}}]}
    created = client.post("/sale/offer-bulk-modification-commands", json=body,
                          headers={"Content-Type": BETA, "Accept": BETA})
    assert created.status_code == 201 and created.json()["taskCount"]["total"] == 2
    emu.clock.advance(5)
    tasks = client.get(f"/sale/offer-bulk-modification-commands/{command_id}/tasks").json()["tasks"]
    assert {(t["subject"]["field"], t["status"]) for t in tasks} == {("stock", "SUCCESS"), ("prices", "SUCCESS")}
    parts = client.get(f"/sale/product-offers/{offer}/parts", params=[("include", "stock"), ("include", "price")])
    assert parts.json()["stock"]["available"] == 8
    assert parts.json()["sellingMode"]["price"]["amount"] == "25.00"
    too_many = {"commandId": new_id(), "modifications": [{"offerId": offer, "stock": {"changeType": "FIXED",
                                                                                      "value": 1}}] * 26}
    rejected = client.post("/sale/offer-bulk-modification-commands", json=too_many,
                           headers={"Content-Type": BETA, "Accept": BETA})
    assert rejected.status_code in (400, 422)


def test_commands_of_other_sellers_are_invisible(emu, client, ean):
    from .support import api_client

    offer = create_offer(client, ean)["id"]
    command_id = new_id()
    json_write(client, "PUT", f"/sale/offer-quantity-change-commands/{command_id}",
               {"modification": {"changeType": "FIXED", "value": 2}, "offerCriteria": _criteria(offer)})
    with api_client(emu.base_url, emu.world.token_for("second-seller")["access_token"]) as other:
        assert other.get(f"/sale/offer-quantity-change-commands/{command_id}").status_code == 404
