"""REST representations of products, variations and categories (what GET returns and webhooks send)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .products import Product, on_sale

if TYPE_CHECKING:
    from .world import World


def _price_html(price: str) -> str:
    if price == "":
        return ""
    amount = f"{Decimal(price):,.2f}".replace(",", " ").replace(".", ",")
    return (f'<span class="woocommerce-Price-amount amount"><bdi>{amount}&nbsp;'
            f'<span class="woocommerce-Price-currencySymbol">&#122;&#322;</span></bdi></span>')


def _image(world: World, image_id: int, position: int | None = None) -> dict[str, Any]:
    attachment = world.catalog.attachments.get(image_id, {"src": "", "name": "", "alt": "", "created": 0})
    data = {"id": image_id, **world.site_time.pair("date_created", attachment["created"]),
            **world.site_time.pair("date_modified", attachment["created"]),
            "src": attachment["src"], "name": attachment["name"], "alt": attachment["alt"]}
    if position is not None:
        data["position"] = position
    return data


def permalink(world: World, item: Product) -> str:
    site = world.config.site()
    if item.is_variation:
        parent = world.catalog.parent_of(item)
        query = "&".join(f"attribute_{a['name'].lower()}={a['option'].lower()}"
                         for a in item.attributes if a.get("option"))
        base = permalink(world, parent) if parent else site
        return f"{base}?{query}" if query else base
    if item.status != "publish":
        return f"{site}?post_type=product&p={item.id}"
    return f"{site}produkt/{item.slug}/"


def _links(world: World, path: str, collection: str, up: str | None = None) -> dict[str, Any]:
    root = world.rest_root()
    links: dict[str, Any] = {"self": [{"href": f"{root}{path}"}], "collection": [{"href": f"{root}{collection}"}]}
    if up:
        links["up"] = [{"href": f"{root}{up}"}]
    return links


def _stock_fields(world: World, item: Product) -> dict[str, Any]:
    catalog = world.catalog
    owner = catalog.stock_owner(item)
    manage: bool | str = item.manage_stock
    if item.is_variation and not item.manage_stock and owner is not None:
        manage = "parent"
    backorders = owner.backorders if owner is not None else item.backorders
    quantity = owner.stock_quantity if owner is not None else None
    return {
        "manage_stock": manage,
        "stock_quantity": quantity,
        "stock_status": catalog.stock_status(item),
        "backorders": backorders,
        "backorders_allowed": backorders != "no",
        "backordered": owner is not None and (quantity or 0) < 0 and backorders != "no",
        "low_stock_amount": item.low_stock_amount,
    }


def _meta(item: Product) -> list[dict[str, Any]]:
    return [dict(m) for m in item.meta]


def product_json(world: World, item: Product) -> dict[str, Any]:
    """The ``/products`` representation (also of a variation reached through ``/products``)."""
    catalog = world.catalog
    times = world.site_time
    price = catalog.price(item)
    stock = _stock_fields(world, item)
    variations = [v.id for v in catalog.variations_of(item)] if item.type == "variable" else []
    attributes = [dict(a) for a in item.attributes]
    return {
        "id": item.id,
        "name": catalog.display_name(item),
        "slug": item.slug,
        "permalink": permalink(world, item),
        **times.pair("date_created", item.created),
        **times.pair("date_modified", item.modified),
        "type": item.type,
        "status": item.status,
        "featured": item.featured,
        "catalog_visibility": item.catalog_visibility,
        "description": item.description,
        "short_description": item.short_description,
        "sku": item.sku,
        "price": price,
        "regular_price": "" if item.type in ("variable", "grouped") else item.regular_price,
        "sale_price": "" if item.type in ("variable", "grouped") else item.sale_price,
        "date_on_sale_from": None, "date_on_sale_from_gmt": None,
        "date_on_sale_to": None, "date_on_sale_to_gmt": None,
        "on_sale": (any(on_sale(v) for v in catalog.variations_of(item)) if item.type == "variable"
                    else on_sale(item)),
        "purchasable": catalog.purchasable(item),
        "total_sales": item.total_sales,
        "virtual": item.virtual,
        "downloadable": item.downloadable,
        "downloads": [], "download_limit": -1, "download_expiry": -1,
        "external_url": item.external_url,
        "button_text": item.button_text,
        "tax_status": item.tax_status,
        "tax_class": item.tax_class,
        "manage_stock": stock["manage_stock"],
        "stock_quantity": stock["stock_quantity"],
        "backorders": stock["backorders"],
        "backorders_allowed": stock["backorders_allowed"],
        "backordered": stock["backordered"],
        "low_stock_amount": stock["low_stock_amount"],
        "sold_individually": item.sold_individually,
        "weight": item.weight,
        "dimensions": dict(item.dimensions),
        "shipping_required": not item.virtual,
        "shipping_taxable": item.tax_status in ("taxable", "shipping"),
        "shipping_class": "", "shipping_class_id": 0,
        "reviews_allowed": item.reviews_allowed,
        "average_rating": "0.00", "rating_count": 0,
        "upsell_ids": [], "cross_sell_ids": [],
        "parent_id": item.parent_id,
        "purchase_note": item.purchase_note,
        "categories": [{"id": c.id, "name": c.name, "slug": c.slug}
                       for c in (catalog.categories.get(i) for i in item.categories) if c is not None],
        "tags": [dict(t) for t in item.tags],
        "images": [_image(world, image_id, position) for position, image_id in enumerate(item.images)],
        "attributes": attributes,
        "default_attributes": [dict(a) for a in item.default_attributes],
        "variations": variations,
        "grouped_products": list(item.grouped_products),
        "menu_order": item.menu_order,
        "price_html": _price_html(price),
        "related_ids": [],
        "meta_data": _meta(item),
        "stock_status": stock["stock_status"],
        "has_options": item.type == "variable",
        "post_password": "",
        "global_unique_id": "",
        "_links": _links(world, f"/products/{item.id}", "/products",
                         f"/products/{item.parent_id}" if item.is_variation else None),
    }


def variation_json(world: World, item: Product) -> dict[str, Any]:
    """The ``/products/{id}/variations`` representation."""
    catalog = world.catalog
    times = world.site_time
    stock = _stock_fields(world, item)
    return {
        "id": item.id,
        "type": "variation",
        **times.pair("date_created", item.created),
        **times.pair("date_modified", item.modified),
        "description": item.description,
        "permalink": permalink(world, item),
        "sku": item.sku,
        "global_unique_id": "",
        "price": catalog.price(item),
        "regular_price": item.regular_price,
        "sale_price": item.sale_price,
        "date_on_sale_from": None, "date_on_sale_from_gmt": None,
        "date_on_sale_to": None, "date_on_sale_to_gmt": None,
        "on_sale": on_sale(item),
        "status": item.status,
        "purchasable": catalog.purchasable(item),
        "virtual": item.virtual,
        "downloadable": item.downloadable,
        "downloads": [], "download_limit": -1, "download_expiry": -1,
        "tax_status": item.tax_status,
        "tax_class": item.tax_class,
        **stock,
        "weight": item.weight,
        "dimensions": dict(item.dimensions),
        "shipping_class": "", "shipping_class_id": 0,
        "image": _image(world, item.images[0]) if item.images else None,
        "attributes": [dict(a) for a in item.attributes],
        "menu_order": item.menu_order,
        "meta_data": _meta(item),
        "name": catalog.display_name(item),
        "parent_id": item.parent_id,
        "_links": _links(world, f"/products/{item.parent_id}/variations/{item.id}",
                         f"/products/{item.parent_id}/variations", f"/products/{item.parent_id}"),
    }


def category_json(world: World, category_id: int) -> dict[str, Any]:
    category = world.catalog.categories[category_id]
    return {"id": category.id, "name": category.name, "slug": category.slug, "parent": category.parent,
            "description": category.description, "display": "default", "image": None, "menu_order": 0,
            "count": world.catalog.category_count(category.id),
            "_links": _links(world, f"/products/categories/{category.id}", "/products/categories")}
