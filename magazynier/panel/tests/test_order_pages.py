"""The order pages ("Zamówienia") with the test client on orders stored through the real import path
(orders.actions.upsert_from_channel): who sees and who handles orders, the list's filters, the buyer's data
hidden until asked for (and every look recorded), status changes, tracking numbers, matching an unknown
line (which reserves its stock), sending again after a refusal, and the read-only back office."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from magazynier.catalog.models import Variant
from magazynier.channels import types as t
from magazynier.notifications.models import Alert
from magazynier.orders import actions
from magazynier.orders.models import Order, OrderEvent, Shipment
from magazynier.orders.tests.factories import (
    BOUGHT,
    INVOICE,
    INVOICE_TEXTS,
    PERSONAL,
)
from magazynier.orders.tests.factories import account as _account
from magazynier.orders.tests.factories import order as _order
from magazynier.orders.tests.factories import reserved as _reserved
from magazynier.orders.tests.factories import variant as _variant

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _rows(page: str) -> list[int]:
    """The orders listed, in the list's order."""
    return [int(pk) for pk in re.findall(r'<tr data-order="(\d+)">', page)]


@pytest.fixture
def shop():
    _variant("KUB-1")
    _variant("TAL-2")
    return _account()


# ---------------------------------------------------------------- access
def test_everyone_with_a_role_sees_orders_only_the_owner_and_the_warehouse_handle_them(
        client, shop, owner, warehouse_worker, accountant):
    order = _order(shop, "A-1")
    line_order = _order(shop, "A-2", lines=(("NIEZNANY-1", 1, "5.00"),))
    line = line_order.lines.get()
    pages = [reverse("panel:orders"), reverse("panel:orders_detail", args=[order.pk])]
    posts = [(reverse("panel:orders_status", args=[order.pk]), {"status": t.PROCESSING}),
             (reverse("panel:orders_tracking", args=[order.pk]), {"carrier": "INPOST", "waybill": "6200000000001"}),
             (reverse("panel:orders_retry", args=[order.pk]), {}),
             (reverse("panel:orders_match", args=[line_order.pk, line.pk]), {f"line-{line.pk}-sku": "KUB-1"})]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url

    for user in (owner, warehouse_worker, accountant):
        client.force_login(user)
        home = _page(client.get(reverse("panel:home")))
        assert "Zamówienia" in home and reverse("panel:orders") in home, user
        for url in pages:
            assert client.get(url).status_code == 200, (user, url)

    client.force_login(accountant)
    detail = _page(client.get(pages[1]))
    assert 'id="status-form"' not in detail and 'id="tracking-form"' not in detail
    assert 'class="match-form"' not in _page(client.get(reverse("panel:orders_detail", args=[line_order.pk])))
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == t.NEW and not order.shipments.exists() and line.variant_id is None
    assert not OrderEvent.objects.filter(source=OrderEvent.SELLER).exists()

    client.force_login(warehouse_worker)
    detail = _page(client.get(pages[1]))
    assert 'id="status-form"' in detail and 'id="tracking-form"' in detail and "csrfmiddlewaretoken" in detail
    assert client.get(posts[0][0]).status_code == 405  # changes are POSTs only


