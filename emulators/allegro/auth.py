"""OAuth 2.0 as on allegro.pl: device flow, authorization code with PKCE (S256 only), refresh-token
rotation with a 60 s grace for the previous token, client_credentials; bearer-token checks for the API.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .accounts import Application, Seller
from .responses import AuthFailure, json_response

if TYPE_CHECKING:
    from .world import World

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
FULL_AUTH_REQUIRED = "Full authentication is required to access this resource"


@dataclass
class AccessToken:
    client_id: str
    seller_id: str | None
    scopes: tuple[str, ...]
    expires_at: float

    def __repr__(self) -> str:  # never print the token itself
        return f"AccessToken(client_id={self.client_id!r}, seller_id={self.seller_id!r})"


@dataclass
class RefreshToken:
    client_id: str
    seller_id: str
    scopes: tuple[str, ...]
    expires_at: float
    first_used_at: float | None = None


@dataclass
class DeviceCode:
    client_id: str
    user_code: str
    scopes: tuple[str, ...]
    expires_at: float
    seller_id: str | None = None
    denied: bool = False
    used: bool = False


@dataclass
class AuthorizationCode:
    client_id: str
    seller_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_at: float
    code_challenge: str | None = None


@dataclass
class AuthState:
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    device_codes: dict[str, DeviceCode] = field(default_factory=dict)
    authorization_codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens_issued: int = 0


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode()).digest())


def _user_code() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(9))


class Authority:
    """Issues and checks tokens. Methods are called with the world lock held."""

    def __init__(self, world: World):
        self.world = world
        self.state = AuthState()

    # ---- helpers ------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.world.clock.now()

    def granted_scopes(self, app: Application, requested: str | None) -> tuple[str, ...]:
        if not requested:
            return tuple(app.scopes)
        wanted = requested.replace(",", " ").split()
        return tuple(s for s in app.scopes if s in wanted)

    def _jwt(self, payload: dict) -> str:
        header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
        return f"{header}.{body}.{_b64url(secrets.token_bytes(64))}"

    def issue(self, client_id: str, seller_id: str | None, scopes: tuple[str, ...]) -> dict:
        lifetimes = self.world.config.lifetimes
        now = self.now
        cap = self.world.config.limits.tokens_per_user_per_hour
        if cap is not None and seller_id is not None:
            minted = self.world.limiter.count_resource(f"{client_id}:{seller_id}", "token issuance", now, 3600.0)
            if minted >= cap:
                raise AuthFailure(429, "too_many_requests", "Too many tokens issued for this user, try again later")
        jti = secrets.token_hex(16)
        payload = {"scope": list(scopes), "allegro_api": True, "iss": self.world.config.issuer,
                   "exp": int(now + lifetimes.access_token), "jti": jti, "client_id": client_id}
        if seller_id is not None:
            payload["user_name"] = seller_id
        access = self._jwt(payload)
        self.state.access_tokens[access] = AccessToken(client_id, seller_id, scopes, now + lifetimes.access_token)
        self.state.tokens_issued += 1
        response = {"access_token": access, "token_type": "bearer",
                    "expires_in": int(lifetimes.access_token) - 1, "scope": " ".join(scopes),
                    "allegro_api": True, "jti": jti}
        if seller_id is not None:
            refresh_payload = dict(payload, ati=jti, jti=secrets.token_hex(16),
                                   exp=int(now + lifetimes.refresh_token))
            refresh = self._jwt(refresh_payload)
            self.state.refresh_tokens[refresh] = RefreshToken(client_id, seller_id, scopes,
                                                              now + lifetimes.refresh_token)
            response["refresh_token"] = refresh
        return response

    def authenticate_client(self, request: Request) -> Application:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            raise AuthFailure(401, "unauthorized", FULL_AUTH_REQUIRED)
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthFailure(401, "unauthorized", FULL_AUTH_REQUIRED) from exc
        app = self.world.applications.get(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, secret):
            raise AuthFailure(401, "invalid_client", "Bad client credentials")
        return app

    def bearer(self, request: Request) -> AccessToken:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise AuthFailure(401, "unauthorized", FULL_AUTH_REQUIRED, media_type=_api_media(request))
        token = self.state.access_tokens.get(header[7:].strip())
        if token is None:
            raise AuthFailure(401, "invalid_token", "Invalid access token", media_type=_api_media(request))
        if token.expires_at <= self.now:
            raise AuthFailure(401, "invalid_token", "Access token expired", media_type=_api_media(request))
        return token

    # ---- grants -------------------------------------------------------------------------------
    def grant(self, app: Application, params: dict[str, str]) -> dict:
        grant_type = params.get("grant_type", "")
        if grant_type == "client_credentials":
            return self.issue(app.client_id, None, self.granted_scopes(app, params.get("scope")))
        if grant_type == "refresh_token":
            return self._refresh(app, params.get("refresh_token", ""))
        if grant_type == "authorization_code":
            return self._exchange_code(app, params)
        if grant_type == DEVICE_GRANT:
            return self._poll_device(app, params.get("device_code", ""))
        if not grant_type:
            raise AuthFailure(400, "invalid_request", "Missing grant type")
        raise AuthFailure(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")

    def _refresh(self, app: Application, token: str) -> dict:
        record = self.state.refresh_tokens.get(token)
        now = self.now
        if record is None or record.client_id != app.client_id or record.expires_at <= now:
            raise AuthFailure(400, "invalid_grant", "Invalid refresh token")
        grace = self.world.config.lifetimes.refresh_token_grace
        if record.first_used_at is not None and now > record.first_used_at + grace:
            raise AuthFailure(400, "invalid_grant", "Invalid refresh token")
        tokens = self.issue(app.client_id, record.seller_id, record.scopes)  # may be refused (429)
        if record.first_used_at is None:
            record.first_used_at = now
        return tokens

    def _exchange_code(self, app: Application, params: dict[str, str]) -> dict:
        code = params.get("code")
        if not code:
            raise AuthFailure(400, "invalid_request", "An authorization code must be supplied.")
        record = self.state.authorization_codes.pop(code, None)
        if record is None or record.client_id != app.client_id or record.expires_at <= self.now:
            raise AuthFailure(400, "invalid_grant", "Invalid authorization code")
        if params.get("redirect_uri") != record.redirect_uri:
            raise AuthFailure(400, "invalid_grant", "Redirect URI mismatch.")
        if record.code_challenge is not None:
            verifier = params.get("code_verifier") or ""
            if not 43 <= len(verifier) <= 128 or pkce_challenge(verifier) != record.code_challenge:
                raise AuthFailure(400, "invalid_grant", "Invalid code verifier")
        return self.issue(app.client_id, record.seller_id, record.scopes)

    def _poll_device(self, app: Application, device_code: str) -> dict:
        record = self.state.device_codes.get(device_code)
        if record is None or record.client_id != app.client_id or record.used or record.expires_at <= self.now:
            raise AuthFailure(400, "invalid_request", "Invalid device code")
        if record.denied:
            raise AuthFailure(400, "access_denied", "The user denied the authorization request")
        if record.seller_id is None:
            raise AuthFailure(400, "authorization_pending", "User has not authorized the device code yet.")
        record.used = True
        return self.issue(app.client_id, record.seller_id, record.scopes)

    def start_device_flow(self, app: Application, scope: str | None) -> dict:
        if not app.device_flow:
            raise AuthFailure(400, "unauthorized_client", "Client does not have the device_code grant")
        lifetimes = self.world.config.lifetimes
        device_code = secrets.token_urlsafe(24)
        user_code = _user_code()
        self.state.device_codes[device_code] = DeviceCode(
            app.client_id, user_code, self.granted_scopes(app, scope), self.now + lifetimes.device_code)
        base = self.world.config.public_base_url.rstrip("/")
        return {"device_code": device_code, "user_code": user_code, "expires_in": int(lifetimes.device_code),
                "interval": lifetimes.device_poll_interval,
                "verification_uri": f"{base}/skojarz-aplikacje",
                "verification_uri_complete": f"{base}/skojarz-aplikacje?code={user_code}"}

    def approve_device(self, user_code: str, seller: Seller, deny: bool = False) -> bool:
        for record in self.state.device_codes.values():
            if record.user_code == user_code and not record.used and record.expires_at > self.now:
                if deny:
                    record.denied = True
                else:
                    record.seller_id = seller.id
                return True
        return False

    def issue_authorization_code(self, app: Application, seller: Seller, redirect_uri: str,
                                 scope: str | None, code_challenge: str | None) -> str:
        code = secrets.token_urlsafe(16)
        self.state.authorization_codes[code] = AuthorizationCode(
            app.client_id, seller.id, redirect_uri, self.granted_scopes(app, scope),
            self.now + self.world.config.lifetimes.authorization_code, code_challenge)
        return code


def _api_media(request: Request) -> str:
    return "application/vnd.allegro.public.v1+json" if not request.url.path.startswith("/auth/") else (
        "application/json")


async def _form(request: Request) -> dict[str, str]:
    """URL-encoded form body (parsed here: no python-multipart dependency needed)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    params.update(await _form(request))
    return params


