"""Connecting a WooCommerce shop in a real browser: the panel's form, the shop emulator pinging the panel when
the order webhooks are created, then importing the shop's products from the shop's page."""

import pytest

from magazynier.catalog.models import Variant
from magazynier.channels.models import ChannelAccount, Webhook
from magazynier.panel.tests.test_browser import OUTPUT, browser, log_in, page  # noqa: F401
from magazynier.panel.tests.test_shop_pages import _shop_skus, keys, shop  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_a_shop_and_import_its_products(page, live_server, owner, shop, keys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MAGAZYNIER_PUBLIC_URL", live_server.url)
    shop.world.generate_catalog(10)
    log_in(page, live_server)
    page.click("nav >> text=Kanały sprzedaży")
    page.click("#connect-woo")

    assert "WooCommerce → Ustawienia → Zaawansowane → REST API" in page.locator("#keys-help").inner_text()
    page.fill("#id_url", shop.base_url)
    page.fill("#id_key", keys[0])
    page.fill("#id_secret", "cs_" + "0" * 40)  # mistyped
    page.click("#shop-connect-form button[type=submit]")

    assert "Sklep nie przyjął połączenia" in page.locator("#connect-problem").inner_text()
    assert page.input_value("#id_url") == shop.base_url and page.input_value("#id_secret") == ""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "woocommerce-connect-refused.png"), full_page=True)
    assert not ChannelAccount.objects.exists()
    page.fill("#id_secret", keys[1])
    page.click("#shop-connect-form button[type=submit]")

    page.wait_for_selector("#webhooks")
    assert f"Połączono: Sklep Demo ({shop.base_url})" in page.locator(".messages").inner_text()
    assert page.locator("#webhook-health .hook-health").inner_text() == "działają"
    assert page.locator("#webhooks tr[data-topic]").count() == 2
    assert page.locator("nav.tabs a").all_inner_texts() == ["Podsumowanie", "Konflikty"]
    account = ChannelAccount.objects.get()
    assert Webhook.objects.filter(account=account, status="active").count() == 2

    page.click("#shop-import")
    page.wait_for_selector(".messages >> text=Zaimportowano ze sklepu")
    skus = _shop_skus(shop)
    assert page.locator("#linked-count").inner_text() == str(len(skus))
    page.screenshot(path=str(OUTPUT / "woocommerce-shop.png"), full_page=True)
    assert set(Variant.objects.values_list("sku", flat=True)) == skus

    page.click("nav >> text=Kanały sprzedaży")
    row = page.locator(f"#shops tr[data-account='{account.pk}']").inner_text()
    assert shop.base_url in row and "działają" in row
    page.screenshot(path=str(OUTPUT / "woocommerce-channels.png"), full_page=True)
