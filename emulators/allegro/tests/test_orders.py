"""Checkout forms, fulfillment revisions, shipments, invoices, buyers and the seller's panel."""

from __future__ import annotations

import re

import httpx
import pytest

from emulators.allegro.order_data import nip_is_valid

from .support import api_client, create_offer, json_write


def _form(client, form_id: str) -> dict:
    return client.get(f"/order/checkout-forms/{form_id}").json()


def test_purchase_creates_a_paid_checkout_form_and_drops_stock(emu, client, ean):
    offer = create_offer(client, ean, sku="SKU-ORD", stock=5, price="30.00")
    form_id = emu.world.purchase(offer["id"], 2)
    form = _form(client, form_id)
    assert form["status"] == "READY_FOR_PROCESSING" and form["fulfillment"]["status"] == "NEW"
    line = form["lineItems"][0]
    assert line["offer"]["external"] == {"id": "SKU-ORD"} and line["quantity"] == 2
    assert form["summary"]["totalToPay"] == {"amount": "72.99", "currency": "PLN"}
    assert form["payment"]["paidAmount"]["amount"] == "72.99"
    assert client.get(f"/sale/product-offers/{offer['id']}").json()["stock"]["available"] == 3
    listing = client.get("/sale/offers", params={"external.id": "SKU-ORD"}).json()["offers"][0]
    assert listing["stock"] == {"available": 3, "sold": 2}


def test_list_filters_by_status_and_updated_at(emu, client, ean):
    offer = create_offer(client, ean, stock=10)
    early = emu.world.purchase(offer["id"], 1, stage="BOUGHT")
    emu.clock.advance(3600)
    checkpoint = client.get(f"/order/checkout-forms/{early}").json()["updatedAt"]
    emu.clock.advance(1)
    late = emu.world.purchase(offer["id"], 1)
    assert [f["id"] for f in client.get("/order/checkout-forms", params={"status": "BOUGHT"}).json()[
        "checkoutForms"]] == [early]
    newer = client.get("/order/checkout-forms", params={"updatedAt.gte": checkpoint}).json()["checkoutForms"]
    assert [f["id"] for f in newer] == [early, late][::-1] or [f["id"] for f in newer] == [late, early]
    strictly_newer = client.get("/order/checkout-forms", params={"updatedAt.gt": checkpoint})
    assert strictly_newer.status_code == 200  # unknown filters are ignored
    after = client.get("/order/checkout-forms", params={"updatedAt.gte": _form(client, late)["updatedAt"]})
    assert [f["id"] for f in after.json()["checkoutForms"]] == [late]
    assert client.get("/order/checkout-forms", params={"limit": 101}).status_code == 422


def test_fulfillment_needs_the_current_revision(emu, client, ean):
    offer = create_offer(client, ean)
    form_id = emu.world.purchase(offer["id"], 1)
    revision = _form(client, form_id)["revision"]
    url = f"/order/checkout-forms/{form_id}/fulfillment"
    assert json_write(client, "PUT", url, {"status": "PROCESSING"},
                      params={"checkoutForm.revision": revision}).status_code == 204
    stale = json_write(client, "PUT", url, {"status": "SENT"}, params={"checkoutForm.revision": revision})
    assert stale.status_code == 409
    assert _form(client, form_id)["fulfillment"]["status"] == "PROCESSING"
    assert json_write(client, "PUT", url, {"status": "RETURNED"}).status_code == 422
    events = [e["type"] for e in client.get("/order/events").json()["events"]]
    assert events[-1] == "FULFILLMENT_STATUS_CHANGED"


def test_shipments_with_carrier_and_tracking(emu, client, ean):
    offer = create_offer(client, ean)
    form_id = emu.world.purchase(offer["id"], 1)
    url = f"/order/checkout-forms/{form_id}/shipments"
    created = json_write(client, "POST", url, {"carrierId": "DPD", "waybill": "0000123456789"})
    assert created.status_code == 201 and created.json()["carrierName"] == "DPD"
    assert json_write(client, "POST", url, {"carrierId": "OTHER", "waybill": "X1"}).status_code == 422
    assert json_write(client, "POST", url, {"carrierId": "OTHER", "waybill": "X1",
                                            "carrierName": "Kurier Jan"}).status_code == 201
    assert len(client.get(url).json()["shipments"]) == 2
    assert _form(client, form_id)["fulfillment"]["shipmentSummary"]["lineItemsSent"] == "ALL"
    carriers = {c["id"] for c in client.get("/order/carriers").json()["carriers"]}
    assert {"INPOST", "DPD", "OTHER"} <= carriers


