"""Batch endpoints: the 100-item limit (413, nothing applied), per-item errors, forced deletes."""

from __future__ import annotations

from .support import product_body


def test_over_the_limit_is_refused_and_nothing_applied(api, shop):
    existing = api.post("/products", json=product_body("B-0")).json()
    body = {"create": [product_body(f"B-{i}") for i in range(1, 60)],
            "update": [{"id": existing["id"], "name": "zmieniony"}] * 40,
            "delete": [existing["id"], 1]}
    answer = api.post("/products/batch", json=body)
    assert answer.status_code == 413
    assert answer.json()["code"] == "woocommerce_rest_request_entity_too_large"
    assert len(shop.world.catalog.items) == 1 and api.get(f"/products/{existing['id']}").json()["name"] == "Produkt B-0"
    shop.world.config.batch_limit = 150  # a shop owner who raised the filter
    assert api.post("/products/batch", json=body).status_code == 200


def test_one_hundred_items_are_fine(api, shop):
    answer = api.post("/products/batch", json={"create": [product_body(f"C-{i:03d}") for i in range(100)]})
    assert answer.status_code == 200
    created = answer.json()["create"]
    assert len(created) == 100 and [p["sku"] for p in created] == [f"C-{i:03d}" for i in range(100)]
    counters = shop.world.counters()
    assert counters["batch_requests"] == 1 and counters["batch_items"] == 100


def test_per_item_errors_leave_the_others_applied(api, shop):
    a = api.post("/products", json=product_body("P-A")).json()
    b = api.post("/products", json=product_body("P-B")).json()
    answer = api.post("/products/batch", json={
        "create": [product_body("P-C"), product_body("P-A"), product_body("P-D", regular_price="abc")],
        "update": [{"id": a["id"], "stock_quantity": 3}, {"id": 999999, "name": "nikt"},
                   {"id": b["id"], "sku": "P-C"}, {"name": "bez id"}],
        "delete": [b["id"], 888888],
    }).json()
    create, update, delete = answer["create"], answer["update"], answer["delete"]
    assert create[0]["sku"] == "P-C"
    assert create[1] == {"id": 0, "error": {"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.",
                                            "data": create[1]["error"]["data"]}}
    assert create[1]["error"]["data"]["status"] == 400
    assert create[2]["error"]["code"] == "rest_invalid_param"
    assert update[0]["stock_quantity"] == 3
    assert update[1] == {"id": 999999, "error": {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                                                 "data": {"status": 400}}}
    assert update[2]["id"] == b["id"] and update[2]["error"]["code"] == "product_invalid_sku"
    assert update[3]["id"] == 0 and update[3]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert delete[0]["id"] == b["id"] and "error" not in delete[0]
    assert delete[1]["id"] == 888888 and delete[1]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert api.get(f"/products/{b['id']}").status_code == 404  # batch deletes are forced (no trash)
    skus = sorted(p.sku for p in shop.world.catalog.items.values())
    assert skus == ["P-A", "P-C"]


def test_only_requested_sections_are_answered(api):
    answer = api.post("/products/batch", json={"create": [product_body("ONLY")]}).json()
    assert list(answer) == ["create"]
    bad = api.post("/products/batch", json={"update": "nope"})
    assert bad.status_code == 400


def test_variation_batch_with_a_foreign_id(api, shop):
    parent = api.post("/products", json={"name": "Var", "sku": "VB", "type": "variable"}).json()
    other = api.post("/products", json={"name": "Inny", "sku": "VO", "type": "variable"}).json()
    foreign = api.post(f"/products/{other['id']}/variations", json={"sku": "VO-1", "regular_price": "5"}).json()
    answer = api.post(f"/products/{parent['id']}/variations/batch", json={
        "create": [{"sku": f"VB-{i}", "regular_price": "10", "manage_stock": True, "stock_quantity": i} for i in range(3)],
        "update": [{"id": foreign["id"], "stock_quantity": 7, "manage_stock": True}],
    }).json()
    assert [v["sku"] for v in answer["create"]] == ["VB-0", "VB-1", "VB-2"]
    assert all(v["parent_id"] == parent["id"] for v in answer["create"])
    error = answer["update"][0]
    assert error["id"] == foreign["id"] and error["error"]["code"] == "woocommerce_rest_product_variation_invalid_id"
    assert api.get(f"/products/{other['id']}/variations/{foreign['id']}").json()["manage_stock"] is False
    first = answer["create"][0]["id"]
    update = api.post(f"/products/{parent['id']}/variations/batch",
                      json={"update": [{"id": first, "stock_quantity": 9}], "delete": [answer["create"][1]["id"]]}).json()
    assert update["update"][0]["stock_quantity"] == 9 and update["delete"][0]["sku"] == "VB-1"
    assert len(api.get(f"/products/{parent['id']}").json()["variations"]) == 2
    too_many = api.post(f"/products/{parent['id']}/variations/batch",
                        json={"create": [{"sku": f"T-{i}"} for i in range(101)]})
    assert too_many.status_code == 413 and len(api.get(f"/products/{parent['id']}").json()["variations"]) == 2
