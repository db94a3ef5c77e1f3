"""Allegro OAuth 2.0: device flow, authorization code with PKCE (S256), refresh with rotation.

Pure HTTP — storing tokens is channels.tokens' job. The client authenticates with HTTP Basic; parameters go
in a form body (never the query string, so tokens and codes cannot end up in URLs, logs or exceptions).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from magazynier.channels.allegro.hosts import Hosts
from magazynier.channels.errors import (
    AuthenticationError,
    ChannelError,
    ConfigurationError,
    RateLimited,
    TransientError,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPES = (
    "allegro:api:profile:read",
    "allegro:api:sale:offers:read",
    "allegro:api:sale:offers:write",
    "allegro:api:sale:settings:read",
    "allegro:api:orders:read",
    "allegro:api:orders:write",
)
REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600  # three months (research §3.5)


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    scope: str = ""
    received_at: float = field(default_factory=time.time)

    @property
    def expires_at(self) -> float:
        return self.received_at + self.expires_in

    @property
    def claims(self) -> dict:
        return jwt_claims(self.access_token)

    @property
    def user_id(self) -> str:
        return str(self.claims.get("user_name") or "")


@dataclass(frozen=True)
class DeviceCode:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class OAuthError(ChannelError):
    """An error answer of the token endpoint: `error` is the OAuth code (authorization_pending, …)."""

    def __init__(self, error: str, description: str, status: int):
        super().__init__(f"Allegro authorisation: {error} ({description})", status=status)
        self.error = error


def jwt_claims(token: str) -> dict:
    """The payload of Allegro's JWT, not verified (Allegro publishes no keys; we only read user_name and exp)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def new_pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class AllegroOAuth:
    def __init__(self, hosts: Hosts, client_id: str, client_secret: str, http: httpx.Client):
        self.hosts = hosts
        self.client_id = client_id
        self._secret = client_secret
        self.http = http

    def __repr__(self) -> str:
        return f"AllegroOAuth({self.hosts.web!r}, client_id=<hidden>)"

    # ------------------------------------------------------------------ flows
    def start_device_flow(self, scopes: tuple[str, ...] = SCOPES) -> DeviceCode:
        data = self._post(self.hosts.device_url, {"client_id": self.client_id, "scope": " ".join(scopes)})
        return DeviceCode(data["device_code"], data["user_code"], data["verification_uri"],
                          data.get("verification_uri_complete") or data["verification_uri"],
                          int(data.get("expires_in", 3600)), int(data.get("interval", 5)))

    def poll_device(self, device_code: str) -> TokenSet:
        """One poll; raises OAuthError with error authorization_pending / slow_down / access_denied /
        invalid_request (expired or used)."""
        return self._tokens({"grant_type": DEVICE_GRANT, "device_code": device_code})

    def wait_for_device(self, code: DeviceCode, *, sleep=time.sleep, clock=time.monotonic,
                        on_wait=lambda: None) -> TokenSet:
        """Poll at Allegro's interval (+5 s on slow_down) until the seller approves, denies or the code expires."""
        interval = max(1, code.interval)
        deadline = clock() + code.expires_in
        while True:
            sleep(interval)
            try:
                return self.poll_device(code.device_code)
            except OAuthError as exc:
                if exc.error == "authorization_pending" and clock() < deadline:
                    on_wait()
                    continue
                if exc.error == "slow_down" and clock() < deadline:
                    interval += 5
                    continue
                raise

    def authorization_url(self, redirect_uri: str, state: str, code_challenge: str,
                          scopes: tuple[str, ...] = SCOPES) -> str:
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                 "scope": " ".join(scopes), "state": state, "code_challenge": code_challenge,
                 "code_challenge_method": "S256"}
        return f"{self.hosts.authorize_url}?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        return self._tokens({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                             "code_verifier": code_verifier})

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new pair (Allegro rotates refresh tokens). A dead refresh token raises AuthenticationError."""
        try:
            return self._tokens({"grant_type": "refresh_token", "refresh_token": refresh_token})
        except OAuthError as exc:
            if exc.error in {"invalid_grant", "invalid_token", "unauthorized"}:
                raise AuthenticationError(
                    "Allegro no longer accepts this account's authorisation (refresh token expired or revoked): "
                    "the seller must connect the account again.", status=exc.status) from None
            raise

    # ------------------------------------------------------------------ HTTP
    def _tokens(self, form: dict) -> TokenSet:
        data = self._post(self.hosts.token_url, form)
        return TokenSet(data["access_token"], data.get("refresh_token", ""), int(data.get("expires_in", 43199)),
                        data.get("scope", "") if isinstance(data.get("scope"), str) else " ".join(data["scope"]))

    def _post(self, url: str, form: dict) -> dict:
        try:
            response = self.http.post(url, data=form, auth=(self.client_id, self._secret),
                                      headers={"Accept": "application/json"})
        except httpx.TimeoutException:
            raise TransientError("Allegro's login service did not answer in time.", maybe_applied=True) from None
        except httpx.TransportError as exc:
            raise TransientError(f"Cannot reach Allegro's login service ({type(exc).__name__}).",
                                 maybe_applied=True) from None
        if response.status_code == 429:
            raise RateLimited("Allegro refuses to issue more tokens for now.", retry_after=60, scope="seller",
                              status=429)
        if response.status_code >= 500:
            raise TransientError(f"Allegro's login service failed ({response.status_code}).",
                                 status=response.status_code)
        try:
            data = response.json()
        except ValueError:
            raise ConfigurationError(f"Unexpected answer from {url} ({response.status_code}, not JSON): is the "
                                     "environment's address right?", status=response.status_code) from None
        if response.status_code >= 400 or "error" in data:
            if response.status_code == 401:
                raise ConfigurationError("Allegro does not accept the application's client ID or secret "
                                         "(check them in the account settings).", status=401)
            raise OAuthError(str(data.get("error", "error")), str(data.get("error_description", "")),
                             response.status_code)
        return data
