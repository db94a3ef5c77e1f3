"""``/products``, ``/products/{id}``, ``/products/batch``, ``/products/{id}/variations…`` and
``/products/categories``."""

from __future__ import annotations

from typing import Any

from .batch import run_batch
from .product_json import category_json, product_json, variation_json
from .product_write import create_product, create_variation, update_product, update_variation
from .products import PRODUCT_TYPES, STATUSES, STOCK_STATUSES, Product
from .responses import RestResponse, WooError, invalid_id
from .rest import EDITABLE, Ctx, Handler, Router, created_response, date_filter, paginate, sort_items

ORDERBY = ("date", "id", "include", "title", "slug", "modified", "menu_order", "price")


def _sort_key(ctx: Ctx, orderby: str, include: list[int] | None):
    catalog = ctx.world.catalog
    if orderby == "id":
        return lambda p: p.id
    if orderby == "title":
        return lambda p: (catalog.display_name(p).lower(), p.id)
    if orderby == "slug":
        return lambda p: (p.slug, p.id)
    if orderby == "modified":
        return lambda p: (int(p.modified), p.modified_seq)
    if orderby == "menu_order":
        return lambda p: (p.menu_order, p.id)
    if orderby == "price":
        return lambda p: (float(catalog.price(p) or 0), p.id)
    if orderby == "include" and include:
        positions = {item_id: index for index, item_id in enumerate(include)}
        return lambda p: positions.get(p.id, len(positions))
    return lambda p: (int(p.created), p.id)


def _search(text: str):
    needle = text.lower()
    return lambda p: needle in p.name.lower() or needle in p.description.lower() or needle in p.short_description.lower()


def list_products(ctx: Ctx) -> RestResponse:
    params = ctx.params
    catalog = ctx.world.catalog
    skus = params.strings("sku")
    raw_sku = params.string("sku") if isinstance(params.raw("sku"), str) else None
    status = params.enum("status", ("any", "future", "trash", *STATUSES), "any")
    product_type = params.enum("type", PRODUCT_TYPES)
    stock_status = params.enum("stock_status", STOCK_STATUSES)
    include = params.ids("include")
    exclude = params.ids("exclude")
    parent = params.ids("parent")
    category = params.string("category")
    slug = params.string("slug")
    search = params.string("search")
    orderby = params.enum("orderby", ORDERBY, "date") or "date"
    order = params.enum("order", ("asc", "desc"), "desc") or "desc"
    dates = date_filter(ctx)
    items: list[Product] = []
    wanted_skus = set(skus or [])
    if raw_sku and len(wanted_skus) > 1:
        wanted_skus.add(raw_sku)  # a SKU may itself contain a comma
    for item in catalog.items.values():
        if item.is_variation and not wanted_skus:
            continue  # variations are found through /products only by SKU
        if wanted_skus and item.sku not in wanted_skus:
            continue
        if status == "any":
            if item.status == "trash":
                continue
        elif item.status != status:
            continue
        if product_type and item.type != product_type:
            continue
        if stock_status and catalog.stock_status(item) != stock_status:
            continue
        if include is not None and item.id not in include:
            continue
        if exclude and item.id in exclude:
            continue
        if parent is not None and item.parent_id not in parent:
            continue
        if category and not set(_category_ids(category)) & set(item.categories):
            continue
        if slug and item.slug != slug:
            continue
        if search and not _search(search)(item):
            continue
        if not dates(item.created, item.modified):
            continue
        items.append(item)
    items = sort_items(items, _sort_key(ctx, orderby, include), "asc" if orderby == "include" else order)
    return paginate(ctx, items, lambda p: product_json(ctx.world, p))


def _category_ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def _location(ctx: Ctx, path: str) -> str:
    return f"{ctx.world.rest_root()}{path}"


def create(ctx: Ctx) -> RestResponse:
    if ctx.params.has("id"):
        raise WooError(400, "woocommerce_rest_product_exists", "Cannot create existing product.")
    item = create_product(ctx.world, ctx.params.body)
    return created_response(product_json(ctx.world, item), _location(ctx, f"/products/{item.id}"))


