"""Buyer simulation, admin endpoints, demo catalogs, the command line."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx

from .support import KEY, SECRET, product_body


def test_buyers_purchase_over_time_without_api_requests(shop):
    shop.world.generate_catalog(20)
    started = httpx.post(f"{shop.base_url}/__admin__/buyers/start",
                         json={"purchases_per_minute": 1200, "max_quantity": 2, "cancel_share": 0.2,
                               "invoice_share": 0.5, "payment_methods": {"przelewy24": 1, "bacs": 1, "cod": 1}})
    assert started.status_code == 200
    deadline = time.monotonic() + 5
    while len(shop.world.orders.orders) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)  # no API request meanwhile
    httpx.post(f"{shop.base_url}/__admin__/buyers/stop")
    made = len(shop.world.orders.orders)
    assert made >= 8
    time.sleep(0.2)
    assert len(shop.world.orders.orders) == made
    counters = httpx.get(f"{shop.base_url}/__admin__/counters").json()["buyer_simulation"]
    assert counters["orders"] == made and counters["running"] is False
    assert set(counters["by_payment_method"]) <= {"przelewy24", "bacs", "cod"}
    statuses = {o.status for o in shop.world.orders.orders.values()}
    assert statuses <= {"processing", "on-hold", "pending", "cancelled"}


def test_buyers_follow_the_clock_and_respect_stock(shop):
    shop.world.generate_catalog(3)
    total_stock = sum(p.stock_quantity or 0 for p in shop.world.catalog.items.values() if p.manage_stock)
    shop.world.start_buyers(60, max_quantity=3, payment_methods={"przelewy24": 1})
    shop.world.clock.advance(600)  # 600 purchases due
    shop.world.tick()
    shop.world.stop_buyers()
    assert all((p.stock_quantity or 0) >= 0 for p in shop.world.catalog.items.values() if p.manage_stock)
    sold = sum(li.quantity for o in shop.world.orders.orders.values() for li in o.line_items
               if shop.world.catalog.items[li.product_id].manage_stock)
    assert sold == total_stock  # everything managed sold out, nothing oversold
    assert shop.world.simulation.counters()["skipped_no_stock"] > 0


def test_admin_state_counters_reset_and_stock(shop):
    api = httpx.Client(base_url=shop.rest_url, auth=(KEY, SECRET))
    product = api.post("/products", json=product_body("ADM", stock_quantity=2)).json()
    stock = httpx.post(f"{shop.base_url}/__admin__/products/{product['id']}/stock", json={"quantity": 9})
    assert stock.status_code == 200 and stock.json()["stock_quantity"] == 9
    assert httpx.post(f"{shop.base_url}/__admin__/products/999/stock", json={"quantity": 1}).status_code == 404
    assert httpx.post(f"{shop.base_url}/__admin__/products/{product['id']}/stock",
                      json={"quantity": "x"}).status_code == 400
    edited = httpx.post(f"{shop.base_url}/__admin__/products/{product['id']}/edit", json={"regular_price": "5.00"})
    assert edited.json()["price"] == "5.00"
    state = httpx.get(f"{shop.base_url}/__admin__/state").json()
    assert state["products"] == 1 and state["fault_profile"] == "none" and state["rest_root"] == shop.rest_url
    counters = httpx.get(f"{shop.base_url}/__admin__/counters").json()
    assert counters["requests"] >= 1 and counters["products_created"] == 1
    assert httpx.post(f"{shop.base_url}/__admin__/reset").json() == {"ok": True}
    assert httpx.get(f"{shop.base_url}/__admin__/state").json()["products"] == 0
    advanced = httpx.post(f"{shop.base_url}/__admin__/clock/advance", json={"seconds": 3600}).json()
    assert advanced["now"]
    api.close()


def test_generated_catalog(shop):
    answer = httpx.post(f"{shop.base_url}/__admin__/catalog/sample", json={"generate": 40}).json()
    world = shop.world
    items = world.catalog.items.values()
    products = [p for p in items if not p.is_variation]
    assert len(products) == 40 and answer["created"] == len(world.catalog.items)
    assert sorted(p.sku for p in products)[:2] == ["WOO-0001", "WOO-0002"]
    variable = [p for p in products if p.type == "variable"]
    assert len(variable) == 5 and all(2 <= len(p.children) <= 4 for p in variable)
    assert sum(1 for p in variable if p.manage_stock) == 1  # its variations report "parent"
    assert any(p.type == "simple" and not p.manage_stock for p in products)
    again = world.generate_catalog(2)
    assert world.catalog.items[again[0]].sku == "WOO-0041"


def test_woocommerce_sample_csv(shop, sample_csv):
    shop.world.config.sample_catalog = str(sample_csv)
    answer = httpx.post(f"{shop.base_url}/__admin__/catalog/sample").json()
    assert answer["created"] == 25
    api = httpx.Client(base_url=shop.rest_url, auth=(KEY, SECRET))
    hoodie = api.get("/products", params={"sku": "woo-hoodie"}).json()[0]
    assert hoodie["type"] == "variable" and len(hoodie["variations"]) == 4
    variations = api.get(f"/products/{hoodie['id']}/variations").json()
    assert {v["sku"] for v in variations} == {"woo-hoodie-red", "woo-hoodie-green", "woo-hoodie-blue",
                                              "woo-hoodie-blue-logo"}
    assert api.get("/products", params={"sku": "Woo-tshirt-logo"}).json()[0]["name"] == "T-Shirt with Logo"
    grouped = api.get("/products", params={"sku": "logo-collection"}).json()[0]
    assert grouped["type"] == "grouped" and len(grouped["grouped_products"]) == 3
    belt = api.get("/products", params={"sku": "woo-belt"}).json()[0]
    assert (belt["regular_price"], belt["sale_price"], belt["price"], belt["manage_stock"]) == ("65", "55", "55", False)
    assert [c["name"] for c in belt["categories"]] == ["Accessories"]
    assert httpx.post(f"{shop.base_url}/__admin__/catalog/sample").json()["created"] == 0  # SKUs exist already
    api.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_command_line_through_magazynier(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "magazynier.cli", "emulator", "woocommerce", "--port", str(port),
                             "--seed", "2", "--fault-profile", "none", "--site-url", "https://sklep.example.pl"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    try:
        index, deadline = None, time.monotonic() + 20
        while index is None and time.monotonic() < deadline:
            try:
                index = httpx.get(f"http://127.0.0.1:{port}/wp-json/", timeout=1).json()
            except httpx.TransportError:
                time.sleep(0.1)
        assert index is not None and index["url"] == "https://sklep.example.pl"
        status = httpx.get(f"http://127.0.0.1:{port}/wp-json/wc/v3/system_status", auth=(KEY, SECRET)).json()
        assert status["environment"]["site_url"] == "https://sklep.example.pl"
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=15)
    assert KEY in output and f"http://127.0.0.1:{port}" in output
