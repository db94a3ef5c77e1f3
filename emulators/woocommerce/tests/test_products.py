"""Products: fields, stock rules, SKUs, validation, paging, filters, trash."""

from __future__ import annotations

import re

from .support import product_body

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def test_create_read_update_fields(api, shop):
    created = api.post("/products", json={"name": "Kubek żółty", "sku": "KUB-1", "regular_price": "29.99",
                                         "sale_price": "24,50", "categories": [{"name": "Kuchnia"}],
                                         "images": [{"src": "https://cdn.example.com/img/kubek.jpg"}],
                                         "meta_data": [{"key": "ean", "value": "5901234123457"}]})
    assert created.status_code == 201
    assert created.headers["location"] == f"{shop.rest_url}/products/{created.json()['id']}"
    product = created.json()
    assert product["type"] == "simple" and product["status"] == "publish" and product["slug"] == "kubek-zolty"
    assert (product["regular_price"], product["sale_price"], product["price"], product["on_sale"]) == \
        ("29.99", "24.50", "24.50", True)
    assert product["manage_stock"] is False and product["stock_quantity"] is None
    assert product["stock_status"] == "instock" and product["backorders"] == "no"
    assert product["categories"][0]["name"] == "Kuchnia"
    assert product["images"][0]["src"].startswith(shop.base_url + "/wp-content/uploads/")  # sideloaded
    assert product["meta_data"][0]["key"] == "ean" and isinstance(product["meta_data"][0]["id"], int)
    for name in ("date_created", "date_created_gmt", "date_modified", "date_modified_gmt"):
        assert DATE.match(product[name]), name
    again = api.get(f"/products/{product['id']}").json()
    assert again == product
    updated = api.put(f"/products/{product['id']}", json={"sale_price": "", "name": "Kubek"}).json()
    assert (updated["price"], updated["on_sale"], updated["name"]) == ("29.99", False, "Kubek")


def test_uncategorized_default_and_categories_listing(api):
    product = api.post("/products", json=product_body("CAT-0")).json()
    assert product["categories"] == [{"id": 15, "name": "Bez kategorii", "slug": "bez-kategorii"}]
    category = api.post("/products/categories", json={"name": "Narzędzia"}).json()
    api.put(f"/products/{product['id']}", json={"categories": [{"id": category["id"]}]})
    listing = api.get("/products/categories").json()
    counts = {c["name"]: c["count"] for c in listing}
    assert counts["Narzędzia"] == 1 and counts["Bez kategorii"] == 0


def test_stock_quantity_ignored_when_stock_not_managed(api):
    product = api.post("/products", json={"name": "Bez stanu", "sku": "NOSTOCK", "regular_price": "10",
                                         "stock_quantity": 5}).json()
    assert product["manage_stock"] is False and product["stock_quantity"] is None
    updated = api.put(f"/products/{product['id']}", json={"stock_quantity": 7, "backorders": "yes"}).json()
    assert updated["stock_quantity"] is None and updated["backorders"] == "no"
    status_set = api.put(f"/products/{product['id']}", json={"stock_status": "outofstock"}).json()
    assert status_set["stock_status"] == "outofstock"
    managed = api.put(f"/products/{product['id']}", json={"manage_stock": True, "stock_quantity": 3}).json()
    assert (managed["manage_stock"], managed["stock_quantity"], managed["stock_status"]) == (True, 3, "instock")


def test_managed_stock_status_is_derived(api):
    product = api.post("/products", json=product_body("DERIVE", stock_quantity=0)).json()
    assert product["stock_status"] == "outofstock"
    ignored = api.put(f"/products/{product['id']}", json={"stock_status": "instock"}).json()
    assert ignored["stock_status"] == "outofstock"  # derived, not settable while managed
    backorders = api.put(f"/products/{product['id']}", json={"backorders": "notify"}).json()
    assert backorders["stock_status"] == "onbackorder" and backorders["backorders_allowed"] is True
    negative = api.put(f"/products/{product['id']}", json={"stock_quantity": -2}).json()
    assert negative["stock_quantity"] == -2 and negative["backordered"] is True
    refilled = api.put(f"/products/{product['id']}", json={"stock_quantity": 4, "backorders": "no"}).json()
    assert refilled["stock_status"] == "instock"
    unmanaged = api.put(f"/products/{product['id']}", json={"manage_stock": False}).json()
    assert (unmanaged["stock_quantity"], unmanaged["stock_status"]) == (None, "instock")