def get_product(ctx: Ctx) -> dict[str, Any]:
    item = ctx.world.catalog.product(ctx.id(), allow_variation=True)
    return product_json(ctx.world, item)


def update(ctx: Ctx) -> dict[str, Any]:
    item = ctx.world.catalog.product(ctx.id(), 400, allow_variation=True)
    update_product(ctx.world, item, ctx.params.body)
    return product_json(ctx.world, item)


def delete_product(world, item: Product, force: bool) -> dict[str, Any]:
    if force:
        before = product_json(world, item)
        world.catalog.remove(item)
        return before
    if item.status == "trash":
        raise WooError(410, "woocommerce_rest_already_trashed", f"The product {item.id} has already been deleted.")
    world.catalog.trash(item)
    return product_json(world, item)


def delete(ctx: Ctx) -> dict[str, Any]:
    item = ctx.world.catalog.product(ctx.id())
    return delete_product(ctx.world, item, ctx.params.boolean("force", False))


def batch(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    catalog = world.catalog

    def do_create(data: dict[str, Any]) -> dict[str, Any]:
        return product_json(world, create_product(world, data))

    def do_update(item_id: int, data: dict[str, Any]) -> dict[str, Any]:
        item = catalog.product(item_id, 400, allow_variation=True)
        return product_json(world, update_product(world, item, data))

    def do_delete(item_id: int) -> dict[str, Any]:
        return delete_product(world, catalog.product(item_id), True)

    return run_batch(ctx, do_create, do_update, do_delete, invalid_id("product", 400))


# ---- variations -------------------------------------------------------------------------------------------
def _parent(ctx: Ctx) -> Product:
    parent = ctx.world.catalog.items.get(ctx.id("product_id"))
    if parent is None or parent.is_variation:
        raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
    return parent


def list_variations(ctx: Ctx) -> RestResponse:
    params = ctx.params
    catalog = ctx.world.catalog
    parent = _parent(ctx)
    skus = set(params.strings("sku") or [])
    status = params.enum("status", ("any", *STATUSES), "any")
    stock_status = params.enum("stock_status", STOCK_STATUSES)
    include = params.ids("include")
    exclude = params.ids("exclude")
    search = params.string("search")
    orderby = params.enum("orderby", ORDERBY, "date") or "date"
    order = params.enum("order", ("asc", "desc"), "desc") or "desc"
    dates = date_filter(ctx)
    items = []
    for item in catalog.variations_of(parent):
        if skus and item.sku not in skus:
            continue
        if status != "any" and item.status != status:
            continue
        if stock_status and catalog.stock_status(item) != stock_status:
            continue
        if include is not None and item.id not in include:
            continue
        if exclude and item.id in exclude:
            continue
        if search and not _search(search)(item):
            continue
        if not dates(item.created, item.modified):
            continue
        items.append(item)
    items = sort_items(items, _sort_key(ctx, orderby, include), "asc" if orderby == "include" else order)
    return paginate(ctx, items, lambda v: variation_json(ctx.world, v))


def create_var(ctx: Ctx) -> RestResponse:
    parent = _parent(ctx)
    item = create_variation(ctx.world, parent, ctx.params.body)
    return created_response(variation_json(ctx.world, item),
                            _location(ctx, f"/products/{parent.id}/variations/{item.id}"))


def get_var(ctx: Ctx) -> dict[str, Any]:
    parent = _parent(ctx)
    return variation_json(ctx.world, ctx.world.catalog.variation(parent.id, ctx.id()))


def update_var(ctx: Ctx) -> dict[str, Any]:
    parent = _parent(ctx)
    item = ctx.world.catalog.variation(parent.id, ctx.id(), 400)
    return variation_json(ctx.world, update_variation(ctx.world, item, ctx.params.body))


def delete_variation(world, item: Product, force: bool) -> dict[str, Any]:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported",
                       "Variations do not support trashing. Set 'force=true' to delete.")
    before = variation_json(world, item)
    world.catalog.remove(item)
    return before