def test_invoices_are_not_idempotent_and_files_are_checked(emu, client, ean):
    offer = create_offer(client, ean)
    form_id = emu.world.purchase(offer["id"], 1)
    url = f"/order/checkout-forms/{form_id}/invoices"
    body = {"file": {"name": "FV-7-2026.pdf"}, "invoiceNumber": "FV 7/2026"}
    first, second = json_write(client, "POST", url, body).json(), json_write(client, "POST", url, body).json()
    assert first["id"] != second["id"]
    assert len(client.get(url).json()["invoices"]) == 2

    def upload(invoice_id: str, content: bytes, content_type: str = "application/pdf"):
        return client.put(f"{url}/{invoice_id}/file", content=content, headers={"Content-Type": content_type})

    assert upload(first["id"], b"%PDF-1.7" + b"0" * (3 * 1024 * 1024)).status_code == 413
    assert upload(first["id"], b"").status_code == 422
    assert upload(first["id"], b"not a pdf").json()["errors"][0]["code"] == "FILE-CONTENT-INVALID"
    assert upload(first["id"], b"%PDF-1.7", "application/json").status_code == 415
    assert upload(first["id"], b"%PDF-1.7\n").status_code == 200
    assert upload(first["id"], b"%PDF-1.7\n").status_code == 409
    invoices = client.get(url).json()["invoices"]
    assert invoices[0]["file"]["securityVerification"]["status"] == "ACCEPTED"
    for _ in range(8):
        json_write(client, "POST", url, body)
    assert json_write(client, "POST", url, body).status_code == 422  # 10 per order


def test_buyer_cancellation_is_journaled_and_returns_stock(emu, client, ean):
    offer = create_offer(client, ean, stock=5)
    form_id = emu.world.purchase(offer["id"], 2, stage="FILLED_IN")
    emu.world.buyer_cancel(form_id)
    assert _form(client, form_id)["status"] == "CANCELLED"
    assert client.get("/order/events").json()["events"][-1]["type"] == "BUYER_CANCELLED"
    assert client.get(f"/sale/product-offers/{offer['id']}").json()["stock"]["available"] == 5


def test_panel_changes_write_no_events(emu, client, ean):
    offer = create_offer(client, ean, stock=5, price="20.00")
    form_id = emu.world.purchase(offer["id"], 1)
    order_events = len(client.get("/order/events").json()["events"])
    offer_events = len(client.get("/sale/offer-events").json()["offerEvents"])
    revision = _form(client, form_id)["revision"]
    emu.world.panel_cancel_order(form_id)
    emu.world.panel_edit_offer(offer["id"], price="25.00", stock=9, name="Koszulka zmieniona w panelu")
    form = _form(client, form_id)
    assert form["status"] == "CANCELLED" and form["revision"] != revision
    current = client.get(f"/sale/product-offers/{offer['id']}").json()
    assert current["sellingMode"]["price"]["amount"] == "25.00" and current["stock"]["available"] == 9
    assert current["name"] == "Koszulka zmieniona w panelu"
    assert len(client.get("/order/events").json()["events"]) == order_events
    assert len(client.get("/sale/offer-events").json()["offerEvents"]) == offer_events


