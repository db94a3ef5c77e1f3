"""Connecting an Allegro account in a real browser: the panel's form, Allegro's consent page (the emulator's),
and back to the panel with the account connected."""

import pytest

from magazynier.channels.models import ChannelAccount
from magazynier.channels.tests.conftest import DEMO_CLIENT
from magazynier.panel.tests.test_browser import OUTPUT, browser, log_in, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_with_allegro_through_the_consent_page(page, live_server, owner, emulator):  # noqa: F811
    log_in(page, live_server)
    page.click("nav >> text=Kanały sprzedaży")
    page.click("#connect-allegro")

    page.check("input[name=environment][value=emulator]")
    page.fill("#id_emulator_url", emulator.base_url)
    page.fill("#id_client_id", DEMO_CLIENT[0])
    page.fill("#id_client_secret", DEMO_CLIENT[1])
    page.click("#connect-form button[type=submit]")

    page.wait_for_url(f"{emulator.base_url}/auth/oauth/authorize**")  # Allegro's consent page
    page.fill("input[name=login]", "demo-seller")
    page.fill("input[name=password]", "demo-password")
    page.click("button[name=decision][value=allow]")

    page.wait_for_selector("#account-summary")
    assert page.url.startswith(live_server.url)
    assert page.locator("#account-summary .badge.status").inner_text() == "połączone"
    assert "demo-seller" in page.locator("#account-summary").inner_text()
    assert "Konto Allegro demo-seller jest połączone" in page.locator(".messages").inner_text()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "allegro-connected.png"), full_page=True)
    account = ChannelAccount.objects.get()
    assert (account.status, account.login, account.writers_enabled) == (ChannelAccount.CONNECTED, "demo-seller", False)
    page.click("nav >> text=Kanały sprzedaży")
    assert "połączone" in page.locator("#accounts").inner_text()