# ---------------------------------------------------------------- the list
def test_the_list_shows_every_channel_newest_first_in_polish_without_personal_data(owner_client, shop):
    other = _account("Drugi sklep")
    old = _order(shop, "OLD-1", bought_at=BOUGHT - timedelta(days=3))
    big = _order(other, "BIG-1", lines=(("KUB-1", 1, "1224.51"),), total="1234.50", invoice=INVOICE)
    late = _order(shop, "LATE-1", bought_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC),
                  lines=(("KUB-1", 1, "10"), ("TAL-2", 2, "20"), ("KUB-1", 3, "5"), ("TAL-2", 1, "1")))

    page = _page(owner_client.get(reverse("panel:orders")))

    assert _rows(page) == [late.pk, big.pk, old.pk]
    for header in ("Numer", "Kupione", "Konto kanału sprzedaży", "Status", "Płatność", "Razem", "Pozycje",
                   "Oznaczenia"):
        assert header in page, header
    assert f'href="{reverse("panel:orders_detail", args=[big.pk])}"' in page and big.number in page
    assert "1\u00a0234,50\u00a0zł" in page  # Polish grouping and decimal comma
    assert "11.03.2026 00:30" in page  # 23:30 UTC is past midnight in Warsaw
    assert "nowe" in page and "opłacone" in page and "Drugi sklep" in page
    assert "2 × TAL-2" in page and "(+1 więcej)" in page
    row = page[page.index(f'data-order="{big.pk}"'):]
    assert 'data-flag="invoice"' in row[:row.index("</tr>")]
    for text in PERSONAL + INVOICE_TEXTS:
        assert text not in page, text


def test_the_filters_narrow_the_list(owner_client, shop):
    other = _account("Drugi sklep")
    _variant("OST-1", on_hand=1)
    plain = _order(shop, "PLAIN-1", bought_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    oversold = _order(shop, "OVER-1", lines=(("OST-1", 5, "3.00"),), bought_at=datetime(2026, 3, 5, 12, tzinfo=UTC))
    unmatched = _order(other, "UNM-1", lines=(("NIEZNANY-1", 1, "5.00"),),
                       bought_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    invoiced = _order(other, "INV-1", invoice=INVOICE, status=t.PROCESSING, lines=(("TAL-2", 1, "20.00"),),
                      bought_at=datetime(2026, 3, 12, 8, tzinfo=UTC))
    everything = {plain.pk, oversold.pk, unmatched.pk, invoiced.pk}
    url = reverse("panel:orders")

    def listed(**query) -> set[int]:
        response = owner_client.get(url, query)
        assert response.status_code == 200
        return set(_rows(_page(response)))

    assert listed() == everything
    assert listed(oversold="1") == {oversold.pk}
    assert listed(unmatched="1") == {unmatched.pk}
    assert listed(invoice="1") == {invoiced.pk}
    assert listed(account=other.pk) == {unmatched.pk, invoiced.pk}
    assert listed(status=t.PROCESSING) == {invoiced.pk}
    assert listed(status=t.NEW, account=shop.pk) == {plain.pk, oversold.pk}
    # days are Polish days: 23:30 UTC on 10 March is 11 March in Warsaw
    assert listed(date_from="2026-03-11") == {unmatched.pk, invoiced.pk}
    assert listed(date_to="2026-03-10") == {plain.pk, oversold.pk}
    assert listed(date_from="2026-03-05", date_to="2026-03-11") == {oversold.pk, unmatched.pk}
    # search: our number (with or without zeros), the channel's id, a SKU
    assert listed(q=oversold.number) == {oversold.pk}
    assert oversold.pk in listed(q=str(oversold.pk))  # (the digits may also be in another id or SKU)
    assert listed(q="inv-") == {invoiced.pk}
    assert listed(q="nieznany") == {unmatched.pk}
    assert listed(q="TAL-2") == {invoiced.pk}
    assert listed(q="brak-takiego") == set()

    page = _page(owner_client.get(url, {"oversold": "1", "account": shop.pk}))
    assert 'name="oversold" value="1" checked' in page or ('name="oversold"' in page and "checked" in page)
    assert f'<option value="{shop.pk}" selected>' in page
    assert "wyczyść filtry" in page
    empty = _page(owner_client.get(url, {"q": "brak-takiego"}))
    assert "Żadne zamówienie nie pasuje do filtrów" in empty

    wrong = _page(owner_client.get(url, {"date_from": "2026-03-12", "date_to": "2026-03-01"}))
    assert 'id="filter-errors"' in wrong and "przed datą początkową" in wrong


def test_the_list_is_paginated_and_the_pager_keeps_the_filters(owner_client, shop, monkeypatch):
    from magazynier.panel import views_orders

    monkeypatch.setattr(views_orders, "PAGE_SIZE", 2)
    made = [_order(shop, f"P-{n}", bought_at=BOUGHT + timedelta(hours=n)) for n in range(5)]
    url = reverse("panel:orders")

    first = _page(owner_client.get(url, {"account": shop.pk}))
    third = _page(owner_client.get(url, {"account": shop.pk, "page": 3}))

    assert _rows(first) == [made[4].pk, made[3].pk]
    assert _rows(third) == [made[0].pk]
    assert "strona 1 z 3" in first and f"account={shop.pk}&amp;page=2" in first
    assert "5 zamówień" in first


# ---------------------------------------------------------------- one order
def test_the_order_page_shows_lines_totals_shipments_and_history_but_no_buyer_data(owner_client, shop):
    order = _order(shop, "DET-1", lines=(("KUB-1", 2, "612.25"), ("NIEZNANY-9", 1, "0.01")), total="1234.50",
                   invoice=INVOICE)
    product_id = Variant.objects.get(sku="KUB-1").product_id

    page = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))

    assert f"Zamówienie {order.number}" in page and "DET-1" in page and "Sklep Allegro" in page
    assert f'href="{reverse("panel:product", args=[product_id])}"' in page  # a matched line links its product
    assert "NIEZNANY-9" in page and 'class="match-form"' in page  # an unmatched line can be assigned
    assert "1\u00a0224,50\u00a0zł" in page  # 2 × 612,25
    assert "0,01\u00a0zł" in page and "9,99\u00a0zł" in page and "1\u00a0234,50\u00a0zł" in page
    assert "opłacone" in page and "ONLINE" in page and "Allegro Paczkomaty InPost" in page
    assert "kupujący chce fakturę" in page  # the invoice request, its details hidden
    assert "Brak numeru przesyłki" in page
    history = page[page.index('id="events"'):]
    assert "Zaimportowano z Sklep Allegro" in history and "kanał" in history
    assert "Pokaż dane kupującego" in page
    for text in PERSONAL + INVOICE_TEXTS:
        assert text not in page, text
    assert not OrderEvent.objects.filter(kind="contact_viewed").exists()


