"""GET /me, categories, category parameters, matching categories and catalog products."""

from __future__ import annotations

from starlette.routing import Route

from .pipeline import Context, endpoint
from .responses import ApiError, json_response, not_found


@endpoint(scope="allegro:api:profile:read")
def me(ctx: Context):
    return json_response(ctx.world.sellers[ctx.seller_id].to_me_json())


def _category(ctx: Context, category_id: str):
    category = ctx.world.catalog.categories.get(category_id)
    if category is None:
        raise not_found("category")
    return category


@endpoint(user=False)
def list_categories(ctx: Context):
    parent = ctx.query("parent.id")
    if parent is not None:
        _category(ctx, parent)
    return json_response({"categories": [c.to_json() for c in ctx.world.catalog.children(parent)]})


@endpoint(user=False)
def get_category(ctx: Context):
    return json_response(_category(ctx, ctx.path["categoryId"]).to_json())


@endpoint(user=False)
def category_parameters(ctx: Context):
    category = _category(ctx, ctx.path["categoryId"])
    params = ctx.world.catalog.parameters(category.id)
    return json_response({"parameters": [p.to_json() for p in params]})


def _suggestion_node(catalog, category_id: str | None):
    if category_id is None:
        return None
    category = catalog.categories[category_id]
    node = {"id": category.id, "name": category.name}
    parent = _suggestion_node(catalog, category.parent_id)
    if parent is not None:
        node["parent"] = parent
    return node


@endpoint()
def matching_categories(ctx: Context):
    name = ctx.query("name")
    if not name:
        raise ApiError(422, "VALIDATION_ERROR", "Parameter 'name' is required", path="name")
    catalog = ctx.world.catalog
    return json_response({"matchingCategories": [_suggestion_node(catalog, c.id) for c in catalog.matching(name)]})


def _products_leaky_bucket(world, token) -> float:
    """Allegro slows /sale/products down for a user after a burst (thresholds undisclosed: opt-in)."""
    limits = world.config.limits
    if limits.products_fast_calls_per_minute is None or token.seller_id is None:
        return 0.0
    before = world.limiter.count_resource(token.seller_id, "GET /sale/products", world.clock.now())
    return limits.products_slowdown_seconds if before >= limits.products_fast_calls_per_minute else 0.0


@endpoint(scope="allegro:api:sale:offers:read", delay=_products_leaky_bucket)
def search_products(ctx: Context):
    phrase = ctx.query("phrase")
    mode = ctx.query("mode")
    category_id = ctx.query("category.id")
    if not phrase and not category_id:
        raise ApiError(422, "VALIDATION_ERROR", "Provide phrase or category.id", path="phrase")
    if mode not in (None, "GTIN", "MPN"):
        raise ApiError(400, "VALIDATION_ERROR", "mode must be GTIN or MPN", path="mode")
    catalog = ctx.world.catalog
    found = catalog.search(phrase or "", mode, category_id)
    page_size = 30
    start = int(ctx.query("page.id") or 0) if (ctx.query("page.id") or "0").isdigit() else 0
    page = found[start:start + page_size]
    data = {"products": [p.to_json(catalog) for p in page], "categories": {"subcategories": [], "path": []},
            "filters": []}
    if start + page_size < len(found):
        data["nextPage"] = {"id": str(start + page_size)}
    return json_response(data)


@endpoint(scope="allegro:api:sale:offers:read", delay=_products_leaky_bucket)
def get_product(ctx: Context):
    product = ctx.world.catalog.products.get(ctx.path["productId"])
    if product is None:
        raise not_found("product")
    return json_response(product.to_json(ctx.world.catalog))


ROUTES = [
    Route("/me", me, methods=["GET"]),
    Route("/sale/categories", list_categories, methods=["GET"]),
    Route("/sale/categories/{categoryId}", get_category, methods=["GET"]),
    Route("/sale/categories/{categoryId}/parameters", category_parameters, methods=["GET"]),
    Route("/sale/matching-categories", matching_categories, methods=["GET"]),
    Route("/sale/products", search_products, methods=["GET"]),
    Route("/sale/products/{productId}", get_product, methods=["GET"]),
]