def test_duplicate_sku_is_refused(api, shop):
    first = api.post("/products", json=product_body("DUP-1")).json()
    again = api.post("/products", json=product_body("DUP-1"))
    assert again.status_code == 400
    error = again.json()
    assert error["code"] == "product_invalid_sku" and error["message"] == "Invalid or duplicated SKU."
    assert error["data"]["status"] == 400 and error["data"]["resource_id"] == first["id"]
    other = api.post("/products", json=product_body("DUP-2")).json()
    clash = api.put(f"/products/{other['id']}", json={"sku": "DUP-1", "name": "nie zmienione"})
    assert clash.status_code == 400 and api.get(f"/products/{other['id']}").json()["name"] == "Produkt DUP-2"
    assert api.post("/products", json=product_body("dup-1")).status_code == 201  # exact comparison
    empty = [api.post("/products", json={"name": f"Bez SKU {i}", "sku": ""}).status_code for i in range(2)]
    assert empty == [201, 201]
    assert len(shop.world.catalog.items) == 5


def test_trashed_product_frees_its_sku_and_force_deletes(api):
    product = api.post("/products", json=product_body("TRASH")).json()
    trashed = api.delete(f"/products/{product['id']}")
    assert trashed.status_code == 200 and trashed.json()["status"] == "trash"
    assert api.get("/products").json() == []
    assert [p["id"] for p in api.get("/products", params={"status": "trash"}).json()] == [product["id"]]
    assert api.post("/products", json=product_body("TRASH")).status_code == 201
    assert api.delete(f"/products/{product['id']}").status_code == 410
    gone = api.delete(f"/products/{product['id']}", params={"force": "true"})
    assert gone.status_code == 200 and gone.json()["id"] == product["id"]
    assert api.get(f"/products/{product['id']}").json()["code"] == "woocommerce_rest_product_invalid_id"


def test_invalid_values_are_refused_with_the_field_named(api, shop):
    for body, field in (({"regular_price": "abc"}, "regular_price"), ({"sale_price": "-5"}, "sale_price"),
                        ({"regular_price": 12.5}, "regular_price"), ({"stock_quantity": "dużo", "manage_stock": True},
                                                                       "stock_quantity"),
                        ({"stock_quantity": 1.5}, "stock_quantity"), ({"manage_stock": "parent"}, "manage_stock"),
                        ({"status": "published"}, "status"), ({"type": "bundle"}, "type")):
        answer = api.post("/products", json={"name": "Zły", **body})
        assert answer.status_code == 400, body
        error = answer.json()
        assert error["code"] == "rest_invalid_param" and field in error["data"]["params"], body
    assert shop.world.catalog.items == {}
    assert api.post("/products", json={"name": "OK", "stock_quantity": "5", "manage_stock": "true"}).json()[
        "stock_quantity"] == 5


def test_paging_headers_and_links(api, shop):
    shop.world.generate_catalog(23)
    first = api.get("/products", params={"per_page": 10, "orderby": "id", "order": "asc"})
    assert first.headers["x-wp-total"] == "23" and first.headers["x-wp-totalpages"] == "3"
    assert len(first.json()) == 10
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]
    seen = []
    url = f"{shop.rest_url}/products?per_page=10&orderby=id&order=asc"
    while url:
        page = api.get(url)
        seen += [p["id"] for p in page.json()]
        url = page.links.get("next", {}).get("url")
    all_ids = sorted(i for i, p in shop.world.catalog.items.items() if not p.is_variation)
    assert seen == all_ids
    last = api.get("/products", params={"per_page": 10, "page": 3})
    assert len(last.json()) == 3 and 'rel="prev"' in last.headers["link"] and 'rel="next"' not in last.headers["link"]
    assert api.get("/products").headers["x-wp-totalpages"] == "3"  # default per_page 10
    offset = api.get("/products", params={"per_page": 5, "offset": 20, "orderby": "id", "order": "asc"}).json()
    assert [p["id"] for p in offset] == all_ids[20:]


def test_paging_errors(api, shop):
    too_many = api.get("/products", params={"per_page": 101})
    assert too_many.status_code == 400 and too_many.json()["code"] == "rest_invalid_param"
    assert "per_page" in too_many.json()["data"]["params"]
    assert api.get("/products", params={"per_page": 100}).status_code == 200
    assert api.get("/products", params={"per_page": 0}).status_code == 400
    assert api.get("/products", params={"page": 2}).json() == []  # nothing at all: no error
    api.post("/products", json=product_body("ONE"))
    beyond = api.get("/products", params={"page": 2})
    assert beyond.status_code == 400 and beyond.json()["code"] == "rest_post_invalid_page_number"