def test_showing_the_buyer_data_records_who_looked(client, shop, warehouse_worker):
    order = _order(shop, "SHOW-1", invoice=INVOICE)
    client.force_login(warehouse_worker)
    url = reverse("panel:orders_contact", args=[order.pk])

    assert client.get(url).status_code == 405
    response = client.post(url)

    page = _page(response)
    assert response.status_code == 200
    for text in PERSONAL + INVOICE_TEXTS:
        assert text in page, text
    event = OrderEvent.objects.get(order=order, kind="contact_viewed")
    assert (event.source, event.user) == (OrderEvent.SELLER, warehouse_worker)
    for text in PERSONAL + INVOICE_TEXTS:
        assert text not in event.message, text
    history = page[page.index('id="events"'):]
    assert "magazynier1" in history and event.message in history

    again = _page(client.get(reverse("panel:orders_detail", args=[order.pk])))
    assert "Jan Kowalski" not in again  # shown once, on that answer only
    assert OrderEvent.objects.filter(order=order, kind="contact_viewed").count() == 1


def test_the_accountant_sees_the_invoice_details_only(client, shop, accountant):
    with_invoice = _order(shop, "ACC-1", invoice=INVOICE)
    without = _order(shop, "ACC-2")
    client.force_login(accountant)

    detail = _page(client.get(reverse("panel:orders_detail", args=[with_invoice.pk])))
    assert "Pokaż dane do faktury" in detail and "Pokaż dane kupującego" not in detail
    page = _page(client.post(reverse("panel:orders_contact", args=[with_invoice.pk])))

    for text in INVOICE_TEXTS:
        assert text in page, text
    for text in PERSONAL:
        assert text not in page, text
    event = OrderEvent.objects.get(order=with_invoice, kind="contact_viewed")
    assert event.user == accountant and "faktur" in event.message

    assert 'id="show-buyer-data"' not in _page(client.get(reverse("panel:orders_detail", args=[without.pk])))
    response = client.post(reverse("panel:orders_contact", args=[without.pk]))
    assert "Brak danych kupującego" in _messages(response)
    assert not OrderEvent.objects.filter(order=without, kind="contact_viewed").exists()


