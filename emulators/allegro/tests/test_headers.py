"""Accept / Content-Type / User-Agent rules and common response headers."""

from __future__ import annotations

from .support import PUBLIC, api_client, offer_body


def test_wrong_or_missing_accept_is_406(emu, token):
    for accept in ("application/json", "application/vnd.allegro.beta.v1+json", ""):
        with api_client(emu.base_url, token, Accept=accept) as http:
            response = http.get("/me")
            assert response.status_code == 406
            assert response.json()["errors"][0]["code"] == "NotAcceptableException"


def test_beta_endpoint_wants_the_beta_type(emu, client):
    response = client.post("/sale/offer-bulk-modification-commands", json={"commandId": "x", "modifications": []},
                           headers={"Content-Type": PUBLIC})
    assert response.status_code == 406


def test_write_needs_vendor_content_type(emu, client, ean):
    response = client.post("/sale/product-offers", json=offer_body(ean), headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert emu.world.offers.created_count == 0


def test_user_agent_is_required(emu, token):
    with api_client(emu.base_url, token, **{"User-Agent": ""}) as http:
        missing = http.get("/me")
        assert missing.status_code == 400
        assert missing.json()["errors"][0]["code"] == "InvalidUserAgentException"
    with api_client(emu.base_url, token, **{"User-Agent": "python-httpx/0.28.1"}) as http:
        assert http.get("/me").status_code == 400
    emu.world.config.user_agent_policy = "present"
    with api_client(emu.base_url, token, **{"User-Agent": "python-httpx/0.28.1"}) as http:
        assert http.get("/me").status_code == 200


def test_every_answer_has_a_trace_id(emu, client):
    assert client.get("/me").headers["trace-id"]
    assert client.get("/sale/offers/1/nothing-here").headers["trace-id"]


def test_unknown_path_is_allegro_404(emu, client):
    response = client.get("/sale/unknown-resource")
    assert response.status_code == 404
    assert response.json()["errors"][0]["userMessage"] == "Function not available. Contact the application author."


def test_wrong_method_is_405_with_an_error_body(client):
    response = client.post("/me", json={}, headers={"Content-Type": "application/vnd.allegro.public.v1+json"})
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "MethodNotAllowedException"
