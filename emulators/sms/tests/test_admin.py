"""The admin API: what was accepted, reset, fault injection, balances; the command line."""

from __future__ import annotations

from emulators.sms.server import build_parser

from .conftest import TOKEN, USERS


def sms(http, token=TOKEN):
    return http.post("/sms.do", data={"format": "json", "to": "48500100200", "message": "Zółw", "normalize": "1"},
                     headers={"Authorization": f"Bearer {token}"})


def serwer(http):
    return http.post("/messages/send_sms", json={"username": "sklep", "password": USERS["sklep"],
                                                 "phone": "+48600100200", "text": "Hej", "sender": "Sklep"})


def test_messages_lists_what_was_accepted_per_gateway(http):
    sms(http)
    serwer(http)
    messages = http.get("/_admin/messages").json()["messages"]
    assert [(m["gateway"], m["number"], m["text"], m["sender"], m["parts"]) for m in messages] == [
        ("smsapi", "48500100200", "Zolw", "Test", 1), ("serwersms", "+48600100200", "Hej", "Sklep", 1)]
    only = http.get("/_admin/messages", params={"gateway": "serwersms"}).json()["messages"]
    assert [m["gateway"] for m in only] == ["serwersms"]


def test_reset_forgets_messages_and_restores_balances(http):
    sms(http)
    http.post("/_admin/fault", json={"status": 500})
    assert http.post("/_admin/reset").json() == {"ok": True}
    state = http.get("/_admin/state").json()
    assert state["messages"] == 0 and state["points"] == 10 and state["fault_status"] is None


def test_a_fault_answers_every_send_until_cleared(http, gateway):
    assert http.post("/_admin/fault", json={"status": 503}).json() == {"ok": True, "status": 503}
    first, second = sms(http), serwer(http)
    assert first.status_code == second.status_code == 503 and first.headers["retry-after"] == "60"
    assert gateway.messages() == []
    assert http.get("/_admin/messages").status_code == 200, "the admin API is never faulted"
    http.post("/_admin/fault", json={"status": None})
    assert sms(http).json()["count"] == 1 and serwer(http).json()["queued"] == 1


def test_bad_admin_requests_are_refused(http):
    assert http.post("/_admin/fault", json={"status": 200}).status_code == 400
    assert http.post("/_admin/fault", content=b"[1]").status_code == 400
    assert http.post("/_admin/balance", json={"points": "dużo"}).status_code == 400


def test_the_command_line_options():
    args = build_parser().parse_args(["--port", "9000", "--token", "a", "--token", "b",
                                      "--serwersms-user", "x:y:z", "--points", "5"])
    assert args.port == 9000 and args.token == ["a", "b"] and args.serwersms_user == ["x:y:z"]
    assert build_parser().parse_args([]).port == 8767
