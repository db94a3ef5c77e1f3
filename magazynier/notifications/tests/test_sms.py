"""Alerts as SMS over real HTTP to the SMS gateway emulator on loopback: SMSAPI.pl through our smsapi://
plugin (smsapi-client), SerwerSMS.pl through Apprise's built-in serwersms:// plugin; fallback to the next
address, retries when the gateway is down, and neither the token nor the phone number in errors or logs."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import quote

import apprise
import pytest
from apprise.plugins.serwersms import NotifySerwerSMS
from django.utils import timezone

from emulators.sms.testing import running_emulator
from magazynier.notifications.actions import raise_alert
from magazynier.notifications.delivery import deliver_due, send
from magazynier.notifications.models import Alert, Delivery, Recipient
from magazynier.notifications.smsapi_plugin import NotifySMSAPI, sms_text
from magazynier.notifications.tests.receivers import free_port

TOKEN = "Zq8XwR2mTn5vLp9KdJ4hGf7sAc3bNe6yUt1oIk0P"
PHONE = "48500100200"
SERWER_LOGIN, SERWER_PASSWORD = "sklep-api", "Haslo-Serwer-77"


@pytest.fixture(scope="module")
def _gateway():
    with running_emulator(tokens=[TOKEN], serwersms_users={SERWER_LOGIN: SERWER_PASSWORD},
                          senders=["Sklep"]) as running:
        yield running


@pytest.fixture
def gateway(_gateway):
    _gateway.gateway.reset()
    return _gateway


def smsapi_url(gateway, token=TOKEN, phone=PHONE) -> str:
    return f"smsapi://{token}@{phone}?from=Sklep&domain={quote(gateway.smsapi_domain, safe='')}"


def held(key="sync-held:1"):
    return raise_alert(key, kind="sync-held", severity=Alert.CRITICAL,
                       title="Zmiany w Sklep Demo czekają na decyzję",
                       message="42 z 50 ofert spadłoby do 0 — sprawdź stany i zatwierdź albo odrzuć plan. "
                               "Wstrzymane oferty: " + ", ".join(f"„Żółta łódź nr {n}”" for n in range(40)))


@pytest.mark.django_db(transaction=True)  # alerts go out right after the commit that raised them
def test_an_alert_arrives_as_one_normalised_sms_of_at_most_two_parts(gateway):
    Recipient.objects.create(name="Telefon właściciela", urls=smsapi_url(gateway))
    held()
    [sms] = gateway.messages()
    assert sms["gateway"] == "smsapi" and sms["number"] == PHONE and sms["sender"] == "Sklep"
    assert sms["text"].isascii() and sms["encoding"] == "gsm", "Polish letters normalised by SMSAPI.pl"
    assert len(sms["text"]) <= 306 and sms["parts"] == 2 and sms["text"].endswith("...")
    assert sms["text"].startswith("[") and "Zmiany w Sklep Demo czekaja na decyzje\n42 z 50 ofert" in sms["text"]
    assert '"Zolta lodz nr 0"' in sms["text"] and "  " not in sms["text"]
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.SENT and delivery.via == "smsapi"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_token_falls_back_to_the_next_address_and_leaks_nothing(gateway, hook, caplog):
    wrong = "Wr0ngT0kenWr0ngT0kenWr0ngT0kenWr0ngT0ken"
    caplog.set_level(logging.INFO)
    Recipient.objects.create(name="Właściciel", urls=f"{smsapi_url(gateway, token=wrong)}\n{hook.url()}")
    held()
    assert gateway.messages() == [] and len(hook.posts) == 1
    assert Delivery.objects.get().via == "json"

    only_sms = Recipient.objects.create(name="Tylko SMS", urls=smsapi_url(gateway, token=wrong))
    alert = held("order-oversold:5")
    failed = Delivery.objects.get(recipient=only_sms, alert=alert)
    assert failed.state == Delivery.PENDING and failed.attempts == 1
    assert "error 101 (authorization failed)" in failed.last_error
    for secret in (wrong, PHONE, "500100200"):
        assert secret not in failed.last_error and secret not in caplog.text
    assert "SMSAPI.pl refused the message: error 101" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_gateway_outage_is_retried_later_when_sms_is_the_only_address(gateway):
    gateway.gateway.fault_status = 503
    Recipient.objects.create(name="Telefon", urls=smsapi_url(gateway))
    before = timezone.now()
    held()
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.PENDING and delivery.next_attempt_at > before + timedelta(seconds=20)
    assert "HTTP 503" in delivery.last_error and PHONE not in delivery.last_error
    assert gateway.messages() == []
    gateway.gateway.fault_status = None
    deliver_due(timezone.now() + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.state == Delivery.SENT and delivery.attempts == 2 and len(gateway.messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_serwersms_through_apprise_builtin_plugin_reaches_the_gateway(gateway, monkeypatch):
    monkeypatch.setattr(NotifySerwerSMS, "notify_url", gateway.serwersms_send_url)  # the endpoint, not a mock
    address = f"serwersms://{SERWER_LOGIN}:{SERWER_PASSWORD}@Sklep/+{PHONE}"
    Recipient.objects.create(name="SerwerSMS", urls=address)
    held()  # Apprise sends the whole alert (~1,400 characters): the gateway refuses more than 6 parts
    assert gateway.messages() == [] and "3102" in Delivery.objects.get().last_error
    Recipient.objects.update(urls=address + "?overflow=truncate")  # Apprise cuts it to 160 characters
    deliver_due(timezone.now() + timedelta(minutes=1))
    [sms] = gateway.messages("serwersms")
    assert sms["number"] == f"+{PHONE}" and sms["sender"] == "Sklep" and len(sms["text"]) <= 160
    assert sms["parts"] == 2, "up to 160 characters, but [ and ] of the title take two GSM places each"
    assert "Zmiany w Sklep Demo czekaja na decyzje" in sms["text"] and sms["text"].isascii()
    assert Delivery.objects.get().via == "serwersms"


@pytest.mark.django_db(transaction=True)
def test_alerts_test_sends_the_test_sms(gateway, capsys):
    from magazynier.cli import main

    assert main(["alerts", "add", "Telefon", smsapi_url(gateway)]) == 0
    assert main(["alerts", "test"]) == 0
    [sms] = gateway.messages()
    assert sms["number"] == PHONE and "Magazynier" in sms["text"] and sms["text"].isascii()
    assert main(["alerts", "recipients"]) == 0
    out = capsys.readouterr().out
    assert "smsapi://…" in out and TOKEN not in out and PHONE not in out
    assert main(["alerts", "add", "Bez numeru", f"smsapi://{TOKEN}@123"]) == 2


def test_the_text_is_shaped_for_sms():
    assert sms_text("  Tytuł\t z  odstępami ", "Linia 1\n\n  linia 2 ") == "Tytuł z odstępami\nLinia 1 linia 2"
    assert sms_text("Cena — „nowa”", "koniec…") == 'Cena - "nowa"\nkoniec...', "GSM-7 only: no Unicode switch"
    assert sms_text("", "Привет ✓") == "?????? ?"
    long = sms_text("T", "ż" * 1000)
    assert len(long) == 306 and long.endswith("...") and long.startswith("T\nżżż")
    curly = sms_text("", "{" * 200)  # an extension character takes two places
    assert len(curly) == 151 + 3


def test_addresses_are_checked_when_added(gateway):
    def loads(url):
        return bool(apprise.Apprise().add(url))

    assert loads(smsapi_url(gateway))
    assert loads(f"smsapi://{TOKEN}@500100200/+48600100200?to=48700100200")
    assert not loads(f"smsapi://@{PHONE}"), "no token"
    assert not loads(f"smsapi://{TOKEN}@abc"), "no valid number"
    assert not loads(f"smsapi://{TOKEN}@{PHONE}?domain=http://sms.example.pl/"), "a token in clear text"
    sender = apprise.Apprise()
    sender.add(f"smsapi://{TOKEN}@{PHONE}/48600100200?domain=com")
    plugin = sender[0]
    assert isinstance(plugin, NotifySMSAPI) and plugin.domain == "https://api.smsapi.com/"
    assert plugin.targets == [PHONE, "48600100200"]
    for shown in (repr(plugin), plugin.url(privacy=True)):
        assert TOKEN not in shown


def test_an_unreachable_gateway_fails_without_raising_or_leaking(caplog):
    url = f"smsapi://{TOKEN}@{PHONE}?domain={quote(f'http://127.0.0.1:{free_port()}/', safe='')}"
    with caplog.at_level(logging.DEBUG):
        via, error = send([url], "Tytuł", "Treść", apprise.NotifyType.WARNING)
    assert via == "" and "Could not connect to SMSAPI.pl (127.0.0.1:" in error
    assert TOKEN not in error + caplog.text and PHONE not in error


def test_some_numbers_refused_still_sends_to_the_rest(gateway, caplog):
    url = f"smsapi://{TOKEN}@{PHONE}/48221234567?domain={quote(gateway.smsapi_domain, safe='')}"
    with caplog.at_level(logging.WARNING):
        via, error = send([url], "T", "B", apprise.NotifyType.INFO)
    assert via == "smsapi" and [m["number"] for m in gateway.messages()] == [PHONE]
    assert "accepted the message for 1 of 2 numbers" in caplog.text and "48221234567" not in caplog.text
