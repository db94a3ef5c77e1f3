"""The admin HTTP API, the CLI entry point and the in-process runner."""

from __future__ import annotations

import httpx

from emulators.allegro import create_app
from emulators.allegro.clock import RealClock
from emulators.allegro.server import build_parser
from emulators.allegro.testing import running_emulator

from .support import api_client, basic, create_offer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def test_device_approval_and_scenarios_over_admin_http(emu, client, ean):
    admin = httpx.Client(base_url=f"{emu.base_url}/__admin__", timeout=10)
    device = httpx.post(f"{emu.base_url}/auth/oauth/device", data={"client_id": "magazynier-demo"},
                        headers=basic()).json()
    assert admin.post("/device/approve", json={"user_code": device["user_code"],
                                               "seller": "demo-seller"}).json() == {"ok": True}
    assert admin.post("/device/approve", json={"user_code": "unknown"}).status_code == 404
    tokens = httpx.post(f"{emu.base_url}/auth/oauth/token",
                        params={"grant_type": DEVICE_GRANT, "device_code": device["device_code"]},
                        headers=basic()).json()
    assert tokens["access_token"]

    offer = create_offer(client, ean, stock=20)
    form_id = admin.post("/purchase", json={"offerId": offer["id"], "quantity": 2}).json()["checkoutFormId"]
    assert client.get(f"/order/checkout-forms/{form_id}").json()["lineItems"][0]["quantity"] == 2
    assert admin.post(f"/orders/{form_id}/panel-cancel").status_code == 200
    assert client.get(f"/order/checkout-forms/{form_id}").json()["status"] == "CANCELLED"
    assert admin.post(f"/offers/{offer['id']}/panel-edit", json={"price": "11.11"}).status_code == 200
    assert client.get(f"/sale/product-offers/{offer['id']}").json()["sellingMode"]["price"]["amount"] == "11.11"

    assert admin.post("/buyers/start", json={"seller": "demo-seller", "purchasesPerMinute": 10}).status_code == 200
    assert admin.post("/clock/advance", json={"seconds": 60}).json()["now"] == emu.clock.now()
    assert emu.world.simulation.purchases == 10
    admin.post("/buyers/stop", json={})

    assert admin.post("/faults", json={"profile": "flaky"}).json() == {"profile": "flaky"}
    assert admin.post("/faults", json={"profile": "nope"}).status_code == 400
    assert admin.post("/limits", json={"client_requests_per_minute": 3}).json()["client_requests_per_minute"] == 3
    assert admin.get("/state").json()["faultProfile"] == "flaky"
    minted = admin.post("/tokens", json={"seller": "second-seller"}).json()
    with api_client(emu.base_url, minted["access_token"]) as other:
        assert other.get("/me").json()["login"] == "second-seller"
    assert admin.post("/reset").status_code == 200
    assert admin.get("/state").json()["offers"] == 0
    admin.close()


def test_cli_parser_defaults():
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.seed, args.fault_profile) == ("127.0.0.1", 8765, 1, "none")
    args = build_parser().parse_args(["--port", "9000", "--seed", "3", "--fault-profile", "chaos"])
    assert (args.port, args.seed, args.fault_profile) == (9000, 3, "chaos")


def test_create_app_defaults_to_the_real_clock():
    app = create_app()
    assert isinstance(app.state.clock, RealClock) and app.state.world.clock is app.state.clock


def test_running_emulator_serves_real_http_and_stops():
    with running_emulator() as emulator:
        base_url = emulator.base_url
        token = emulator.world.token_for()["access_token"]
        with api_client(base_url, token) as http:
            assert http.get("/me").status_code == 200
    try:
        httpx.get(f"{base_url}/me", timeout=1)
        raise AssertionError("server still running")
    except httpx.TransportError:
        pass


def test_cli_serves_over_http_in_its_own_process():
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "emulators.allegro.server", "--port", str(port), "--seed", "2",
                                "--fake-clock", "--log-level", "error"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/__admin__/state", timeout=1).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.1)
        assert state["faultProfile"] == "none" and state["offers"] == 0
        advanced = httpx.post(f"http://127.0.0.1:{port}/__admin__/clock/advance", json={"seconds": 5}).json()
        assert advanced["now"] == state["now"] + 5
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_real_clock_run_completes_commands_without_waiting():
    from emulators.allegro import EmulatorConfig

    from .support import json_write, new_id

    config = EmulatorConfig(command_completion_seconds=0)
    with running_emulator(config) as emulator:
        assert config.public_base_url != emulator.base_url  # the caller's config is not modified
        token = emulator.world.token_for()["access_token"]
        catalog = emulator.world.catalog
        with api_client(emulator.base_url, token) as http:
            offer = create_offer(http, catalog.unambiguous_eans()[0])
            command_id = new_id()
            body = {"modification": {"changeType": "FIXED", "value": 2},
                    "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": [{"id": offer["id"]}]}]}
            assert json_write(http, "PUT", f"/sale/offer-quantity-change-commands/{command_id}", body).is_success
            report = http.get(f"/sale/offer-quantity-change-commands/{command_id}").json()
            assert report["taskCount"]["success"] == 1
