"""Admin JSON API under ``/__admin__/`` to script scenarios over HTTP (no authentication: loopback only).
Handlers run in a worker thread and call the world's methods (which take the lock themselves)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .checkout import PurchaseRefused

ROUTES: list[Route] = []


def _ok(data: Any = None, status: int = 200) -> JSONResponse:
    return JSONResponse({"ok": True} if data is None else data, status_code=status)


def _fail(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


def admin_route(path: str, methods: tuple[str, ...] = ("POST",)):
    def decorate(handler: Callable[[Any, Request, dict], Any]):
        async def run(request: Request) -> Response:
            world = request.app.state.world
            try:
                raw = await request.body()
                body = json.loads(raw) if raw else {}
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                result = await run_in_threadpool(handler, world, request, body)
            except PurchaseRefused as exc:
                return _fail(str(exc), 409)
            except KeyError as exc:
                return _fail(f"not found: {exc.args[0] if exc.args else exc}", 404)
            except (ValueError, TypeError) as exc:
                return _fail(str(exc))
            return result if isinstance(result, Response) else _ok(result)

        ROUTES.append(Route("/__admin__" + path, run, methods=list(methods)))
        return handler

    return decorate


def _int(request: Request, name: str) -> int:
    return int(request.path_params[name])


@admin_route("/state", ("GET",))
def state(world, request, body):
    return world.state()


@admin_route("/counters", ("GET",))
def counters(world, request, body):
    return world.counters()


@admin_route("/reset")
def reset(world, request, body):
    world.reset()


@admin_route("/purchase")
def purchase(world, request, body):
    """``{"items": [{"sku", "quantity"}] | [{"product_id", "variation_id", "quantity"}], "payment_method",
    "paid", "invoice", "customer_note"}`` → the order JSON (201); 409 when the checkout refuses."""
    for flag in ("paid", "invoice"):
        if flag in body and not isinstance(body[flag], bool):
            raise ValueError(f"{flag} must be true or false")
    order = world.purchase(body.get("items"), payment_method=str(body.get("payment_method", "przelewy24")),
                           paid=body.get("paid", True), invoice=body.get("invoice", False),
                           customer_note=str(body.get("customer_note", "")))
    return _ok(order, 201)


@admin_route("/orders/{id:int}/status")
def order_status(world, request, body):
    return world.set_order_status(_int(request, "id"), str(body["status"]))


@admin_route("/orders/{id:int}/pay")
def order_pay(world, request, body):
    return world.pay_order(_int(request, "id"), str(body.get("transaction_id", "")))


def _quantity(body: dict) -> int:
    quantity = body.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValueError("quantity must be an integer")
    return quantity


@admin_route("/products/{id:int}/stock")
def product_stock(world, request, body):
    return world.admin_set_stock(_int(request, "id"), _quantity(body))


@admin_route("/products/{pid:int}/variations/{id:int}/stock")
def variation_stock(world, request, body):
    return world.admin_set_stock(_int(request, "pid"), _quantity(body), variation_id=_int(request, "id"))


@admin_route("/products/{id:int}/edit")
def product_edit(world, request, body):
    return world.admin_edit_product(_int(request, "id"), body)


@admin_route("/buyers/start")
def buyers_start(world, request, body):
    methods = body.get("payment_methods")
    if methods is not None and not isinstance(methods, dict):
        raise ValueError("payment_methods must be an object of weights")
    world.start_buyers(float(body.get("purchases_per_minute", 60)), int(body.get("max_quantity", 1)),
                       float(body.get("cancel_share", 0.0)), invoice_share=float(body.get("invoice_share", 0.0)),
                       unpaid_share=float(body.get("unpaid_share", 0.0)),
                       payment_methods={str(k): float(v) for k, v in methods.items()} if methods else None)


@admin_route("/buyers/stop")
def buyers_stop(world, request, body):
    world.stop_buyers()


@admin_route("/faults")
def faults(world, request, body):
    """``{"profile": "chaos"}``, ``{"profile": {...fields}}`` or the fields themselves."""
    profile = body.get("profile", {k: v for k, v in body.items()})
    world.set_fault_profile(profile)
    return {"profile": world.faults.profile_name, "settings": world.faults.profile.to_json()}


@admin_route("/faults/drop-next")
def drop_next(world, request, body):
    world.drop_next_response(str(body.get("method", "POST")), str(body.get("path", "/wp-json/wc/v3/products")),
                             int(body.get("count", 1)))


@admin_route("/webhooks/deliveries", ("GET",))
def deliveries(world, request, body):
    limit = request.query_params.get("limit")
    return {"deliveries": world.delivery.entries(int(limit) if limit else None)}


@admin_route("/webhooks/flush")
def flush(world, request, body):
    """Wait until queued deliveries are done: ``{"timeout": 5}`` → ``{"idle": true}``."""
    return {"idle": world.wait_for_deliveries(float(body.get("timeout", 5)))}


@admin_route("/catalog/sample")
def catalog_sample(world, request, body):
    """``{}`` (the configured CSV, else a generated catalog), ``{"generate": N}`` or ``{"csv": path}``."""
    if "generate" in body:
        ids = world.generate_catalog(int(body["generate"]))
    else:
        ids = world.load_sample_catalog(body.get("csv"))
    return {"created": len(ids), "ids": ids}


@admin_route("/clock/advance")
def clock_advance(world, request, body):
    world.clock.advance(float(body["seconds"]))
    world.tick()
    return {"now": world.site_time.gmt(world.now())}
