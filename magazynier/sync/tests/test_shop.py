"""A WooCommerce shop end to end over real HTTP: import and link, batched writes, orders by signed webhook
(forged, malformed and replayed deliveries refused), polling when deliveries are lost, and a webhook the shop
switched off brought back with an alert."""

from __future__ import annotations

import logging
import time

import httpx
from django.db import transaction
from django.db.models import Sum

from magazynier.channels.connections import woo_connector
from magazynier.channels.models import Listing, Webhook
from magazynier.channels.shop_connection import ensure_webhooks
from magazynier.channels.types import NEW
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, StockLevel, Warehouse
from magazynier.notifications.models import Alert
from magazynier.orders.models import Order
from magazynier.sync.order_feed import run_feed
from magazynier.sync.tests.helpers import settle, wait_until


def _catalog_item(shop, listing: Listing):
    parent, _sep, variation = listing.offer_id.partition(":")
    return shop.world.catalog.items[int(variation or parent)]


def _shop_quantity(shop, listing: Listing) -> int | None:
    owner = shop.world.catalog.stock_owner(_catalog_item(shop, listing))
    return owner.stock_quantity if owner else None


def _reserved(listing: Listing) -> int:
    return sum(level.reserved for level in StockLevel.objects.filter(variant=listing.variant))


def _linked(account, **filters):
    return Listing.objects.filter(account=account, conflict="", **filters).exclude(offer_id="").select_related(
        "variant").order_by("sku")


def test_import_links_every_product_and_parent_kept_stock_stays_unknown(shop_live, shop):
    listings = list(_linked(shop_live))
    shop_items = [i for i in shop.world.catalog.items.values() if i.type in ("simple", "variation")]
    assert len(listings) == len(shop_items)
    for listing in listings:
        item = _catalog_item(shop, listing)
        level = StockLevel.objects.filter(variant=listing.variant).first()
        if item.manage_stock:
            assert level is not None and level.on_hand == item.stock_quantity, listing.sku
        else:
            assert level is None or level.on_hand == 0, f"{listing.sku}: stock kept elsewhere must not be copied"


def test_the_engine_writes_stock_in_batches_and_confirms_each_item(shop_live, shop):
    warehouse = Warehouse.objects.get()
    listings = list(_linked(shop_live))
    before = shop.world.counters()
    with transaction.atomic():  # a stocktake of everything: one commit, one cycle
        for n, listing in enumerate(listings):
            set_stock(listing.variant_id, warehouse.pk, 20 + n, reason=MovementReason.STOCKTAKE)
    settle(shop_live)
    for n, listing in enumerate(listings):
        listing.refresh_from_db()
        assert (listing.confirmed_quantity, _shop_quantity(shop, listing)) == (20 + n, 20 + n), listing.sku
    after = shop.world.counters()
    batches = after.get("batch_requests", 0) - before.get("batch_requests", 0)
    parents = len({li.offer_id.partition(":")[0] for li in listings if ":" in li.offer_id})
    assert 1 <= batches <= 1 + parents, f"{batches} batch requests for {len(listings)} different quantities"
    variation = next(li for li in listings if ":" in li.offer_id)
    assert _catalog_item(shop, variation).manage_stock is True, "the variation now keeps its own stock"


def test_a_shop_order_arrives_by_signed_webhook_and_reserves_at_once(shop_live, shop):
    listing = next(li for li in _linked(shop_live) if (_shop_quantity(shop, li) or 0) >= 3)
    started = time.monotonic()
    order = shop.world.purchase([{"sku": listing.sku, "quantity": 2}])
    wait_until(lambda: Order.objects.filter(account=shop_live, external_id=str(order["id"])).exists(), what="the order")
    took = time.monotonic() - started
    stored = Order.objects.get(account=shop_live, external_id=str(order["id"]))
    assert stored.status == NEW and stored.channel_took_stock and not stored.unmatched
    assert _reserved(listing) == 2 and took < 5.0
    shop.world.wait_for_deliveries(10)
    assert Webhook.objects.filter(account=shop_live, last_delivery_at__isnull=False).exists()


def test_forged_malformed_and_replayed_deliveries_are_refused_and_logged_without_buyer_data(shop_live, shop,
                                                                                            live_server, caplog):
    listing = next(li for li in _linked(shop_live) if (_shop_quantity(shop, li) or 0) >= 3)
    order = shop.world.purchase([{"sku": listing.sku, "quantity": 1}])
    wait_until(lambda: Order.objects.filter(external_id=str(order["id"])).exists(), what="the order")
    shop.world.wait_for_deliveries(5)
    url = f"{live_server.url}/hooks/woocommerce/{shop_live.pk}/"
    hook = Webhook.objects.get(account=shop_live, topic="order.created")
    from magazynier.sync.webhooks import signature

    body = httpx.get(f"{shop.base_url}/wp-json/wc/v3/orders/{order['id']}",
                     auth=(shop.world.config.consumer_key, shop.world.config.consumer_secret)).content
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": "order.updated"}
    reserved = _reserved(listing)
    with caplog.at_level(logging.INFO, logger="magazynier.sync.webhooks"):
        forged = httpx.post(url, content=body, headers={**headers, "X-WC-Webhook-Signature": "bm90IGEgc2lnbmF0dXJl"})
        unsigned = httpx.post(url, content=body, headers=headers)
        tampered = body.replace(b'"quantity":1', b'"quantity":9')
        changed = httpx.post(url, content=tampered, headers={
            **headers, "X-WC-Webhook-Signature": signature(body, hook.secret).decode()})
        garbage = b'{"id": "x", "status": 5}'
        malformed = httpx.post(url, content=garbage, headers={
            **headers, "X-WC-Webhook-Signature": signature(garbage, hook.secret).decode()})
        replay = httpx.post(url, content=body, headers={
            **headers, "X-WC-Webhook-Signature": signature(body, hook.secret).decode()})
    assert (forged.status_code, unsigned.status_code, changed.status_code) == (401, 401, 401)
    assert malformed.status_code == 400
    assert replay.status_code == 200 and replay.text == "already known"
    assert Order.objects.filter(external_id=str(order["id"])).count() == 1 and _reserved(listing) == reserved
    assert Webhook.objects.filter(account=shop_live).aggregate(n=Sum("rejected"))["n"] >= 4
    logged = caplog.text
    assert "rejected a webhook delivery" in logged and "already stored" in logged
    billing = order["billing"]
    for personal in (billing["email"], billing["last_name"], billing["phone"], billing["address_1"]):
        assert personal not in logged


