"""The panel in a real browser: Playwright drives Debian's chromium against a live test server."""

import os
import shutil
from pathlib import Path

import pytest

from magazynier.catalog.models import ImportJob, Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("MAGAZYNIER_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed: apt-get install -y chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, live_server, username="wlasciciel", password="correct-horse-battery"):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_login_rejects_a_wrong_password_then_lets_the_owner_in(page, live_server, owner):
    log_in(page, live_server, password="zle-haslo-123")
    assert page.locator(".error-box").is_visible()

    log_in(page, live_server)

    page.wait_for_selector("h1:has-text('Start')")
    assert page.locator("nav a", has_text="Produkty").is_visible()
    assert page.locator("html").get_attribute("lang") == "pl"  # Polish first, even for an English browser

    page.click(".lang button[value=en]")
    page.wait_for_selector("nav a:has-text('Products')")
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"  # the choice is remembered


def test_import_form_shows_progress_then_the_error_report(page, live_server, owner, tmp_path):
    csv_file = tmp_path / "towary.csv"
    csv_file.write_bytes(("SKU;Nazwa;EAN;Cena;Stan\n"
                          "KUB-1;Kubek ceramiczny 300 ml;5901234123457;12,50;7\n"
                          "KUB-2;Kubek z błędnym EAN;5901234123458;10,00;1\n"
                          "KUB-3;Talerz płaski 27 cm;;19,99;-3\n"
                          "KUB-4;Miska na zupę 500 ml;;15,00;4\n").encode("cp1250"))
    log_in(page, live_server)
    page.click("nav >> text=Import")
    page.set_input_files("#id_file", str(csv_file))
    page.uncheck("#id_dry_run")
    page.click("#import-form button[type=submit]")

    page.wait_for_selector("h1:has-text('Which column holds what'), h1:has-text('Która kolumna')")
    assert page.locator("select#id_sku").input_value() == "SKU"  # guessed from the header
    page.click("button:has-text('Start')")

    page.wait_for_selector("#summary")
    rows = page.locator("#problems tr")
    assert rows.count() == 3  # header + two bad rows
    report = page.locator("#problems").inner_text()
    assert "3" in report and "EAN" in report and "4" in report and "Stan" in report
    assert page.locator("#error-count").inner_text() == "2"
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "import-error-report.png"), full_page=True)
    assert sorted(Variant.objects.values_list("sku", flat=True)) == ["KUB-1", "KUB-4"]
    assert ImportJob.objects.get().status == ImportJob.DONE
