"""What every API request goes through before its handler: User-Agent, Accept, bearer token, scope,
the per-client-id limit, Content-Type and body parsing, then completion of due asynchronous work.

Handlers are plain functions called with the world lock held; they return a Response or raise ApiError.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .auth import AccessToken
from .responses import (
    BETA_V1,
    PUBLIC_V1,
    ApiError,
    AuthFailure,
    access_denied,
    parse_json_body,
    rate_limited_global,
)

if TYPE_CHECKING:
    from .world import World

USER_AGENT_SHAPE = re.compile(r"^[A-Za-z0-9._-]+/\S+ \(\+https?://\S+\)")


@dataclass
class Context:
    request: Request
    world: World
    token: AccessToken
    now: float
    body: Any = None

    @property
    def seller_id(self) -> str:
        assert self.token.seller_id is not None
        return self.token.seller_id

    @property
    def path(self) -> dict[str, str]:
        return self.request.path_params

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def query_list(self, name: str) -> list[str]:
        return self.request.query_params.getlist(name)

    def query_int(self, name: str, default: int, minimum: int, maximum: int) -> int:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ApiError(400, "VALIDATION_ERROR", f"'{name}' must be an integer", path=name) from exc
        if not minimum <= value <= maximum:
            raise ApiError(422, "VALIDATION_ERROR", f"must be between {minimum} and {maximum}", path=name)
        return value


def _check_user_agent(request: Request, policy: str) -> None:
    agent = request.headers.get("user-agent", "").strip()
    if not agent:
        raise ApiError(400, "InvalidUserAgentException", "User-Agent header is required",
                       "Brak nagłówka User-Agent.")
    if policy == "strict" and not USER_AGENT_SHAPE.match(agent):
        raise ApiError(400, "InvalidUserAgentException",
                       "User-Agent must look like 'AppName/version (+https://info-url)'",
                       "Nieprawidłowy nagłówek User-Agent.")


def _check_accept(request: Request, media_type: str) -> None:
    accepted = [part.split(";")[0].strip().lower() for part in request.headers.get("accept", "").split(",")]
    if media_type not in accepted:
        raise ApiError(406, "NotAcceptableException",
                       "Not acceptable representation requested. Please check 'Accept' request header",
                       "Not acceptable representation requested.", media_type="application/json")


def endpoint(
    scope: str | None = None,
    user: bool = True,
    media_type: str = PUBLIC_V1,
    body: str | None = None,
    error_media_type: str | None = None,
    delay: Callable[[World, AccessToken], float] | None = None,
) -> Callable[[Callable[[Context], Response]], Callable[[Request], Any]]:
    """Wrap a handler. ``body`` is None, "json" or "pdf"; ``error_media_type`` overrides the content
    type of 4xx answers where Allegro's spec declares a different one (e.g. the offer journal);
    ``delay`` (called under the lock) returns seconds to wait before answering (soft throttling)."""

    def decorate(handler: Callable[[Context], Response]):
        async def run(request: Request) -> Response:
            world: World = request.app.state.world
            try:
                _check_user_agent(request, world.config.user_agent_policy)
                _check_accept(request, media_type)
                with world.lock:
                    token = world.authority.bearer(request)
                    if not world.limiter.admit_client(token.client_id, world.clock.now()):
                        return rate_limited_global()
                    if (user and token.seller_id is None) or (scope and scope not in token.scopes):
                        raise access_denied()
                data: Any = None
                if body is not None:
                    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
                    expected = media_type if body == "json" else "application/pdf"
                    if content_type != expected and not (body == "json" and content_type in (PUBLIC_V1, BETA_V1)):
                        raise ApiError(415, "UnsupportedMediaTypeException",
                                       f"Content type '{content_type}' not supported, use '{expected}'",
                                       "Unsupported media type.")
                    raw = await request.body()
                    data = parse_json_body(raw) if body == "json" else raw
                world.tick()
                if delay is not None:
                    with world.lock:
                        seconds = delay(world, token)
                    if seconds > 0:
                        await asyncio.sleep(seconds)
                with world.lock:
                    return handler(Context(request, world, token, world.clock.now(), data))
            except (ApiError, AuthFailure) as error:
                if error_media_type is not None and error.status != 406:
                    error.media_type = error_media_type
                return error.response()

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    return decorate


def require_dict(value: Any, path: str = "") -> dict:
    if not isinstance(value, dict):
        raise ApiError(400, "VALIDATION_ERROR", f"'{path or 'body'}' must be an object", path=path or None)
    return value
