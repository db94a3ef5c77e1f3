"""OAuth flows and bearer-token checks, against the research facts (the spec has no OAuth endpoints)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx

from .support import api_client, basic, pkce_pair

TOKEN = "/auth/oauth/token"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _web(emu) -> httpx.Client:
    return httpx.Client(base_url=emu.base_url, timeout=10)


def test_device_flow_pending_then_approved_on_the_verification_page(emu):
    with _web(emu) as web:
        device = web.post("/auth/oauth/device", data={"client_id": "magazynier-demo"}, headers=basic()).json()
        assert device["expires_in"] == 3600 and device["interval"] == 5
        assert device["verification_uri_complete"].endswith(f"/skojarz-aplikacje?code={device['user_code']}")
        poll = {"grant_type": DEVICE_GRANT, "device_code": device["device_code"]}
        pending = web.post(TOKEN, params=poll, headers=basic())
        assert pending.status_code == 400
        assert pending.json() == {"error": "authorization_pending",
                                  "error_description": "User has not authorized the device code yet."}
        page = web.get(urlsplit(device["verification_uri_complete"]).path, params={"code": device["user_code"]})
        assert page.status_code == 200 and device["user_code"] in page.text
        wrong = web.post("/skojarz-aplikacje", data={"user_code": device["user_code"], "login": "demo-seller",
                                                     "password": "nope"})
        assert wrong.status_code == 401
        ok = web.post("/skojarz-aplikacje", data={"user_code": device["user_code"], "login": "demo-seller",
                                                  "password": "demo-password", "decision": "allow"})
        assert ok.status_code == 200
        tokens = web.post(TOKEN, params=poll, headers=basic()).json()
        assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 43199 and tokens["refresh_token"]
        claims = _claims(tokens["access_token"])
        assert claims["user_name"] == "46968690" and claims["client_id"] == "magazynier-demo"
        assert "allegro:api:sale:offers:write" in claims["scope"] and claims["allegro_api"] is True
        # single use
        again = web.post(TOKEN, params=poll, headers=basic())
        assert again.json() == {"error": "invalid_request", "error_description": "Invalid device code"}


def test_device_code_expires_after_an_hour(emu):
    with _web(emu) as web:
        device = web.post("/auth/oauth/device", data={"client_id": "magazynier-demo"}, headers=basic()).json()
        emu.clock.advance(3600)
        assert not emu.world.approve_device_code(device["user_code"], "demo-seller")
        late = web.post(TOKEN, params={"grant_type": DEVICE_GRANT, "device_code": device["device_code"]},
                        headers=basic())
        assert late.status_code == 400 and late.json()["error"] == "invalid_request"


def test_device_flow_needs_an_app_registered_for_it(emu):
    with _web(emu) as web:
        refused = web.post("/auth/oauth/device", data={"client_id": "browser-only-app"},
                           headers=basic("browser-only-app", "browser-only-secret"))
        assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"


def test_token_endpoint_requires_client_authentication(emu):
    with _web(emu) as web:
        anonymous = web.post(TOKEN, params={"grant_type": "client_credentials"})
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
        wrong = web.post(TOKEN, params={"grant_type": "client_credentials"},
                         headers=basic("magazynier-demo", "wrong"))
        assert wrong.status_code == 401


def test_authorization_code_with_pkce_and_consent_page(emu):
    verifier, challenge = pkce_pair()
    redirect_uri = "http://localhost:8000/allegro/callback"
    query = {"response_type": "code", "client_id": "magazynier-demo", "redirect_uri": redirect_uri,
             "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256"}
    with _web(emu) as web:
        consent = web.get("/auth/oauth/authorize", params=query)
        assert consent.status_code == 200 and "Magazynier" in consent.text
        answer = web.post("/auth/oauth/authorize", params=query,
                          data={"login": "demo-seller", "password": "demo-password", "decision": "allow"})
        assert answer.status_code == 302
        location = urlsplit(answer.headers["location"])
        params = parse_qs(location.query)
        assert location.path == "/allegro/callback" and params["state"] == ["xyz"]
        code = params["code"][0]
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        bad = web.post(TOKEN, data={**exchange, "code_verifier": "x" * 43}, headers=basic())
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
        # the code was consumed by the failed attempt: get a new one via the admin API
        code = web.post("/__admin__/oauth/authorize", json={"client_id": "magazynier-demo",
                                                             "redirect_uri": redirect_uri,
                                                             "code_challenge": challenge}).json()["code"]
        tokens = web.post(TOKEN, data={**exchange, "code": code, "code_verifier": verifier}, headers=basic())
        assert tokens.status_code == 200 and tokens.json()["refresh_token"]


def test_authorization_code_lives_ten_seconds_and_plain_pkce_is_refused(emu):
    redirect_uri = "http://localhost:8000/cb"
    with _web(emu) as web:
        code = emu.world.authorize("magazynier-demo", redirect_uri)
        emu.clock.advance(10)
        late = web.post(TOKEN, params={"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": redirect_uri}, headers=basic())
        assert late.json()["error"] == "invalid_grant"
        plain = web.get("/auth/oauth/authorize", params={"response_type": "code", "client_id": "magazynier-demo",
                                                         "redirect_uri": redirect_uri, "code_challenge": "abc",
                                                         "code_challenge_method": "plain"})
        assert plain.status_code == 302 and "error=invalid_request" in plain.headers["location"]
        mismatch = web.get("/auth/oauth/authorize", params={"response_type": "code",
                                                            "client_id": "magazynier-demo",
                                                            "redirect_uri": "https://evil.example/cb"})
        assert mismatch.status_code == 400 and "Redirect URI mismatch" in mismatch.text


def test_refresh_rotates_and_old_token_survives_sixty_seconds(emu):
    first = emu.world.token_for("demo-seller")
    with _web(emu) as web:
        def refresh(token):
            return web.post(TOKEN, params={"grant_type": "refresh_token", "refresh_token": token},
                            headers=basic())

        second = refresh(first["refresh_token"]).json()
        assert second["refresh_token"] != first["refresh_token"]
        emu.clock.advance(59)
        assert refresh(first["refresh_token"]).status_code == 200  # lost response retried: still fine
        emu.clock.advance(2)
        expired = refresh(first["refresh_token"])
        assert expired.status_code == 400
        assert expired.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}
        assert refresh(second["refresh_token"]).status_code == 200


def test_access_token_expires_after_twelve_hours(emu):
    token = emu.world.token_for("demo-seller")["access_token"]
    with api_client(emu.base_url, token) as http:
        assert http.get("/me").status_code == 200
        emu.clock.advance(12 * 3600)
        expired = http.get("/me")
        assert expired.status_code == 401
        assert expired.json()["error"] == "invalid_token"


def test_client_credentials_token_has_no_user_context(emu):
    with _web(emu) as web:
        tokens = web.post(TOKEN, params={"grant_type": "client_credentials"}, headers=basic()).json()
    assert "refresh_token" not in tokens and "user_name" not in _claims(tokens["access_token"])
    with api_client(emu.base_url, tokens["access_token"]) as http:
        assert http.get("/sale/categories").status_code == 200
        denied = http.get("/me")
        assert denied.status_code == 403 and denied.json()["errors"][0]["code"] == "AccessDenied"


def test_missing_scope_gets_403_and_unknown_token_401(emu):
    token = emu.world.token_for("demo-seller", scopes=("allegro:api:profile:read",))["access_token"]
    with api_client(emu.base_url, token) as http:
        assert http.get("/me").status_code == 200
        denied = http.get("/order/checkout-forms")
        assert denied.status_code == 403
        assert denied.json()["errors"][0]["userMessage"] == "No access to the specified resource."
    with api_client(emu.base_url) as http:
        missing = http.get("/me")
        assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"


def test_requested_scopes_are_intersected_with_the_app(emu):
    with _web(emu) as web:
        device = web.post("/auth/oauth/device", data={"client_id": "magazynier-demo",
                                                      "scope": "allegro:api:orders:read made:up"},
                          headers=basic()).json()
        emu.world.approve_device_code(device["user_code"])
        tokens = web.post(TOKEN, params={"grant_type": DEVICE_GRANT, "device_code": device["device_code"]},
                          headers=basic()).json()
    assert tokens["scope"] == "allegro:api:orders:read"


def test_sellers_see_only_their_own_data(emu):
    second = emu.world.token_for("second-seller")["access_token"]
    with api_client(emu.base_url, second) as http:
        assert http.get("/me").json()["login"] == "second-seller"
