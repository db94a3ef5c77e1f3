"""Allegro's rate limits as budgets shared by every worker (research §4). One place for each number.

We run a little under each published limit (SAFETY) so clock skew between our processes and Allegro's
window never tips a call over. Keys name whose budget it is; core.ratebudget hashes them before storing.
"""

from __future__ import annotations

import re

from magazynier.core.ratebudget import Limit

SAFETY = 0.95
CLIENT_REQUESTS = (Limit(int(9000 * SAFETY), 60),)  # per client id, all sellers together
MATCHING_CATEGORIES = (Limit(5, 1),)  # GET /sale/matching-categories, per client id
OFFER_CHANGES = (Limit(int(9000 * SAFETY), 60), Limit(int(250_000 * SAFETY), 3600))  # per seller, in offers
PRICE_CHANGES = (Limit(int(150_000 * SAFETY), 3600),)  # per seller, in offers, on top of OFFER_CHANGES
PRODUCT_OFFER_PATCH = (Limit(int(2500 * SAFETY), 60),)
PRODUCT_OFFER_GET = (Limit(int(3500 * SAFETY), 60),)
PRODUCT_OFFER_PARTS = (Limit(int(7000 * SAFETY), 60),)
CLIENT_BLOCK_SECONDS = 60.0  # Allegro blocks a client id for a minute after a 429
SELLER_BACKOFF_SECONDS = 60.0

_COMMAND = re.compile(r"^/sale/offer-(publication|quantity-change|price-change|modification)-commands/[^/]+$")
_PRODUCT_OFFER = re.compile(r"^/sale/product-offers/[^/]+$")
_PRODUCT_OFFER_PARTS = re.compile(r"^/sale/product-offers/[^/]+/parts$")


def client_key(client_id: str) -> str:
    return f"allegro:client:{client_id}"


def seller_key(seller_id: str, resource: str) -> str:
    return f"allegro:seller:{seller_id}:{resource}"


def seller_budgets(method: str, path: str, body: dict | None) -> list[tuple[str, tuple[Limit, ...], int]]:
    """(resource, limits, weight) a request takes from its seller's budgets, besides the client's budget."""
    if method == "PUT" and (match := _COMMAND.match(path)):
        offers = sum(len(c.get("offers", [])) for c in (body or {}).get("offerCriteria", []))
        budgets = [("offer-changes", OFFER_CHANGES, offers)]
        if match.group(1) == "price-change":
            budgets.append(("price-changes", PRICE_CHANGES, offers))
        return [b for b in budgets if b[2] > 0]
    if method == "PATCH" and _PRODUCT_OFFER.match(path):
        return [("product-offer-patch", PRODUCT_OFFER_PATCH, 1)]
    if method == "GET" and _PRODUCT_OFFER.match(path):
        return [("product-offer-get", PRODUCT_OFFER_GET, 1)]
    if method == "GET" and _PRODUCT_OFFER_PARTS.match(path):
        return [("product-offer-parts", PRODUCT_OFFER_PARTS, 1)]
    return []


def client_resource_budgets(method: str, path: str) -> list[tuple[str, tuple[Limit, ...]]]:
    if method == "GET" and path == "/sale/matching-categories":
        return [("matching-categories", MATCHING_CATEGORIES)]
    return []
