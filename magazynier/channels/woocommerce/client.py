"""WooCommerce REST API v3 client: consumer-key authentication, one shared request budget per shop, error
mapping, pagination headers. Nothing is retried: retries, chunking and idempotency belong to the caller.

* Keys go in HTTP Basic auth, or in the query string for servers that strip the Authorization header
  (`query_auth`). Plain-HTTP shops are refused (the keys would travel in clear text) unless the shop is on
  this machine (the built-in emulator) or MAGAZYNIER_WOO_ALLOW_HTTP=1.
* WooCommerce itself has no rate limit, but shared hosting and WAFs do: all workers share one budget per
  shop (MAGAZYNIER_WOO_REQUESTS_PER_SECOND, default 5), and a 429 pauses the shop for everyone.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _

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
from magazynier.core.ratebudget import Budget, BudgetExhausted, Limit

API_PATH = "/wp-json/wc/v3"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_RETRY_AFTER = 30.0


def requests_per_second() -> int:
    return max(1, int(os.environ.get("MAGAZYNIER_WOO_REQUESTS_PER_SECOND", "5")))


def shop_url_problem(url: str) -> str:
    """Why this address cannot be a shop's ("" when it can)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _("Give the shop's address with https://, e.g. https://sklep.example.pl")
    if parts.scheme == "http" and (parts.hostname or "") not in LOOPBACK and \
            os.environ.get("MAGAZYNIER_WOO_ALLOW_HTTP", "").strip() not in ("1", "true", "yes"):
        return _("The shop's address must start with https://: over plain http the API keys would travel in "
                 "clear text. Turn on SSL in the shop (or set MAGAZYNIER_WOO_ALLOW_HTTP=1 at your own risk).")
    return ""


def budget_key(shop_url: str) -> str:
    return "woocommerce:" + hashlib.sha256(shop_url.rstrip("/").lower().encode()).hexdigest()[:16]


def error_details(response: httpx.Response) -> tuple[ErrorDetail, ...]:
    try:
        body = response.json()
    except ValueError:
        return ()
    if isinstance(body, dict) and body.get("code"):
        return (ErrorDetail(code=str(body["code"]), message=str(body.get("message") or "")),)
    return ()


def error_for(response: httpx.Response, what: str) -> ChannelError:
    status = response.status_code
    details = error_details(response)
    codes = {d.code for d in details}
    kwargs = {"status": status, "details": details}
    if status == 401:
        if "woocommerce_rest_authentication_error" in codes and any(
                "write" in d.message for d in details):
            return PermissionDenied(f"{what}: the API key may only read; give Magazynier a read/write key",
                                    **kwargs)
        return AuthenticationError(f"{what}: the shop rejected the API keys", **kwargs)
    if status == 403:
        return PermissionDenied(f"{what}: the key's user may not do this", **kwargs)
    if status == 404:
        if "rest_no_route" in codes:
            return ConfigurationError(f"{what}: no WooCommerce REST API at this address (is WooCommerce active "
                                      "and are permalinks on?)", **kwargs)
        return NotFound(f"{what}: not found", **kwargs)
    if status == 409:
        return Conflict(f"{what}: conflict", **kwargs)
    if status == 413:
        return InvalidRequest(f"{what}: too many items in one batch for this shop", **kwargs)
    if status == 429:
        return RateLimited(f"{what}: the shop's server is throttling us", retry_after=_retry_after(response),
                           scope="seller", **kwargs)
    if status >= 500:
        return TransientError(f"{what}: the shop failed ({status})", **kwargs)
    return InvalidRequest(f"{what}: the shop refused the data ({status})", **kwargs)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_RETRY_AFTER


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    total_pages: int


class WooClient:
    def __init__(self, *, shop_url: str, key: str, secret: str, http: httpx.Client, budget: Budget,
                 max_wait: float = 5.0, query_auth: bool = False,
                 on_rejected: Callable[[AuthenticationError], None] | None = None):
        problem = shop_url_problem(shop_url)
        if problem:
            raise ConfigurationError(problem)
        self.shop_url = shop_url.rstrip("/")
        self._key, self._secret = key, secret
        self.http = http
        self.budget = budget
        self.max_wait = max_wait
        self.query_auth = query_auth
        self.on_rejected = on_rejected  # told when the shop rejects the keys (they were revoked)

    def __repr__(self) -> str:
        return f"WooClient({self.shop_url!r}, key=…{self._key[-4:]})"

    # ------------------------------------------------------------------ convenience
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def get_page(self, path: str, params: Mapping[str, Any]) -> Page:
        response = self.request("GET", path, params=params)
        items = response.json()
        if not isinstance(items, list):
            raise TransientError(f"GET {path}: the shop answered with something that is not a list")
        return Page(items, _int_header(response, "X-WP-Total", len(items)),
                    _int_header(response, "X-WP-TotalPages", 1))

    def post(self, path: str, body: dict) -> Any:
        return self.request("POST", path, json_body=body).json()

    def put(self, path: str, body: dict) -> Any:
        return self.request("PUT", path, json_body=body).json()

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("DELETE", path, params=params).json()

    def index(self) -> dict:
        """The WordPress index (site name and address); needs no keys."""
        return self._send("GET", self.shop_url + "/wp-json/", None, None, "GET /wp-json/", auth=False).json()

    # ------------------------------------------------------------------ core
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: dict | None = None) -> httpx.Response:
        what = f"{method} {path}"
        self._take_budget(what)
        body = json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else None
        response = self._send(method, self.shop_url + API_PATH + path, params, body, what)
        if response.status_code < 300:
            return response
        error = error_for(response, what)
        if isinstance(error, RateLimited):
            self.budget.pause(budget_key(self.shop_url), error.retry_after)
        if isinstance(error, AuthenticationError) and self.on_rejected is not None:
            self.on_rejected(error)
        raise error

    def _send(self, method: str, url: str, params, body: bytes | None, what: str, *,
              auth: bool = True) -> httpx.Response:
        query = dict(params or {})
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        basic = None
        if auth and self.query_auth:
            query.update(consumer_key=self._key, consumer_secret=self._secret)
        elif auth:
            basic = httpx.BasicAuth(self._key, self._secret)
        with transport_errors(what, "the shop"):
            response = self.http.request(method, url, params=query or None, content=body, headers=headers,
                                         auth=basic)
            response.read()
            return response

    def _take_budget(self, what: str) -> None:
        key = budget_key(self.shop_url)
        try:
            paused = self.budget.paused_until(key)
            if paused is not None:
                raise BudgetExhausted(key, max(0.1, (paused - datetime.now(UTC)).total_seconds()))
            self.budget.acquire(key, [Limit(requests_per_second(), 1.0)], max_wait=self.max_wait)
        except BudgetExhausted as exc:
            raise RateLimited(f"{what}: waiting for the shop's request budget", retry_after=exc.retry_after,
                              scope="seller") from None


def _int_header(response: httpx.Response, name: str, default: int) -> int:
    try:
        return int(response.headers.get(name, ""))
    except ValueError:
        return default