def test_a_pseudonymised_order_says_the_contact_was_removed(owner_client, shop):
    order = _order(shop, "OLD-9", invoice=INVOICE)
    Order.objects.filter(pk=order.pk).update(pseudonymised_at=datetime(2026, 6, 1, 10, tzinfo=UTC))

    detail = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))
    shown = _page(owner_client.post(reverse("panel:orders_contact", args=[order.pk])))

    assert "zostały usunięte 01.06.2026" in detail
    assert "zostały usunięte 01.06.2026" in shown
    for text in PERSONAL:
        assert text not in shown, text
    for text in INVOICE_TEXTS:  # invoice details stay for the tax period
        assert text in shown, text


# ---------------------------------------------------------------- status
def test_the_warehouse_changes_the_status_and_the_channel_is_to_hear_of_it(client, shop, warehouse_worker):
    order = _order(shop, "ST-1")
    client.force_login(warehouse_worker)
    detail = _page(client.get(reverse("panel:orders_detail", args=[order.pk])))
    form = detail[detail.index('id="status-form"'):]
    options = form[form.index("<select"):form.index("</select>")]
    assert "w realizacji" in options and "anulowane" in options and "wysłane" not in options

    response = client.post(reverse("panel:orders_status", args=[order.pk]), {"status": t.PROCESSING}, follow=True)

    order.refresh_from_db()
    assert (order.status, order.push_status) == (t.PROCESSING, t.PROCESSING)
    assert "nowe → w realizacji" in _messages(response)
    event = order.events.filter(kind="status", source=OrderEvent.SELLER).get()
    assert event.user == warehouse_worker
    page = _page(response)
    assert 'data-flag="waiting"' in page and "czeka na wysłanie do kanału" in page
    assert 'data-flag="waiting"' in _page(client.get(reverse("panel:orders"), {"q": "ST-1"}))


def test_an_invalid_transition_shows_the_polish_error_and_changes_nothing(owner_client, shop):
    order = _order(shop, "ST-2")
    events = order.events.count()
    url = reverse("panel:orders_status", args=[order.pk])

    response = owner_client.post(url, {"status": t.SENT}, follow=True)  # a page shown before; new → sent is not allowed

    assert "Zamówienia o statusie „nowe” nie można zmienić na „wysłane”" in _messages(response)
    garbage = owner_client.post(url, {"status": "zrobione"}, follow=True)
    assert "nie został zmieniony" in _messages(garbage)
    order.refresh_from_db()
    assert (order.status, order.push_status, order.events.count()) == (t.NEW, "", events)


def test_cancelling_returns_the_reserved_units_and_ends_the_actions(owner_client, shop):
    variant = Variant.objects.get(sku="KUB-1")
    order = _order(shop, "ST-3", lines=(("KUB-1", 3, "10"),))
    assert _reserved(variant) == 3

    owner_client.post(reverse("panel:orders_status", args=[order.pk]), {"status": t.CANCELLED})

    assert _reserved(variant) == 0
    page = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))
    assert 'id="no-status-change"' in page and 'id="status-form"' not in page
    assert 'id="tracking-form"' not in page  # a cancelled order gets no tracking number


