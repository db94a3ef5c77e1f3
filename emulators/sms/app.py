"""The Starlette application: SMSAPI.pl (``/sms.do``), SerwerSMS.pl (``/messages/send_sms``) and the admin
API under ``/_admin/`` (no authentication: loopback only). A fault set through the admin API answers every
send of both gateways with that HTTP status until it is cleared."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import serwersms, smsapi
from .state import Gateway

FAULT_PAGE = "<html><head><title>{status}</title></head><body><h1>{status}</h1><p>Service unavailable, try again later.</p></body></html>"


def _gateway(request: Request) -> Gateway:
    return request.app.state.gateway


def _fault(gateway: Gateway) -> Response | None:
    with gateway.lock:
        gateway.requests += 1
        status = gateway.fault_status
    if status is None:
        return None
    return Response(FAULT_PAGE.format(status=status), status_code=status, media_type="text/html",
                    headers={"Retry-After": "60"} if status in (429, 503) else None)


async def _params(request: Request) -> dict:
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = json.loads(await request.body() or b"{}")
            params.update(body if isinstance(body, dict) else {})
        else:  # application/x-www-form-urlencoded, UTF-8 (what both client libraries send)
            params.update(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
    return params


async def smsapi_send(request: Request) -> Response:
    gateway = _gateway(request)
    fault = _fault(gateway)
    if fault is not None:
        return fault
    try:
        params = await _params(request)
    except ValueError:
        return JSONResponse({"error": 8, "message": smsapi.ERRORS[8]})
    answer = smsapi.send(gateway, request.headers.get("authorization"), params)
    if params.get("format") == "json":
        return JSONResponse(answer)
    return PlainTextResponse(smsapi.as_text(answer))


async def serwersms_send(request: Request) -> Response:
    gateway = _gateway(request)
    fault = _fault(gateway)
    if fault is not None:
        return fault
    try:
        params = await _params(request)
    except ValueError:
        return JSONResponse(serwersms.error(2000))
    return JSONResponse(serwersms.send(gateway, params))


async def _body(request: Request) -> dict:
    raw = await request.body()
    body = json.loads(raw) if raw else {}
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


async def admin_messages(request: Request) -> Response:
    return JSONResponse({"messages": _gateway(request).snapshot(request.query_params.get("gateway"))})


async def admin_state(request: Request) -> Response:
    gateway = _gateway(request)
    with gateway.lock:
        return JSONResponse({"points": float(gateway.points), "serwersms_limit": gateway.serwersms_limit,
                             "fault_status": gateway.fault_status, "requests": gateway.requests,
                             "messages": len(gateway.messages)})


async def admin_reset(request: Request) -> Response:
    _gateway(request).reset()
    return JSONResponse({"ok": True})


async def admin_fault(request: Request) -> Response:
    try:
        status = (await _body(request)).get("status")
        if status is not None and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError("status must be an HTTP error status (400-599) or null")
    except ValueError as exc:
        return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)
    gateway = _gateway(request)
    with gateway.lock:
        gateway.fault_status = status
    return JSONResponse({"ok": True, "status": status})


async def admin_balance(request: Request) -> Response:
    try:
        body = await _body(request)
        points = Decimal(str(body["points"])) if "points" in body else None
        limit = int(body["serwersms_limit"]) if "serwersms_limit" in body else None
    except (ValueError, KeyError, InvalidOperation) as exc:
        return JSONResponse({"ok": False, "error": f"bad value: {exc}"}, status_code=400)
    gateway = _gateway(request)
    with gateway.lock:
        if points is not None:
            gateway.points = points
        if limit is not None:
            gateway.serwersms_limit = limit
    return JSONResponse({"ok": True})


def create_app(tokens: Iterable[str] | None = None, serwersms_users: Mapping[str, str] | None = None,
               points: float | Decimal | str = "100", senders: Iterable[str] | None = None,
               serwersms_limit: int = 1000) -> Starlette:
    """tokens: valid SMSAPI.pl OAuth tokens; serwersms_users: SerwerSMS login → password; points: the SMSAPI.pl
    balance; senders: approved SMSAPI.pl sender names ("Test" is always allowed); serwersms_limit: SerwerSMS
    messages (parts) left. Defaults are the demo values in README.md."""
    app = Starlette(routes=[
        Route("/sms.do", smsapi_send, methods=["GET", "POST"]),
        Route("/messages/send_sms", serwersms_send, methods=["POST"]),
        Route("/_admin/messages", admin_messages, methods=["GET"]),
        Route("/_admin/state", admin_state, methods=["GET"]),
        Route("/_admin/reset", admin_reset, methods=["POST"]),
        Route("/_admin/fault", admin_fault, methods=["POST"]),
        Route("/_admin/balance", admin_balance, methods=["POST"]),
    ])
    app.state.gateway = Gateway(tokens=tokens, serwersms_users=serwersms_users, points=points, senders=senders,
                                serwersms_limit=serwersms_limit)
    return app
