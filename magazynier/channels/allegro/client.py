"""Allegro REST API client: headers, tokens, shared rate budgets, error mapping, manual 303 handling.

Every request first takes from the shared budgets (the application's 9,000 requests/min, and the seller's
resource limits — see budgets.py); a 429 pauses the client id (or the seller) for every worker at once, so
nobody keeps calling into a block. A 401 refreshes the token once. Nothing is retried otherwise: retries,
chunking and idempotency belong to the caller (the sync engine).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from magazynier.channels.allegro import budgets
from magazynier.channels.errors import (
    AuthenticationError,
    ChannelError,
    ConfigurationError,
    Conflict,
    ErrorDetail,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
)
from magazynier.channels.transport import transport_errors
from magazynier.core.ratebudget import Budget, BudgetExhausted

PUBLIC = "application/vnd.allegro.public.v1+json"
BETA = "application/vnd.allegro.beta.v1+json"
IDEMPOTENT = {"GET", "PUT", "DELETE", "HEAD"}
# Order writes whose Accept-Language may only be en-US (Allegro's spec); everything else gets the seller's.
ENGLISH_ONLY = re.compile(r"^/order/(checkout-forms/[^/]+/(fulfillment|invoices|serial-numbers)|[^/]+/billing-documents)")


class TokenSource(Protocol):
    def access_token(self) -> str:
        """A valid access token (refreshed ahead of expiry)."""

    def refresh_after_rejection(self, rejected: str) -> str:
        """Called when the API answered 401 to `rejected`: a fresh token, or AuthenticationError."""


def error_details(response: httpx.Response) -> tuple[ErrorDetail, ...]:
    try:
        body = response.json()
    except ValueError:
        return ()
    if isinstance(body, dict) and "error" in body and "errors" not in body:  # OAuth-shaped 401
        return (ErrorDetail(code=str(body.get("error")), message=str(body.get("error_description", ""))),)
    items = body.get("errors", []) if isinstance(body, dict) else []
    return tuple(
        ErrorDetail(code=str(e.get("code") or ""), message=str(e.get("message") or ""),
                    user_message=str(e.get("userMessage") or ""), path=str(e.get("path") or ""),
                    metadata=dict(e.get("metadata") or {}))
        for e in items if isinstance(e, dict)
    )


def error_for(response: httpx.Response, what: str) -> ChannelError:
    status = response.status_code
    details = error_details(response)
    trace = response.headers.get("trace-id", "")
    kwargs = {"status": status, "details": details, "trace_id": trace}
    if status == 401:
        return AuthenticationError(f"{what}: Allegro rejected the access token", **kwargs)
    if status == 403:
        return PermissionDenied(f"{what}: no access (missing scope or not this seller's resource)", **kwargs)
    if status == 404:
        return NotFound(f"{what}: not found", **kwargs)
    if status == 409:
        return Conflict(f"{what}: conflict", **kwargs)
    if status in (406, 415):
        return ConfigurationError(f"{what}: Allegro refused the request format ({status})", **kwargs)
    if status == 429:
        return RateLimited(f"{what}: over Allegro's rate limit", retry_after=budgets.CLIENT_BLOCK_SECONDS,
                           **kwargs)
    if status >= 500:
        return TransientError(f"{what}: Allegro failed ({status})", **kwargs)
    return InvalidRequest(f"{what}: Allegro refused the data ({status})", **kwargs)


class AllegroClient:
    def __init__(self, *, api_url: str, client_id: str, seller_id: str, tokens: TokenSource, http: httpx.Client,
                 budget: Budget, max_wait: float = 5.0, language: str = "pl-PL"):
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.seller_id = seller_id
        self.tokens = tokens
        self.http = http
        self.budget = budget
        self.max_wait = max_wait
        self.language = language

    def __repr__(self) -> str:
        return f"AllegroClient({self.api_url!r}, seller={self.seller_id!r})"

    # ------------------------------------------------------------------ convenience
    def get(self, path: str, params: Mapping[str, Any] | list | None = None) -> dict:
        return self.request("GET", path, params=params).json()

    def put(self, path: str, body: dict, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.request("PUT", path, params=params, json_body=body)

    def post(self, path: str, body: dict, *, accept: str = PUBLIC) -> httpx.Response:
        return self.request("POST", path, json_body=body, accept=accept)

    def patch(self, path: str, body: dict) -> httpx.Response:
        return self.request("PATCH", path, json_body=body)

    # ------------------------------------------------------------------ core
    def request(self, method: str, path: str, *, params=None, json_body: dict | None = None,
                content: bytes | None = None, content_type: str | None = None, accept: str = PUBLIC,
                allowed: tuple[int, ...] = ()) -> httpx.Response:
        """Send one request within the budgets; 2xx (and `allowed` statuses, e.g. 303) are returned, anything
        else raises a channels.errors exception."""
        what = f"{method} {path}"
        self._take_budget(method, path, json_body, what)
        body = content if content is not None else (
            json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else None)
        headers = {"Accept": accept, "Accept-Language": "en-US" if ENGLISH_ONLY.match(path) else self.language}
        if body is not None:
            headers["Content-Type"] = content_type or (accept if accept == BETA else PUBLIC)
        token = self.tokens.access_token()
        response = self._send(method, path, params, body, headers, token, what)
        if response.status_code == 401:
            token = self.tokens.refresh_after_rejection(token)
            self._take_budget(method, path, None, what, seller=False)
            response = self._send(method, path, params, body, headers, token, what)
        if response.status_code < 300 or response.status_code in allowed:
            return response
        error = error_for(response, what)
        if response.status_code == 429:
            self._on_throttled(method, path, json_body, error)
        raise error

    def follow(self, location: str) -> httpx.Response:
        """GET a Location (a 303 after an async offer change) with our credentials — only on the API host."""
        target = urljoin(self.api_url + "/", location)
        if urlsplit(target).netloc != urlsplit(self.api_url).netloc:
            raise ConfigurationError(f"Allegro redirected to another host ({urlsplit(target).netloc}); "
                                     "not following it with the seller's token.")
        return self.request("GET", urlsplit(target).path, allowed=(303,))

    def _send(self, method, path, params, body, headers, token, what) -> httpx.Response:
        with transport_errors(what, "Allegro"):
            response = self.http.request(method, self.api_url + path, params=params, content=body,
                                         headers={**headers, "Authorization": f"Bearer {token}"})
            response.read()
            return response

    # ------------------------------------------------------------------ budgets
    def _take_budget(self, method: str, path: str, body: dict | None, what: str, seller: bool = True) -> None:
        try:
            if seller:
                paused = self.budget.paused_until(budgets.seller_key(self.seller_id, "any"))
                if paused is not None:
                    raise BudgetExhausted(budgets.seller_key(self.seller_id, "any"),
                                          max(0.1, (paused - datetime.now(UTC)).total_seconds()))
                for resource, limits, weight in budgets.seller_budgets(method, path, body):
                    self.budget.acquire(budgets.seller_key(self.seller_id, resource), limits, weight,
                                        max_wait=self.max_wait)
            for resource, limits in budgets.client_resource_budgets(method, path):
                self.budget.acquire(f"{budgets.client_key(self.client_id)}:{resource}", limits,
                                    max_wait=self.max_wait)
            self.budget.acquire(budgets.client_key(self.client_id), budgets.CLIENT_REQUESTS,
                                max_wait=self.max_wait)
        except BudgetExhausted as exc:
            scope = "seller" if ":seller:" in exc.key else "client"
            raise RateLimited(f"{what}: waiting for the {scope} rate budget", retry_after=exc.retry_after,
                              scope=scope) from None

    def _on_throttled(self, method: str, path: str, body: dict | None, error: ChannelError) -> None:
        """Allegro said 429: stop everyone from calling into the block (calls during a block extend it)."""
        if "RateLimitExceedException" in error.codes or not error.codes:
            self.budget.pause(budgets.client_key(self.client_id), budgets.CLIENT_BLOCK_SECONDS)
            error.scope = "client"
            return
        resources = budgets.seller_budgets(method, path, body)
        keys = [budgets.seller_key(self.seller_id, r) for r, _l, _w in resources] or [
            budgets.seller_key(self.seller_id, "any")]
        for key in keys:
            self.budget.pause(key, budgets.SELLER_BACKOFF_SECONDS)
        error.scope = "seller"
        error.retry_after = budgets.SELLER_BACKOFF_SECONDS
