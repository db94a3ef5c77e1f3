"""Consumer key/secret in both forms, the three authentication errors, read-only keys, routing."""

from __future__ import annotations

import re

import httpx

from .support import KEY, RO_KEY, RO_SECRET, SECRET, api_client, product_body


def test_demo_keys_look_like_woocommerce_keys():
    assert re.fullmatch(r"ck_[0-9a-f]{40}", KEY) and re.fullmatch(r"cs_[0-9a-f]{40}", SECRET)
    assert re.fullmatch(r"ck_[0-9a-f]{40}", RO_KEY) and re.fullmatch(r"cs_[0-9a-f]{40}", RO_SECRET)


def test_basic_auth_and_query_string_auth(shop):
    basic = httpx.get(f"{shop.rest_url}/products", auth=(KEY, SECRET))
    assert basic.status_code == 200 and basic.json() == []
    query = httpx.get(f"{shop.rest_url}/products", params={"consumer_key": KEY, "consumer_secret": SECRET})
    assert query.status_code == 200
    assert basic.headers["content-type"] == "application/json; charset=UTF-8"


def test_missing_credentials(shop):
    answer = httpx.get(f"{shop.rest_url}/products")
    assert answer.status_code == 401
    assert answer.json() == {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
                             "data": {"status": 401}}
    create = httpx.post(f"{shop.rest_url}/products", json=product_body("X"))
    assert create.status_code == 401 and create.json()["code"] == "woocommerce_rest_cannot_create"


def test_wrong_key_or_secret(shop):
    wrong_key = httpx.get(f"{shop.rest_url}/products", auth=("ck_" + "0" * 40, SECRET))
    assert wrong_key.status_code == 401
    assert wrong_key.json()["code"] == "woocommerce_rest_authentication_error"
    assert wrong_key.json()["message"] == "Consumer key is invalid."
    wrong_secret = httpx.get(f"{shop.rest_url}/products", params={"consumer_key": KEY, "consumer_secret": "cs_nope"})
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["code"] == "woocommerce_rest_authentication_error"
    assert "secret" in wrong_secret.json()["message"]


def test_read_only_key_reads_but_cannot_write(shop):
    with api_client(shop.rest_url, RO_KEY, RO_SECRET) as readonly:
        assert readonly.get("/products").status_code == 200
        for method in ("POST", "PUT", "DELETE"):
            path = "/products" if method == "POST" else "/products/10"
            answer = readonly.request(method, path, json=product_body("RO"))
            assert answer.status_code == 401, method
            assert answer.json() == {"code": "woocommerce_rest_authentication_error",
                                     "message": "The API key provided does not have write permissions.",
                                     "data": {"status": 401}}
    assert shop.world.catalog.items == {}


def test_unknown_route_and_method(api):
    for method, path in (("GET", "/nothing-here"), ("DELETE", "/products"), ("GET", "/products/abc")):
        answer = api.request(method, path)
        assert answer.status_code == 404
        assert answer.json()["code"] == "rest_no_route"


def test_rest_route_fallback_without_pretty_permalinks(shop, api):
    created = api.post("/products", json=product_body("FALLBACK")).json()
    answer = httpx.get(f"{shop.base_url}/", params={"rest_route": f"/wc/v3/products/{created['id']}"},
                       auth=(KEY, SECRET))
    assert answer.status_code == 200 and answer.json()["sku"] == "FALLBACK"
    listing = httpx.get(f"{shop.base_url}/?rest_route=/wc/v3/products&sku=FALLBACK"
                        f"&consumer_key={KEY}&consumer_secret={SECRET}")
    assert [p["id"] for p in listing.json()] == [created["id"]]
    assert httpx.get(f"{shop.base_url}/?rest_route=/wc/v3/products").status_code == 401


def test_wordpress_index_needs_no_auth(shop):
    index = httpx.get(f"{shop.base_url}/wp-json/").json()
    assert index["name"] == "Sklep Demo" and "wc/v3" in index["namespaces"]
    assert index["url"] == shop.base_url and index["timezone_string"] == "Europe/Warsaw"
    namespace = httpx.get(f"{shop.base_url}/wp-json/wc/v3").json()
    assert namespace["namespace"] == "wc/v3" and any("products" in r for r in namespace["routes"])


def test_system_status(shop, api):
    assert httpx.get(f"{shop.rest_url}/system_status").status_code == 401
    status = api.get("/system_status").json()
    environment, settings = status["environment"], status["settings"]
    assert environment["home_url"] == shop.base_url and environment["site_url"] == shop.base_url
    assert environment["version"].startswith("9.4.") and environment["wp_version"].startswith("6.7")
    assert settings["currency"] == "PLN" and settings["currency_symbol"] == "zł"
    assert (settings["thousand_separator"], settings["decimal_separator"], settings["number_of_decimals"]) == (" ", ",", 2)


def test_method_override_and_patch(api):
    product = api.post("/products", json=product_body("OVERRIDE")).json()
    patched = api.patch(f"/products/{product['id']}", json={"name": "Po zmianie"})
    assert patched.status_code == 200 and patched.json()["name"] == "Po zmianie"
    via_post = api.post(f"/products/{product['id']}", json={"name": "Przez POST"})
    assert via_post.json()["name"] == "Przez POST"
    deleted = api.post(f"/products/{product['id']}", params={"_method": "DELETE", "force": "true"})
    assert deleted.status_code == 200 and api.get(f"/products/{product['id']}").status_code == 404


def test_invalid_json_body(api):
    answer = api.post("/products", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["code"] == "rest_invalid_json"


def test_key_last_access_is_recorded(shop, api):
    api.get("/products")
    keys = {k["consumer_key"]: k for k in httpx.get(f"{shop.base_url}/__admin__/state").json()["keys"]}
    assert keys[KEY]["last_access"] is not None and keys[RO_KEY]["last_access"] is None
