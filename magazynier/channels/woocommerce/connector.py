"""The WooCommerce connector: plain values in and out over WooClient (../shared/DESIGN.md §3).

Listings are simple products ("17") and variations of variable products ("12:34": parent and variation);
grouped and external products have no stock of their own and are left out. Stock and prices go out through
the batch endpoints (at most 100 items per request, variations one parent per request), and every item's
answer is its outcome. Magazynier keeps the stock, so a stock write also switches the product's or
variation's own stock management on (a variation whose stock the parent kept gets its own).
Stateless; retries and idempotency belong to the caller (absolute values make a resend harmless).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from magazynier.channels.base import Capabilities
from magazynier.channels.errors import InvalidRequest, NotFound, TransientError
from magazynier.channels.types import (
    AccountInfo,
    CommandReport,
    OfferValue,
    OrderChanges,
    OrderEventRef,
    RemoteListing,
    RemoteOrder,
    RemoteShipment,
    TaskOutcome,
)
from magazynier.channels.woocommerce import orders as order_json
from magazynier.channels.woocommerce.client import WooClient

PAGE = 100  # per_page maximum
BATCH = 100  # items per batch request (create + update + delete)
SKU_FILTER_MAX = 50
STOCKED_TYPES = ("simple", "variable")
ORDER_TOPICS = ("order.created", "order.updated")
# Carriers a Polish shop ships with (WooCommerce core has no carrier list).
CARRIERS = [("INPOST", "InPost"), ("DPD", "DPD"), ("DHL", "DHL"), ("POCZTA_POLSKA", "Poczta Polska"),
            ("GLS", "GLS"), ("UPS", "UPS"), ("FEDEX", "FedEx"), ("ORLEN", "ORLEN Paczka"), ("OTHER", "inny")]


def split_offer_id(offer_id: str) -> tuple[str, str]:
    """("12", "34") for a variation, ("17", "") for a simple product."""
    parent, _sep, variation = offer_id.partition(":")
    if not parent.isdigit() or (variation and not variation.isdigit()):
        raise InvalidRequest(f"{offer_id!r} is not a WooCommerce product or variation id")
    return parent, variation


def _status(product: dict, parent: dict | None = None) -> str:
    own = str(product.get("status") or "publish")
    status = own if parent is None or own != "publish" else str(parent.get("status") or "publish")
    return {"publish": "ACTIVE", "trash": "ENDED"}.get(status, "INACTIVE")


def _price(item: dict) -> Decimal | None:
    value = item.get("regular_price") or item.get("price")
    return Decimal(str(value)) if value not in (None, "") else None


def _quantity(item: dict) -> int | None:
    if item.get("manage_stock") in (True, "parent") and item.get("stock_quantity") is not None:
        return int(item["stock_quantity"])
    return None  # the shop does not count it: unknown, never 0


def listing_of(product: dict, variation: dict | None = None) -> RemoteListing:
    if variation is None:
        return RemoteListing(offer_id=str(product["id"]), sku=str(product.get("sku") or ""),
                             title=str(product.get("name") or ""), status=_status(product),
                             quantity=_quantity(product), price=_price(product))
    options = " / ".join(str(a.get("option", "")) for a in variation.get("attributes") or [] if a.get("option"))
    title = f"{product.get('name', '')} — {options}" if options else str(product.get("name") or "")
    return RemoteListing(offer_id=order_json.offer_id_of(product["id"], variation["id"]),
                         sku=str(variation.get("sku") or ""), title=title, status=_status(variation, product),
                         quantity=_quantity(variation), price=_price(variation))


class WooConnector:
    capabilities = Capabilities(max_stock_batch=BATCH, max_price_batch=BATCH, order_journal=False, webhooks=True,
                                zero_ends_offer=False, value_per_offer=True)

    def __init__(self, client: WooClient):
        self.client = client

    def __repr__(self) -> str:
        return f"WooConnector({self.client.shop_url!r})"

    # ------------------------------------------------------------------ account
    def check_connection(self) -> AccountInfo:
        status = self.client.get("/system_status")
        site = str((status.get("environment") or {}).get("site_url") or self.client.shop_url).rstrip("/")
        try:
            name = str(self.client.index().get("name") or "")
        except TransientError:
            name = ""
        return AccountInfo(user_id=site, login=name or site, company_name=name)

    def currency(self) -> str:
        return str((self.client.get("/system_status").get("settings") or {}).get("currency") or "")

    # ------------------------------------------------------------------ products: reading
    def _pages(self, path: str, params: dict | None = None) -> Iterator[dict]:
        """Every item of a collection, checked against the shop's own total."""
        page, seen = 1, 0
        total = None
        while True:
            found = self.client.get_page(path, {"per_page": PAGE, "page": page, "orderby": "id", "order": "asc",
                                                **(params or {})})
            total = found.total if total is None else total
            yield from found.items
            seen += len(found.items)
            if page >= found.total_pages or not found.items:
                break
            page += 1
        if seen < total:
            raise TransientError(f"GET {path}: the shop listed {seen} of {total} items (the list changed while "
                                 "reading); read again.")

    def iter_products(self) -> Iterator[tuple[dict, list[dict]]]:
        """Every product with its variations (for a catalog import)."""
        for product in self._pages("/products"):
            if product.get("type") == "variable":
                yield product, list(self._pages(f"/products/{product['id']}/variations"))
            else:
                yield product, []

    def iter_listings(self) -> Iterator[RemoteListing]:
        for product, variations in self.iter_products():
            if product.get("type") == "simple":
                yield listing_of(product)
            for variation in variations:
                yield listing_of(product, variation)

    def get_listing(self, external_id: str) -> RemoteListing:
        parent, variation = split_offer_id(external_id)
        product = self.client.get(f"/products/{parent}")
        if not variation:
            return listing_of(product)
        return listing_of(product, self.client.get(f"/products/{parent}/variations/{variation}"))

    def find_listings_by_sku(self, skus: Sequence[str]) -> list[RemoteListing]:
        """Products and variations by the shop's SKU filter; a SKU it does not find is looked for with one
        full read (shops whose filter does not reach variations)."""
        wanted = sorted({s for s in skus if s})
        found: list[RemoteListing] = []
        for start in range(0, len(wanted), SKU_FILTER_MAX):
            chunk = wanted[start:start + SKU_FILTER_MAX]
            for item in self._pages("/products", {"sku": ",".join(chunk)}):
                if item.get("sku") not in chunk:
                    continue
                if item.get("type") == "simple":
                    found.append(listing_of(item))
                elif item.get("type") == "variation" and item.get("parent_id"):
                    parent = {"id": item["parent_id"], "name": str(item.get("name") or "").split(" - ")[0]}
                    found.append(listing_of(parent, item))
        missing = set(wanted) - {f.sku for f in found}
        if missing:
            found += [listing for listing in self.iter_listings()
                      if listing.sku in missing and ":" in listing.offer_id]
        return found

    # ------------------------------------------------------------------ stock and prices
    def push_stock(self, command_id: str, updates: Sequence[OfferValue]) -> CommandReport:
        """Set each offer's stock (a shop shows 0 as "out of stock"); one outcome per offer."""
        for u in updates:
            if int(u.value) < 0:
                raise InvalidRequest(f"Stock cannot be negative ({u.offer_id}: {u.value}).")
        return self._batch(command_id, updates, lambda v: {"manage_stock": True, "stock_quantity": int(v)},
                           lambda item, v: item.get("stock_quantity") == int(v))

    def push_prices(self, command_id: str, updates: Sequence[OfferValue]) -> CommandReport:
        def body(value) -> dict:
            return {"regular_price": f"{Decimal(value).quantize(Decimal('0.01'))}"}

        return self._batch(command_id, updates, body,
                           lambda item, v: _price(item) == Decimal(v).quantize(Decimal("0.01")))

    def _batch(self, command_id: str, updates: Sequence[OfferValue], body, took) -> CommandReport:
        groups: dict[str, list[tuple[str, str, object]]] = defaultdict(list)  # path -> (offer, id, value)
        for u in updates:
            parent, variation = split_offer_id(u.offer_id)
            path = f"/products/{parent}/variations/batch" if variation else "/products/batch"
            groups[path].append((u.offer_id, variation or parent, u.value))
        outcomes: list[TaskOutcome] = []
        for path, items in groups.items():
            for start in range(0, len(items), BATCH):
                chunk = items[start:start + BATCH]
                answer = self.client.post(path, {"update": [{"id": int(i), **body(v)} for _o, i, v in chunk]})
                outcomes += _outcomes(chunk, answer.get("update") or [], took)
        return CommandReport(command_id, True, tuple(outcomes))

    def command_report(self, kind: str, command_id: str) -> CommandReport:
        """Writes answer at once; a command whose answer was lost has no report to read (resend it)."""
        return CommandReport(command_id, True)

    # ------------------------------------------------------------------ orders
    def get_order(self, external_id: str) -> RemoteOrder:
        data = self.client.get(f"/orders/{int(external_id)}")
        if not order_json.is_order(data):
            raise NotFound(f"order {external_id} is a checkout draft, not an order yet")
        return order_json.order_from_json(data)

    def iter_orders(self, *, updated_since: datetime | None = None,
                    bought_since: datetime | None = None) -> Iterator[RemoteOrder]:
        """Orders changed (or placed) since a moment, oldest first. The shop's filter is strict and has whole
        seconds, so each page's lower bound moves to the last time seen less a second and repeats are
        skipped: an order changed while we read may come twice, never not at all."""
        field, order_by = ("after", "date") if bought_since is not None else ("modified_after", "modified")
        since = bought_since if bought_since is not None else updated_since
        time_key = "date_created_gmt" if bought_since is not None else "date_modified_gmt"
        bound = since - timedelta(seconds=1) if since is not None else None
        seen: set[tuple[str, str]] = set()
        page = 1
        while True:
            params = {"per_page": PAGE, "page": page, "orderby": order_by, "order": "asc", "dates_are_gmt": "true"}
            if bound is not None:
                params[field] = order_json.shop_time(bound)
            found = self.client.get_page("/orders", params)
            for data in found.items:
                key = (str(data.get("id")), str(data.get("date_modified_gmt")))
                if key in seen or not order_json.is_order(data):
                    continue
                seen.add(key)
                yield order_json.order_from_json(data)
            if page >= found.total_pages or len(found.items) < PAGE:
                return
            last = order_json.parse_gmt(found.items[-1].get(time_key))
            if last is not None and (bound is None or last - timedelta(seconds=1) > bound):
                bound, page = last - timedelta(seconds=1), 1
            else:
                page += 1  # a whole page within one second: step over it

    def fetch_order_changes(self, cursor: str | None, limit: int = PAGE) -> OrderChanges:
        """The shop has no journal: orders changed after the cursor (a modification time), oldest first.
        The next cursor is the newest time returned; an order changed in that same second comes again."""
        since = order_json.parse_gmt(cursor) if cursor else None
        events: list[OrderEventRef] = []
        newest = cursor
        for remote in self.iter_orders(updated_since=since):
            events.append(OrderEventRef(event_id=f"{remote.external_id}@{remote.revision}", kind="ORDER_CHANGED",
                                        order_id=remote.external_id, occurred_at=remote.updated_at))
            newest = order_json.shop_time(remote.updated_at)
            if len(events) >= limit:
                break
        return OrderChanges(tuple(events), newest)

    def order_journal_head(self) -> str | None:
        return None

    def push_fulfillment(self, external_id: str, status: str, revision: str | None = None) -> None:
        """Set the order's status in the shop (it has no revisions: the last write wins)."""
        name = order_json.STATUS_TO_SHOP.get(status)
        if name is None:
            raise InvalidRequest(f"WooCommerce has no order status for {status!r}.")
        self.client.put(f"/orders/{int(external_id)}", {"status": name})

    def shipments(self, external_id: str) -> list[RemoteShipment]:
        return order_json.shipments_from(self.client.get(f"/orders/{int(external_id)}"))

    def add_shipment(self, external_id: str, carrier_id: str, waybill: str, *, carrier_name: str = "",
                     line_ids: Sequence[str] = ()) -> RemoteShipment:
        """Store the tracking number on the order (a meta field Magazynier reads back) and tell the buyer in
        a customer note. Not idempotent: after a lost answer look at `shipments` first."""
        data = self.client.get(f"/orders/{int(external_id)}")
        current = [{"id": s.shipment_id, "carrier": s.carrier_id, "carrier_name": s.carrier_name,
                    "waybill": s.waybill} for s in order_json.shipments_from(data)]
        name = carrier_name or dict(CARRIERS).get(carrier_id, carrier_id)
        new = {"id": f"{carrier_id}-{waybill}", "carrier": carrier_id, "carrier_name": name, "waybill": waybill}
        self.client.put(f"/orders/{int(external_id)}",
                        {"meta_data": [{"key": order_json.TRACKING_KEY, "value": [*current, new]}]})
        self.client.post(f"/orders/{int(external_id)}/notes",
                         {"note": f"Przesyłka nadana: {name}, numer {waybill}.", "customer_note": True})
        return RemoteShipment(shipment_id=new["id"], carrier_id=carrier_id, waybill=waybill, carrier_name=name)

    def carriers(self) -> list[tuple[str, str]]:
        return list(CARRIERS)

    # ------------------------------------------------------------------ webhooks
    def webhooks(self) -> list[dict]:
        return list(self._pages("/webhooks"))

    def create_webhook(self, *, name: str, topic: str, delivery_url: str, secret: str) -> dict:
        return self.client.post("/webhooks", {"name": name, "topic": topic, "delivery_url": delivery_url,
                                              "secret": secret, "status": "active"})

    def activate_webhook(self, webhook_id: str) -> dict:
        return self.client.put(f"/webhooks/{int(webhook_id)}", {"status": "active"})

    def delete_webhook(self, webhook_id: str) -> None:
        self.client.delete(f"/webhooks/{int(webhook_id)}", {"force": "true"})


def _outcomes(chunk: list[tuple[str, str, object]], answers: list, took) -> list[TaskOutcome]:
    """One outcome per item, matched by id (the answer keeps the request's order, but ids are the proof)."""
    by_id = {}
    for answer in answers:
        if isinstance(answer, dict):
            by_id.setdefault(str(answer.get("id")), answer)
    outcomes = []
    for offer_id, item_id, value in chunk:
        answer = by_id.get(item_id)
        if answer is None:
            outcomes.append(TaskOutcome(offer_id, False, "The shop did not answer for this product."))
        elif answer.get("error"):
            error = answer["error"] or {}
            outcomes.append(TaskOutcome(offer_id, False, f"{error.get('code', '')}: {error.get('message', '')}"))
        elif not took(answer, value):
            outcomes.append(TaskOutcome(offer_id, False, "The shop kept another value than the one sent."))
        else:
            outcomes.append(TaskOutcome(offer_id, True))
    return outcomes
