"""Orders: checkout paths per payment method, stock effects, totals, listing filters, status changes, notes."""

from __future__ import annotations

from decimal import Decimal

import httpx

from emulators.woocommerce.buyers import valid_nip

from .support import product_body


def _purchase(shop, **body) -> httpx.Response:
    return httpx.post(f"{shop.base_url}/__admin__/purchase", json=body)


def _stock(api, product_id: int) -> int:
    return api.get(f"/products/{product_id}").json()["stock_quantity"]


def test_checkout_per_payment_method(api, shop):
    product = api.post("/products", json=product_body("ORD-1", regular_price="123.00", stock_quantity=20)).json()
    item = [{"sku": "ORD-1", "quantity": 1}]
    paid = _purchase(shop, items=item, payment_method="przelewy24", paid=True).json()
    assert paid["status"] == "processing" and paid["date_paid"] is not None and paid["transaction_id"]
    unpaid = _purchase(shop, items=item, payment_method="przelewy24", paid=False).json()
    assert unpaid["status"] == "pending" and unpaid["date_paid"] is None and unpaid["needs_payment"] is True
    transfer = _purchase(shop, items=item, payment_method="bacs").json()
    assert transfer["status"] == "on-hold" and transfer["date_paid"] is None
    assert transfer["payment_method_title"] == "Przelew bankowy"
    cod = _purchase(shop, items=item, payment_method="cod").json()
    assert cod["status"] == "processing" and cod["payment_method"] == "cod"
    assert cod["shipping_lines"][0]["method_title"].endswith("(pobranie)")
    assert _stock(api, product["id"]) == 17  # pending does not reduce stock
    for order in (paid, unpaid, transfer, cod):
        assert order["created_via"] == "checkout" and order["currency"] == "PLN" and order["number"] == str(order["id"])
        assert order["billing"]["country"] == "PL" and "@" in order["billing"]["email"]
        assert order["order_key"].startswith("wc_order_")


def test_totals_polish_vat(shop, api):
    api.post("/products", json=product_body("VAT-1", regular_price="123.00"))
    order = _purchase(shop, items=[{"sku": "VAT-1", "quantity": 2}], payment_method="przelewy24").json()
    line = order["line_items"][0]
    assert (line["total"], line["total_tax"], line["subtotal"], line["quantity"]) == ("200.00", "46.00", "200.00", 2)
    assert line["price"] == 100.0 and line["sku"] == "VAT-1" and line["taxes"][0]["total"] == "46.00"
    gross_unit = (Decimal(line["total"]) + Decimal(line["total_tax"])) / line["quantity"]
    assert gross_unit == Decimal("123.00")
    shipping = order["shipping_lines"][0]
    shipping_gross = Decimal(shipping["total"]) + Decimal(shipping["total_tax"])
    assert Decimal(order["total"]) == Decimal("246.00") + shipping_gross
    assert Decimal(order["total_tax"]) == Decimal("46.00") + Decimal(shipping["total_tax"])
    assert order["prices_include_tax"] is True and order["tax_lines"][0]["rate_percent"] == 23.0


def test_company_invoice_carries_a_valid_nip(shop, api):
    api.post("/products", json=product_body("NIP-1"))
    order = _purchase(shop, items=[{"sku": "NIP-1", "quantity": 1}], invoice=True).json()
    meta = {m["key"]: m["value"] for m in order["meta_data"]}
    assert valid_nip(meta["_billing_nip"]) and order["billing"]["company"]
    plain = _purchase(shop, items=[{"sku": "NIP-1", "quantity": 1}]).json()
    assert "_billing_nip" not in {m["key"] for m in plain["meta_data"]} and plain["billing"]["company"] == ""