# ---- routes ---------------------------------------------------------------------------------------


async def token_endpoint(request: Request) -> Response:
    world = request.app.state.world
    params = await _params(request)
    try:
        with world.lock:
            app = world.authority.authenticate_client(request)
            return json_response(world.authority.grant(app, params), media_type="application/json")
    except AuthFailure as failure:
        return failure.response()


async def device_endpoint(request: Request) -> Response:
    world = request.app.state.world
    params = await _params(request)
    try:
        with world.lock:
            app = world.authority.authenticate_client(request)
            if params.get("client_id", app.client_id) != app.client_id:
                raise AuthFailure(400, "invalid_request", "client_id does not match the authenticated client")
            return json_response(world.authority.start_device_flow(app, params.get("scope")),
                                 media_type="application/json")
    except AuthFailure as failure:
        return failure.response()


_PAGE = """<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status_code=status)


def _login_fields() -> str:
    return ('<label>Login <input name="login" autocomplete="username"></label>'
            '<label>Hasło <input name="password" type="password" autocomplete="current-password"></label>')


async def verification_page(request: Request) -> Response:
    world = request.app.state.world
    if request.method == "GET":
        code = html.escape(request.query_params.get("code", ""))
        body = (f'<form method="post"><label>Kod <input name="user_code" value="{code}"></label>'
                f'{_login_fields()}<button name="decision" value="allow">Powiąż aplikację</button>'
                '<button name="decision" value="deny">Odrzuć</button></form>')
        return _page("Powiąż aplikację z kontem Allegro", body)
    form = await _form(request)
    with world.lock:
        seller = world.seller_by_credentials(str(form.get("login", "")), str(form.get("password", "")))
        if seller is None:
            return _page("Nieprawidłowy login lub hasło", "<p>Spróbuj ponownie.</p>", status=401)
        ok = world.authority.approve_device(str(form.get("user_code", "")).strip(), seller,
                                            deny=form.get("decision") == "deny")
    if not ok:
        return _page("Nieprawidłowy kod", "<p>Kod wygasł lub jest nieprawidłowy.</p>", status=400)
    return _page("Gotowe", "<p>Aplikacja została powiązana z Twoim kontem.</p>")


async def authorize_page(request: Request) -> Response:
    world = request.app.state.world
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(await _form(request))
    with world.lock:
        app = world.applications.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None:
            return _page("Błąd", "<p>Nieznana aplikacja (client_id).</p>", status=400)
        if not app.redirect_allowed(redirect_uri):
            return _page("Błąd", "<p>Redirect URI mismatch.</p>", status=400)
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", "state": params.get("state")})
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is not None and method != "S256":
            return _redirect(redirect_uri, {"error": "invalid_request",
                                            "error_description": "Only S256 code challenge method is supported",
                                            "state": params.get("state")})
        if request.method == "GET":
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in params.items())
            body = (f'<p>Aplikacja <b>{html.escape(app.name)}</b> prosi o dostęp do Twojego konta.</p>'
                    f'<form method="post">{hidden}{_login_fields()}'
                    '<button name="decision" value="allow">Zezwól</button>'
                    '<button name="decision" value="deny">Odmów</button></form>')
            return _page("Zgoda na dostęp", body)
        if params.get("decision") == "deny":
            return _redirect(redirect_uri, {"error": "access_denied", "state": params.get("state")})
        seller = world.seller_by_credentials(params.get("login", ""), params.get("password", ""))
        if seller is None:
            return _page("Nieprawidłowy login lub hasło", "<p>Spróbuj ponownie.</p>", status=401)
        code = world.authority.issue_authorization_code(app, seller, redirect_uri, params.get("scope"),
                                                        challenge)
    return _redirect(redirect_uri, {"code": code, "state": params.get("state")})


def _redirect(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)
