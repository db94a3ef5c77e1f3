"""The REST server part of WordPress: route matching, arguments, authentication and permission checks,
errors, collection paging (``X-WP-Total``, ``X-WP-TotalPages``, ``Link``) and ``_fields``."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from .auth import ApiKey, authenticate, not_allowed
from .params import Params
from .responses import RestResponse, WooError, invalid_param, no_route

if TYPE_CHECKING:
    from .world import World

EDITABLE = ("POST", "PUT", "PATCH")


@dataclass
class Ctx:
    world: World
    method: str
    route: str
    query: dict[str, list[str]]
    params: Params
    args: dict[str, str]
    key: ApiKey | None

    def id(self, name: str = "id") -> int:
        return int(self.args[name])


@dataclass
class Handler:
    func: Callable[[Ctx], Any]
    permission: str  # list | view | create | edit | delete | batch
    locked: bool = True  # run under the world lock (False: the handler locks by itself)


@dataclass
class RouteDef:
    pattern: re.Pattern[str]
    handlers: dict[str, Handler] = field(default_factory=dict)
    auth: bool = True


class Router:
    def __init__(self) -> None:
        self.routes: list[RouteDef] = []
        self.templates: list[tuple[str, list[str]]] = []

    def add(self, template: str, handlers: dict[str, Handler], auth: bool = True) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template)
        expanded: dict[str, Handler] = {}
        for methods, handler in handlers.items():
            for method in methods.split(","):
                expanded[method] = handler
        self.routes.append(RouteDef(re.compile(f"^{regex}$", re.IGNORECASE), expanded, auth))
        self.templates.append((template, sorted(expanded)))

    def match(self, method: str, route: str) -> tuple[RouteDef, Handler, dict[str, str]]:
        for definition in self.routes:
            found = definition.pattern.match(route)
            if found and method in definition.handlers:
                return definition, definition.handlers[method], found.groupdict()
        raise no_route()


def _parse_body(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    content_type = headers.get("content-type", "").lower()
    if "application/x-www-form-urlencoded" in content_type:
        return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if "json" not in content_type and body.lstrip()[:1] not in (b"{", b"["):
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.",
                       json_error_code=4, json_error_message="Syntax error") from exc
    return data if isinstance(data, dict) else {}


def _select_fields(data: Any, wanted: list[str]) -> Any:
    if isinstance(data, list):
        return [_select_fields(item, wanted) for item in data]
    if not isinstance(data, dict):
        return data
    result: dict[str, Any] = {}
    for name in wanted:
        top, _, rest = name.partition(".")
        if top not in data:
            continue
        if rest and isinstance(data[top], dict):
            inner = result.setdefault(top, {})
            if rest in data[top]:
                inner[rest] = data[top][rest]
        else:
            result[top] = data[top]
    return result


def dispatch(world: World, router: Router, method: str, route: str, query: dict[str, list[str]],
             headers: dict[str, str], body: bytes) -> RestResponse:
    method = method.upper()
    if method == "POST":
        override = headers.get("x-http-method-override") or (query.get("_method") or [""])[-1]
        if override:
            method = override.upper()
    if method == "HEAD":
        method = "GET"
    if route != "/":
        route = route.rstrip("/") or "/"
    try:
        key = None
        if route.lower().startswith("/wc/"):
            with world.lock:
                key = authenticate(world.keys, method, headers, query)
                if key is not None:
                    key.last_access = world.now()
        definition, handler, args = router.match(method, route)
        if definition.auth and key is None:
            raise not_allowed(handler.permission)
        params = Params(query, _parse_body(headers, body))
        ctx = Ctx(world, method, route, query, params, args, key)
        if handler.locked:
            with world.lock:
                result = handler.func(ctx)
        else:
            result = handler.func(ctx)
        response = result if isinstance(result, RestResponse) else RestResponse(result)
        wanted = params.strings("_fields")
        if wanted and response.status < 400:
            response.data = _select_fields(response.data, wanted)
        return response
    except WooError as error:
        return RestResponse(error.to_json(), error.status)


# ---- collections ------------------------------------------------------------------------------------
def paginate(ctx: Ctx, items: list[Any], render: Callable[[Any], dict[str, Any]]) -> RestResponse:
    params = ctx.params
    per_page = params.integer("per_page", 10, 1, 100) or 10
    page = params.integer("page", 1, 1) or 1
    offset = params.integer("offset", None, 0)
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    if offset is not None:
        start = offset
    else:
        if page > pages and total > 0:
            raise WooError(400, "rest_post_invalid_page_number",
                           "The page number requested is larger than the number of pages available.")
        start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    pairs = [(k, v) for k, values in ctx.query.items() if k != "page" for v in values]
    base = f"{ctx.world.config.public_base_url}/wp-json{ctx.route}"

    def link(number: int) -> str:
        return f"{base}?{urlencode([*pairs, ('page', str(number))])}"

    if page > 1:
        headers.append(("Link", f'<{link(min(page - 1, max(pages, 1)))}>; rel="prev"'))
    if page < pages:
        headers.append(("Link", f'<{link(page + 1)}>; rel="next"'))
    return RestResponse([render(item) for item in chunk], 200, headers)


def sort_items(items: Iterable[Any], key: Callable[[Any], Any], order: str) -> list[Any]:
    return sorted(items, key=key, reverse=(order == "desc"))


def date_filter(ctx: Ctx) -> Callable[[float, float], bool]:
    """``after``/``before`` (creation) and ``modified_after``/``modified_before``: strictly after/before,
    at whole-second resolution like the database columns. Without an offset a date is site-local time,
    or UTC with ``dates_are_gmt=true``."""
    params = ctx.params
    gmt = params.boolean("dates_are_gmt", False)
    bounds = {}
    for name in ("after", "before", "modified_after", "modified_before"):
        value = params.string(name)
        if value:
            try:
                bounds[name] = ctx.world.site_time.parse(value, gmt)
            except ValueError as exc:
                raise invalid_param(name, "Invalid date.") from exc

    def accept(created: float, modified: float) -> bool:
        created_s, modified_s = int(created), int(modified)
        if "after" in bounds and not created_s > bounds["after"]:
            return False
        if "before" in bounds and not created_s < bounds["before"]:
            return False
        if "modified_after" in bounds and not modified_s > bounds["modified_after"]:
            return False
        return not ("modified_before" in bounds and not modified_s < bounds["modified_before"])

    return accept


def created_response(data: Any, location: str) -> RestResponse:
    return RestResponse(data, 201, [("Location", location)])