# ---------------------------------------------------------------- tracking numbers
def test_adding_a_tracking_number(client, shop, warehouse_worker):
    order = _order(shop, "TR-1", status=t.PROCESSING)
    client.force_login(warehouse_worker)
    url = reverse("panel:orders_tracking", args=[order.pk])

    response = client.post(url, {"carrier": "INPOST", "waybill": " 620000000000123 "}, follow=True)

    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier_id, shipment.waybill, shipment.state) == ("INPOST", "620000000000123", Shipment.PENDING)
    assert shipment.created_by == warehouse_worker
    assert "Dodano numer przesyłki 620000000000123 (InPost)" in _messages(response)
    page = _page(response)
    table = page[page.index('id="shipments"'):]
    assert "620000000000123" in table and "czeka na wysłanie" in table and "magazynier1" in table

    other = client.post(url, {"carrier": "OTHER", "waybill": "XYZ-1", "carrier_name": "Kurier Janek"}, follow=True)
    assert "Kurier Janek" in _page(other) and order.shipments.count() == 2

    again = client.post(url, {"carrier": "DPD", "waybill": "620000000000123"})
    assert again.status_code == 200 and "już ma numer przesyłki 620000000000123" in _messages(again)
    assert order.shipments.count() == 2


@pytest.mark.parametrize("data, field, said", [
    ({"carrier": "DPD", "waybill": "   "}, "waybill", "Wpisz numer przesyłki"),
    ({"carrier": "OTHER", "waybill": "ABC-1", "carrier_name": ""}, "carrier_name", "Podaj nazwę przewoźnika"),
    ({"carrier": "KOLEJ", "waybill": "ABC-1"}, "carrier", "Wybierz poprawną wartość"),
    ({"carrier": "DPD", "waybill": "X" * 65}, "waybill", "64"),
])
def test_tracking_form_errors_are_shown_next_to_the_fields(owner_client, shop, data, field, said):
    order = _order(shop, "TR-2")

    response = owner_client.post(reverse("panel:orders_tracking", args=[order.pk]), data)

    page = _page(response)
    assert response.status_code == 200 and "nie został dodany" in _messages(response)
    start = page.index(f'id="field-{field}"')
    block = page[start:page.index("</div>", start)]
    assert "errorlist" in block and said in block, block
    assert not Shipment.objects.exists()
    assert not order.events.filter(kind="shipment").exists()


# ---------------------------------------------------------------- unmatched lines
def test_assigning_an_unmatched_line_reserves_its_stock(client, shop, warehouse_worker):
    variant = _variant("KUB-XL", on_hand=6)
    order = _order(shop, "UN-1", lines=(("KUB-1", 1, "10"), ("kubek-xl-allegro", 4, "15")))
    line = order.lines.get(sku="kubek-xl-allegro")
    assert order.unmatched and line.variant_id is None and _reserved(variant) == 0
    assert Alert.objects.filter(key=actions.unmatched_alert_key(order), resolved_at__isnull=True).exists()
    client.force_login(warehouse_worker)
    url = reverse("panel:orders_match", args=[order.pk, line.pk])
    field = f"line-{line.pk}-sku"

    wrong = client.post(url, {field: "NIE-MA-TAKIEGO"})
    assert wrong.status_code == 200 and "Brak wariantu o SKU NIE-MA-TAKIEGO" in _page(wrong)
    line.refresh_from_db()
    assert line.variant_id is None and _reserved(variant) == 0

    response = client.post(url, {field: "KUB-XL"}, follow=True)

    line.refresh_from_db()
    order.refresh_from_db()
    assert line.variant == variant and not order.unmatched
    assert _reserved(variant) == 4
    assert "Przypisano pozycję kubek-xl-allegro do KUB-XL" in _messages(response)
    assert not Alert.objects.filter(key=actions.unmatched_alert_key(order), resolved_at__isnull=True).exists()
    assert order.events.get(kind="matched").user == warehouse_worker
    page = _page(response)
    assert 'class="match-form"' not in page and 'data-flag="unmatched"' not in page

    twice = client.post(url, {field: "KUB-1"}, follow=True)
    assert "ta pozycja ma już produkt" in _messages(twice).lower()
    assert _reserved(variant) == 4


