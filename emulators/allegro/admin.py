"""Admin JSON API under /__admin__/ to script scenarios over HTTP (no authentication: loopback only)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .clock import FakeClock
from .world import World


def _ok(data: Any = None, status: int = 200) -> JSONResponse:
    return JSONResponse({"ok": True} if data is None else data, status_code=status)


def _fail(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def _body(request: Request) -> dict:
    raw = await request.body()
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def admin_route(path: str, methods: tuple[str, ...] = ("POST",)):
    def decorate(handler):
        async def run(request: Request) -> Response:
            world: World = request.app.state.world
            try:
                body = await _body(request)
                result = handler(world, request, body)
            except KeyError as exc:
                return _fail(f"not found: {exc}", 404)
            except (ValueError, TypeError) as exc:
                return _fail(str(exc))
            return result if isinstance(result, Response) else _ok(result)

        return Route("/__admin__" + path, run, methods=list(methods))

    return decorate


@admin_route("/state", ("GET",))
def state(world: World, request: Request, body: dict):
    with world.lock:
        return {
            "now": world.clock.now(),
            "faultProfile": world.faults.profile_name,
            "applications": [{"clientId": a.client_id, "name": a.name} for a in world.applications.values()],
            "sellers": [{"id": s.id, "login": s.login} for s in world.sellers.values()],
            "offers": len(world.offers.offers),
            "checkoutForms": len(world.orders.forms),
            "limits": asdict(world.config.limits),
        }


@admin_route("/counters", ("GET",))
def counters(world: World, request: Request, body: dict):
    return world.counters()


@admin_route("/reset")
def reset(world: World, request: Request, body: dict):
    world.reset()


@admin_route("/device/approve")
def approve_device(world: World, request: Request, body: dict):
    if not world.approve_device_code(str(body["user_code"]), str(body.get("seller", "demo-seller")),
                                     deny=bool(body.get("deny", False))):
        return _fail("unknown or expired user code", 404)


@admin_route("/oauth/authorize")
def authorize(world: World, request: Request, body: dict):
    code = world.authorize(str(body["client_id"]), str(body["redirect_uri"]), str(body.get("seller", "demo-seller")),
                           body.get("scope"), body.get("code_challenge"))
    return {"code": code}


@admin_route("/tokens")
def mint_token(world: World, request: Request, body: dict):
    scopes = body.get("scopes")
    return world.token_for(body.get("seller", "demo-seller"), body.get("client_id", "magazynier-demo"),
                           tuple(scopes) if scopes is not None else None)


@admin_route("/clock/advance")
def advance_clock(world: World, request: Request, body: dict):
    if not isinstance(world.clock, FakeClock):
        return _fail("the emulator runs on the real clock", 409)
    world.clock.advance(float(body["seconds"]))
    world.tick()
    return {"now": world.clock.now()}


@admin_route("/limits")
def set_limits(world: World, request: Request, body: dict):
    names = {f.name for f in fields(world.config.limits)}
    unknown = set(body) - names
    if unknown:
        raise ValueError(f"unknown limits: {sorted(unknown)}")
    with world.lock:
        for name, value in body.items():
            setattr(world.config.limits, name, type(getattr(world.config.limits, name))(value))
        return asdict(world.config.limits)


@admin_route("/buyers/start")
def buyers_start(world: World, request: Request, body: dict):
    seller = world.seller_by_login(str(body.get("seller", "demo-seller")))
    if seller is None:
        raise KeyError(body.get("seller"))
    world.simulation.start(seller.id, float(body["purchasesPerMinute"]), int(body.get("maxQuantity", 1)),
                           str(body.get("stage", "READY_FOR_PROCESSING")), float(body.get("cancelShare", 0.0)),
                           cart_share=float(body.get("cartShare", 0.0)),
                           invoice_share=float(body.get("invoiceShare", 0.0)),
                           cod_share=float(body.get("codShare", 0.0)),
                           pickup_share=float(body.get("pickupShare", 0.0)))


@admin_route("/buyers/stop")
def buyers_stop(world: World, request: Request, body: dict):
    seller = world.seller_by_login(str(body["seller"])) if body.get("seller") else None
    world.simulation.stop(seller.id if seller else None)


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("quantity must be an integer")
    return int(value)


@admin_route("/purchase")
def purchase(world: World, request: Request, body: dict):
    """``{"offerId", "quantity"}`` (one offer) or ``{"items": [{"offerId", "quantity"}, ...]}`` (a cart),
    both with optional ``stage``, ``paymentType``, ``invoiceCompany`` and ``pickupPoint``."""
    if "items" in body:
        if "offerId" in body:
            raise ValueError("give either offerId or items, not both")
        raw = body["items"]
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise ValueError("items must be a list of {offerId, quantity} objects")
        items = [(str(item["offerId"]), _quantity(item.get("quantity", 1))) for item in raw]
    else:
        items = [(str(body["offerId"]), _quantity(body.get("quantity", 1)))]
    form_id = world.purchase_cart(items, str(body.get("stage", "READY_FOR_PROCESSING")),
                                  payment_type=str(body.get("paymentType", "ONLINE")),
                                  invoice_company=_flag(body, "invoiceCompany"),
                                  pickup_point=_flag(body, "pickupPoint"))
    return {"checkoutFormId": form_id}


@admin_route("/orders/{formId}/advance")
def advance_order(world: World, request: Request, body: dict):
    world.advance_order(request.path_params["formId"], str(body["stage"]))


@admin_route("/orders/{formId}/buyer-cancel")
def buyer_cancel(world: World, request: Request, body: dict):
    world.buyer_cancel(request.path_params["formId"])


@admin_route("/orders/{formId}/buyer-modify")
def buyer_modify(world: World, request: Request, body: dict):
    world.buyer_modify_order(request.path_params["formId"])


@admin_route("/orders/{formId}/auto-cancel")
def auto_cancel(world: World, request: Request, body: dict):
    world.auto_cancel_order(request.path_params["formId"])


@admin_route("/orders/{formId}/panel-cancel")
def panel_cancel(world: World, request: Request, body: dict):
    world.panel_cancel_order(request.path_params["formId"])


@admin_route("/orders/{formId}/panel-fulfillment")
def panel_fulfillment(world: World, request: Request, body: dict):
    world.panel_set_fulfillment(request.path_params["formId"], str(body["status"]),
                                event=_flag(body, "event"))


@admin_route("/offers/{offerId}/panel-edit")
def panel_edit(world: World, request: Request, body: dict):
    world.panel_edit_offer(request.path_params["offerId"], price=body.get("price"), stock=body.get("stock"),
                           name=body.get("name"), end=bool(body.get("end", False)))


@admin_route("/faults")
def set_faults(world: World, request: Request, body: dict):
    world.set_fault_profile(body["profile"])
    return {"profile": world.faults.profile_name}


@admin_route("/faults/drop-next")
def drop_next(world: World, request: Request, body: dict):
    world.drop_next_response(str(body.get("method", "POST")), str(body.get("path", "/sale/product-offers")),
                             int(body.get("count", 1)))


ROUTES = [value for value in list(globals().values()) if isinstance(value, Route)]
