"""GET /sale/offer-events and the shared journal reading (``from``, ``limit``, ``type``, faults)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from .journals import Journal
from .pipeline import Context, endpoint
from .responses import ApiError, json_response

OFFER_EVENT_TYPES = {"OFFER_ACTIVATED", "OFFER_CHANGED", "OFFER_ENDED", "OFFER_STOCK_CHANGED",
                     "OFFER_PRICE_CHANGED", "OFFER_ARCHIVED", "OFFER_BID_PLACED", "OFFER_BID_CANCELED",
                     "OFFER_TRANSLATION_UPDATED", "OFFER_VISIBILITY_CHANGED",
                     "OFFER_DELIVERY_COUNTRIES_BLOCKED"}


def read_journal(ctx: Context, journal: Journal, known_types: set[str]) -> list[dict[str, Any]]:
    limit = ctx.query_int("limit", 100, 1, 1000)
    types = set(ctx.query_list("type"))
    unknown = types - known_types
    if unknown:
        raise ApiError(422, "VALIDATION_ERROR", f"Unknown event type(s): {sorted(unknown)}", path="type")
    cursor = ctx.query("from")
    after = None
    if cursor:
        try:
            after = journal.parse_cursor(cursor)
        except ValueError as exc:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid event id in 'from'", path="from") from exc
    events = journal.read(ctx.now, after, limit, types or None)
    events = ctx.world.faults.mangle_journal(events)
    return [event.to_json() for event in events]


@endpoint(scope="allegro:api:sale:offers:read", error_media_type="application/json")
def offer_events(ctx: Context):
    journal = ctx.world.offer_journal(ctx.seller_id)
    return json_response({"offerEvents": read_journal(ctx, journal, OFFER_EVENT_TYPES)})


ROUTES = [Route("/sale/offer-events", offer_events, methods=["GET"])]