def delete_var(ctx: Ctx) -> dict[str, Any]:
    parent = _parent(ctx)
    item = ctx.world.catalog.variation(parent.id, ctx.id())
    return delete_variation(ctx.world, item, ctx.params.boolean("force", False))


def batch_var(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    parent = _parent(ctx)
    catalog = world.catalog

    def do_create(data: dict[str, Any]) -> dict[str, Any]:
        return variation_json(world, create_variation(world, parent, data))

    def do_update(item_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return variation_json(world, update_variation(world, catalog.variation(parent.id, item_id, 400), data))

    def do_delete(item_id: int) -> dict[str, Any]:
        return delete_variation(world, catalog.variation(parent.id, item_id), True)

    return run_batch(ctx, do_create, do_update, do_delete, invalid_id("product_variation", 400))


# ---- categories ---------------------------------------------------------------------------------------------
def list_categories(ctx: Ctx) -> RestResponse:
    catalog = ctx.world.catalog
    params = ctx.params
    search = (params.string("search") or "").lower()
    parent = params.integer("parent")
    order = params.enum("order", ("asc", "desc"), "asc") or "asc"
    orderby = params.enum("orderby", ("id", "include", "name", "slug", "term_group", "description", "count"),
                          "name") or "name"
    items = [c for c in catalog.categories.values()
             if (not search or search in c.name.lower()) and (parent is None or c.parent == parent)]
    keys = {"id": lambda c: c.id, "slug": lambda c: c.slug, "count": lambda c: catalog.category_count(c.id)}
    items = sort_items(items, keys.get(orderby, lambda c: (c.name.lower(), c.id)), order)
    return paginate(ctx, [c.id for c in items], lambda cid: category_json(ctx.world, cid))


def create_category(ctx: Ctx) -> RestResponse:
    name = ctx.params.string("name")
    if not name:
        raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): name", params=["name"])
    parent = ctx.params.integer("parent", 0) or 0
    catalog = ctx.world.catalog
    if catalog.category_by_name(name, parent, create=False):
        raise WooError(400, "term_exists", "A term with the name provided already exists with this parent.")
    category = catalog.category_by_name(name, parent)
    return created_response(category_json(ctx.world, category.id),
                            _location(ctx, f"/products/categories/{category.id}"))


def get_category(ctx: Ctx) -> dict[str, Any]:
    if ctx.id() not in ctx.world.catalog.categories:
        raise WooError(404, "woocommerce_rest_term_invalid", "Resource does not exist.")
    return category_json(ctx.world, ctx.id())


def register(router: Router) -> None:
    p = "/wc/v3/products"
    router.add(f"{p}/categories", {"GET": Handler(list_categories, "list"),
                                   "POST": Handler(create_category, "create")})
    router.add(f"{p}/categories/{{id}}", {"GET": Handler(get_category, "view")})
    router.add(f"{p}/batch", {",".join(EDITABLE): Handler(batch, "batch")})
    router.add(f"{p}/{{product_id}}/variations/batch", {",".join(EDITABLE): Handler(batch_var, "batch")})
    router.add(f"{p}/{{product_id}}/variations", {"GET": Handler(list_variations, "list"),
                                                  "POST": Handler(create_var, "create")})
    router.add(f"{p}/{{product_id}}/variations/{{id}}", {"GET": Handler(get_var, "view"),
                                                         ",".join(EDITABLE): Handler(update_var, "edit"),
                                                         "DELETE": Handler(delete_var, "delete")})
    router.add(p, {"GET": Handler(list_products, "list"), "POST": Handler(create, "create")})
    router.add(f"{p}/{{id}}", {"GET": Handler(get_product, "view"), ",".join(EDITABLE): Handler(update, "edit"),
                               "DELETE": Handler(delete, "delete")})