def test_lost_deliveries_are_caught_by_polling(shop_live, shop):
    shop.world.set_fault_profile({"webhook_drop_share": 1.0})
    listing = next(li for li in _linked(shop_live) if (_shop_quantity(shop, li) or 0) >= 3)
    order = shop.world.purchase([{"sku": listing.sku, "quantity": 1}])
    shop.world.wait_for_deliveries(5)
    assert not Order.objects.filter(external_id=str(order["id"])).exists()
    result = run_feed(shop_live.pk)
    assert result is not None and not result.error, result
    assert Order.objects.filter(account=shop_live, external_id=str(order["id"])).exists()
    assert _reserved(listing) == 1


def test_a_webhook_the_shop_switched_off_is_switched_back_on_with_an_alert(shop_live, shop, alert_inbox):
    hooks = list(Webhook.objects.filter(account=shop_live))
    secrets = {h.pk: h.secret for h in hooks}
    for h in hooks:  # Magazynier "forgets" its secrets: every delivery is refused, as when it was unreachable
        h.secret = "wrong"
        h.save(update_fields=["secret"])
    listing = next(li for li in _linked(shop_live) if (_shop_quantity(shop, li) or 0) >= 8)
    orders = [shop.world.purchase([{"sku": listing.sku, "quantity": 1}]) for _ in range(7)]
    shop.world.wait_for_deliveries(10)
    statuses = {w.status for w in shop.world.webhooks.values()}
    assert "disabled" in statuses, statuses
    for h in hooks:
        h.secret = secrets[h.pk]
        h.checked_at = None
        h.save(update_fields=["secret", "checked_at"])
    result = run_feed(shop_live.pk)  # the poll takes the orders; the check switches the webhook back on
    assert result is not None and not result.error
    assert Order.objects.filter(account=shop_live, external_id__in=[str(o["id"]) for o in orders]).count() == 7
    alert = Alert.objects.get(key=f"shop-webhook-disabled:{shop_live.pk}", resolved_at__isnull=True)
    assert alert.severity == "warning"
    woo = woo_connector(shop_live)
    assert {w["status"] for w in woo.webhooks()} == {"active"}
    order = shop.world.purchase([{"sku": listing.sku, "quantity": 1}])
    wait_until(lambda: Order.objects.filter(external_id=str(order["id"])).exists(), what="a delivery after re-enabling")
    [message] = alert_inbox.messages()
    assert message["title"] == "[warning] Shop Sklep WWW had switched off Magazynier's order notifications — Sklep WWW"
    assert "Magazynier switched it back on; orders from the gap were read by polling" in message["message"]
    assert "/hooks/woocommerce/" in message["message"], "it says which address the shop must reach"
    ensure_webhooks(shop_live, woo)  # the next check finds them still on
    assert alert_inbox.messages()[-1]["title"].startswith("Resolved: Shop Sklep WWW had switched off")


def test_status_and_tracking_go_back_to_the_shop(shop_live, shop):
    from magazynier.orders import actions

    listing = next(li for li in _linked(shop_live) if (_shop_quantity(shop, li) or 0) >= 3)
    order = shop.world.purchase([{"sku": listing.sku, "quantity": 1}])
    wait_until(lambda: Order.objects.filter(external_id=str(order["id"])).exists(), what="the order")
    stored = Order.objects.get(external_id=str(order["id"]))
    actions.add_shipment(stored, "INPOST", "620111222333444555666777")
    actions.change_status(stored, "ready_for_shipment")
    assert run_feed(shop_live.pk) is not None
    shop.world.wait_for_deliveries(5)
    stored.refresh_from_db()
    assert stored.status == "ready_for_shipment", "the shop's processing keeps the seller's finer step"
    actions.change_status(stored, "sent")
    assert run_feed(shop_live.pk) is not None
    shop.world.wait_for_deliveries(5)
    stored.refresh_from_db()
    raw = shop.world.orders.orders[order["id"]]
    assert getattr(raw, "status", None) == "completed" and stored.status == "sent"
    assert stored.stock_state == Order.STOCK_SHIPPED
    assert "620111222333444555666777" in {s.waybill for s in woo_connector(shop_live).shipments(str(order["id"]))}
