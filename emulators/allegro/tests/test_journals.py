"""Offer and order event journals: cursors, retention, stats, duplicated/reordered events."""

from __future__ import annotations

from .support import create_offer, json_write


def _offer_events(client, **params) -> list[dict]:
    return client.get("/sale/offer-events", params=params).json()["offerEvents"]


def test_offer_events_follow_the_offer_lifecycle(emu, client, ean):
    offer = create_offer(client, ean, sku="EV-1", stock=2)
    json_write(client, "PATCH", f"/sale/product-offers/{offer['id']}",
               {"sellingMode": {"price": {"amount": "10.00", "currency": "PLN"}}})
    emu.world.purchase(offer["id"], 2)  # sells out: stock change and end
    events = _offer_events(client)
    assert [e["type"] for e in events] == ["OFFER_ACTIVATED", "OFFER_PRICE_CHANGED", "OFFER_STOCK_CHANGED",
                                           "OFFER_ENDED"]
    assert all(e["offer"] == {**e["offer"], "id": offer["id"], "external": {"id": "EV-1"}} for e in events)
    assert events[-1]["offer"]["publication"] == {"endedBy": "EMPTY_STOCK"}
    after_first = _offer_events(client, **{"from": events[0]["id"]})
    assert [e["id"] for e in after_first] == [e["id"] for e in events[1:]]
    assert [e["type"] for e in _offer_events(client, type="OFFER_PRICE_CHANGED")] == ["OFFER_PRICE_CHANGED"]
    assert len(_offer_events(client, limit=2)) == 2


def test_drafts_produce_no_offer_events(client, ean):
    create_offer(client, ean, status="INACTIVE")
    assert _offer_events(client) == []


def _renew(emu, client) -> None:
    """Long clock jumps outlive the 12 h access token."""
    client.headers["Authorization"] = "Bearer " + emu.world.token_for("demo-seller")["access_token"]


def test_offer_events_are_kept_24_hours(emu, client, ean):
    create_offer(client, ean)
    emu.clock.advance(23 * 3600)
    _renew(emu, client)
    assert len(_offer_events(client)) == 1
    emu.clock.advance(3600 + 1)
    _renew(emu, client)
    assert _offer_events(client) == []


def test_order_events_and_stats(emu, client, ean):
    offer = create_offer(client, ean, stock=10)
    assert client.get("/order/event-stats").json() == {}
    form_id = emu.world.purchase(offer["id"], 1, stage="BOUGHT")
    emu.world.advance_order(form_id, "FILLED_IN")
    emu.world.advance_order(form_id, "READY_FOR_PROCESSING")
    events = client.get("/order/events").json()["events"]
    assert [e["type"] for e in events] == ["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"]
    assert all(e["order"]["checkoutForm"]["id"] == form_id for e in events)
    assert int(events[0]["id"]) < int(events[1]["id"]) < int(events[2]["id"])
    stats = client.get("/order/event-stats").json()
    assert stats["latestEvent"]["id"] == events[-1]["id"]
    assert client.get("/order/events", params={"from": stats["latestEvent"]["id"]}).json()["events"] == []
    assert client.get("/order/events", params={"from": "not-an-id"}).status_code == 400


def test_order_events_are_kept_60_days(emu, client, ean):
    offer = create_offer(client, ean, stock=10)
    emu.world.purchase(offer["id"], 1)
    emu.clock.advance(59 * 24 * 3600)
    _renew(emu, client)
    assert len(client.get("/order/events").json()["events"]) == 3
    emu.clock.advance(24 * 3600 + 1)
    _renew(emu, client)
    assert client.get("/order/events").json()["events"] == []


def test_fault_profile_duplicates_and_reorders_events_reproducibly(emu, client, ean):
    offer = create_offer(client, ean, stock=50)
    for _ in range(10):
        emu.world.purchase(offer["id"], 1)
    clean = client.get("/order/events", params={"limit": 1000}).json()["events"]
    ids = [e["id"] for e in clean]

    def mangled_ids(seed: int) -> list[str]:
        emu.world.faults.rng.seed(seed)
        emu.world.set_fault_profile("journal-chaos")
        try:
            return [e["id"] for e in client.get("/order/events", params={"limit": 1000}).json()["events"]]
        finally:
            emu.world.set_fault_profile("none")

    first, again = mangled_ids(3), mangled_ids(3)
    assert first == again  # same seed, same faults
    assert len(first) > len(ids) and set(first) == set(ids)  # duplicates, nothing lost
    assert first != sorted(first, key=int)  # out of order


def test_editing_a_live_offer_writes_offer_changed_but_drafts_stay_silent(emu, client, ean):
    live = create_offer(client, ean, sku="LIVE")
    draft = create_offer(client, ean, sku="DRAFT", status="INACTIVE")
    for offer in (live, draft):
        json_write(client, "PATCH", f"/sale/product-offers/{offer['id']}", {"name": "Koszulka zmieniona na lato"})
    changed = _offer_events(client, type="OFFER_CHANGED")
    assert [e["offer"]["id"] for e in changed] == [live["id"]]
