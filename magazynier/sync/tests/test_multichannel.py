"""The multichannel scenario end to end, in one test (issue 7): one catalog and one stock sold on Allegro (60 %)
and the seller's WooCommerce shop (30 %), 10 % kept in reserve, a buffer of 2 on both. Real HTTP to both
emulators; the shop's webhooks reach this test's server; the engine runs as the worker would (queued tasks
run inline in tests).

Expected quantities follow the allocation rules (inventory/availability.py): with a available units the
shares are floor(a·60 %) and floor(a·30 %), the reserve floor(a·10 %), and the rounding leftover goes unit by
unit to Allegro (priority 1), then the shop, never above the ceiling of their share:
a=20 → 12/6, a=17 → 11/5, a=15 → 9/5, a=3 → 2/1; at or below the buffer (2) both sell 0.
"""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
from django.db import transaction

from magazynier.channels.connections import allegro_connector, woo_connector
from magazynier.channels.linking import link_offers
from magazynier.channels.models import Listing
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, StockLevel, Warehouse
from magazynier.notifications.models import Alert
from magazynier.orders.actions import oversold_alert_key
from magazynier.orders.models import Order
from magazynier.sync.actions import save_settings
from magazynier.sync.models import AccountSyncSettings, HeldPlan
from magazynier.sync.order_feed import run_feed
from magazynier.sync.tests.helpers import remote, settle, wait_until


