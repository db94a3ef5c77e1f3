"""WordPress-shaped answers: PHP ``json_encode`` output, REST errors, the REST response object."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def php_json(data: Any) -> bytes:
    """Serialise like PHP's ``json_encode`` with default flags (what ``wp_json_encode`` sends): no spaces,
    non-ASCII as ``\\uXXXX`` and ``/`` escaped as ``\\/``. A slash can only occur inside JSON strings, so
    replacing it in the output is exact."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


class WooError(Exception):
    """A ``WP_Error`` rendered as ``{"code", "message", "data": {"status", ...}}``."""

    def __init__(self, status: int, code: str, message: str, **data: Any):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def invalid_param(name: str, reason: str, status: int = 400) -> WooError:
    """WordPress's argument validation error (``rest_invalid_param``)."""
    return WooError(status, "rest_invalid_param", f"Invalid parameter(s): {name}", params={name: reason},
                    details={name: {"code": "rest_invalid_param", "message": reason, "data": None}})


def missing_param(name: str) -> WooError:
    return WooError(400, "rest_missing_callback_param", f"Missing parameter(s): {name}", params=[name])


def no_route() -> WooError:
    return WooError(404, "rest_no_route", "No route was found matching the URL and request method.")


def invalid_id(kind: str, status: int = 404) -> WooError:
    """``kind``: the post type as WooCommerce names it in codes (product, product_variation, shop_order …)."""
    return WooError(status, f"woocommerce_rest_{kind}_invalid_id", "Invalid ID.")


@dataclass
class RestResponse:
    data: Any
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
