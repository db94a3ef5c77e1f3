"""HTTP handlers: /sale/product-offers (create, edit, read, parts, operations) and /sale/offers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.routing import Route

from .formats import iso, money
from .offer_model import Offer, Operation
from .pipeline import Context, endpoint, require_dict
from .responses import ApiError, empty_response, json_response, not_found, rate_limited_resource

WRITE = "allegro:api:sale:offers:write"
READ = "allegro:api:sale:offers:read"


def _public_json(offer: Offer) -> dict:
    return offer.to_json()


def _operation_headers(ctx: Context, offer: Offer, operation: Operation) -> dict[str, str]:
    base = ctx.world.config.public_base_url.rstrip("/")
    return {"Location": f"{base}/sale/product-offers/{offer.id}/operations/{operation.id}",
            "Retry-After": str(max(1, int(ctx.world.config.product_offer_operation_seconds)))}


# ---- handlers -----------------------------------------------------------------------------------


@endpoint(scope=WRITE, body="json")
def create_offer(ctx: Context):
    body = require_dict(ctx.body)
    offer, operation = ctx.world.offers.create(ctx.seller_id, body, ctx.now)
    if operation is not None:
        return json_response(_public_json(offer), status=202, headers=_operation_headers(ctx, offer, operation))
    return json_response(_public_json(offer), status=201)


def _resource_limit(ctx: Context, resource: str, per_minute: int) -> None:
    if not ctx.world.limiter.admit_resource(ctx.seller_id, resource, per_minute, ctx.now):
        raise rate_limited_resource()


@endpoint(scope=WRITE, body="json")
def patch_offer(ctx: Context):
    offer = ctx.world.offers.get_owned(ctx.path["offerId"], ctx.seller_id)
    _resource_limit(ctx, "PATCH /sale/product-offers", ctx.world.config.limits.product_offer_patch_per_minute)
    operation = ctx.world.offers.patch(offer, require_dict(ctx.body), ctx.now)
    if operation is not None:
        return json_response(_public_json(offer), status=202, headers=_operation_headers(ctx, offer, operation))
    return json_response(_public_json(offer))


@endpoint(scope=READ)
def get_offer(ctx: Context):
    offer = ctx.world.offers.get_owned(ctx.path["offerId"], ctx.seller_id)
    _resource_limit(ctx, "GET /sale/product-offers", ctx.world.config.limits.product_offer_get_per_minute)
    return json_response(_public_json(offer))


@endpoint(scope=READ)
def get_offer_parts(ctx: Context):
    offer = ctx.world.offers.get_owned(ctx.path["offerId"], ctx.seller_id)
    include = ctx.query_list("include")
    if not include or not set(include) <= {"stock", "price"}:
        raise ApiError(400, "VALIDATION_ERROR", "include must be one or more of: stock, price", path="include")
    _resource_limit(ctx, "GET /sale/product-offers/parts",
                    ctx.world.config.limits.product_offer_parts_per_minute)
    data: dict[str, Any] = {"id": offer.id}
    if "stock" in include:
        data["stock"] = {"available": offer.available}
    if "price" in include and offer.price is not None:
        data["sellingMode"] = {"price": money(offer.price, offer.currency)}
        if offer.additional_marketplaces:
            data["additionalMarketplaces"] = {
                mp: {"sellingMode": {"price": value["sellingMode"]["price"]}}
                for mp, value in offer.additional_marketplaces.items() if value["sellingMode"]
            }
    return json_response(data)


@endpoint(scope=READ)
def get_operation(ctx: Context):
    offer = ctx.world.offers.get_owned(ctx.path["offerId"], ctx.seller_id)
    operation = ctx.world.offers.operations.get(ctx.path["operationId"])
    if operation is None or operation.offer_id != offer.id:
        raise not_found("operation")
    if operation.done:
        base = ctx.world.config.public_base_url.rstrip("/")
        return empty_response(303, headers={"Location": f"{base}/sale/product-offers/{offer.id}"})
    status = "IN_PROGRESS" if ctx.now > operation.started_at else "PENDING"
    return json_response({"offer": {"id": offer.id},
                          "operation": {"id": operation.id, "status": status,
                                        "startedAt": iso(operation.started_at)}},
                         status=202, headers={"Retry-After": "1"})


@endpoint(scope=WRITE)
def delete_offer(ctx: Context):
    offer = ctx.world.offers.get_owned(ctx.path["offerId"], ctx.seller_id)
    if offer.ever_published or offer.status != "INACTIVE":
        raise ApiError(409, "OFFER_NOT_DRAFT", "Only drafts can be deleted", "Można usunąć tylko szkic oferty.")
    del ctx.world.offers.offers[offer.id]
    return empty_response(204)


SORTS = {
    "sellingMode.price.amount": lambda o: o.price or Decimal(0),
    "stock.sold": lambda o: o.sold,
    "stock.available": lambda o: o.available,
}


@endpoint(scope=READ)
def list_offers(ctx: Context):
    limits = ctx.world.config.limits
    limit = ctx.query_int("limit", 20, 1, limits.offers_list_max_limit)
    offset = ctx.query_int("offset", 0, 0, 9_999_999)
    external_ids = ctx.query_list("external.id")
    if len(external_ids) > limits.external_id_filter_max_values:
        raise ApiError(422, "VALIDATION_ERROR",
                       f"size must be between 0 and {limits.external_id_filter_max_values}", path="external.id")
    offer_ids = set(ctx.query_list("offer.id"))
    statuses = set(ctx.query_list("publication.status"))
    formats = set(ctx.query_list("sellingMode.format"))
    name = (ctx.query("name") or "").lower()
    category_id = ctx.query("category.id")
    gte, lte = ctx.query("sellingMode.price.amount.gte"), ctx.query("sellingMode.price.amount.lte")
    try:
        price_gte = Decimal(gte) if gte else None
        price_lte = Decimal(lte) if lte else None
    except ArithmeticError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid price filter") from exc
    external_set = set(external_ids)
    result = []
    for offer in ctx.world.offers.offers.values():
        if offer.seller_id != ctx.seller_id:
            continue
        if external_set and offer.external_id not in external_set:
            continue
        if offer_ids and offer.id not in offer_ids:
            continue
        if statuses and offer.status not in statuses:
            continue
        if formats and offer.selling_format not in formats:
            continue
        if name and name not in offer.name.lower():
            continue
        if category_id and offer.category_id != category_id:
            continue
        if price_gte is not None and (offer.price is None or offer.price < price_gte):
            continue
        if price_lte is not None and (offer.price is None or offer.price > price_lte):
            continue
        result.append(offer)
    sort = ctx.query("sort")
    if sort:
        key = SORTS.get(sort.lstrip("-"))
        if key is None:
            raise ApiError(400, "VALIDATION_ERROR", "Unsupported sort", path="sort")
        result.sort(key=key, reverse=sort.startswith("-"))
    else:
        result.sort(key=lambda o: (o.created_at, int(o.id)), reverse=True)
    page = result[offset:offset + limit]
    return json_response({"offers": [o.listing_json() for o in page], "count": len(page),
                          "totalCount": len(result)})


ROUTES = [
    Route("/sale/product-offers", create_offer, methods=["POST"]),
    Route("/sale/product-offers/{offerId}", get_offer, methods=["GET"]),
    Route("/sale/product-offers/{offerId}", patch_offer, methods=["PATCH"]),
    Route("/sale/product-offers/{offerId}/parts", get_offer_parts, methods=["GET"]),
    Route("/sale/product-offers/{offerId}/operations/{operationId}", get_operation, methods=["GET"]),
    Route("/sale/offers", list_offers, methods=["GET"]),
    Route("/sale/offers/{offerId}", delete_offer, methods=["DELETE"]),
]
