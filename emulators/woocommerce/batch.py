"""``POST …/batch``: ``{"create": [...], "update": [{"id", ...}], "delete": [ids]}``.

More than ``config.batch_limit`` items in total → 413 and nothing is applied. Otherwise every item is
tried in order; a failing item answers ``{"id", "error": {...}}`` in its place and the others still
apply. Deletes in a batch are forced (no trash), as in WooCommerce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .params import is_integer
from .responses import WooError
from .rest import Ctx

Create = Callable[[dict[str, Any]], dict[str, Any]]
Update = Callable[[int, dict[str, Any]], dict[str, Any]]
Delete = Callable[[int], dict[str, Any]]


def run_batch(ctx: Ctx, create: Create, update: Update, delete: Delete, invalid_id: WooError) -> dict[str, Any]:
    world = ctx.world
    body = ctx.params.body
    sections: dict[str, list[Any]] = {}
    for name in ("create", "update", "delete"):
        if name in body:
            value = body[name]
            if not isinstance(value, list):
                raise WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}",
                               params={name: f"{name} is not of type array."})
            sections[name] = value
    total = sum(len(v) for v in sections.values())
    limit = world.config.batch_limit
    if total > limit:
        raise WooError(413, "woocommerce_rest_request_entity_too_large",
                       f"Unable to accept more than {limit} items for this request.")
    world.count("batch_requests")
    world.count("batch_items", total)
    result: dict[str, list[Any]] = {}
    if "create" in sections:
        result["create"] = [_attempt(lambda item=item: create(item if isinstance(item, dict) else {}), 0)
                            for item in sections["create"]]
    if "update" in sections:
        entries = []
        for item in sections["update"]:
            raw_id = item.get("id") if isinstance(item, dict) else None
            item_id = int(float(raw_id)) if is_integer(raw_id) else 0
            if not item_id:
                entries.append({"id": 0, "error": invalid_id.to_json()})
                continue
            entries.append(_attempt(lambda i=item_id, data=item: update(i, data), item_id))
        result["update"] = entries
    if "delete" in sections:
        entries = []
        for raw_id in sections["delete"]:
            item_id = int(float(raw_id)) if is_integer(raw_id) else 0
            entries.append(_attempt(lambda i=item_id: delete(i), item_id))
        result["delete"] = entries
    return result


def _attempt(action: Callable[[], dict[str, Any]], item_id: int) -> dict[str, Any]:
    try:
        return action()
    except WooError as error:
        return {"id": item_id, "error": error.to_json()}
