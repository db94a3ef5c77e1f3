"""The order pages in a real browser: a warehouse worker filters the oversold orders, opens one, looks at the
buyer's data, moves the order on and adds a tracking number."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from magazynier.catalog.models import Product, Variant
from magazynier.channels import types as t
from magazynier.channels.models import ChannelAccount
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, Warehouse
from magazynier.orders.actions import upsert_from_channel
from magazynier.orders.models import Order, OrderEvent, Shipment
from magazynier.panel.tests.test_browser import OUTPUT, browser, log_in, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _order(account, external_id: str, sku: str, quantity: int, hour: int):
    contact = t.BuyerContact(login="anna_kupuje", email="anna.nowak@allegromail.pl", name="Anna Nowak",
                             phone="+48 501 202 303",
                             delivery=t.PostalAddress(name="Anna Nowak", street="ul. Polna 7", city="Gdańsk",
                                                      postal_code="80-001", country="PL"))
    line = t.RemoteOrderLine(line_id=f"{external_id}-1", offer_id=f"O-{sku}", sku=sku, name=f"Kubek {sku}",
                             quantity=quantity, unit_price=Decimal("1234.50"), vat_rate="23")
    bought = datetime(2026, 4, 2, hour, 15, tzinfo=UTC)
    remote = t.RemoteOrder(external_id=external_id, revision="1", updated_at=bought, bought_at=bought, status=t.NEW,
                           channel_status="READY_FOR_PROCESSING", payment_status=t.PAID, payment_method="ONLINE",
                           currency="PLN", total=line.unit_price * quantity + Decimal("12.99"),
                           delivery_cost=Decimal("12.99"), delivery_method="Allegro Kurier DPD", lines=(line,),
                           paid_amount=line.unit_price * quantity + Decimal("12.99"), contact=contact)
    return upsert_from_channel(account, remote).order


def test_a_warehouse_worker_handles_an_oversold_order(page, live_server, warehouse_worker):  # noqa: F811
    account = ChannelAccount.objects.create(name="Sklep na Allegro", environment=ChannelAccount.EMULATOR,
                                            api_url="http://127.0.0.1:9", auth_url="http://127.0.0.1:9",
                                            client_id="x")
    warehouse = Warehouse.objects.create(code="glowny", name="Główny")
    for sku, units in (("KUB-1", 10), ("KUB-2", 1)):
        product = Product.objects.create(key=sku, name=f"Kubek {sku}")
        variant = Variant.objects.create(product=product, sku=sku, name=f"Kubek {sku}")
        set_stock(variant.pk, warehouse.pk, units, reason=MovementReason.STOCKTAKE)
    plain = _order(account, "A-100", "KUB-1", 1, hour=8)
    oversold = _order(account, "A-200", "KUB-2", 3, hour=9)
    assert oversold.oversold and not plain.oversold

    log_in(page, live_server, username="magazynier1")
    page.click("nav >> text=Zamówienia")
    page.wait_for_selector("h1:has-text('Zamówienia')")
    assert page.locator("#orders tr[data-order]").count() == 2

    page.check("#id_oversold")
    page.click("#orders-filter button[type=submit]")
    page.wait_for_selector("#orders-count:has-text('1 zamówienie')")
    rows = page.locator("#orders tr[data-order]")
    assert rows.count() == 1 and rows.first.get_attribute("data-order") == str(oversold.pk)
    assert "nadsprzedane" in rows.first.inner_text() and "3\u00a0716,49\u00a0zł" in rows.first.inner_text()
    assert "Anna" not in page.content()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "orders-list.png"), full_page=True)
    rows.first.locator(f"text={oversold.number}").click()

    page.wait_for_selector(f"h1:has-text('Zamówienie {oversold.number}')")
    assert page.locator("#oversold-box").is_visible()
    assert "Anna Nowak" not in page.content()
    page.click("#show-buyer-data")
    contact = page.locator("#buyer-contact")
    contact.wait_for()
    assert "Anna Nowak" in contact.inner_text() and "anna.nowak@allegromail.pl" in contact.inner_text()
    assert "magazynier1" in page.locator("#events tr[data-kind=contact_viewed]").inner_text()
    page.screenshot(path=str(OUTPUT / "orders-buyer.png"), full_page=True)

    page.select_option("#status-form select", t.PROCESSING)
    page.click("#change-status")
    page.wait_for_selector(".messages li:has-text('nowe → w realizacji')")
    assert "w realizacji" in page.locator("#order-status").inner_text()
    assert "Anna Nowak" not in page.content()  # shown once, not kept

    page.select_option("#id_carrier", "DPD")
    page.fill("#id_waybill", "0000123456789X")
    page.click("#add-tracking")
    page.wait_for_selector(".messages li:has-text('Dodano numer przesyłki 0000123456789X (DPD)')")
    assert "0000123456789X" in page.locator("#shipments").inner_text()
    page.screenshot(path=str(OUTPUT / "orders-detail.png"), full_page=True)

    oversold.refresh_from_db()
    assert oversold.status == t.PROCESSING and oversold.push_status == t.PROCESSING
    assert Shipment.objects.get(order=oversold).waybill == "0000123456789X"
    assert OrderEvent.objects.get(order=oversold, kind="contact_viewed").user == warehouse_worker
    assert Order.objects.get(pk=plain.pk).status == t.NEW
