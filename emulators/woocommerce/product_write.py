"""Creating and updating products and variations from REST payloads.

Each write is validated completely before anything changes, so a failed item (also inside a batch)
leaves no trace. Stock rules as in WooCommerce: ``stock_quantity`` and ``backorders`` count only when the
object manages stock (already, or ``manage_stock: true`` in the same payload); a managed object's
``stock_status`` is derived from quantity and backorders; an unmanaged one takes ``stock_status`` as sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .params import (
    field_bool,
    field_enum,
    field_int,
    field_list,
    field_object,
    field_price,
    field_string,
)
from .products import BACKORDERS, PRODUCT_TYPES, STATUSES, STOCK_STATUSES, Catalog, Product, derived_status
from .responses import WooError, invalid_param

if TYPE_CHECKING:
    from .world import World

Step = Callable[[Product], None]

_PLAIN_STRINGS = ("description", "short_description", "weight", "external_url", "button_text",
                  "purchase_note", "tax_class")
_PLAIN_BOOLS = ("featured", "virtual", "downloadable", "sold_individually", "reviews_allowed")


def _sku(catalog: Catalog, data: dict, item_id: int | None) -> str | None:
    sku = field_string(data, "sku")
    if sku is None:
        return None
    sku = sku.strip()
    catalog.check_sku(sku, item_id)
    return sku


def _dimensions(data: dict) -> dict[str, str] | None:
    dims = field_object(data, "dimensions")
    if dims is None:
        return None
    result = {}
    for key in ("length", "width", "height"):
        if key in dims:
            if not isinstance(dims[key], str):
                raise invalid_param("dimensions", f"dimensions[{key}] is not of type string.")
            result[key] = dims[key]
    return result


def _meta(data: dict) -> list[dict[str, Any]] | None:
    entries = field_list(data, "meta_data")
    if entries is None:
        return None
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise invalid_param("meta_data", f"meta_data[{index}][key] is not of type string.")
    return entries


def apply_meta(world: World, meta: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
    """Upsert by ``id`` or by ``key`` (``value: null`` deletes the key)."""
    for entry in entries:
        key, value = entry["key"], entry.get("value")
        target = next((m for m in meta if "id" in entry and m["id"] == entry["id"]), None)
        if target is None:
            target = next((m for m in meta if m["key"] == key), None)
        if value is None:
            meta[:] = [m for m in meta if m["key"] != key]
        elif target is not None:
            target["key"], target["value"] = key, value
        else:
            meta.append({"id": world.next_meta_id(), "key": key, "value": value})


def _categories(catalog: Catalog, data: dict) -> Step | None:
    entries = field_list(data, "categories")
    if entries is None:
        return None
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not (isinstance(entry.get("id"), int) or isinstance(entry.get("name"), str)):
            raise invalid_param("categories", f"categories[{index}] needs an integer id (or a name).")

    def step(item: Product) -> None:
        ids: list[int] = []
        for entry in entries:
            if isinstance(entry.get("id"), int) and entry["id"]:
                if entry["id"] in catalog.categories:  # unknown term ids are skipped silently
                    ids.append(entry["id"])
            elif isinstance(entry.get("name"), str) and entry["name"].strip():
                ids.append(catalog.category_by_name(entry["name"].strip()).id)
        item.categories = list(dict.fromkeys(ids))

    return step


def _images(catalog: Catalog, data: dict, variation: bool) -> Step | None:
    if variation:
        image = data.get("image")
        if "image" not in data:
            return None
        if image is None:
            return lambda item: setattr(item, "images", [])
        if not isinstance(image, dict):
            raise invalid_param("image", "image is not of type object.")
        entries = [image]
    else:
        entries = field_list(data, "images")
        if entries is None:
            return None
    for entry in entries:
        if not isinstance(entry, dict):
            raise invalid_param("images", "images[0] is not of type object.")
        image_id = entry.get("id")
        if image_id:
            if not isinstance(image_id, int) or image_id not in catalog.attachments:
                raise WooError(400, "woocommerce_product_invalid_image_id", f"#{image_id} is an invalid image ID.")
        else:
            src = entry.get("src")
            if not isinstance(src, str) or not src.startswith(("http://", "https://")):
                raise WooError(400, "woocommerce_product_image_upload_error", f"Error getting remote image {src}.")

    def step(item: Product) -> None:
        ids = []
        for entry in entries:
            if entry.get("id"):
                ids.append(entry["id"])
                if isinstance(entry.get("alt"), str):
                    catalog.attachments[entry["id"]]["alt"] = entry["alt"]
            else:
                ids.append(catalog.add_image(entry["src"], entry.get("name"), entry.get("alt") or ""))
        item.images = ids

    return step


def _attributes(data: dict, variation: bool) -> list[dict[str, Any]] | None:
    entries = field_list(data, "attributes")
    if entries is None:
        return None
    result = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name", ""), str):
            raise invalid_param("attributes", f"attributes[{index}] is not a valid attribute.")
        attribute_id = entry.get("id", 0) if isinstance(entry.get("id", 0), int) else 0
        name = entry.get("name", "")
        if variation:
            option = entry.get("option", "")
            if not isinstance(option, str):
                raise invalid_param("attributes", f"attributes[{index}][option] is not of type string.")
            result.append({"id": attribute_id, "name": name, "option": option})
        else:
            options = entry.get("options", [])
            if isinstance(options, str):
                options = [o.strip() for o in options.split("|" if "|" in options else ",") if o.strip()]
            if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
                raise invalid_param("attributes", f"attributes[{index}][options] is not of type array.")
            result.append({"id": attribute_id, "name": name,
                           "slug": name.lower() if attribute_id == 0 else f"pa_{name.lower()}",
                           "position": int(entry.get("position", index) or 0),
                           "visible": bool(entry.get("visible", False)),
                           "variation": bool(entry.get("variation", False)), "options": options})
    return result


def prepare(world: World, data: Any, item: Product | None, *, variation: bool) -> list[Step]:
    """Validate ``data`` against ``item`` (None: a create). Returns the steps that apply it."""
    if not isinstance(data, dict):
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
    catalog = world.catalog
    steps: list[Step] = []
    item_id = item.id if item is not None else None

    def put(name: str, value: Any) -> None:
        if value is not None:
            steps.append(lambda target, n=name, v=value: setattr(target, n, v))

    if not variation:
        name = field_string(data, "name")
        put("name", name)
        slug = field_string(data, "slug")
        if slug is not None:
            steps.append(lambda target, s=slug: setattr(target, "slug", catalog.unique_slug(s, target.id)))
        put("type", field_enum(data, "type", PRODUCT_TYPES))
        put("short_description", field_string(data, "short_description"))
        put("catalog_visibility", field_enum(data, "catalog_visibility", ("visible", "catalog", "search", "hidden")))
        for key in ("featured", "sold_individually", "reviews_allowed"):
            put(key, field_bool(data, key))
        for key in ("external_url", "button_text", "purchase_note"):
            put(key, field_string(data, key))
        category_step = _categories(catalog, data)
        if category_step:
            steps.append(category_step)
        tags = field_list(data, "tags")
        if tags is not None:
            put("tags", [t for t in tags if isinstance(t, dict)])
        grouped = field_list(data, "grouped_products")
        if grouped is not None:
            put("grouped_products", [g for g in grouped if isinstance(g, int)])
    status = field_enum(data, "status", STATUSES)
    put("description", field_string(data, "description"))
    for key in ("virtual", "downloadable"):
        put(key, field_bool(data, key))
    put("weight", field_string(data, "weight"))
    put("tax_class", field_string(data, "tax_class"))
    put("tax_status", field_enum(data, "tax_status", ("taxable", "shipping", "none")))
    menu_order = field_int(data, "menu_order")
    put("menu_order", menu_order)
    sku = _sku(catalog, data, item_id)
    if sku is not None:
        steps.append(lambda target, s=sku: catalog.set_sku(target, s))
    product_type = data.get("type") if not variation else "variation"
    is_variable = (product_type or (item.type if item else "simple")) in ("variable", "grouped")
    regular, sale = field_price(data, "regular_price"), field_price(data, "sale_price")
    if not is_variable:
        put("regular_price", regular)
        put("sale_price", sale)
    dims = _dimensions(data)
    if dims is not None:
        steps.append(lambda target, d=dims: target.dimensions.update(d))
    image_step = _images(catalog, data, variation)
    if image_step:
        steps.append(image_step)
    attributes = _attributes(data, variation)
    put("attributes", attributes)
    if not variation:
        defaults = field_list(data, "default_attributes")
        if defaults is not None:
            put("default_attributes", [d for d in defaults if isinstance(d, dict)])
    meta = _meta(data)
    if meta is not None:
        steps.append(lambda target, m=meta: apply_meta(world, target.meta, m))

    # ---- stock --------------------------------------------------------------------------------------
    manage_in = field_bool(data, "manage_stock")
    quantity_in = field_int(data, "stock_quantity")
    stock_status_in = field_enum(data, "stock_status", STOCK_STATUSES)
    backorders_in = field_enum(data, "backorders", BACKORDERS)
    low_stock_in = field_int(data, "low_stock_amount") if data.get("low_stock_amount") is not None else None
    was_managed = item.manage_stock if item is not None else False
    manage = manage_in if manage_in is not None else was_managed
    final_type = "variation" if variation else (product_type or (item.type if item else "simple"))
    if final_type in ("external", "grouped"):
        manage = False

    def stock_step(target: Product) -> None:
        before = derived_status(target.stock_quantity, target.backorders) if target.manage_stock else None
        target.manage_stock = manage
        if manage:
            if quantity_in is not None:
                target.stock_quantity = quantity_in
            if backorders_in is not None:
                target.backorders = backorders_in
            if low_stock_in is not None:
                target.low_stock_amount = low_stock_in
        else:
            target.stock_quantity = None
            target.backorders = "no"
            target.low_stock_amount = None
            if stock_status_in is not None:
                target.stock_status = stock_status_in
            elif before is not None:
                target.stock_status = before  # keeps the last derived status when management stops
        if final_type in ("external",):
            target.stock_status = "instock" if stock_status_in is None else stock_status_in

    steps.append(stock_step)
    if status is not None and item is not None and item.status == "trash":
        catalog.check_sku(sku if sku is not None else item.sku, item.id)  # leaving the trash takes the SKU back
    if status is not None:
        steps.append(lambda target, s=status: _set_status(catalog, target, s))
    return steps


def _set_status(catalog: Catalog, item: Product, status: str) -> None:
    if item.status == "trash" and status != "trash":
        if item.sku:
            catalog.by_sku[item.sku] = item.id
        item.status_before_trash = None
    item.status = status


def create_product(world: World, data: Any) -> Product:
    steps = prepare(world, data, None, variation=False)
    item = Product(id=world.next_post_id(), created=world.now())
    for step in steps:
        step(item)
    return world.catalog.add(item)


def update_product(world: World, item: Product, data: Any) -> Product:
    if item.is_variation:
        return update_variation(world, item, data)
    steps = prepare(world, data, item, variation=False)
    for step in steps:
        step(item)
    world.catalog.touch(item)
    return item


def create_variation(world: World, parent: Product, data: Any) -> Product:
    if parent.type != "variable":
        raise WooError(400, "woocommerce_rest_product_variation_invalid_parent",
                       "Variations can only be added to variable products.")
    steps = prepare(world, data, None, variation=True)
    item = Product(id=world.next_post_id(), type="variation", parent_id=parent.id, created=world.now(),
                   slug="", status="publish")
    for step in steps:
        step(item)
    item.name = world.catalog.display_name(item)
    item.slug = f"{parent.slug}-{item.id}"
    return world.catalog.add(item)


def update_variation(world: World, item: Product, data: Any) -> Product:
    catalog = world.catalog
    parent = catalog.parent_of(item)
    parent_status = catalog.stock_status(parent) if parent is not None else None
    steps = prepare(world, data, item, variation=True)
    for step in steps:
        step(item)
    item.name = catalog.display_name(item)
    catalog.touch(item)
    if parent is not None and catalog.stock_status(parent) != parent_status:
        catalog.touch(parent)
    return item
