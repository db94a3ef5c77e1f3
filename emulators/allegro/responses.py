"""Response helpers and Allegro's error bodies (ErrorsHolder, AuthError, 429)."""

from __future__ import annotations

import json
import random
from typing import Any

from starlette.responses import Response

PUBLIC_V1 = "application/vnd.allegro.public.v1+json"
BETA_V1 = "application/vnd.allegro.beta.v1+json"


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def trace_id() -> str:
    """Opaque id for support tickets (not a secret: a fast PRNG is enough)."""
    return f"{random.getrandbits(64):016x}"


def json_response(
    data: Any, status: int = 200, media_type: str = PUBLIC_V1, headers: dict[str, str] | None = None
) -> Response:
    all_headers = {"trace-id": trace_id()}
    if headers:
        all_headers.update(headers)
    return Response(_dump(data), status_code=status, media_type=media_type, headers=all_headers)


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"trace-id": trace_id()}
    if headers:
        all_headers.update(headers)
    return Response(b"", status_code=status, headers=all_headers)


def error_item(
    code: str,
    message: str,
    user_message: str | None = None,
    path: str | None = None,
    details: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "details": details,
        "path": path,
        "userMessage": user_message if user_message is not None else message,
        "metadata": metadata or {},
    }


class ApiError(Exception):
    """Raised by handlers; rendered as Allegro's ``{"errors": [...]}`` body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        user_message: str | None = None,
        path: str | None = None,
        metadata: dict[str, str] | None = None,
        media_type: str = PUBLIC_V1,
        extra_items: list[dict[str, Any]] | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.items = [error_item(code, message, user_message, path, metadata=metadata)] + (extra_items or [])
        self.media_type = media_type

    @classmethod
    def validation(cls, items: list[dict[str, Any]], status: int = 422) -> ApiError:
        first = items[0]
        error = cls(status, first["code"], first["message"], first["userMessage"], first["path"])
        error.items = items
        return error

    def response(self) -> Response:
        return json_response({"errors": self.items}, status=self.status, media_type=self.media_type)


class AuthFailure(Exception):
    """OAuth-style error: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, status: int, error: str, description: str, media_type: str = "application/json"):
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.description = description
        self.media_type = media_type

    def response(self) -> Response:
        headers = {}
        if self.status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{self.error}"'
        return json_response(
            {"error": self.error, "error_description": self.description},
            status=self.status,
            media_type=self.media_type,
            headers=headers,
        )


def not_found(what: str = "resource") -> ApiError:
    return ApiError(404, "NotFoundException", f"The requested {what} was not found.",
                    "Function not available. Contact the application author.")


def access_denied() -> ApiError:
    return ApiError(403, "AccessDenied", "Access is denied", "No access to the specified resource.")


def rate_limited_global() -> Response:
    body = {"errors": [{"code": "RateLimitExceedException", "message": "An error has occurred",
                        "details": None, "path": None, "userMessage": "Przekroczony limit zapytań."}]}
    return json_response(body, status=429, media_type="application/json")


def rate_limited_resource() -> ApiError:
    return ApiError(429, "TooManyRequestsException", "Too many requests",
                    "Server is unable to respond to your query. Try again in a few minutes.")


def parse_json_body(raw: bytes) -> Any:
    if not raw:
        raise ApiError(400, "VALIDATION_ERROR", "Request body is required", "Brak treści żądania.")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Malformed JSON request body",
                       "Nieprawidłowy format żądania.") from exc
