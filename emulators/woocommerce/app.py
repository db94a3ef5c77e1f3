"""The Starlette application: the WordPress REST API under ``/wp-json/`` (and ``/?rest_route=``), the
admin API under ``/__admin__/``; fault injection wraps everything except the admin API."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from emulators.loopback import abort_connection

from . import admin
from .config import EmulatorConfig
from .responses import RestResponse, php_json
from .rest import dispatch
from .world import World

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ADMIN_PREFIX = "/__admin__"
JSON_TYPE = "application/json; charset=UTF-8"

HTML_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""
HTML_503 = """<!DOCTYPE html>
<html lang="pl"><head><meta charset="utf-8"><title>Chwilowo niedostępne</title></head>
<body><h1>Serwis chwilowo niedostępny</h1><p>Trwają prace konserwacyjne. Spróbuj ponownie za minutę.</p></body>
</html>
"""
HTML_429 = """<!DOCTYPE html>
<html><head><title>429 Too Many Requests</title></head>
<body><h1>Too Many Requests</h1><p>Request rate limit exceeded. Please slow down.</p></body>
</html>
"""
CRITICAL_ERROR = {"code": "internal_server_error",
                  "message": "<p>Na tej stronie wystąpił błąd krytyczny.</p>"
                             "<p><a href=\"https://wordpress.org/documentation/article/faq-troubleshooting/\">"
                             "Dowiedz się więcej o rozwiązywaniu problemów z WordPressem.</a></p>",
                  "data": {"status": 500}, "additional_errors": []}


async def _swallow(message: dict) -> None:
    return None


class ShopApp(Starlette):
    """Starlette with fault injection in front of the API paths."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await super().__call__(scope, receive, send)
            return
        world: World = self.state.world
        with world.lock:
            decision = world.faults.decide()
            drop_after = world.faults.take_drop_rule(scope["method"], scope["path"])
            if decision:
                world.count("requests")
        if decision == "error500":
            await Response(php_json(CRITICAL_ERROR), 500, media_type=JSON_TYPE)(scope, receive, send)
            return
        if decision == "error502":
            await HTMLResponse(HTML_502, 502)(scope, receive, send)
            return
        if decision == "error503":
            await HTMLResponse(HTML_503, 503, headers={"Retry-After": "60"})(scope, receive, send)
            return
        if decision == "throttle":
            retry = str(world.faults.profile.retry_after_seconds)
            await HTMLResponse(HTML_429, 429, headers={"Retry-After": retry})(scope, receive, send)
            return
        if decision == "slow":
            await asyncio.sleep(world.config.slow_response_seconds)
        elif decision == "timeout":
            await asyncio.sleep(world.config.timeout_hang_seconds)
            await abort_connection(send)
            return
        elif decision == "drop":
            await abort_connection(send)
            return
        if drop_after:
            await super().__call__(scope, receive, _swallow)
            await abort_connection(send)
            return
        await super().__call__(scope, receive, send)


def _render(result: RestResponse, method: str) -> Response:
    headers = [(b"x-robots-tag", b"noindex"), (b"x-content-type-options", b"nosniff"),
               (b"access-control-expose-headers", b"X-WP-Total, X-WP-TotalPages, Link"),
               (b"access-control-allow-headers", b"Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type")]
    headers += [(k.lower().encode(), v.encode()) for k, v in result.headers]
    response = Response(b"" if method == "HEAD" else php_json(result.data), result.status, media_type=JSON_TYPE)
    response.raw_headers.extend(headers)
    return response


async def _serve(request: Request, route: str) -> Response:
    world: World = request.app.state.world
    body = await request.body()
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    query.pop("rest_route", None)
    headers = {k.lower(): v for k, v in request.headers.items()}
    latency = world.config.request_latency_seconds
    if latency:
        await asyncio.sleep(latency)

    def work() -> RestResponse:
        world.tick()
        result = dispatch(world, world.router, request.method, route, query, headers, body)
        world.count("requests")
        world.count(f"status.{result.status}")
        return result

    result = await run_in_threadpool(work)
    return _render(result, request.method)


async def rest_endpoint(request: Request) -> Response:
    return await _serve(request, "/" + request.path_params.get("path", ""))


async def front_page(request: Request) -> Response:
    """``/?rest_route=/wc/v3/...`` (WordPress without pretty permalinks), else the shop's front page."""
    route = request.query_params.get("rest_route")
    if route is not None:
        return await _serve(request, route or "/")
    world: World = request.app.state.world
    name = world.config.shop_name
    return HTMLResponse(f"<!DOCTYPE html><html lang=\"pl\"><head><meta charset=\"utf-8\"><title>{name}</title>"
                        f"<link rel=\"https://api.w.org/\" href=\"{world.config.public_base_url}/wp-json/\">"
                        f"</head><body><h1>{name}</h1><p>{world.config.shop_description}</p></body></html>",
                        headers={"Link": f"<{world.config.public_base_url}/wp-json/>; rel=\"https://api.w.org/\""})


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    """Build a shop; ``app.state.world`` is the state to drive."""
    world = World(config or EmulatorConfig())
    routes = [
        Route("/wp-json", rest_endpoint, methods=ALL_METHODS),
        Route("/wp-json/{path:path}", rest_endpoint, methods=ALL_METHODS),
        Route("/", front_page, methods=ALL_METHODS),
        Route("/index.php", front_page, methods=ALL_METHODS),
        *admin.ROUTES,
    ]
    app = ShopApp(routes=routes)
    app.state.world = world
    return app