def test_buyers_purchase_at_a_rate_driven_by_the_clock(emu, client, ean):
    offers = [create_offer(client, ean, sku=f"SIM-{i}", stock=100)["id"] for i in range(3)]
    emu.world.simulation.start("46968690", purchases_per_minute=30, max_quantity=2, cancel_share=0.2)
    emu.clock.advance(60)
    forms = client.get("/order/checkout-forms").json()
    assert forms["totalCount"] == 30
    sold = sum(100 - client.get(f"/sale/product-offers/{o}").json()["stock"]["available"] for o in offers)
    cancelled = [f for f in forms["checkoutForms"] if f["status"] == "CANCELLED"]
    kept = sum(f["lineItems"][0]["quantity"] for f in forms["checkoutForms"] if f["status"] != "CANCELLED")
    assert cancelled and sold == kept
    types = {e["type"] for e in client.get("/order/events", params={"limit": 1000}).json()["events"]}
    assert {"BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "BUYER_CANCELLED"} <= types
    emu.world.simulation.stop()
    emu.clock.advance(60)
    assert client.get("/order/checkout-forms").json()["totalCount"] == 30


def test_buyer_modification_and_automatic_cancellation_are_journaled(emu, client, ean):
    offer = create_offer(client, ean, stock=5)
    form_id = emu.world.purchase(offer["id"], 1, stage="FILLED_IN")
    before = _form(client, form_id)
    emu.world.buyer_modify_order(form_id)
    after = _form(client, form_id)
    assert after["revision"] != before["revision"] and after["delivery"]["address"]["modifiedAt"]
    emu.world.auto_cancel_order(form_id)
    assert _form(client, form_id)["status"] == "CANCELLED"
    types = [e["type"] for e in client.get("/order/events").json()["events"]]
    assert types[-2:] == ["BUYER_MODIFIED", "AUTO_CANCELLED"]
    paid = emu.world.purchase(offer["id"], 1)
    with pytest.raises(ValueError):
        emu.world.auto_cancel_order(paid)


# ---- carts, invoices, cash on delivery, parcel lockers ------------------------------------------

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def _nip_ok(nip: str) -> bool:
    if len(nip) != 10 or not nip.isdigit():
        return False
    check = sum(w * int(d) for w, d in zip(NIP_WEIGHTS, nip[:9], strict=True)) % 11
    return check != 10 and check == int(nip[9])


def _admin(emu, path: str, body: dict | None = None):
    return httpx.post(f"{emu.base_url}/__admin__{path}", json=body or {})


def _available(client, offer_id: str) -> int:
    return client.get(f"/sale/product-offers/{offer_id}").json()["stock"]["available"]


def test_nip_check_digit_helper_agrees_with_the_weights():
    assert _nip_ok("5260250274") and not _nip_ok("5260250275")
    assert nip_is_valid("5260250274") and not nip_is_valid("5260250275") and not nip_is_valid("123")


def test_cart_has_one_line_per_offer_with_tax_and_drops_each_stock(emu, client, ean):
    shirt = create_offer(client, ean, sku="CART-A", stock=5, price="30.00")
    book = create_offer(client, ean, sku="CART-B", stock=4, price="19.90",
                        taxSettings={"rates": [{"rate": "5", "countryCode": "PL"}], "subject": "GOODS"})
    offer_events = len(client.get("/sale/offer-events").json()["offerEvents"])
    form_id = emu.world.purchase_cart([(shirt["id"], 2), (book["id"], 1)])
    form = _form(client, form_id)
    lines = form["lineItems"]
    assert [(li["offer"]["external"]["id"], li["quantity"]) for li in lines] == [("CART-A", 2), ("CART-B", 1)]
    assert [li["tax"] for li in lines] == [{"rate": "23.00", "subject": "GOODS"}, {"rate": "5.00", "subject": "GOODS"}]
    assert lines[0]["originalPrice"] == lines[0]["price"] == {"amount": "30.00", "currency": "PLN"}
    assert lines[0]["boughtAt"] == lines[1]["boughtAt"] and len({li["id"] for li in lines}) == 2
    assert form["summary"]["totalToPay"]["amount"] == "92.89"  # 2 × 30.00 + 19.90 + 12.99 courier
    assert form["payment"] == {**form["payment"], "type": "ONLINE", "provider": "P24",
                               "paidAmount": {"amount": "92.89", "currency": "PLN"}}
    assert form["payment"]["finishedAt"] and form["invoice"] == {"required": False}
    assert "pickupPoint" not in form["delivery"] and form["delivery"]["method"]["name"] == "Allegro Kurier DPD"
    assert (_available(client, shirt["id"]), _available(client, book["id"])) == (3, 3)
    bought = client.get("/order/events", params={"type": "BOUGHT"}).json()["events"][-1]
    assert [li["quantity"] for li in bought["order"]["lineItems"]] == [2, 1]
    stock_events = client.get("/sale/offer-events").json()["offerEvents"][offer_events:]
    assert {e["offer"]["id"] for e in stock_events if e["type"] == "OFFER_STOCK_CHANGED"} == {shirt["id"], book["id"]}
    # the same offer twice in a cart is one line
    again = _form(client, emu.world.purchase_cart([(shirt["id"], 1), (shirt["id"], 1)]))
    assert [li["quantity"] for li in again["lineItems"]] == [2] and _available(client, shirt["id"]) == 1


def test_a_refused_cart_changes_nothing(emu, client, ean):
    shirt = create_offer(client, ean, sku="OK-1", stock=5)
    short = create_offer(client, ean, sku="SHORT-1", stock=1)
    draft = create_offer(client, ean, sku="DRAFT-1", status="INACTIVE")
    with api_client(emu.base_url, emu.world.token_for("second-seller")["access_token"]) as other:
        foreign = create_offer(other, ean, sku="OTHER-1", stock=5)
    events = len(client.get("/sale/offer-events").json()["offerEvents"])
    for bad in ([(shirt["id"], 1), (short["id"], 2)], [(shirt["id"], 1), (draft["id"], 1)],
                [(shirt["id"], 1), (foreign["id"], 1)], [(shirt["id"], 0)], []):
        with pytest.raises(ValueError):
            emu.world.purchase_cart(bad)
    with pytest.raises(ValueError):
        emu.world.purchase_cart([(shirt["id"], 1)], payment_type="BITCOIN")
    with pytest.raises(KeyError):
        emu.world.purchase_cart([(shirt["id"], 1), ("999", 1)])
    refused = _admin(emu, "/purchase", {"items": [{"offerId": shirt["id"], "quantity": 2},
                                                  {"offerId": short["id"], "quantity": 2}]})
    assert refused.status_code == 400 and "not enough stock" in refused.json()["error"]
    assert _admin(emu, "/purchase", {"items": [{"offerId": "999"}]}).status_code == 404
    assert _admin(emu, "/purchase", {"offerId": shirt["id"], "pickupPoint": "yes"}).status_code == 400
    assert (_available(client, shirt["id"]), _available(client, short["id"])) == (5, 1)
    assert client.get("/order/checkout-forms").json()["totalCount"] == 0
    assert client.get("/order/events").json()["events"] == []
    assert len(client.get("/sale/offer-events").json()["offerEvents"]) == events
    assert emu.world.counters()["checkoutFormsCreated"] == 0


def test_admin_cart_with_company_invoice_cash_on_delivery_and_parcel_locker(emu, client, ean):
    shirt = create_offer(client, ean, sku="RICH-A", stock=5, price="30.00")
    cap = create_offer(client, ean, sku="RICH-B", stock=5, price="15.00")
    created = _admin(emu, "/purchase", {"items": [{"offerId": shirt["id"], "quantity": 1},
                                                  {"offerId": cap["id"], "quantity": 3}],
                                        "paymentType": "CASH_ON_DELIVERY", "invoiceCompany": True,
                                        "pickupPoint": True})
    assert created.status_code == 200
    form = _form(client, created.json()["checkoutFormId"])
    assert form["status"] == "READY_FOR_PROCESSING" and len(form["lineItems"]) == 2
    payment = form["payment"]
    assert payment["type"] == "CASH_ON_DELIVERY" and payment["provider"] == "OFFLINE"
    assert "finishedAt" not in payment and "paidAmount" not in payment
    invoice = form["invoice"]
    assert invoice["required"] is True
    address = invoice["address"]
    assert address["countryCode"] == "PL" and address["street"] and address["city"]
    assert re.fullmatch(r"\d\d-\d{3}", address["zipCode"])
    company = address["company"]
    assert re.search(r"(sp\. z o\.o\.|s\.c\.|S\.A\.|sp\.j\.)$", company["name"])
    assert _nip_ok(company["taxId"]) and company["ids"] == [{"type": "PL_NIP", "value": company["taxId"]}]
    delivery = form["delivery"]
    assert delivery["method"]["name"] == "Allegro Paczkomaty InPost pobranie"
    point = delivery["pickupPoint"]
    assert re.fullmatch(r"[A-Z]{3}\d{2,3}[A-Z]", point["id"]) and point["name"] == f"Paczkomat {point['id']}"
    assert point["description"] and point["address"]["countryCode"] == "PL"
    assert {"street", "zipCode", "city"} <= set(point["address"])
    assert form["summary"]["totalToPay"]["amount"] == "88.99"  # 30.00 + 3 × 15.00 + 13.99
    # a locker with online payment, and the single-offer body with the same options
    single = _admin(emu, "/purchase", {"offerId": shirt["id"], "quantity": 1, "pickupPoint": True,
                                       "invoiceCompany": True, "stage": "FILLED_IN"}).json()["checkoutFormId"]
    unpaid = _form(client, single)
    assert unpaid["status"] == "FILLED_IN" and "payment" not in unpaid
    assert unpaid["delivery"]["method"]["name"] == "Allegro Paczkomaty InPost" and _nip_ok(
        unpaid["invoice"]["address"]["company"]["taxId"])


def test_cash_on_delivery_reaches_ready_for_processing_without_a_payment(emu, client, ean):
    offer = create_offer(client, ean, stock=5, price="40.00")
    form_id = emu.world.purchase_cart([(offer["id"], 1)], "FILLED_IN", payment_type="CASH_ON_DELIVERY")
    assert "payment" not in _form(client, form_id)
    emu.world.advance_order(form_id, "READY_FOR_PROCESSING")
    form = _form(client, form_id)
    assert form["status"] == "READY_FOR_PROCESSING"
    assert set(form["payment"]) == {"id", "type", "provider"} and form["payment"]["type"] == "CASH_ON_DELIVERY"
    assert form["delivery"]["method"]["name"] == "Allegro Kurier DPD pobranie"
    assert form["summary"]["totalToPay"]["amount"] == "56.99"
    event = client.get("/order/events").json()["events"][-1]
    assert event["type"] == "READY_FOR_PROCESSING" and event["order"]["checkoutForm"]["id"] == form_id
    with pytest.raises(ValueError):
        emu.world.advance_order(form_id, "PAID")


def test_panel_fulfillment_change_writes_no_event(emu, client, ean):
    offer = create_offer(client, ean, stock=5)
    form_id = emu.world.purchase(offer["id"], 1)
    before = _form(client, form_id)
    events = len(client.get("/order/events").json()["events"])
    emu.clock.advance(30)
    assert _admin(emu, f"/orders/{form_id}/panel-fulfillment", {"status": "SENT"}).status_code == 200
    after = _form(client, form_id)
    assert after["fulfillment"]["status"] == "SENT"
    assert after["revision"] != before["revision"] and after["updatedAt"] > before["updatedAt"]
    assert len(client.get("/order/events").json()["events"]) == events
    # a client polling by updatedAt sees it; the stale revision is refused
    window = client.get("/order/checkout-forms", params={"updatedAt.gte": after["updatedAt"]}).json()
    assert [f["id"] for f in window["checkoutForms"]] == [form_id]
    stale = json_write(client, "PUT", f"/order/checkout-forms/{form_id}/fulfillment", {"status": "PICKED_UP"},
                       params={"checkoutForm.revision": before["revision"]})
    assert stale.status_code == 409
    # the same status again changes nothing; RETURNED cannot be set; unknown form → 404
    emu.world.panel_set_fulfillment(form_id, "SENT")
    assert _form(client, form_id)["revision"] == after["revision"]
    assert _admin(emu, f"/orders/{form_id}/panel-fulfillment", {"status": "RETURNED"}).status_code == 400
    assert _admin(emu, "/orders/nope/panel-fulfillment", {"status": "SENT"}).status_code == 404
    # opting in to an event
    emu.world.panel_set_fulfillment(form_id, "PICKED_UP", event=True)
    assert client.get("/order/events").json()["events"][-1]["type"] == "FULFILLMENT_STATUS_CHANGED"
    emu.world.panel_cancel_order(form_id)
    with pytest.raises(ValueError):
        emu.world.panel_set_fulfillment(form_id, "PROCESSING")


def _shape(form: dict) -> tuple:
    return (tuple((li["offer"]["id"], li["quantity"]) for li in form["lineItems"]), form["status"],
            form["invoice"]["required"], form.get("payment", {}).get("type"), "pickupPoint" in form["delivery"],
            form["buyer"]["login"])


def _all_forms(client) -> list[dict]:
    forms, offset = [], 0
    while True:
        page = client.get("/order/checkout-forms", params={"offset": offset, "limit": 100,
                                                           "sort": "lineItems.boughtAt"}).json()
        forms += page["checkoutForms"]
        offset += page["count"]
        if offset >= page["totalCount"]:
            return forms


def test_buyer_simulation_with_carts_invoices_cod_and_lockers_is_reproducible(emu, ean):
    def run() -> tuple[list[dict], dict, dict[str, int]]:
        emu.world.reset()
        token = emu.world.token_for("demo-seller")["access_token"]
        with api_client(emu.base_url, token) as http:
            offers = [create_offer(http, ean, sku=f"SIM-{i}", stock=500)["id"] for i in range(4)]
            started = _admin(emu, "/buyers/start", {"seller": "demo-seller", "purchasesPerMinute": 120,
                                                    "maxQuantity": 3, "cancelShare": 0.1, "cartShare": 0.5,
                                                    "invoiceShare": 0.3, "codShare": 0.3, "pickupShare": 0.4})
            assert started.status_code == 200
            emu.clock.advance(60)
            emu.world.tick()  # what the next request would do
            emu.world.simulation.stop()
            return _all_forms(http), emu.world.counters(), {o: _available(http, o) for o in offers}

    forms, counters, available = run()
    sim = counters["buyerSimulation"]
    assert len(forms) == sim["checkoutForms"] == counters["checkoutFormsCreated"] == 120
    assert sum(len(f["lineItems"]) for f in forms) == sim["lineItems"]
    carts = [f for f in forms if len(f["lineItems"]) > 1]
    assert len(carts) == sim["carts"] and 30 <= len(carts) <= 90
    assert all(len({li["offer"]["id"] for li in f["lineItems"]}) == len(f["lineItems"]) <= 3 for f in carts)
    assert sum(f["invoice"]["required"] for f in forms) == sim["invoices"] > 0
    assert all(_nip_ok(f["invoice"]["address"]["company"]["taxId"]) for f in forms if f["invoice"]["required"])
    cod = [f for f in forms if f["delivery"]["method"]["name"].endswith("pobranie")]
    assert len(cod) == sim["cashOnDelivery"] > 0
    assert all(f["payment"]["type"] == "CASH_ON_DELIVERY" for f in cod if f["status"] != "CANCELLED")
    assert sum("pickupPoint" in f["delivery"] for f in forms) == sim["pickupPoints"] > 0
    assert sum(f["status"] == "CANCELLED" for f in forms) == sim["cancellations"] > 0
    kept = {o: 0 for o in available}
    for form in forms:
        if form["status"] != "CANCELLED":
            for line in form["lineItems"]:
                kept[line["offer"]["id"]] += line["quantity"]
    assert {o: 500 - left for o, left in available.items()} == kept

    # the seeded RNG replays the same purchases (ids differ, offers are created again with the same ids)
    again, _, _ = run()
    assert [_shape(f) for f in again] == [_shape(f) for f in forms]
    assert _admin(emu, "/buyers/start", {"purchasesPerMinute": 1, "cartShare": 1.5}).status_code == 400


def test_listing_orders_and_windows_match_a_full_sort(emu, client, ean):
    offer = create_offer(client, ean, stock=500)
    ids = []
    for step in range(12):
        ids.append(emu.world.purchase(offer["id"], 1, stage="FILLED_IN" if step % 3 else "BOUGHT"))
        emu.clock.advance(10)
    for form_id in ids[1::4]:  # later changes reorder updatedAt against boughtAt
        emu.world.advance_order(form_id, "READY_FOR_PROCESSING")
        emu.clock.advance(5)
    emu.world.panel_set_fulfillment(ids[0], "PROCESSING")
    full = {f["id"]: f for f in (_form(client, i) for i in ids)}

    def expected(sort: str, keep) -> list[str]:
        field = "updatedAt" if "updatedAt" in sort else "boughtAt"
        key = (lambda f: f["updatedAt"]) if field == "updatedAt" else (lambda f: f["lineItems"][0]["boughtAt"])
        chosen = [f for f in full.values() if keep(f)]
        return [f["id"] for f in sorted(chosen, key=key, reverse=sort.startswith("-"))]

    middle = full[ids[5]]["updatedAt"]
    bought_mid = full[ids[6]]["lineItems"][0]["boughtAt"]
    cases = [
        ({}, lambda f: True),
        ({"updatedAt.gte": middle}, lambda f: f["updatedAt"] >= middle),
        ({"updatedAt.lte": middle}, lambda f: f["updatedAt"] <= middle),
        ({"lineItems.boughtAt.gte": bought_mid}, lambda f: f["lineItems"][0]["boughtAt"] >= bought_mid),
        ({"lineItems.boughtAt.lte": bought_mid, "status": "FILLED_IN"},
         lambda f: f["lineItems"][0]["boughtAt"] <= bought_mid and f["status"] == "FILLED_IN"),
        ({"updatedAt.gte": middle, "fulfillment.status": "NEW"},
         lambda f: f["updatedAt"] >= middle and f["fulfillment"]["status"] == "NEW"),
    ]
    for sort in ("lineItems.boughtAt", "-lineItems.boughtAt", "updatedAt", "-updatedAt"):
        for params, keep in cases:
            want = expected(sort, keep)
            got, offset = [], 0
            while True:
                page = client.get("/order/checkout-forms",
                                  params={**params, "sort": sort, "limit": 5, "offset": offset}).json()
                assert page["totalCount"] == len(want) and page["count"] == len(page["checkoutForms"])
                got += [f["id"] for f in page["checkoutForms"]]
                offset += 5
                if offset >= page["totalCount"]:
                    break
            assert got == want, (sort, params)
    assert client.get("/order/checkout-forms", params={"sort": "status"}).status_code == 400


def test_listing_still_sorts_when_the_clock_stepped_back(emu, client, ean):
    offer = create_offer(client, ean, stock=10)
    late = emu.world.purchase(offer["id"], 1)
    with emu.world.lock:  # a form stamped earlier than the previous one (a wall clock stepping back)
        early = emu.world.orders.purchase(emu.world.offers.offers[offer["id"]], 1, emu.clock.now() - 60).id
    ascending = client.get("/order/checkout-forms", params={"sort": "lineItems.boughtAt"}).json()
    assert [f["id"] for f in ascending["checkoutForms"]] == [early, late]
    newest = client.get("/order/checkout-forms", params={"sort": "-updatedAt"}).json()
    assert [f["id"] for f in newest["checkoutForms"]] == [late, early]


def test_forms_changed_at_the_same_instant_keep_one_order_whatever_the_filters(emu, client, ean):
    offer = create_offer(client, ean, stock=100)
    same_instant = [emu.world.purchase(offer["id"], 1, stage="BOUGHT") for _ in range(8)]
    bought_first = _form(client, same_instant[0])["lineItems"][0]["boughtAt"]
    emu.clock.advance(10)
    later = [emu.world.purchase(offer["id"], 1, stage="BOUGHT") for _ in range(2)]
    emu.clock.advance(10)
    for index in (5, 2, 7):  # changed at one instant, in this order
        emu.world.panel_set_fulfillment(same_instant[index], "PROCESSING")
    touched_at = _form(client, same_instant[5])["updatedAt"]
    emu.clock.advance(10)
    emu.world.panel_set_fulfillment(later[1], "PROCESSING")
    full = {i: _form(client, i) for i in same_instant + later}

    def listing(**params) -> list[str]:
        return [f["id"] for f in client.get("/order/checkout-forms", params=params).json()["checkoutForms"]]

    assert listing(sort="updatedAt")[-4:] == [same_instant[5], same_instant[2], same_instant[7], later[1]]
    assert listing(sort="lineItems.boughtAt") == same_instant + later
    for sort in ("lineItems.boughtAt", "-lineItems.boughtAt", "updatedAt", "-updatedAt"):
        everything = listing(sort=sort)
        for params, keep in [
            ({"updatedAt.gte": touched_at}, lambda f: f["updatedAt"] >= touched_at),
            ({"lineItems.boughtAt.lte": bought_first}, lambda f: f["lineItems"][0]["boughtAt"] <= bought_first),
            ({"lineItems.boughtAt.lte": bought_first, "fulfillment.status": "PROCESSING"},
             lambda f: f["lineItems"][0]["boughtAt"] <= bought_first and f["fulfillment"]["status"] == "PROCESSING"),
        ]:
            want = [i for i in everything if keep(full[i])]
            assert listing(sort=sort, **params) == want, (sort, params)
            assert listing(sort=sort, limit=2, offset=1, **params) == want[1:3], (sort, params)
