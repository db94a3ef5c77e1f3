"""Variations: own stock, stock managed by the parent ("parent"), selling from the parent."""

from __future__ import annotations

import httpx

from .support import product_body


def _variable(api, sku: str, **extra) -> dict:
    body = {"name": f"Bluza {sku}", "sku": sku, "type": "variable",
            "attributes": [{"name": "Rozmiar", "options": ["S", "M", "L"], "variation": True, "visible": True}]}
    body.update(extra)
    return api.post("/products", json=body).json()


def test_variation_with_own_stock(api):
    parent = _variable(api, "BLUZA")
    created = api.post(f"/products/{parent['id']}/variations",
                       json={"sku": "BLUZA-S", "regular_price": "99.00", "manage_stock": True, "stock_quantity": 4,
                             "attributes": [{"name": "Rozmiar", "option": "S"}]})
    assert created.status_code == 201
    variation = created.json()
    assert variation["parent_id"] == parent["id"] and variation["type"] == "variation"
    assert (variation["manage_stock"], variation["stock_quantity"], variation["stock_status"]) == (True, 4, "instock")
    assert variation["attributes"] == [{"id": 0, "name": "Rozmiar", "option": "S"}]
    assert variation["name"] == "Bluza BLUZA - S" and variation["price"] == "99.00"
    product = api.get(f"/products/{parent['id']}").json()
    assert product["variations"] == [variation["id"]] and product["price"] == "99.00"
    assert product["regular_price"] == "" and product["stock_status"] == "instock"
    through_products = api.get(f"/products/{variation['id']}").json()
    assert through_products["type"] == "variation" and through_products["sku"] == "BLUZA-S"
    listing = api.get(f"/products/{parent['id']}/variations")
    assert listing.headers["x-wp-total"] == "1" and listing.json()[0]["id"] == variation["id"]
    zero = api.put(f"/products/{parent['id']}/variations/{variation['id']}", json={"stock_quantity": 0}).json()
    assert zero["stock_status"] == "outofstock"
    assert api.get(f"/products/{parent['id']}").json()["stock_status"] == "outofstock"  # synced from children


def test_parent_managed_stock_reads_as_parent_and_sells_from_parent(api, shop):
    parent = _variable(api, "PM", manage_stock=True, stock_quantity=6)
    variation = api.post(f"/products/{parent['id']}/variations",
                         json={"sku": "PM-M", "regular_price": "50", "attributes": [{"name": "Rozmiar", "option": "M"}],
                               "stock_quantity": 99}).json()
    assert variation["manage_stock"] == "parent" and variation["stock_quantity"] == 6
    ignored = api.put(f"/products/{parent['id']}/variations/{variation['id']}", json={"stock_quantity": 1}).json()
    assert ignored["stock_quantity"] == 6  # not managed by the variation: ignored
    order = httpx.post(f"{shop.base_url}/__admin__/purchase", json={"items": [{"sku": "PM-M", "quantity": 2}]})
    assert order.status_code == 201
    assert api.get(f"/products/{parent['id']}").json()["stock_quantity"] == 4
    assert api.get(f"/products/{parent['id']}/variations/{variation['id']}").json()["stock_quantity"] == 4
    refused = httpx.post(f"{shop.base_url}/__admin__/purchase", json={"items": [{"sku": "PM-M", "quantity": 5}]})
    assert refused.status_code == 409
    own = api.put(f"/products/{parent['id']}/variations/{variation['id']}",
                  json={"manage_stock": True, "stock_quantity": 2}).json()
    assert (own["manage_stock"], own["stock_quantity"]) == (True, 2)


def test_variation_errors(api):
    parent = _variable(api, "ERR")
    other = _variable(api, "OTHER")
    variation = api.post(f"/products/{other['id']}/variations", json={"sku": "OTHER-S", "regular_price": "1"}).json()
    foreign = api.get(f"/products/{parent['id']}/variations/{variation['id']}")
    assert foreign.status_code == 404 and foreign.json()["code"] == "woocommerce_rest_product_variation_invalid_id"
    duplicate = api.post(f"/products/{parent['id']}/variations", json={"sku": "OTHER-S"})
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "product_invalid_sku"
    parent_sku = api.post(f"/products/{parent['id']}/variations", json={"sku": "ERR"})
    assert parent_sku.json()["code"] == "product_invalid_sku"  # unique across products and variations
    simple = api.post("/products", json=product_body("SIMPLE")).json()
    assert api.post(f"/products/{simple['id']}/variations", json={"sku": "X"}).status_code == 400
    assert api.get("/products/999999/variations").status_code == 404
    not_forced = api.delete(f"/products/{other['id']}/variations/{variation['id']}")
    assert not_forced.status_code == 501
    forced = api.delete(f"/products/{other['id']}/variations/{variation['id']}", params={"force": "true"})
    assert forced.status_code == 200 and api.get(f"/products/{other['id']}").json()["variations"] == []
