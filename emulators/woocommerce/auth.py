"""Consumer key/secret authentication (HTTP Basic or ``consumer_key``/``consumer_secret`` in the query).

Real WooCommerce takes these two forms over HTTPS only and wants OAuth 1.0a signatures over plain HTTP;
the emulator accepts them over HTTP because it runs on loopback. OAuth 1.0a is not implemented."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from .responses import WooError

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class ApiKey:
    key: str
    secret: str
    permissions: str = "read_write"  # read | write | read_write
    description: str = ""
    user_id: int = 1
    last_access: float | None = None


def _auth_error(message: str) -> WooError:
    return WooError(401, "woocommerce_rest_authentication_error", message)


def credentials(headers: dict[str, str], query: dict[str, list[str]]) -> tuple[str, str] | None:
    header = headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        key, _, secret = decoded.partition(":")
        if key:
            return key, secret
    if "consumer_key" in query and "consumer_secret" in query:
        return query["consumer_key"][-1], query["consumer_secret"][-1]
    if "oauth_consumer_key" in query or "oauth_signature" in query:
        raise _auth_error("OAuth 1.0a is not supported by this emulator: use HTTP Basic authentication or "
                          "consumer_key/consumer_secret query parameters.")
    return None


def authenticate(keys: dict[str, ApiKey], method: str, headers: dict[str, str],
                 query: dict[str, list[str]]) -> ApiKey | None:
    """The key making the request, None without credentials; bad credentials or a key without the needed
    permission → 401 ``woocommerce_rest_authentication_error``."""
    found = credentials(headers, query)
    if found is None:
        return None
    key, secret = found
    api_key = keys.get(key)
    if api_key is None:
        raise _auth_error("Consumer key is invalid.")
    if not hmac.compare_digest(api_key.secret.encode(), secret.encode()):
        raise _auth_error("Consumer secret is invalid.")
    if method in WRITE_METHODS and api_key.permissions == "read":
        raise _auth_error("The API key provided does not have write permissions.")
    if method not in WRITE_METHODS and api_key.permissions == "write":
        raise _auth_error("The API key provided does not have read permissions.")
    return api_key


PERMISSION_ERRORS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    "batch": ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."),
}


def not_allowed(kind: str) -> WooError:
    code, message = PERMISSION_ERRORS[kind]
    return WooError(401, code, message)
