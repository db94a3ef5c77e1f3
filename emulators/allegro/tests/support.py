"""Test helpers: an httpx client that validates every exchange against the OpenAPI spec."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import httpx

from conformance.allegro_openapi import find_operation, httpx_response_hook

PUBLIC = "application/vnd.allegro.public.v1+json"
BETA = "application/vnd.allegro.beta.v1+json"
USER_AGENT = "Magazynier-Tests/1.0.0 (+https://example.com/magazynier)"
DEMO_CLIENT = ("magazynier-demo", "magazynier-demo-secret")
WEB_PATHS = ("/auth/", "/__admin__", "/skojarz-aplikacje", "/uzytkownik/")

# (METHOD, template) of every operation a test saw succeed with both request and response validated
VALIDATED_OPERATIONS: set[tuple[str, str]] = set()


_check = httpx_response_hook(allow_undeclared_errors=True, skip_prefixes=WEB_PATHS)


def _validate(response: httpx.Response) -> None:
    # requests the emulator accepted must conform; every response must conform (undeclared error
    # statuses must at least carry Allegro's error body)
    _check(response)
    request = response.request
    if request.url.path.startswith(WEB_PATHS):
        return
    if response.is_success or response.status_code == 303:
        operation = find_operation(request.method, str(request.url))
        if operation is not None:
            VALIDATED_OPERATIONS.add(operation)


def api_client(base_url: str, token: str | None = None, **headers: str) -> httpx.Client:
    all_headers = {"Accept": PUBLIC, "User-Agent": USER_AGENT}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers)
    return httpx.Client(base_url=base_url, headers=all_headers, timeout=10,
                        event_hooks={"response": [_validate]})


def basic(client_id: str = DEMO_CLIENT[0], secret: str = DEMO_CLIENT[1]) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def json_write(client: httpx.Client, method: str, url: str, body: Any, **kwargs: Any) -> httpx.Response:
    headers = {"Content-Type": PUBLIC, **kwargs.pop("headers", {})}
    return client.request(method, url, json=body, headers=headers, **kwargs)


def new_id() -> str:
    return str(uuid.uuid4())


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(uuid.uuid4().bytes * 3).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def offer_body(ean: str, *, sku: str = "SKU-1", stock: int = 5, price: str = "49.99",
               status: str = "ACTIVE", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "productSet": [{"product": {"id": ean, "idType": "GTIN"}}],
        "stock": {"available": stock, "unit": "UNIT"},
        "sellingMode": {"format": "BUY_NOW", "price": {"amount": price, "currency": "PLN"}},
        "publication": {"status": status},
        "external": {"id": sku},
        "images": ["https://a.allegroimg.com/original/11aa22/koszulka-1"],
        "delivery": {"handlingTime": "PT24H"},
    }
    body.update(extra)
    return body


def create_offer(client: httpx.Client, ean: str, **kwargs: Any) -> dict[str, Any]:
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ean, **kwargs))
    assert response.status_code in (201, 202), response.text
    return response.json()
