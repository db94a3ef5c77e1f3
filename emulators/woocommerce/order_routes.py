"""``/orders``, ``/orders/{id}``, ``/orders/batch``, ``/orders/{id}/notes…``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .batch import run_batch
from .orders import (
    DRAFTS,
    ORDER_STATUSES,
    PAYMENT_TITLES,
    Order,
    ShippingLine,
    note_json,
    order_json,
    split_gross,
)
from .params import field_bool, field_enum, field_int, field_list, field_object, field_string, is_integer
from .product_write import apply_meta
from .responses import RestResponse, WooError, invalid_id, invalid_param, missing_param
from .rest import EDITABLE, Ctx, Handler, Router, created_response, date_filter, paginate, sort_items

ORDERBY = ("date", "id", "include", "title", "slug", "modified")
ADDRESS_FIELDS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode",
                  "country", "email", "phone")


def list_orders(ctx: Ctx) -> RestResponse:
    params = ctx.params
    world = ctx.world
    statuses = params.enums("status", ("any", *ORDER_STATUSES)) or ["any"]
    include = params.ids("include")
    exclude = params.ids("exclude")
    customer = params.integer("customer")
    product = params.integer("product")
    search = (params.string("search") or "").strip().lower()
    orderby = params.enum("orderby", ORDERBY, "date") or "date"
    order = params.enum("order", ("asc", "desc"), "desc") or "desc"
    dates = date_filter(ctx)
    found = []
    for item in world.orders.orders.values():
        if "any" in statuses:
            if item.status == "trash" or item.status in DRAFTS:
                continue
        elif item.status not in statuses:
            continue
        if include is not None and item.id not in include:
            continue
        if exclude and item.id in exclude:
            continue
        if customer is not None and item.customer_id != customer:
            continue
        if product is not None and not any(product in (li.product_id, li.variation_id) for li in item.line_items):
            continue
        if search and not _matches(item, search):
            continue
        if not dates(item.created, item.modified):
            continue
        found.append(item)
    if orderby == "id":
        key: Any = lambda o: o.id  # noqa: E731
    elif orderby == "modified":
        key = lambda o: (int(o.modified), o.modified_seq)  # noqa: E731
    elif orderby == "include" and include:
        positions = {order_id: index for index, order_id in enumerate(include)}
        key = lambda o: positions.get(o.id, len(positions))  # noqa: E731
        order = "asc"
    else:
        key = lambda o: (int(o.created), o.id)  # noqa: E731
    found = sort_items(found, key, order)
    return paginate(ctx, found, lambda o: order_json(world, o))


def _matches(order: Order, needle: str) -> bool:
    if needle == str(order.id):
        return True
    haystack = [*order.billing.values(), *order.shipping.values(), *(li.name for li in order.line_items)]
    return any(needle in str(value).lower() for value in haystack)


# ---- writes -----------------------------------------------------------------------------------------------
def _address(data: dict, name: str) -> dict[str, str] | None:
    block = field_object(data, name)
    if block is None:
        return None
    for key, value in block.items():
        if key in ADDRESS_FIELDS and not isinstance(value, str):
            raise invalid_param(name, f"{name}[{key}] is not of type string.")
    return {k: v for k, v in block.items() if k in ADDRESS_FIELDS and (name == "billing" or k != "email")}


def _lines(ctx: Ctx, data: dict) -> list[Any]:
    world = ctx.world
    entries = field_list(data, "line_items") or []
    lines = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise invalid_param("line_items", "line_items[0] is not of type object.")
        item = None
        if entry.get("sku"):
            item = world.catalog.find_sku(str(entry["sku"]))
        else:
            raw = entry.get("variation_id") or entry.get("product_id")
            if is_integer(raw):
                item = world.catalog.items.get(int(float(raw)))
        if item is None or item.type == "variable":
            raise WooError(400, "woocommerce_rest_invalid_product_id", "Product ID or SKU is invalid.")
        quantity = entry.get("quantity", 1)
        if not is_integer(quantity) or int(float(quantity)) < 1:
            raise WooError(400, "woocommerce_rest_invalid_product_quantity", "Product quantity must be a positive number.")
        lines.append((item, int(float(quantity))))
    return lines


def _shipping_lines(ctx: Ctx, data: dict) -> list[ShippingLine]:
    world = ctx.world
    result = []
    for entry in field_list(data, "shipping_lines") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("method_id", ""), str):
            raise invalid_param("shipping_lines", "shipping_lines[0] is not a valid shipping line.")
        try:
            net = Decimal(str(entry.get("total", "0") or "0"))
        except InvalidOperation as exc:
            raise invalid_param("shipping_lines", "shipping_lines[0][total] is not a valid amount.") from exc
        rate = Decimal(world.config.vat_rate)
        gross = net * (Decimal(100) + rate) / Decimal(100)
        net2, tax = split_gross(gross.quantize(Decimal("0.01")), rate)
        result.append(ShippingLine(world.next_order_item_id(), entry.get("method_id", "flat_rate"),
                                   0, str(entry.get("method_title", "")), net2, tax))
    return result


def _validate_common(data: dict) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    status = field_enum(data, "status", tuple(s for s in ORDER_STATUSES if s != "trash"))
    changes["status"] = status
    for name in ("billing", "shipping"):
        changes[name] = _address(data, name)
    for name in ("customer_note", "payment_method", "payment_method_title", "transaction_id"):
        changes[name] = field_string(data, name)
    changes["customer_id"] = field_int(data, "customer_id")
    changes["set_paid"] = field_bool(data, "set_paid")
    meta = field_list(data, "meta_data")
    if meta is not None:
        for index, entry in enumerate(meta):
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                raise invalid_param("meta_data", f"meta_data[{index}][key] is not of type string.")
    changes["meta_data"] = meta
    return changes


def _apply_common(ctx: Ctx, order: Order, changes: dict[str, Any]) -> None:
    for name in ("billing", "shipping"):
        if changes[name] is not None:
            getattr(order, name).update(changes[name])
    for name in ("customer_note", "payment_method", "transaction_id", "customer_id"):
        if changes[name] is not None:
            setattr(order, name, changes[name])
    if changes["payment_method"] is not None and changes["payment_method_title"] is None:
        order.payment_method_title = PAYMENT_TITLES.get(order.payment_method, order.payment_method)
    if changes["payment_method_title"] is not None:
        order.payment_method_title = changes["payment_method_title"]
    if changes["meta_data"] is not None:
        apply_meta(ctx.world, order.meta, changes["meta_data"])


def create_order(ctx: Ctx, data: dict[str, Any]) -> Order:
    world = ctx.world
    if "id" in data:
        raise WooError(400, "woocommerce_rest_shop_order_exists", "Cannot create existing shop_order.")
    changes = _validate_common(data)
    wanted = _lines(ctx, data)
    shipping_lines = _shipping_lines(ctx, data)
    orders = world.orders
    lines = [orders.line_for(item, quantity) for item, quantity in wanted]
    blank = {k: "" for k in ADDRESS_FIELDS}
    order = orders.new_order(status="pending", created_via="rest-api", lines=lines,
                             billing=dict(blank), shipping={k: "" for k in ADDRESS_FIELDS if k != "email"},
                             payment_method="", shipping_lines=shipping_lines, announce=False)
    _apply_common(ctx, order, changes)
    status = changes["status"] or "pending"
    if status != "pending":
        orders.transition(order, status, quiet=True)
    if changes["set_paid"]:
        orders.payment_complete(order, order.transaction_id)
    else:
        orders.touch(order)  # announces order.created
    return order


def update_order(ctx: Ctx, order: Order, data: dict[str, Any]) -> Order:
    orders = ctx.world.orders
    changes = _validate_common(data)
    _apply_common(ctx, order, changes)
    if changes["status"] is not None and changes["status"] != order.status:
        orders.transition(order, changes["status"], quiet=True)
    if changes["set_paid"]:
        orders.payment_complete(order, order.transaction_id)
    else:
        orders.touch(order)
    return order


def delete_order(ctx: Ctx, order: Order, force: bool) -> dict[str, Any]:
    world = ctx.world
    if force:
        before = order_json(world, order)
        world.orders.remove(order)
        return before
    if order.status == "trash":
        raise WooError(410, "woocommerce_rest_already_trashed", f"The order {order.id} has already been deleted.")
    world.orders.trash(order)
    return order_json(world, order)


def create(ctx: Ctx) -> RestResponse:
    order = create_order(ctx, ctx.params.body)
    ctx.world.count("orders_created_by_api")
    return created_response(order_json(ctx.world, order), f"{ctx.world.rest_root()}/orders/{order.id}")


def get(ctx: Ctx) -> dict[str, Any]:
    return order_json(ctx.world, ctx.world.orders.get(ctx.id()))


def update(ctx: Ctx) -> dict[str, Any]:
    order = ctx.world.orders.get(ctx.id(), 400)
    return order_json(ctx.world, update_order(ctx, order, ctx.params.body))


def delete(ctx: Ctx) -> dict[str, Any]:
    return delete_order(ctx, ctx.world.orders.get(ctx.id()), ctx.params.boolean("force", False))


def batch(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world

    def do_create(data: dict[str, Any]) -> dict[str, Any]:
        return order_json(world, create_order(ctx, data))

    def do_update(order_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return order_json(world, update_order(ctx, world.orders.get(order_id, 400), data))

    def do_delete(order_id: int) -> dict[str, Any]:
        return delete_order(ctx, world.orders.get(order_id), True)

    return run_batch(ctx, do_create, do_update, do_delete, invalid_id("shop_order", 400))


# ---- notes -------------------------------------------------------------------------------------------------
def list_notes(ctx: Ctx) -> list[dict[str, Any]]:
    order = ctx.world.orders.get(ctx.id("order_id"))
    kind = ctx.params.enum("type", ("any", "customer", "internal"), "any")
    notes = [n for n in order.notes
             if kind == "any" or (kind == "customer") == n.customer_note]
    notes.sort(key=lambda n: (int(n.created), n.id), reverse=True)
    return [note_json(ctx.world, order, n) for n in notes]


def create_note(ctx: Ctx) -> RestResponse:
    order = ctx.world.orders.get(ctx.id("order_id"))
    text = ctx.params.string("note")
    if not text:
        raise missing_param("note")
    customer_note = ctx.params.boolean("customer_note", False)
    by_user = ctx.params.boolean("added_by_user", False)
    note = ctx.world.orders.add_note(order, text, customer_note, "admin" if by_user else "system")
    return created_response(note_json(ctx.world, order, note),
                            f"{ctx.world.rest_root()}/orders/{order.id}/notes/{note.id}")


def _note(ctx: Ctx):
    order = ctx.world.orders.get(ctx.id("order_id"))
    note = next((n for n in order.notes if n.id == ctx.id()), None)
    if note is None:
        raise WooError(404, "woocommerce_rest_order_invalid_id", "Invalid resource ID.")
    return order, note


def get_note(ctx: Ctx) -> dict[str, Any]:
    order, note = _note(ctx)
    return note_json(ctx.world, order, note)


def delete_note(ctx: Ctx) -> dict[str, Any]:
    order, note = _note(ctx)
    if not ctx.params.boolean("force", False):
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Notes do not support trashing.")
    order.notes.remove(note)
    return note_json(ctx.world, order, note)


def register(router: Router) -> None:
    p = "/wc/v3/orders"
    router.add(f"{p}/batch", {",".join(EDITABLE): Handler(batch, "batch")})
    router.add(f"{p}/{{order_id}}/notes", {"GET": Handler(list_notes, "list"), "POST": Handler(create_note, "create")})
    router.add(f"{p}/{{order_id}}/notes/{{id}}", {"GET": Handler(get_note, "view"),
                                                  "DELETE": Handler(delete_note, "delete")})
    router.add(p, {"GET": Handler(list_orders, "list"), "POST": Handler(create, "create")})
    router.add(f"{p}/{{id}}", {"GET": Handler(get, "view"), ",".join(EDITABLE): Handler(update, "edit"),
                               "DELETE": Handler(delete, "delete")})