def test_one_stock_on_allegro_and_the_shop(live_account, emulator, shop_account, shop, monkeypatch):
    allegro, woo = live_account, shop_account
    warehouse = Warehouse.objects.get()
    offers = list(Listing.objects.filter(account=allegro, conflict="", offer_status="ACTIVE").exclude(offer_id="")
                  .select_related("variant").order_by("sku"))[:6]
    assert len(offers) == 6
    # The seller's shop sells the same six products (same SKUs); linking finds them.
    config = shop.world.config
    created = httpx.post(f"{shop.rest_url}/products/batch", auth=(config.consumer_key, config.consumer_secret),
                         json={"create": [{"name": o.title or o.sku, "type": "simple", "sku": o.sku,
                                           "regular_price": str(o.variant.price), "manage_stock": True, "stock_quantity": 0}
                                          for o in offers]}).json()["create"]
    assert all("error" not in c for c in created)
    assert link_offers(woo, woo_connector(woo)).linked == 6
    from magazynier.channels.actions import set_writers

    set_writers(woo, True)
    save_settings(AccountSyncSettings(account=allegro, share_percent=Decimal(60), priority=1, buffer=2))
    save_settings(AccountSyncSettings(account=woo, share_percent=Decimal(30), priority=2, buffer=2))
    x, y = offers[0], offers[1]
    on_shop = {li.variant_id: li for li in Listing.objects.filter(account=woo, conflict="").exclude(offer_id="")}
    x_shop, y_shop = on_shop[x.variant_id], on_shop[y.variant_id]

    def shop_quantity(listing) -> int:
        return shop.world.catalog.items[int(listing.offer_id)].stock_quantity

    def allegro_quantity(listing) -> int:
        offer = remote(emulator, listing)
        return offer.available if offer.status == "ACTIVE" else 0

    def both(listing_allegro, listing_shop) -> tuple[int, int]:
        return allegro_quantity(listing_allegro), shop_quantity(listing_shop)

    with transaction.atomic():
        for o in offers:
            set_stock(o.variant_id, warehouse.pk, 20, reason=MovementReason.DELIVERY)
    settle(allegro)
    settle(woo)
    assert run_feed(allegro.pk) is not None and run_feed(woo.pk) is not None  # both read orders from now on
    assert both(x, x_shop) == (12, 6) and both(y, y_shop) == (12, 6)

    # A sale on Allegro lowers the shop within seconds (the order feed polls Allegro every 2 s in production).
    emulator.world.purchase(x.offer_id, 3)
    started = time.monotonic()
    assert run_feed(allegro.pk) is not None
    wait_until(lambda: shop_quantity(x_shop) == 5, 10, "the shop shows 5 after the Allegro sale")
    took_allegro_to_shop = time.monotonic() - started
    settle(allegro)
    assert both(x, x_shop) == (11, 5)

    # A sale in the shop reaches Magazynier by webhook and lowers Allegro within seconds.
    started = time.monotonic()
    shop.world.purchase([{"sku": x.sku, "quantity": 2}])
    wait_until(lambda: allegro_quantity(x) == 9, 15, "Allegro shows 9 after the shop's sale")
    took_shop_to_allegro = time.monotonic() - started
    shop.world.wait_for_deliveries(10)
    assert both(x, x_shop) == (9, 5)
    assert took_allegro_to_shop < 10 and took_shop_to_allegro < 15

    # Stock falling to the buffer pauses sales on both channels (Allegro ends the offer, the shop shows 0).
    set_stock(x.variant_id, warehouse.pk, 7, reason=MovementReason.STOCKTAKE)  # 7 on hand − 5 reserved = 2
    settle(allegro)
    settle(woo)
    assert remote(emulator, x).status == "ENDED" and shop_quantity(x_shop) == 0
    assert shop.world.catalog.stock_status(shop.world.catalog.items[int(x_shop.offer_id)]) == "outofstock"

    # Two simultaneous last-unit sales: the stock turns out to be 1 (a damaged unit) while both channels still
    # show theirs; both buyers buy at that moment. At most one can be fulfilled: the later order is flagged.
    set_stock(y.variant_id, warehouse.pk, 3, reason=MovementReason.STOCKTAKE)
    settle(allegro)
    settle(woo)
    assert both(y, y_shop) == (2, 1)
    monkeypatch.setenv("MAGAZYNIER_WRITERS_OFF", "1")  # the moment before the sync: nothing goes out yet
    set_stock(y.variant_id, warehouse.pk, 1, reason=MovementReason.DAMAGE)
    allegro_form = emulator.world.purchase(y.offer_id, 1)
    shop_order = shop.world.purchase([{"sku": y.sku, "quantity": 1}])
    shop.world.wait_for_deliveries(10)
    monkeypatch.delenv("MAGAZYNIER_WRITERS_OFF")
    assert run_feed(allegro.pk) is not None
    first = Order.objects.get(account=woo, external_id=str(shop_order["id"]))
    later = Order.objects.get(account=allegro, external_id=allegro_form)
    assert not first.oversold and later.oversold, "the order stored second cannot be covered"
    assert Alert.objects.get(key=oversold_alert_key(later), resolved_at__isnull=True).severity == "critical"
    level = StockLevel.objects.get(variant=y.variant, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (1, 2)
    settle(allegro)
    settle(woo)
    assert remote(emulator, y).status == "ENDED" and shop_quantity(y_shop) == 0

    # A faulty import that zeroes every product is held by the guard on both channels: nothing is sent.
    shown_before = {o.sku: both(o, on_shop[o.variant_id]) for o in offers[2:]}
    with transaction.atomic():
        for o in Listing.objects.filter(account=allegro, variant__isnull=False).select_related("variant"):
            set_stock(o.variant_id, warehouse.pk, 0, reason=MovementReason.IMPORT)
    assert settle(allegro).held and settle(woo).held
    for account in (allegro, woo):
        plan = HeldPlan.objects.get(account=account, state=HeldPlan.HELD)
        assert "too_many_to_zero" in {r["code"] for r in plan.reasons}
        assert Alert.objects.get(key=f"sync-held:{account.pk}", resolved_at__isnull=True).severity == "critical"
    assert {o.sku: both(o, on_shop[o.variant_id]) for o in offers[2:]} == shown_before
    assert allegro_connector(allegro).get_listing(offers[2].offer_id).quantity == shown_before[offers[2].sku][0]
