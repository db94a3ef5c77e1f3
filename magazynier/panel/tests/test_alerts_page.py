"""The notifications page ("Powiadomienia") with the test client on real rows and a real HTTP receiver: alerts,
recipients (added, edited, switched off, removed) whose addresses never come back to the browser, test
messages, the last deliveries, and who may see or change any of it."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from magazynier.channels.models import ChannelAccount
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.delivery import deliver_due
from magazynier.notifications.models import Alert, Delivery, Recipient
from magazynier.notifications.tests.receivers import HttpReceiver, free_port

pytestmark = pytest.mark.django_db

URL = "/powiadomienia/"
TOKEN = "TAJNY-TOKEN-7Q2xK"  # the secret part of the webhook's address
PASSWORD = "haslo-SEKRET-99"  # the secret part of the e-mail address
MAIL = f"mailtos://jan:{PASSWORD}@poczta.firma-jana.pl?to=jan@firma-jana.pl"


def secret_hook(hook: HttpReceiver, path: str = "/alerty") -> str:
    return f"json://alerty:{TOKEN}@127.0.0.1:{hook.port}{path}"


def _text(response) -> str:
    return response.content.decode()


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return _text(response)


def _no_secrets(html: str, *more: str) -> None:
    for secret in (TOKEN, PASSWORD, "poczta.firma-jana.pl", *more):
        assert secret not in html


def _messages(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<ul class="messages">(.*?)</ul>', html, re.S)]


def _account(name: str) -> ChannelAccount:
    return ChannelAccount.objects.create(name=name, environment=ChannelAccount.EMULATOR,
                                         api_url="http://127.0.0.1:9", auth_url="http://127.0.0.1:9", client_id="x")


def test_the_owner_adds_a_recipient_and_sees_only_the_schemes(owner_client, hook, caplog):
    caplog.set_level(logging.DEBUG)
    shop = _account("Sklep Demo")
    response = owner_client.post(URL, {"name": "Jan (Slack i e-mail)", "addresses": f"{secret_hook(hook)}\n\n{MAIL}\n",
                                       "min_severity": Alert.CRITICAL, "account": shop.pk})
    recipient = Recipient.objects.get()
    assert response.status_code == 302 and response.url == f"{URL}#recipient-{recipient.pk}"
    assert recipient.url_list() == [secret_hook(hook), MAIL]
    assert (recipient.name, recipient.min_severity, recipient.account, recipient.is_active) == (
        "Jan (Slack i e-mail)", Alert.CRITICAL, shop, True)

    page = _page(owner_client)
    row = page[page.index(f'id="recipient-{recipient.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "json, mailtos" in row and "krytyczny" in row and "Sklep Demo" in row and "jeszcze nic nie wysłano" in row
    assert "Dodano odbiorcę Jan (Slack i e-mail) (json, mailtos)" in " ".join(_messages(page))
    _no_secrets(page, str(hook.port))
    _no_secrets(_text(owner_client.get(reverse("panel:alerts_edit", args=[recipient.pk]))), str(hook.port))
    _no_secrets(caplog.text)
    assert not hook.posts  # adding sends nothing by itself


def test_a_recipient_for_the_whole_installation(owner_client, hook):
    owner_client.post(URL, {"name": "Telefon", "addresses": secret_hook(hook), "min_severity": Alert.WARNING})
    page = _page(owner_client)
    row = page[page.index('class="recipient"'):]
    assert "cała instalacja" in row[:row.index("</tr>")] and "uwaga" in row[:row.index("</tr>")]


def test_an_invalid_address_names_its_line_and_saves_nothing(owner_client, hook, caplog):
    caplog.set_level(logging.DEBUG)
    bad = f"https://{TOKEN}@example.pl/hook"  # not an Apprise scheme
    response = owner_client.post(URL, {"name": "Jan", "addresses": f"{secret_hook(hook)}\n{bad}\n",
                                       "min_severity": Alert.WARNING})
    assert response.status_code == 400
    html = _text(response)
    assert "Wiersz 2 nie jest adresem, który Apprise rozumie" in html and "Wiersz 1" not in html
    assert "wklej je wszystkie jeszcze raz" in html and "Odbiorca nie został dodany" in html
    assert Recipient.objects.count() == 0
    _no_secrets(html, "example.pl/hook", str(hook.port))
    assert 'value="Jan"' in html  # the name is kept, the addresses are not
    assert re.search(r'<textarea name="addresses"[^>]*>\s*</textarea>', html)
    _no_secrets(caplog.text, "example.pl/hook")

    response = owner_client.post(URL, {"name": "Jan", "addresses": " \n ", "min_severity": Alert.WARNING})
    assert response.status_code == 400 and "Wpisz co najmniej jeden adres." in _text(response)
    response = owner_client.post(URL, {"name": "", "addresses": secret_hook(hook), "min_severity": "loud"})
    assert response.status_code == 400 and Recipient.objects.count() == 0
    _no_secrets(_text(response), str(hook.port))


def test_editing_keeps_the_addresses_when_left_empty_and_replaces_them_otherwise(owner_client, hook):
    recipient = Recipient.objects.create(name="Jan", urls=f"{secret_hook(hook)}\n{MAIL}")
    edit = reverse("panel:alerts_edit", args=[recipient.pk])
    assert edit == f"/powiadomienia/odbiorcy/{recipient.pk}/"
    html = _text(owner_client.get(edit))
    assert "Zostaw puste, aby zachować 2 zapisane adresy." in html and "json, mailtos" in html
    assert re.search(r'<textarea name="addresses"[^>]*>\s*</textarea>', html)
    _no_secrets(html, str(hook.port))

    response = owner_client.post(edit, {"name": "Jan Kowalski", "addresses": "", "min_severity": Alert.INFO})
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert (recipient.name, recipient.min_severity) == ("Jan Kowalski", Alert.INFO)
    assert recipient.url_list() == [secret_hook(hook), MAIL]
    assert "adresy bez zmian" in " ".join(_messages(_page(owner_client)))

    response = owner_client.post(edit, {"name": "Jan Kowalski", "addresses": "ntfy://ntfy.sh/x\nnie-adres",
                                        "min_severity": Alert.INFO})
    assert response.status_code == 400 and "Wiersz 2" in _text(response)
    recipient.refresh_from_db()
    assert recipient.url_list() == [secret_hook(hook), MAIL]

    new_hook = secret_hook(hook, "/nowe")
    response = owner_client.post(edit, {"name": "Jan Kowalski", "addresses": new_hook, "min_severity": Alert.INFO})
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.url_list() == [new_hook]
    assert "Zapisano odbiorcę Jan Kowalski z nowymi adresami (json)." in " ".join(_messages(_page(owner_client)))
    assert "Zostaw puste, aby zachować 1 zapisany adres." in _text(owner_client.get(edit))


def test_switching_a_recipient_off_and_on_and_removing_it(owner_client, hook):
    recipient = Recipient.objects.create(name="Jan", urls=secret_hook(hook))
    active = reverse("panel:alerts_active", args=[recipient.pk])
    assert owner_client.post(active, {"active": "0"}).status_code == 302
    recipient.refresh_from_db()
    assert not recipient.is_active
    page = _page(owner_client)
    assert 'data-active="0"' in page and "wyłączony" in page and 'id="test-all"' not in page
    owner_client.post(active, {"active": "1"})
    recipient.refresh_from_db()
    assert recipient.is_active
    assert owner_client.get(active).status_code == 405

    Delivery.objects.create(recipient=recipient, kind=Delivery.TEST, next_attempt_at=timezone.now())
    response = owner_client.post(reverse("panel:alerts_delete", args=[recipient.pk]))
    assert response.status_code == 302
    assert not Recipient.objects.exists() and not Delivery.objects.exists()
    page = _page(owner_client)
    assert "Usunięto odbiorcę Jan" in page and 'id="no-recipients"' in page


def test_a_test_message_reaches_the_receiver_and_the_page_says_so(owner_client, hook):
    recipient = Recipient.objects.create(name="Jan", urls=f"{MAIL.replace('poczta.firma-jana.pl', '127.0.0.1:1')}\n"
                                                          f"{secret_hook(hook)}")
    response = owner_client.post(reverse("panel:alerts_test", args=[recipient.pk]), follow=True)
    html = _text(response)
    assert len(hook.posts) == 1
    path, payload = hook.posts[0]
    assert path == "/alerty" and payload["title"] == "Magazynier: wiadomość testowa" and "(Jan)" in payload["message"]
    assert "Wiadomość testowa do Jan wysłana przez json." in " ".join(_messages(html))
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.state, delivery.via, delivery.alert) == (Delivery.TEST, Delivery.SENT, "json", None)
    row = html[html.index(f'id="delivery-{delivery.pk}"'):]
    assert "wiadomość testowa" in row[:row.index("</tr>")] and "wysłane" in row[:row.index("</tr>")]
    _no_secrets(html, str(hook.port))


def test_a_failing_address_shows_the_redacted_error(owner_client, hook, caplog):
    caplog.set_level(logging.DEBUG)
    dead = f"json://alerty:{TOKEN}@127.0.0.1:{free_port()}/alerty"
    failing = Recipient.objects.create(name="Martwy webhook", urls=dead)
    Recipient.objects.create(name="Działa", urls=secret_hook(hook))
    Recipient.objects.create(name="Wyłączony", urls=secret_hook(hook, "/nie"), is_active=False)

    response = owner_client.post(reverse("panel:alerts_test_all"), follow=True)
    html = _text(response)
    messages = " ".join(_messages(html))
    assert "Wiadomość testowa do Działa wysłana przez json." in messages
    assert "Wiadomość testowa do Martwy webhook nie została wysłana: json://… " in messages
    assert "Wyłączony" not in messages and [p for p, _ in hook.posts] == ["/alerty"]  # only the active ones
    delivery = Delivery.objects.get(recipient=failing)
    assert delivery.state == Delivery.FAILED, "a test answers at once; it is not sent again an hour later"
    assert delivery.attempts == 1 and delivery.last_error.startswith("json://…")
    row = html[html.index(f'id="recipient-{failing.pk}"'):]
    assert delivery.last_error.split(":")[0] in row[:row.index("</tr>")]
    _no_secrets(html)
    _no_secrets(caplog.text)


def test_sending_a_test_to_everyone_without_active_recipients(owner_client):
    response = owner_client.post(reverse("panel:alerts_test_all"), follow=True)
    assert "Nie ma aktywnego odbiorcy" in _text(response) and not Delivery.objects.exists()


def test_open_and_resolved_alerts_in_warsaw_time(owner_client):
    shop = _account("Sklep Demo")
    held = raise_alert("sync-held:1", kind="sync-held", severity=Alert.CRITICAL, account=shop,
                       title="Zmiany w Sklep Demo czekają na decyzję", message="42 z 50 ofert spadłoby do 0.")
    raise_alert("sync-held:1", kind="sync-held", severity=Alert.CRITICAL, account=shop,
                title="Zmiany w Sklep Demo czekają na decyzję", message="42 z 50 ofert spadłoby do 0.")
    Alert.objects.filter(pk=held.pk).update(created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    raise_alert("worker", kind="worker", title="Proces w tle nie działa", message="Uruchom go.")
    resolve_alert("worker")
    later = raise_alert("info:1", kind="info", severity=Alert.INFO, title="Nowa wersja", message="Do pobrania.")

    page = _page(owner_client)
    opened = page[page.index('id="open-alerts"'):page.index('id="resolved-alerts"')]
    assert 'id="open-count">2<' in opened
    assert opened.index(f'id="alert-{held.pk}"') < opened.index(f'id="alert-{later.pk}"')  # most severe first
    row = opened[opened.index(f'id="alert-{held.pk}"'):]
    row = row[:row.index("</tr>")]
    for text in ("krytyczny", "Sklep Demo", "Zmiany w Sklep Demo czekają na decyzję", "42 z 50 ofert",
                 "01.07.2026 12:00", '<td class="num">2</td>'):
        assert text in row
    resolved = page[page.index('id="resolved-alerts"'):page.index('id="recipients"')]
    assert "Proces w tle nie działa" in resolved and "Ostatni rozwiązany alert" in resolved
    assert "Zmiany w Sklep Demo" not in resolved


def test_the_deliveries_table_lists_a_delivered_alert(owner_client, hook):
    recipient = Recipient.objects.create(name="Slack", urls=secret_hook(hook))
    alert = raise_alert("sync-held:2", kind="sync-held", severity=Alert.CRITICAL,
                        title="Zmiany czekają na decyzję", message="Sprawdź plan.")
    assert deliver_due() == 1 and len(hook.posts) == 1
    delivery = Delivery.objects.get()
    page = _page(owner_client)
    table = page[page.index('id="deliveries"'):]
    row = table[table.index(f'id="delivery-{delivery.pk}"'):]
    row = row[:row.index("</tr>")]
    for text in (alert.title, "Slack", "nowy problem", "wysłane", '<td class="num">1</td>', "<td>json</td>",
                 timezone.localtime(delivery.sent_at).strftime("%d.%m.%Y %H:%M")):
        assert text in row
    last = page[page.index(f'id="recipient-{recipient.pk}"'):]
    last = last[:last.index("</tr>")]
    assert "nowy problem" in last and "przez json" in last
    _no_secrets(page, str(hook.port))


def test_the_page_in_english(owner_client, hook):
    Recipient.objects.create(name="Jan", urls=secret_hook(hook))
    owner_client.cookies["django_language"] = "en"
    page = _page(owner_client)
    assert "<h1>Notifications</h1>" in page and "Who hears about alerts" in page and "the whole installation" in page
    response = owner_client.post(URL, {"name": "X", "addresses": "ntfy://ntfy.sh/x\n\n\nzly", "min_severity": "info"})
    assert response.status_code == 400 and "Line 4 is not an address Apprise understands" in _text(response)


def test_only_those_allowed_see_or_change_anything(client, owner, warehouse_worker, accountant, hook):
    recipient = Recipient.objects.create(name="Jan", urls=secret_hook(hook))
    pk = recipient.pk
    posts = [(URL, {"name": "X", "addresses": "ntfy://ntfy.sh/x", "min_severity": "info"}),
             (reverse("panel:alerts_edit", args=[pk]), {"name": "X", "addresses": "", "min_severity": "info"}),
             (reverse("panel:alerts_active", args=[pk]), {"active": "0"}),
             (reverse("panel:alerts_delete", args=[pk]), {}),
             (reverse("panel:alerts_test", args=[pk]), {}),
             (reverse("panel:alerts_test_all"), {})]
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for user in (warehouse_worker, accountant):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(reverse("panel:alerts_edit", args=[pk])).status_code == 403
        for url, data in posts:
            assert client.post(url, data).status_code == 403, url
        home = _text(client.get(reverse("panel:home")))
        assert URL not in home and "Powiadomienia" not in home
    recipient.refresh_from_db()
    assert (recipient.name, recipient.is_active, Recipient.objects.count(), hook.posts) == ("Jan", True, 1, [])

    client.force_login(owner)
    home = _text(client.get(reverse("panel:home")))
    assert f'href="{URL}"' in home and ">Powiadomienia<" in home
    assert 'class="active">Powiadomienia' in _text(client.get(reverse("panel:alerts_edit", args=[pk])))


def test_the_owner_role_itself_grants_the_page(client, hook):
    """The roles migration gives the owner group the recipients' permissions (not only the superuser flag)."""
    user = get_user_model().objects.create_user("wspolnik", password="correct-horse-battery")
    user.groups.add(Group.objects.get(name="owner"))
    client.force_login(user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"name": "Wspólnik", "addresses": secret_hook(hook), "min_severity": "info"})
    assert response.status_code == 302 and Recipient.objects.filter(name="Wspólnik").exists()
