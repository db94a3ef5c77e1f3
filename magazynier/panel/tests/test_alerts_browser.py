"""The notifications page in a real browser, in Polish: the owner adds a recipient through the form (a real
HTTP receiver behind a json:// address), sends it a test message and reads the result."""

import pytest

from magazynier.notifications.models import Delivery, Recipient
from magazynier.panel.tests.test_browser import OUTPUT, browser, log_in, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "TAJNY-TOKEN-w-przegladarce"


def test_the_owner_adds_a_recipient_and_sends_a_test(page, live_server, owner, hook):  # noqa: F811
    log_in(page, live_server)
    page.click("nav >> text=Powiadomienia")
    page.wait_for_selector("h1:has-text('Powiadomienia')")
    assert page.locator("#no-recipients").is_visible()

    # a typo first: the form says which line, keeps nothing, and shows no address back
    page.fill("#id_name", "Webhook sklepu")
    page.fill("#id_addresses", f"json://alerty:{TOKEN}@127.0.0.1:{hook.port}/alerty\nmailto:jan@example.pl")
    page.select_option("#id_min_severity", "critical")
    page.click("#add-recipient-button")
    page.wait_for_selector("#field-addresses .errorlist")
    assert "Wiersz 2 nie jest adresem, który Apprise rozumie" in page.locator("#field-addresses").inner_text()
    assert page.input_value("#id_addresses") == "" and page.input_value("#id_name") == "Webhook sklepu"
    assert TOKEN not in page.content() and not Recipient.objects.exists()

    page.fill("#id_addresses", f"json://alerty:{TOKEN}@127.0.0.1:{hook.port}/alerty")
    page.click("#add-recipient-button")
    page.wait_for_selector(".messages li")
    assert "Dodano odbiorcę Webhook sklepu (json)" in page.locator(".messages").inner_text()
    recipient = Recipient.objects.get()
    row = page.locator(f"#recipient-{recipient.pk}")
    assert "json" in row.locator(".schemes").inner_text() and "krytyczny" in row.inner_text()
    assert "cała instalacja" in row.inner_text()

    row.locator("button:has-text('Wyślij wiadomość testową')").click()
    page.wait_for_selector(".messages li:has-text('Wiadomość testowa')")
    assert "Wiadomość testowa do Webhook sklepu wysłana przez json." in page.locator(".messages").inner_text()
    assert len(hook.posts) == 1 and hook.posts[0][1]["title"] == "Magazynier: wiadomość testowa"
    delivery = Delivery.objects.get()
    assert "wysłane" in page.locator(f"#delivery-{delivery.pk}").inner_text()
    assert "wysłane" in page.locator(f"#recipient-{recipient.pk} .last-delivery").inner_text()
    assert TOKEN not in page.content()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "alerts.png"), full_page=True)

    # the edit page: the addresses start empty, saving keeps them
    row = page.locator(f"#recipient-{recipient.pk}")
    row.locator("a:has-text('Edytuj')").click()
    page.wait_for_selector("h1:has-text('Odbiorca Webhook sklepu')")
    assert page.input_value("#id_addresses") == ""
    assert "Zostaw puste, aby zachować 1 zapisany adres." in page.locator("#field-addresses").inner_text()
    page.screenshot(path=str(OUTPUT / "alerts-edit.png"), full_page=True)
    page.fill("#id_name", "Webhook sklepu (Slack)")
    page.click("#save-recipient")
    page.wait_for_selector(".messages li:has-text('adresy bez zmian')")
    recipient.refresh_from_db()
    assert recipient.name == "Webhook sklepu (Slack)" and TOKEN in recipient.urls

    # removing asks first
    page.locator(f"#recipient-{recipient.pk} a:has-text('Edytuj')").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-recipient")
    page.wait_for_selector(".messages li:has-text('Usunięto odbiorcę')")
    assert not Recipient.objects.exists()
