"""Alerts reach people: real SMTP (aiosmtpd) and a real HTTP endpoint; once per problem, reminders at growing
intervals, one "resolved"; retries, fallback to the next address, filters; no secrets in logs or repr."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from magazynier.notifications import schedule
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.delivery import deliver_due
from magazynier.notifications.models import Alert, Delivery, Recipient
from magazynier.notifications.tests.receivers import free_port, start_mailbox


@pytest.fixture
def mailbox():
    box, controller = start_mailbox()
    yield box
    controller.stop()


def held(key="sync-held:1", severity=Alert.CRITICAL):
    return raise_alert(key, kind="sync-held", severity=severity, title="Zmiany w Sklep Demo czekają na decyzję",
                       message="42 z 50 ofert spadłoby do 0. Sprawdź stany i zatwierdź albo odrzuć plan.")


@pytest.mark.django_db(transaction=True)  # alerts go out right after the commit that raised them
def test_a_new_problem_alerts_once_by_email_and_webhook(mailbox, hook):
    Recipient.objects.create(name="Właściciel", urls=mailbox.url())
    Recipient.objects.create(name="Slack", urls=hook.url())
    held()
    assert len(mailbox.messages) == 1 and len(hook.posts) == 1, "sent at once, no worker tick needed"
    for _ in range(5):  # the same problem again and again: no new message
        held()
    deliver_due()
    assert len(mailbox.messages) == 1 and len(hook.posts) == 1
    assert "Zmiany w Sklep Demo czekają na decyzję" in mailbox.subjects()[0]
    assert "42 z 50 ofert" in mailbox.bodies()[0]
    path, payload = hook.posts[0]
    assert path == "/alerty" and "42 z 50 ofert" in payload["message"] and payload["type"] == "failure"
    assert set(Delivery.objects.values_list("via", flat=True)) == {"mailto", "json"}


def test_reminders_come_at_growing_intervals_and_resolved_once(db, hook):
    Recipient.objects.create(name="Slack", urls=hook.url())
    alert = held()
    start = timezone.now()
    deliver_due(start)
    for minutes, expected in ((30, 1), (59, 1), (61, 2), (61 + 3 * 60, 2), (61 + 4 * 60 + 1, 3)):
        deliver_due(start + timedelta(minutes=minutes))
        assert len(hook.posts) == expected, f"after {minutes} min"
    assert alert.title in hook.posts[1][1]["title"]
    resolve_alert(alert.key)
    deliver_due(start + timedelta(hours=6))
    deliver_due(start + timedelta(hours=30))
    assert len(hook.posts) == 4 and hook.posts[3][1]["type"] == "success"
    assert list(Delivery.objects.order_by("pk").values_list("kind", "sequence")) == [
        ("new", 0), ("reminder", 1), ("reminder", 2), ("resolved", 0)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_address_falls_back_to_the_next_and_failures_are_retried(hook, caplog):
    dead_smtp = f"mailto://user:tajne-haslo@127.0.0.1:{free_port()}?from=a@example.pl&to=b@example.pl&mode=insecure"
    recipient = Recipient.objects.create(name="Właściciel", urls=f"{dead_smtp}\n{hook.url()}")
    held()
    assert Delivery.objects.get().via == "json" and len(hook.posts) == 1
    assert "tajne-haslo" not in repr(recipient)

    only_dead = Recipient.objects.create(name="Tylko e-mail", urls=dead_smtp)
    alert = held("order-oversold:5")
    with caplog.at_level(logging.WARNING):
        deliver_due()
    failed = Delivery.objects.get(recipient=only_dead, alert=alert)
    assert failed.state == Delivery.PENDING and failed.attempts >= 1 and failed.last_error
    assert "tajne-haslo" not in failed.last_error and "tajne-haslo" not in caplog.text
    only_dead.urls = hook.url("/zapasowy")
    only_dead.save()
    deliver_due(timezone.now() + timedelta(minutes=1))
    failed.refresh_from_db()
    assert failed.state == Delivery.SENT and hook.posts[-1][0] == "/zapasowy"


@pytest.mark.django_db(transaction=True)
def test_severity_and_account_filters(hook):
    from magazynier.channels.models import ChannelAccount

    shop = ChannelAccount.objects.create(kind=ChannelAccount.WOOCOMMERCE, name="Sklep", api_url="https://s.example",
                                         auth_url="https://s.example", client_id="ck_x")
    Recipient.objects.create(name="Krytyczne", urls=hook.url("/krytyczne"), min_severity=Alert.CRITICAL)
    Recipient.objects.create(name="Sklep", urls=hook.url("/sklep"), min_severity=Alert.INFO, account=shop)
    raise_alert("a", kind="x", severity=Alert.WARNING, title="ostrzeżenie", message="m")
    raise_alert("b", kind="x", severity=Alert.INFO, title="sklepowe", message="m", account=shop)
    raise_alert("c", kind="x", severity=Alert.CRITICAL, title="krytyczne", message="m")
    got = sorted((path, body["title"].split("] ")[-1]) for path, body in hook.posts)
    assert got == [("/krytyczne", "krytyczne"), ("/sklep", "sklepowe — Sklep")]


def test_a_problem_healed_before_it_was_announced_sends_nothing():
    now = timezone.now()
    assert schedule.due(resolved=True, sent=[], now=now) is None
    assert schedule.due(resolved=False, sent=[], now=now) == ("new", 0)
    in_flight = [schedule.Sent("new", 0, None)]
    assert schedule.due(resolved=False, sent=in_flight, now=now + timedelta(days=1)) is None


@pytest.mark.django_db(transaction=True)
def test_the_cli_sends_a_test_message_to_every_recipient(mailbox, hook, capsys):
    from magazynier.cli import main

    assert main(["alerts", "add", "Właściciel", mailbox.url(), "--severity", "critical"]) == 0
    assert main(["alerts", "add", "Webhook", hook.url()]) == 0
    assert main(["alerts", "test"]) == 0
    assert len(mailbox.messages) == 1 and len(hook.posts) == 1
    assert main(["alerts", "recipients"]) == 0
    out = capsys.readouterr().out
    assert "mailto://…" in out and "json://…" in out
    assert "127.0.0.1" not in out and "sprzedawca@example.pl" not in out, "addresses hold secrets: never shown"
    assert main(["alerts", "add", "Zły", "nie-ma-takiego://x"]) == 2


@pytest.mark.django_db(transaction=True)
def test_ntfy_and_a_self_hosted_chat_hook_get_the_alert(hook):
    """ntfy (a self-hosted server) and a generic JSON webhook (the shape Slack-style bridges accept): both
    reach a real HTTP endpoint with the title and the message."""
    Recipient.objects.create(name="Telefon (ntfy)", urls=f"ntfy://127.0.0.1:{hook.port}/magazynier-alerty")
    Recipient.objects.create(name="Czat zespołu", urls=hook.url("/czat"))
    raise_alert("sync-held:7", kind="sync-held", severity=Alert.CRITICAL, title="Zmiany czekają na decyzję",
                message="42 z 50 ofert spadłoby do 0. Nic nie wysłano.")
    by_path = {path: body for path, body in hook.posts}
    assert set(by_path) == {"/", "/czat"}, by_path
    ntfy = by_path["/"]
    assert ntfy["topic"] == "magazynier-alerty" and ntfy["title"] == "[krytyczny] Zmiany czekają na decyzję"
    assert ntfy["message"] == "42 z 50 ofert spadłoby do 0. Nic nie wysłano."
    assert by_path["/czat"]["title"] == "[krytyczny] Zmiany czekają na decyzję"
    assert set(Delivery.objects.values_list("via", flat=True)) == {"ntfy", "json"}
