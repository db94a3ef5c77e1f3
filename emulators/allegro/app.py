"""The Starlette application: API paths (as on api.allegro.pl), OAuth/web paths (as on allegro.pl) and
the admin API, all on one port; fault injection wraps the API paths.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from emulators.loopback import abort_connection

from . import admin, catalog, commands, journals_api, offer_routes, orders
from .auth import authorize_page, device_endpoint, token_endpoint, verification_page
from .clock import FakeClock, RealClock
from .config import EmulatorConfig
from .responses import ApiError, json_response, rate_limited_global
from .world import World

WEB_PREFIXES = ("/auth/", "/skojarz-aplikacje", "/uzytkownik/", "/__admin__")


async def _swallow(message: dict) -> None:
    return None


class EmulatorApp(Starlette):
    """Starlette with fault injection applied before anything else sees the request."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(WEB_PREFIXES):
            await super().__call__(scope, receive, send)
            return
        world: World = self.state.world
        with world.lock:
            decision = world.faults.decide(world.clock.now())
            drop_after = world.faults.take_drop_rule(scope["method"], scope["path"])
        if decision in ("error500", "error503"):
            status = 500 if decision == "error500" else 503
            code = "INTERNAL_SERVER_ERROR" if status == 500 else "SERVICE_UNAVAILABLE"
            response = ApiError(status, code, "An error has occurred", "Wystąpił błąd. Spróbuj ponownie.").response()
            await response(scope, receive, send)
            return
        if decision == "throttle":
            await rate_limited_global()(scope, receive, send)
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


async def _not_found(request: Request, exc: Exception):
    return ApiError(404, "NotFoundException", "Resource not found",
                    "Function not available. Contact the application author.").response()


async def _method_not_allowed(request: Request, exc: Exception):
    return json_response({"errors": [{"code": "MethodNotAllowedException", "message": "Method not allowed",
                                      "details": None, "path": None, "userMessage": "Method not allowed",
                                      "metadata": {}}]}, status=405)


def create_app(config: EmulatorConfig | None = None, clock: RealClock | FakeClock | None = None) -> Starlette:
    """Build an emulator; ``app.state.world`` is the state to drive, ``app.state.clock`` the clock."""
    world = World(config or EmulatorConfig(), clock or RealClock())
    routes = [  # routes are matched in order: the busiest API paths first
        *catalog.ROUTES,
        *offer_routes.ROUTES,
        *journals_api.ROUTES,
        *orders.ROUTES,
        *commands.ROUTES,
        Route("/auth/oauth/token", token_endpoint, methods=["POST"]),
        Route("/auth/oauth/device", device_endpoint, methods=["POST"]),
        Route("/auth/oauth/authorize", authorize_page, methods=["GET", "POST"]),
        Route("/skojarz-aplikacje", verification_page, methods=["GET", "POST"]),
        Route("/uzytkownik/bezpieczenstwo/skojarz-aplikacje", verification_page, methods=["GET", "POST"]),
        *admin.ROUTES,
    ]
    app = EmulatorApp(routes=routes, exception_handlers={404: _not_found, 405: _method_not_allowed})
    app.state.world = world
    app.state.clock = world.clock
    app.state.config = world.config
    return app
