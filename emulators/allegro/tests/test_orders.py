"""Checkout forms, fulfillment revisions, shipments, invoices, buyers and the seller's panel."""

from __future__ import annotations

from .support import create_offer, json_write


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
    import pytest

    with pytest.raises(ValueError):
        emu.world.auto_cancel_order(paid)