# ---------------------------------------------------------------- refusals from the channel
def test_a_refused_tracking_number_is_flagged_and_sent_again(owner_client, shop):
    order = _order(shop, "RE-1", status=t.PROCESSING)
    shipment = actions.add_shipment(order, "DPD", "BAD-1")
    actions.shipment_failed(shipment, "Nieprawidłowy numer przesyłki dla DPD", retry_at=None)

    listing = _page(owner_client.get(reverse("panel:orders")))
    page = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))

    assert 'data-flag="failed"' in listing and "błąd wysyłki" in listing
    assert 'id="retry-form"' in page and "Nieprawidłowy numer przesyłki dla DPD" in page

    response = owner_client.post(reverse("panel:orders_retry", args=[order.pk]), follow=True)

    shipment.refresh_from_db()
    assert (shipment.state, shipment.last_error) == (Shipment.PENDING, "")
    assert "ponownie" in _messages(response)
    assert 'id="retry-form"' not in _page(response)
    nothing = owner_client.post(reverse("panel:orders_retry", args=[order.pk]), follow=True)
    assert "nie ma czego wysyłać ponownie" in _messages(nothing)


def test_a_refused_status_is_shown_with_the_channels_words(owner_client, shop):
    order = _order(shop, "RE-2")
    actions.change_status(order, t.PROCESSING)
    order.refresh_from_db()
    actions.status_push_failed(order, "Zamówienie jest zablokowane na Allegro", retry_at=None)

    page = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))

    assert 'id="push-error"' in page and "Zamówienie jest zablokowane na Allegro" in page
    assert 'data-flag="failed"' in page and 'id="retry-form"' in page
    response = owner_client.post(reverse("panel:orders_retry", args=[order.pk]), follow=True)
    assert "w realizacji" in _messages(response)  # sent again, or the seller is told to set it once more


def test_a_status_waiting_after_a_transient_error_says_it_is_retried(owner_client, shop):
    order = _order(shop, "RE-3")
    actions.change_status(order, t.PROCESSING)
    order.refresh_from_db()
    actions.status_push_failed(order, "HTTP 503", retry_at=timezone.now() + timedelta(minutes=1))

    page = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))

    assert 'id="push-waiting"' in page and "HTTP 503" in page and 'id="retry-form"' not in page


# ---------------------------------------------------------------- language and back office
def test_english_is_the_second_language(owner_client, shop, settings):
    order = _order(shop, "EN-1", lines=(("KUB-1", 1, "1234.5"),), total="1244.49")
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = _page(owner_client.get(reverse("panel:orders")))
    detail = _page(owner_client.get(reverse("panel:orders_detail", args=[order.pk])))

    assert 'lang="en"' in page and "Orders" in page and "Channel account" in page and "new" in page
    assert "1,244.49\u00a0zł" in page
    assert "Show buyer data" in detail and "Add a tracking number" in detail


def test_the_back_office_shows_orders_read_only_without_personal_data(owner_client, shop):
    order = _order(shop, "ADM-1", invoice=INVOICE)
    shipment = actions.add_shipment(order, "DPD", "ADM-WAYBILL")

    listing = _page(owner_client.get(reverse("admin:orders_order_changelist")))
    page = _page(owner_client.get(reverse("admin:orders_order_change", args=[order.pk])))

    assert "ADM-1" in listing
    assert "ADM-WAYBILL" in page and "KUB-1" in page and 'name="_save"' not in page
    for text in PERSONAL + INVOICE_TEXTS:
        assert text not in page, text
    assert owner_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert owner_client.get(reverse("admin:orders_shipment_change", args=[shipment.pk])).status_code == 200
    assert "ADM-1" in _page(owner_client.get(reverse("admin:orders_order_changelist"), {"q": "KUB-1"}))