def test_sku_filter_exact_and_comma_list_including_variations(api, shop):
    shop.world.generate_catalog(8)  # WOO-0008 is variable with variations WOO-0008-S …
    one = api.get("/products", params={"sku": "WOO-0003"}).json()
    assert [p["sku"] for p in one] == ["WOO-0003"]
    assert api.get("/products", params={"sku": "woo-0003"}).json() == []
    assert api.get("/products", params={"sku": "WOO-000"}).json() == []
    several = api.get("/products", params={"sku": "WOO-0001,WOO-0005,NOPE"}).json()
    assert sorted(p["sku"] for p in several) == ["WOO-0001", "WOO-0005"]
    variation = api.get("/products", params={"sku": "WOO-0008-S"}).json()
    assert variation[0]["type"] == "variation" and variation[0]["parent_id"] > 0
    assert all(p["type"] != "variation" for p in api.get("/products", params={"per_page": 100}).json())


def test_filters_and_ordering(api, shop):
    a = api.post("/products", json=product_body("F-A", name="Alfa koszulka", status="draft")).json()
    b = api.post("/products", json=product_body("F-B", name="Beta kubek", stock_quantity=0)).json()
    c = api.post("/products", json={"name": "Gamma", "sku": "F-C", "type": "variable"}).json()
    ids = lambda **params: [p["id"] for p in api.get("/products", params=params).json()]  # noqa: E731
    assert ids(orderby="title", order="asc") == [a["id"], b["id"], c["id"]]
    assert ids(orderby="id", order="desc") == [c["id"], b["id"], a["id"]]
    assert ids(status="draft") == [a["id"]]
    assert ids(type="variable") == [c["id"]]
    assert ids(search="kubek") == [b["id"]]
    assert ids(stock_status="outofstock", orderby="id") == [c["id"], b["id"]]  # a variable without variations too
    assert ids(include=f"{b['id']},{a['id']}", orderby="include") == [b["id"], a["id"]]
    assert ids(exclude=str(a["id"]), orderby="id", order="asc") == [b["id"], c["id"]]
    fields = api.get("/products", params={"_fields": "id,sku", "orderby": "id", "order": "asc"}).json()
    assert fields[0] == {"id": a["id"], "sku": "F-A"}


def test_modified_after_is_strict_and_every_save_counts(api, shop):
    product = api.post("/products", json=product_body("MOD")).json()
    stamp = product["date_modified_gmt"]
    same_second = api.get("/products", params={"modified_after": stamp, "dates_are_gmt": "true"}).json()
    assert same_second == []  # strictly after, whole seconds: clients must overlap their window
    shop.world.clock.advance(5)
    resaved = api.put(f"/products/{product['id']}", json={}).json()  # a save without changes still counts
    assert resaved["date_modified_gmt"] > stamp
    later = api.get("/products", params={"modified_after": stamp, "dates_are_gmt": "true"}).json()
    assert [p["id"] for p in later] == [product["id"]]
    local = api.get("/products", params={"modified_after": product["date_modified"]}).json()
    assert [p["id"] for p in local] == [product["id"]]
    with_offset = api.get("/products", params={"modified_after": stamp + "Z"}).json()
    assert [p["id"] for p in with_offset] == [product["id"]]
    assert api.get("/products", params={"modified_after": "wczoraj"}).status_code == 400


def test_rest_json_is_php_style(api, shop):
    api.post("/products", json=product_body("SLASH/1", name="Łódź / Kraków"))
    raw = api.get("/products").content
    assert b"SLASH\\/1" in raw and b"\\u0141\\u00f3d\\u017a \\/ Krak\\u00f3w" in raw
    assert b'":"' in raw and b'": ' not in raw  # compact separators


def test_product_not_found_and_create_with_id(api):
    assert api.get("/products/999999").status_code == 404
    missing = api.put("/products/999999", json={"name": "x"})
    assert missing.status_code == 400 and missing.json()["code"] == "woocommerce_rest_product_invalid_id"
    assert api.post("/products", json={"id": 5, "name": "x"}).json()["code"] == "woocommerce_rest_product_exists"


def test_a_product_read_can_be_written_back_unchanged(api):
    product = api.post("/products", json=product_body("ECHO", categories=[{"name": "Echo"}],
                                                      images=[{"src": "https://example.com/a.png"}])).json()
    echoed = api.put(f"/products/{product['id']}", json=product)
    assert echoed.status_code == 200, echoed.text
    again = echoed.json()
    for name in ("sku", "price", "stock_quantity", "categories", "images", "meta_data", "slug", "attributes"):
        assert again[name] == product[name], name
    assert len(api.get("/products/categories").json()) == 2  # no new category, no new image
