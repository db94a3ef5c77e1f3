"""SMSAPI.pl's sms.do: through the official smsapi-client library and raw HTTP."""

from __future__ import annotations

import pytest
from smsapi.client import Client
from smsapi.exception import EndpointException, SendException

from .conftest import TOKEN


def client(gateway, token=TOKEN) -> Client:
    return Client(gateway.smsapi_domain, access_token=token)


def send(http, token=TOKEN, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.post("/sms.do", data={"format": "json", **params}, headers=headers)


def test_the_client_library_sends_and_gets_smsapi_answers(gateway):
    result = client(gateway).sms.send(to="48500100200", message="Zamówienie 123 czeka na wysyłkę",
                                      from_="Sklep", normalize=1)
    assert result.count == 1
    sms = result.results[0]
    assert sms.number == "48500100200" and sms.submitted_number == "48500100200" and sms.status == "QUEUE"
    assert sms.points == 0.16 and sms.parts == 1 and sms.id and isinstance(sms.date_sent, int)
    [message] = gateway.messages()
    assert message["gateway"] == "smsapi" and message["number"] == "48500100200" and message["sender"] == "Sklep"
    assert message["text"] == "Zamowienie 123 czeka na wysylke" and message["encoding"] == "gsm"


def test_the_answer_has_the_documented_shape(http, gateway):
    answer = send(http, to="500100200,+48600100200", message="Test", details="1").json()
    assert answer["count"] == 2 and answer["message"] == "Test" and answer["length"] == 4 and answer["parts"] == 1
    first = answer["list"][0]
    assert set(first) == {"id", "points", "number", "date_sent", "submitted_number", "status", "error", "idx",
                          "parts"}
    assert [m["number"] for m in answer["list"]] == ["48500100200", "48600100200"], "9 digits get 48 in front"
    assert [m["submitted_number"] for m in answer["list"]] == ["500100200", "+48600100200"]
    assert {m["sender"] for m in gateway.messages()} == {"Test"}, "no from: the account's default sender"


def test_without_format_json_the_answer_is_text(http):
    ok = http.post("/sms.do", data={"to": "48500100200", "message": "x"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.text.startswith("OK:") and ok.text.endswith(":0.16")
    bad = http.post("/sms.do", data={"to": "48500100200", "message": "x"}, headers={"Authorization": "Bearer nope"})
    assert bad.text == "ERROR:101"


@pytest.mark.parametrize(("token", "params", "code"), [
    ("wrong-token", {}, 101),
    (None, {}, 101),
    (TOKEN, {"message": "  "}, 11),
    (TOKEN, {"message": "a" * 919}, 11),  # more than 6 parts
    (TOKEN, {"message": "a" * 161, "max_parts": "1"}, 11),
    (TOKEN, {"message": "Zażółć", "nounicode": "1"}, 11),
    (TOKEN, {"from": "Nieznany"}, 14),
    (TOKEN, {"to": "48221234567"}, 13),  # a landline
    (TOKEN, {"to": "abc"}, 13),
    (TOKEN, {"normalize": "1", "datacoding": "gsm"}, 25),
    (TOKEN, {"max_parts": "dużo"}, 8),
])
def test_errors_carry_smsapi_codes_with_http_200(http, gateway, token, params, code):
    response = send(http, token=token, **{"to": "48500100200", "message": "Test", **params})
    assert response.status_code == 200
    assert response.json()["error"] == code and response.json()["message"]
    assert gateway.messages() == []


def test_the_client_library_raises_send_exception_with_the_code(gateway):
    with pytest.raises(SendException) as refused:
        client(gateway, token="bad").sms.send(to="48500100200", message="x")
    assert refused.value.code == 101
    with pytest.raises(SendException) as refused:
        client(gateway).sms.send(to="48221234567", message="x")
    assert refused.value.code == 13 and refused.value.invalid_numbers[0].number == "48221234567"


def test_only_valid_numbers_are_sent_and_the_rest_listed(http, gateway):
    answer = send(http, to="48500100200,48221234567", message="x").json()
    assert answer["count"] == 1 and answer["invalid_numbers"][0]["submitted_number"] == "48221234567"
    assert [m["number"] for m in gateway.messages()] == ["48500100200"]


def test_normalize_turns_polish_letters_into_one_gsm_part(http, gateway):
    text = "Stan magazynu spadł do zera: żółta łódź, gęś i jaźń. " * 3  # 159 characters
    assert send(http, to="48500100200", message=text, normalize="1").json()["list"][0]["parts"] == 1
    assert send(http, to="48500100200", message=text).json()["list"][0]["parts"] == 3, "UCS-2: 67 a part"
    normalized, raw = gateway.messages()
    assert normalized["text"].isascii() and normalized["encoding"] == "gsm"
    assert raw["text"] == text and raw["encoding"] == "ucs2"


def test_points_are_charged_per_part_and_a_short_balance_refuses(http, gateway):
    assert send(http, to="48500100200", message="a" * 200).json()["list"][0]["points"] == 0.32
    assert http.get("/_admin/state").json()["points"] == pytest.approx(9.68)
    assert http.post("/_admin/balance", json={"points": "0.2"}).status_code == 200
    assert send(http, to="48500100200", message="a" * 200).json()["error"] == 103
    assert send(http, to="48500100200", message="a" * 100).json()["count"] == 1
    assert send(http, to="48500100200", message="a", fast="1").json()["error"] == 103, "fast costs 1.5 ×"


def test_a_test_message_is_answered_but_neither_sent_nor_charged(http, gateway):
    assert send(http, to="48500100200", message="x", test="1").json()["count"] == 1
    assert gateway.messages() == [] and http.get("/_admin/state").json()["points"] == 10


def test_an_injected_fault_is_an_http_error_for_the_library(http, gateway):
    http.post("/_admin/fault", json={"status": 503})
    with pytest.raises(EndpointException) as failed:
        client(gateway).sms.send(to="48500100200", message="x")
    assert failed.value.code == 503
