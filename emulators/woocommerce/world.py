"""The in-memory shop: catalog, orders, webhooks and their deliveries, faults, buyers, counters.

Every change goes through this object under ``lock`` (an RLock), whether it comes from a REST handler,
the admin API, the buyer simulation or a test driving it from Python.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from typing import Any

from .auth import ApiKey
from .checkout import purchase as checkout_purchase
from .config import EmulatorConfig
from .delivery import DeliveryQueue
from .faults import FaultInjector, FaultProfile
from .orders import DRAFTS, OrderBook, order_json
from .product_json import product_json, variation_json
from .product_write import update_product
from .products import DEFAULT_CATEGORY_ID, Catalog, Category
from .rest import Router
from .simulation import BuyerSimulation
from .timefmt import Clock, SiteTime
from .webhooks import Webhook


def build_router() -> Router:
    from . import order_routes, product_routes, site_routes, webhook_routes

    router = Router()
    site_routes.register(router)
    product_routes.register(router)
    order_routes.register(router)
    webhook_routes.register(router)
    return router


class World:
    def __init__(self, config: EmulatorConfig | None = None):
        self.config = config or EmulatorConfig()
        self.clock = Clock()
        self.site_time = SiteTime(self.config.timezone)
        self.lock = threading.RLock()
        self.router = build_router()
        self.delivery = DeliveryQueue(self)
        self.simulation = BuyerSimulation(self)
        self.reset()

    def reset(self) -> None:
        """Forget everything (catalog, orders, webhooks, deliveries, counters); keep the configuration."""
        self.simulation.stop()
        with self.lock:
            self.delivery.clear()
            seed = self.config.seed
            self.rng = random.Random(seed)
            self.catalog_rng = random.Random(seed + 1)
            self._ids = {"post": 10, "term": DEFAULT_CATEGORY_ID + 1, "meta": 1000, "order_item": 1, "comment": 1,
                         "webhook": 1, "seq": 1}
            self.catalog = Catalog(self)
            self.catalog.categories[DEFAULT_CATEGORY_ID] = Category(DEFAULT_CATEGORY_ID, "Bez kategorii",
                                                                    "bez-kategorii")
            self.orders = OrderBook(self)
            self.webhooks: dict[int, Webhook] = {}
            self.faults = FaultInjector(self.config.fault_profile, seed)
            self._counters: dict[str, int] = defaultdict(int)
            self.simulation = BuyerSimulation(self)
            self.keys = {
                self.config.consumer_key: ApiKey(self.config.consumer_key, self.config.consumer_secret,
                                                 "read_write", "Magazynier (odczyt/zapis)"),
                self.config.readonly_key: ApiKey(self.config.readonly_key, self.config.readonly_secret,
                                                 "read", "Magazynier (tylko odczyt)"),
            }

    def close(self) -> None:
        """Stop the background threads (buyers, webhook deliveries)."""
        self.simulation.stop()
        self.delivery.stop()

    # ---- ids, time, counters ------------------------------------------------------------------------
    def _next(self, kind: str) -> int:
        with self.lock:
            value = self._ids[kind]
            self._ids[kind] = value + 1
            return value

    def next_post_id(self) -> int:
        """Products, variations, orders and images share WordPress's post id sequence."""
        return self._next("post")

    def next_term_id(self) -> int:
        return self._next("term")

    def next_meta_id(self) -> int:
        return self._next("meta")

    def next_order_item_id(self) -> int:
        return self._next("order_item")

    def next_comment_id(self) -> int:
        return self._next("comment")

    def next_webhook_id(self) -> int:
        return self._next("webhook")

    def next_seq(self) -> int:
        return self._next("seq")

    def now(self) -> float:
        return self.clock.now()

    def count(self, name: str, amount: int = 1) -> None:
        with self.lock:
            self._counters[name] += amount

    def rest_root(self) -> str:
        return f"{self.config.public_base_url}/wp-json/wc/v3"

    def tick(self) -> None:
        """Run the buyer simulation up to now (also called on every API request)."""
        with self.lock:
            self.simulation.run_until(self.now())

    # ---- webhooks ---------------------------------------------------------------------------------------
    def fire(self, resource: str, event: str, resource_id: int, deleted: bool = False) -> None:
        """Queue deliveries for the active webhooks of ``resource.event`` (caller holds the lock)."""
        topic = f"{resource}.{event}"
        if resource == "order" and event != "deleted":
            order = self.orders.orders.get(resource_id)
            if order is not None and order.status in DRAFTS:
                return
        self._counters[f"events.{topic}"] += 1
        for webhook in sorted(self.webhooks.values(), key=lambda w: w.id):
            if webhook.status == "active" and webhook.topic == topic:
                self.delivery.enqueue(webhook, resource_id, deleted or event == "deleted")

    def webhook_payload(self, resource: str, resource_id: int, deleted: bool) -> dict[str, Any]:
        """What a delivery sends: the resource as ``GET`` shows it now, or ``{"id"}`` once deleted."""
        if not deleted:
            if resource == "product" and resource_id in self.catalog.items:
                return product_json(self, self.catalog.items[resource_id])
            if resource == "order" and resource_id in self.orders.orders:
                return order_json(self, self.orders.orders[resource_id])
        return {"id": resource_id}

    def webhook_result(self, webhook: Webhook, ok: bool) -> None:
        if ok:
            webhook.failure_count = 0
            return
        webhook.failure_count += 1
        if webhook.failure_count > self.config.max_webhook_failures and webhook.status == "active":
            webhook.status = "disabled"
            webhook.modified = self.now()
            self._counters["webhooks_disabled"] += 1

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """The delivery log, oldest first (also ``GET /__admin__/webhooks/deliveries``)."""
        return self.delivery.entries()

    def wait_for_deliveries(self, timeout: float = 5.0) -> bool:
        """Block until no delivery is queued or running (True) or ``timeout`` passes (False)."""
        return self.delivery.wait_idle(timeout)

    # ---- scenario helpers (the admin API calls these) ------------------------------------------------------
    def purchase(self, items: list[dict[str, Any]], payment_method: str = "przelewy24", paid: bool = True,
                 invoice: bool = False, customer_note: str = "") -> dict[str, Any]:
        """A storefront checkout; returns the order JSON. ``items``: ``[{"sku", "quantity"}]`` or
        ``[{"product_id", "variation_id", "quantity"}]``. Unknown product → KeyError; out of stock, not
        purchasable → ``checkout.PurchaseRefused`` (a ValueError); nothing changes then."""
        with self.lock:
            order = checkout_purchase(self, items, payment_method=payment_method, paid=paid, invoice=invoice,
                                      customer_note=customer_note)
            return order_json(self, order)

    def set_order_status(self, order_id: int, status: str) -> dict[str, Any]:
        """The shop owner changes the status in wp-admin (same stock rules as the API; order.updated)."""
        from .orders import ORDER_STATUSES

        if status not in ORDER_STATUSES or status == "trash":
            raise ValueError(f"unknown order status {status!r}")
        with self.lock:
            order = self.orders.orders[order_id]
            self.orders.transition(order, status)
            return order_json(self, order)

    def pay_order(self, order_id: int, transaction_id: str = "") -> dict[str, Any]:
        """The payment arrives (gateway callback or the owner marking a transfer as paid)."""
        with self.lock:
            order = self.orders.orders[order_id]
            self.orders.payment_complete(order, transaction_id)
            return order_json(self, order)

    def admin_set_stock(self, product_id: int, quantity: int, *, variation_id: int | None = None) -> dict[str, Any]:
        """The shop owner types a stock quantity in wp-admin. For a variation whose stock the parent
        manages, the parent's quantity is set; an object without stock management starts managing it.
        Fires product.updated. Returns the product (or variation) JSON."""
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise ValueError("quantity must be an integer")
        with self.lock:
            catalog = self.catalog
            if variation_id:
                item = catalog.items.get(variation_id)
                if item is None or item.parent_id != product_id:
                    raise KeyError(f"variation {product_id}/{variation_id}")
            else:
                item = catalog.items.get(product_id)
                if item is None or item.is_variation:
                    raise KeyError(f"product {product_id}")
            owner = catalog.stock_owner(item)
            if owner is None:
                item.manage_stock = True
                owner = item
            catalog.set_quantity(owner, quantity)
            return variation_json(self, item) if item.is_variation else product_json(self, item)

    def admin_edit_product(self, product_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        """The shop owner edits a product (or variation) in wp-admin: REST field names, REST rules."""
        with self.lock:
            item = self.catalog.items[product_id]
            update_product(self, item, fields)
            return variation_json(self, item) if item.is_variation else product_json(self, item)

    def generate_catalog(self, count: int) -> list[int]:
        from .sample_catalog import generate

        with self.lock:
            return generate(self, count)

    def load_sample_catalog(self, path: str | None = None) -> list[int]:
        """WooCommerce's sample CSV (``path`` or ``config.sample_catalog``), else a generated catalog of
        ``config.sample_products`` products."""
        from .sample_catalog import generate, load_csv

        with self.lock:
            source = path or self.config.sample_catalog
            if source:
                return load_csv(self, source)
            return generate(self, self.config.sample_products)

    def set_fault_profile(self, profile: str | dict[str, Any] | FaultProfile) -> None:
        with self.lock:
            self.faults.set_profile(FaultProfile.from_json(profile) if isinstance(profile, dict) else profile)

    def drop_next_response(self, method: str = "POST", path_prefix: str = "/wp-json/wc/v3/products",
                           count: int = 1) -> None:
        """Process the next matching request(s) but close the connection instead of answering."""
        with self.lock:
            self.faults.drop_next(method, path_prefix, count)

    def start_buyers(self, purchases_per_minute: float, max_quantity: int = 1, cancel_share: float = 0.0,
                     **options: Any) -> None:
        self.simulation.start(purchases_per_minute, max_quantity, cancel_share, **options)

    def stop_buyers(self) -> None:
        self.simulation.stop()

    # ---- reports ------------------------------------------------------------------------------------------------
    def counters(self) -> dict[str, Any]:
        with self.lock:
            c = self._counters
            return {
                "requests": c["requests"],
                "responses_by_status": {k[7:]: v for k, v in sorted(c.items()) if k.startswith("status.")},
                "batch_requests": c["batch_requests"],
                "batch_items": c["batch_items"],
                "orders_created": self.orders.created_count,
                "orders_created_by_api": c["orders_created_by_api"],
                "purchases": c["purchases"],
                "products_created": self.catalog.created_count,
                "webhook_pings": c["webhook_pings"],
                "webhook_pings_failed": c["webhook_pings_failed"],
                "webhook_deliveries_ok": c["webhook_deliveries_ok"],
                "webhook_deliveries_failed": c["webhook_deliveries_failed"],
                "webhook_deliveries_dropped": c["webhook_deliveries_dropped"],
                "webhook_deliveries_duplicated": c["webhook_deliveries_duplicated"],
                "webhook_deliveries_coalesced": c["webhook_deliveries_coalesced"],
                "webhook_deliveries_pending": self.delivery.pending(),
                "webhooks_disabled": c["webhooks_disabled"],
                "events": {k[7:]: v for k, v in sorted(c.items()) if k.startswith("events.")},
                "faults_injected": dict(self.faults.injected),
                "buyer_simulation": self.simulation.counters(),
            }

    def state(self) -> dict[str, Any]:
        with self.lock:
            items = self.catalog.items.values()
            statuses: dict[str, int] = defaultdict(int)
            for order in self.orders.orders.values():
                statuses[order.status] += 1
            return {
                "now": self.site_time.gmt(self.now()),
                "site_url": self.config.site(),
                "rest_root": self.rest_root(),
                "fault_profile": self.faults.profile_name,
                "faults": self.faults.profile.to_json(),
                "products": sum(1 for p in items if not p.is_variation),
                "variations": sum(1 for p in items if p.is_variation),
                "categories": len(self.catalog.categories),
                "orders": len(self.orders.orders),
                "orders_by_status": dict(statuses),
                "webhooks": [{"id": w.id, "topic": w.topic, "status": w.status, "delivery_url": w.delivery_url,
                              "failure_count": w.failure_count} for w in self.webhooks.values()],
                "keys": [{"consumer_key": k.key, "permissions": k.permissions, "last_access":
                          self.site_time.gmt(k.last_access)} for k in self.keys.values()],
                "buyers_running": self.simulation.plan is not None,
            }
