"""SerwerSMS.pl API v2 messages/send_sms: as Apprise's built-in serwersms:// plugin calls it, and raw."""

from __future__ import annotations

import apprise
import pytest
from apprise.plugins.serwersms import NotifySerwerSMS

from .conftest import USERS


def send(http, **fields):
    payload = {"username": "sklep", "password": USERS["sklep"], "phone": "+48500100200", "text": "Test",
               "sender": "Sklep", **fields}
    return http.post("/messages/send_sms", json=payload)


def test_apprise_serwersms_plugin_is_understood(gateway, monkeypatch):
    monkeypatch.setattr(NotifySerwerSMS, "notify_url", gateway.serwersms_send_url)
    monkeypatch.setattr(NotifySerwerSMS, "request_rate_per_sec", 0)  # Apprise waits 5.5 s between numbers
    sender = apprise.Apprise()
    assert sender.add(f"serwersms://sklep:{USERS['sklep']}@Sklep/+48500100200/+48600100200")
    assert sender.notify(title="Alert", body="Zamówienie czeka na wysyłkę")
    messages = gateway.messages("serwersms")
    assert [m["number"] for m in messages] == ["+48500100200", "+48600100200"]
    assert messages[0]["sender"] == "Sklep" and messages[0]["text"] == "Alert\r\nZamowienie czeka na wysylke"


def test_a_wrong_password_fails_the_apprise_plugin(gateway, monkeypatch):
    monkeypatch.setattr(NotifySerwerSMS, "notify_url", gateway.serwersms_send_url)
    sender = apprise.Apprise()
    sender.add("serwersms://sklep:zle-haslo@Sklep/+48500100200")
    assert not sender.notify(body="x")
    assert gateway.messages() == []


def test_success_answer_shape(http):
    answer = send(http, phone=["+48500100200", "500"], text="a" * 161).json()
    assert answer["success"] is True and answer["queued"] == 1 and answer["unsent"] == 1
    queued, unsent = answer["items"]
    assert queued["phone"] == "+48500100200" and queued["status"] == "queued" and queued["parts"] == 2
    assert set(queued) == {"id", "phone", "status", "queued", "parts", "text"}
    assert unsent["status"] == "unsent" and unsent["error_code"] == 2001


@pytest.mark.parametrize(("fields", "code", "kind"), [
    ({"password": "zle"}, 1001, "InvalidUser"),
    ({"username": ""}, 1001, "InvalidUser"),
    ({"phone": ""}, 2000, "ValidationRequiredError"),
    ({"phone": "abc"}, 2001, "ValidationPhoneError"),
    ({"text": " "}, 3101, "SendError"),
    ({"text": "a" * 919}, 3102, "SendError"),
    ({"group_id": "12"}, 1004, "InvalidID"),
])
def test_errors_carry_serwersms_codes(http, gateway, fields, code, kind):
    answer = send(http, **fields).json()
    assert answer["error"]["code"] == code and answer["error"]["type"] == kind and answer["error"]["message"]
    assert "success" not in answer and gateway.messages() == []


def test_without_utf_polish_letters_are_replaced_with_utf_they_stay(http, gateway):
    send(http, text="Łódź")
    send(http, text="Łódź", utf=True)
    plain, unicode = gateway.messages()
    assert plain["text"] == "Lodz" and plain["encoding"] == "gsm"
    assert unicode["text"] == "Łódź" and unicode["encoding"] == "ucs2"


def test_the_message_limit_runs_out(http, gateway):
    http.post("/_admin/balance", json={"serwersms_limit": 1})
    assert send(http, text="a" * 200).json()["error"]["code"] == 3002  # FULL (with a sender)
    assert send(http, text="a" * 200, sender="").json()["error"]["code"] == 3000  # ECO+
    assert send(http, text="krótki").json()["queued"] == 1
    assert http.get("/_admin/state").json()["serwersms_limit"] == 0


def test_form_fields_work_too(http, gateway):
    response = http.post("/messages/send_sms", data={"username": "sklep", "password": USERS["sklep"],
                                                     "phone": "+48500100200", "text": "Formularz"})
    assert response.json()["queued"] == 1 and gateway.messages()[0]["sender"] == "ECO+"