def test_stock_reduced_once_and_restored_on_cancel(shop, api):
    product = api.post("/products", json=product_body("STK", stock_quantity=5)).json()
    order = _purchase(shop, items=[{"product_id": product["id"], "quantity": 2}], payment_method="bacs").json()
    assert _stock(api, product["id"]) == 3
    for status in ("processing", "completed"):
        assert api.put(f"/orders/{order['id']}", json={"status": status}).json()["status"] == status
        assert _stock(api, product["id"]) == 3  # reduced only once
    completed = api.get(f"/orders/{order['id']}").json()
    assert completed["date_completed"] is not None and completed["date_paid"] is not None
    cancelled = httpx.post(f"{shop.base_url}/__admin__/orders/{order['id']}/status", json={"status": "cancelled"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _stock(api, product["id"]) == 5
    api.put(f"/orders/{order['id']}", json={"status": "cancelled"})
    assert _stock(api, product["id"]) == 5  # restored only once
    api.put(f"/orders/{order['id']}", json={"status": "processing"})
    assert _stock(api, product["id"]) == 3
    notes = [n["note"] for n in api.get(f"/orders/{order['id']}/notes").json()]
    assert any("STK" in n and "5→3" in n for n in notes) and any("3→5" in n for n in notes)


def test_pending_payment_then_pay(shop, api):
    product = api.post("/products", json=product_body("PAY", stock_quantity=5)).json()
    order = _purchase(shop, items=[{"sku": "PAY", "quantity": 1}], paid=False).json()
    assert _stock(api, product["id"]) == 5
    paid = httpx.post(f"{shop.base_url}/__admin__/orders/{order['id']}/pay", json={"transaction_id": "P24-1"}).json()
    assert paid["status"] == "processing" and paid["transaction_id"] == "P24-1" and paid["date_paid"]
    assert _stock(api, product["id"]) == 4


def test_insufficient_stock_or_not_purchasable_makes_no_order(shop, api):
    api.post("/products", json=product_body("FEW", stock_quantity=1))
    api.post("/products", json=product_body("DRAFT", status="draft"))
    api.post("/products", json={"name": "Bez ceny", "sku": "NOPRICE"})
    api.post("/products", json=product_body("BACKORDER", stock_quantity=0, backorders="notify"))
    for items in ([{"sku": "FEW", "quantity": 2}], [{"sku": "FEW", "quantity": 1}, {"sku": "FEW", "quantity": 1}],
                  [{"sku": "DRAFT", "quantity": 1}], [{"sku": "NOPRICE", "quantity": 1}]):
        answer = _purchase(shop, items=items)
        assert answer.status_code == 409, items
        assert answer.json()["ok"] is False and answer.json()["error"]
    assert _purchase(shop, items=[{"sku": "UNKNOWN"}]).status_code == 404
    assert shop.world.orders.orders == {}
    backordered = _purchase(shop, items=[{"sku": "BACKORDER", "quantity": 2}])
    assert backordered.status_code == 201
    product = api.get("/products", params={"sku": "BACKORDER"}).json()[0]
    assert product["stock_quantity"] == -2 and product["stock_status"] == "onbackorder"


def test_order_listing_filters_and_paging(shop, api):
    api.post("/products", json=product_body("LIST", stock_quantity=100))
    first = _purchase(shop, items=[{"sku": "LIST"}], payment_method="bacs").json()
    shop.world.clock.advance(10)
    others = [_purchase(shop, items=[{"sku": "LIST"}]).json() for _ in range(4)]
    pending = _purchase(shop, items=[{"sku": "LIST"}], paid=False).json()
    everything = api.get("/orders", params={"per_page": 2})
    assert everything.headers["x-wp-total"] == "6" and everything.headers["x-wp-totalpages"] == "3"
    assert [o["id"] for o in everything.json()] == [pending["id"], others[-1]["id"]]  # newest first
    statuses = api.get("/orders", params={"status": "on-hold,pending", "orderby": "id", "order": "asc"}).json()
    assert [o["id"] for o in statuses] == [first["id"], pending["id"]]
    as_array = api.get("/orders", params=[("status[]", "on-hold"), ("status[]", "pending")]).json()
    assert len(as_array) == 2
    assert api.get("/orders", params={"status": "shipped"}).status_code == 400
    changed = api.get("/orders", params={"modified_after": first["date_modified_gmt"], "dates_are_gmt": "true",
                                         "orderby": "modified", "order": "asc", "per_page": 100}).json()
    assert [o["id"] for o in changed] == [o["id"] for o in others] + [pending["id"]]
    shop.world.clock.advance(10)
    api.put(f"/orders/{first['id']}", json={"status": "processing"})
    touched = api.get("/orders", params={"modified_after": pending["date_modified"], "orderby": "modified"}).json()
    assert [o["id"] for o in touched] == [first["id"]]
    created_before = api.get("/orders", params={"before": others[0]["date_created"]}).json()
    assert [o["id"] for o in created_before] == [first["id"]]
    found = api.get("/orders", params={"search": first["billing"]["last_name"]}).json()
    assert first["id"] in [o["id"] for o in found]


def test_status_put_validation_meta_and_trash(shop, api):
    api.post("/products", json=product_body("PUT"))
    order = _purchase(shop, items=[{"sku": "PUT"}]).json()
    bad = api.put(f"/orders/{order['id']}", json={"status": "shipped"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    assert api.put("/orders/999999", json={"status": "completed"}).json()["code"] == \
        "woocommerce_rest_shop_order_invalid_id"
    assert api.get("/orders/999999").status_code == 404
    updated = api.put(f"/orders/{order['id']}", json={"meta_data": [{"key": "_magazynier_id", "value": "abc"}],
                                                       "shipping": {"city": "Gdynia"}}).json()
    assert {"key": "_magazynier_id", "value": "abc"}.items() <= updated["meta_data"][-1].items()
    assert updated["shipping"]["city"] == "Gdynia" and updated["billing"]["city"] == order["billing"]["city"]
    trashed = api.delete(f"/orders/{order['id']}").json()
    assert trashed["status"] == "trash" and api.get("/orders").json() == []
    assert api.delete(f"/orders/{order['id']}", params={"force": "true"}).status_code == 200
    assert api.get(f"/orders/{order['id']}").status_code == 404


def test_notes(shop, api):
    api.post("/products", json=product_body("NOTE"))
    order = _purchase(shop, items=[{"sku": "NOTE"}]).json()
    before = api.get(f"/orders/{order['id']}").json()["date_modified_gmt"]
    created = api.post(f"/orders/{order['id']}/notes", json={"note": "Wysłano kurierem", "customer_note": True})
    assert created.status_code == 201
    note = created.json()
    assert note["note"] == "Wysłano kurierem" and note["customer_note"] is True and note["author"] == "system"
    notes = api.get(f"/orders/{order['id']}/notes").json()
    assert notes[0]["id"] == note["id"]  # newest first
    assert [n["id"] for n in api.get(f"/orders/{order['id']}/notes", params={"type": "customer"}).json()] == [note["id"]]
    assert api.get(f"/orders/{order['id']}/notes/{note['id']}").json()["note"] == "Wysłano kurierem"
    assert api.post(f"/orders/{order['id']}/notes", json={}).status_code == 400
    assert api.get(f"/orders/{order['id']}").json()["date_modified_gmt"] == before  # notes do not change the order


def test_admin_created_order_with_set_paid(shop, api):
    product = api.post("/products", json=product_body("REST-ORD", stock_quantity=4)).json()
    answer = api.post("/orders", json={"payment_method": "bacs", "set_paid": True,
                                       "billing": {"first_name": "Jan", "last_name": "Kowalski", "email": "jan@example.pl"},
                                       "line_items": [{"product_id": product["id"], "quantity": 3}],
                                       "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurier",
                                                           "total": "10.00"}]})
    assert answer.status_code == 201
    order = answer.json()
    assert order["status"] == "processing" and order["created_via"] == "rest-api" and order["date_paid"]
    assert order["shipping_total"] == "10.00" and order["shipping_tax"] == "2.30"
    assert _stock(api, product["id"]) == 1
    assert api.post("/orders", json={"line_items": [{"product_id": 999999}]}).status_code == 400
