"""The Allegro connector: plain values in and out over AllegroClient (../shared/DESIGN.md §3).

Stateless; retries, chunking and idempotency belong to the caller. Creating an offer has no idempotency
key on Allegro, so `create_offer` never retries: after a TransientError with maybe_applied the caller looks
the offer up by SKU (`find_listings_by_sku`) before creating again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from magazynier.channels.allegro import orders as order_json
from magazynier.channels.allegro.client import AllegroClient
from magazynier.channels.base import Capabilities
from magazynier.channels.errors import Conflict, InvalidRequest, TransientError
from magazynier.channels.types import (
    AccountInfo,
    CatalogProduct,
    CommandReport,
    OfferResult,
    OfferValue,
    OrderChanges,
    RemoteListing,
    RemoteOrder,
    RemoteShipment,
    TaskOutcome,
)

PAGE = 1000  # GET /sale/offers maximum
ORDER_PAGE = 100  # GET /order/checkout-forms maximum
EVENTS_PAGE = 1000  # GET /order/events maximum
SKU_FILTER_MAX = 100  # external.id values per GET /sale/offers
COMMAND_MAX_OFFERS = 1000
COMMAND_PATHS = {
    "publication": "/sale/offer-publication-commands",
    "quantity": "/sale/offer-quantity-change-commands",
    "price": "/sale/offer-price-change-commands",
}


def _remote(item: dict) -> RemoteListing:
    selling = item.get("sellingMode") or {}
    price = (selling.get("price") or {}).get("amount")
    stock = item.get("stock") or {}
    product_set = item.get("productSet") or []
    product_id = ((product_set[0].get("product") or {}).get("id", "")) if product_set else ""
    return RemoteListing(
        offer_id=str(item["id"]), sku=str((item.get("external") or {}).get("id") or ""),
        title=item.get("name", ""), status=(item.get("publication") or {}).get("status", ""),
        quantity=stock.get("available"), price=Decimal(price) if price is not None else None,
        category_id=str((item.get("category") or {}).get("id", "")), product_id=str(product_id or ""),
    )


class AllegroConnector:
    capabilities = Capabilities(max_stock_batch=COMMAND_MAX_OFFERS, max_price_batch=COMMAND_MAX_OFFERS,
                                order_journal=True, webhooks=False, zero_ends_offer=True)

    def __init__(self, client: AllegroClient):
        self.client = client

    # ------------------------------------------------------------------ account
    def check_connection(self) -> AccountInfo:
        me = self.client.get("/me")
        return AccountInfo(user_id=str(me["id"]), login=me.get("login", ""),
                           company_name=((me.get("company") or {}).get("name") or ""))

    # ------------------------------------------------------------------ offers: reading
    def iter_listings(self) -> Iterator[RemoteListing]:
        """Every offer of the seller, page by page; raises TransientError if the list changed size under us
        in a way that means offers were skipped (the total must be reached)."""
        offset, seen, total = 0, 0, None
        while True:
            page = self.client.get("/sale/offers", {"limit": PAGE, "offset": offset})
            total = page.get("totalCount", 0) if total is None else total
            offers = page.get("offers", [])
            for item in offers:
                yield _remote(item)
            seen += len(offers)
            offset += len(offers)
            if len(offers) < PAGE:
                break
        if seen < total:
            raise TransientError(f"Allegro listed {seen} offers of {total}: the list changed while reading; "
                                 "read again.")

    def find_listings_by_sku(self, skus: Sequence[str]) -> list[RemoteListing]:
        found: list[RemoteListing] = []
        unique = sorted({s for s in skus if s})
        for start in range(0, len(unique), SKU_FILTER_MAX):
            chunk = unique[start:start + SKU_FILTER_MAX]
            params = [("external.id", sku) for sku in chunk] + [("limit", PAGE)]
            found += [_remote(item) for item in self.client.get("/sale/offers", params).get("offers", [])]
        return found

    def get_listing(self, external_id: str) -> RemoteListing:
        return _remote(self.get_offer(external_id))

    def get_offer(self, offer_id: str) -> dict:
        return self.client.get(f"/sale/product-offers/{offer_id}")

    # ------------------------------------------------------------------ offers: writing
    def create_offer(self, payload: dict) -> OfferResult:
        response = self.client.post("/sale/product-offers", payload)
        return self._offer_result(response.json(), response.headers.get("Location", "")
                                  if response.status_code == 202 else "")

    def edit_offer(self, offer_id: str, patch: dict) -> OfferResult:
        response = self.client.patch(f"/sale/product-offers/{offer_id}", patch)
        return self._offer_result(response.json(), response.headers.get("Location", "")
                                  if response.status_code == 202 else "")

    def operation_done(self, location: str) -> bool:
        """True once an async create/edit finished (Allegro answers 303 to the offer), False while running."""
        return self.client.follow(location).status_code == 303

    @staticmethod
    def _offer_result(body: dict, operation: str) -> OfferResult:
        errors = tuple(
            (e.get("userMessage") or e.get("message") or e.get("code") or "")
            for e in ((body.get("validation") or {}).get("errors") or [])
        )
        return OfferResult(offer_id=str(body["id"]), status=(body.get("publication") or {}).get("status", ""),
                           validation_errors=errors, pending_operation=operation)

    # ------------------------------------------------------------------ commands
    def send_command(self, kind: str, command_id: str, offer_ids: Sequence[str], modification: dict) -> None:
        """PUT one command (≤ 1,000 offers). A reused id answers 409: the command was already accepted."""
        if not 0 < len(offer_ids) <= COMMAND_MAX_OFFERS:
            raise InvalidRequest(f"A command takes 1 to {COMMAND_MAX_OFFERS} offers, not {len(offer_ids)}.")
        body = {**modification, "offerCriteria": [{"type": "CONTAINS_OFFERS",
                                                   "offers": [{"id": o} for o in offer_ids]}]}
        try:
            self.client.put(f"{COMMAND_PATHS[kind]}/{command_id}", body)
        except Conflict:
            pass  # our earlier attempt got through: the id is the idempotency key

    def publish(self, command_id: str, offer_ids: Sequence[str], action: str = "ACTIVATE") -> None:
        self.send_command("publication", command_id, offer_ids, {"publication": {"action": action}})

    def push_quantity(self, command_id: str, offer_ids: Sequence[str], quantity: int) -> None:
        """Set the stock of every offer to `quantity` (> 0: Allegro ends an offer instead of showing 0)."""
        if quantity <= 0:
            raise InvalidRequest("Allegro cannot show 0 units on an offer: end the offer instead.")
        self.send_command("quantity", command_id, offer_ids,
                          {"modification": {"changeType": "FIXED", "value": int(quantity)}})

    def push_price(self, command_id: str, offer_ids: Sequence[str], price: Decimal) -> None:
        amount = f"{Decimal(price).quantize(Decimal('0.01'))}"
        self.send_command("price", command_id, offer_ids, {"modification": {
            "type": "FIXED_PRICE", "price": {"amount": amount, "currency": "PLN"}, "marketplaceId": "allegro-pl"}})

    def push_stock(self, command_id: str, updates: Sequence[OfferValue]) -> CommandReport:
        """The connector contract's stock write: one command, so one value for all offers. Its outcome comes
        later, from `command_report("quantity", command_id)`."""
        self.push_quantity(command_id, [u.offer_id for u in updates], int(_one_value(updates)))
        return CommandReport(command_id, False)

    def push_prices(self, command_id: str, updates: Sequence[OfferValue]) -> CommandReport:
        self.push_price(command_id, [u.offer_id for u in updates], Decimal(_one_value(updates)))
        return CommandReport(command_id, False)

    def command_report(self, kind: str, command_id: str) -> CommandReport:
        base = f"{COMMAND_PATHS[kind]}/{command_id}"
        summary = self.client.get(base)
        count = summary.get("taskCount") or {}
        done = summary.get("completedAt") is not None or (
            count.get("total", 0) > 0 and count.get("success", 0) + count.get("failed", 0) >= count["total"])
        if not done:
            return CommandReport(command_id, False)
        outcomes: list[TaskOutcome] = []
        offset = 0
        while True:
            page = self.client.get(f"{base}/tasks", {"limit": 1000, "offset": offset}).get("tasks", [])
            for task in page:
                errors = task.get("errors") or []
                message = "; ".join(e.get("userMessage") or e.get("message") or "" for e in errors) or task.get(
                    "message", "")
                outcomes.append(TaskOutcome(str((task.get("offer") or {}).get("id", "")),
                                            task.get("status") == "SUCCESS", message))
            offset += len(page)
            if len(page) < 1000 or offset > 999:
                break
        return CommandReport(command_id, True, tuple(outcomes))

    # ------------------------------------------------------------------ categories and catalog
    def categories(self, parent_id: str | None = None) -> list[dict]:
        params = {"parent.id": parent_id} if parent_id else None
        return self.client.get("/sale/categories", params).get("categories", [])

    def category(self, category_id: str) -> dict:
        return self.client.get(f"/sale/categories/{category_id}")

    def category_parameters(self, category_id: str) -> list[dict]:
        return self.client.get(f"/sale/categories/{category_id}/parameters").get("parameters", [])

    def matching_categories(self, name: str) -> list[dict]:
        """Allegro's suggestions for a product name: [{"id", "name", "parent": {...}}] (parents nested)."""
        return self.client.get("/sale/matching-categories", {"name": name}).get("matchingCategories", [])

    def products_by_gtin(self, ean: str) -> list[CatalogProduct]:
        data = self.client.get("/sale/products", {"phrase": ean, "mode": "GTIN"})
        return [CatalogProduct(str(p["id"]), p.get("name", ""), str((p.get("category") or {}).get("id", "")),
                               parameter_ids=tuple(str(x["id"]) for x in p.get("parameters") or []
                                                   if x.get("values") or x.get("valuesIds") or x.get("rangeValue")))
                for p in data.get("products", [])]

    # ------------------------------------------------------------------ orders
    def order_journal_head(self) -> str | None:
        """The id of the newest order event (a new account starts reading after it), None if there is none."""
        latest = self.client.get("/order/event-stats").get("latestEvent") or {}
        return str(latest["id"]) if latest.get("id") else None

    def fetch_order_changes(self, cursor: str | None, limit: int = EVENTS_PAGE) -> OrderChanges:
        """The next events after `cursor`, oldest first (duplicates and a rare reordering are possible)."""
        params = {"limit": limit, **({"from": cursor} if cursor else {})}
        events = [order_json.event_ref(e) for e in self.client.get("/order/events", params).get("events", [])]
        return OrderChanges(tuple(events), events[-1].event_id if events else cursor)

    def get_order(self, external_id: str) -> RemoteOrder:
        return order_json.order_from_form(self.client.get(f"/order/checkout-forms/{external_id}"))

    def iter_orders(self, *, updated_since: datetime | None = None,
                    bought_since: datetime | None = None) -> Iterator[RemoteOrder]:
        """Orders updated (or bought) since a moment, oldest change first. Pages move their lower bound up
        to the last time seen instead of growing an offset, so a long read stays cheap; an order changed
        while we read may come twice, never not at all before the moment the read began."""
        field = "updatedAt" if bought_since is None else "lineItems.boughtAt"
        since = bought_since if bought_since is not None else updated_since
        bound = _iso(since) if since is not None else None
        seen_at_bound: set[str] = set()
        offset = 0
        while True:
            params = {"limit": ORDER_PAGE, "offset": offset, "sort": field}
            if bound is not None:
                params[f"{field}.gte"] = bound
            forms = self.client.get("/order/checkout-forms", params).get("checkoutForms", [])
            for form in forms:
                if form["id"] not in seen_at_bound:
                    yield order_json.order_from_form(form)
            if len(forms) < ORDER_PAGE:
                return
            last = _form_time(forms[-1], field)
            if last == bound:  # a whole page at one instant: step over it by offset
                offset += len(forms)
                seen_at_bound |= {f["id"] for f in forms}
            else:
                bound, offset = last, 0
                seen_at_bound = {f["id"] for f in forms if _form_time(f, field) == last}

    def push_fulfillment(self, external_id: str, status: str, revision: str | None = None) -> None:
        """Set the seller's fulfilment status. A stale `revision` raises Conflict: read the order again."""
        name = order_json.STATUS_TO_FULFILLMENT.get(status)
        if name is None:
            raise InvalidRequest(f"Allegro does not let a seller set the status {status!r}.")
        self.client.put(f"/order/checkout-forms/{external_id}/fulfillment", {"status": name},
                        {"checkoutForm.revision": revision} if revision else None)

    def shipments(self, external_id: str) -> list[RemoteShipment]:
        data = self.client.get(f"/order/checkout-forms/{external_id}/shipments")
        return [order_json.shipment_from(s) for s in data.get("shipments", [])]

    def add_shipment(self, external_id: str, carrier_id: str, waybill: str, *, carrier_name: str = "",
                     line_ids: Sequence[str] = ()) -> RemoteShipment:
        """Add a tracking number. Not idempotent on Allegro: look at `shipments` first after a lost answer."""
        body: dict = {"carrierId": carrier_id, "waybill": waybill}
        if carrier_id == "OTHER":
            body["carrierName"] = carrier_name[:30]
        if line_ids:
            body["lineItems"] = [{"id": i} for i in line_ids]
        response = self.client.post(f"/order/checkout-forms/{external_id}/shipments", body)
        return order_json.shipment_from(response.json())

    def carriers(self) -> list[tuple[str, str]]:
        return [(str(c["id"]), str(c.get("name", c["id"]))) for c in self.client.get("/order/carriers")
                .get("carriers", [])]


def _one_value(updates: Sequence[OfferValue]):
    values = {u.value for u in updates}
    if len(values) != 1:
        raise InvalidRequest(f"An Allegro command sets one value on all its offers, not {len(values)} values.")
    return values.pop()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _form_time(form: dict, field: str) -> str:
    if field == "updatedAt":
        return form.get("updatedAt", "")
    return min((i.get("boughtAt", "") for i in form.get("lineItems") or []), default="")
