"""The shop's JSON as plain values: statuses, money, stock taken, buyer data, catalog records (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from magazynier.catalog.importing.rows import ProductRecord, RowProblem, VariantRecord
from magazynier.channels import types as t
from magazynier.channels.errors import InvalidRequest
from magazynier.channels.woocommerce import orders as order_json
from magazynier.channels.woocommerce.catalog import records_from
from magazynier.channels.woocommerce.connector import listing_of, split_offer_id


def shop_order(status="processing", **extra) -> dict:
    order = {
        "id": 812, "number": "812", "status": status, "currency": "PLN", "payment_method": "przelewy24",
        "payment_method_title": "Przelewy24", "date_created_gmt": "2026-11-22T10:00:05",
        "date_modified_gmt": "2026-11-22T10:01:07", "date_paid_gmt": "2026-11-22T10:01:07",
        "total": "133.99", "total_tax": "23.18", "shipping_total": "12.19", "shipping_tax": "2.80",
        "billing": {"first_name": "Anna", "last_name": "Kowalska", "company": "Kwiaty Sp. z o.o.",
                    "address_1": "ul. Długa 5", "address_2": "m. 3", "city": "Kraków", "postcode": "31-147",
                    "country": "PL", "email": "anna@example.pl", "phone": "+48 600 100 200"},
        "shipping": {"first_name": "Anna", "last_name": "Kowalska", "address_1": "ul. Krótka 1", "city": "Kraków",
                     "postcode": "30-001", "country": "PL"},
        "line_items": [
            {"id": 31, "name": "Koszulka — Niebieska", "product_id": 12, "variation_id": 34, "quantity": 2,
             "sku": "TS-BLUE", "total": "81.30", "total_tax": "18.70", "price": 40.65},
            {"id": 32, "name": "Czapka", "product_id": 17, "variation_id": 0, "quantity": 1, "sku": "CAP",
             "total": "20.00", "total_tax": "0.00", "price": 20},
        ],
        "shipping_lines": [{"id": 40, "method_title": "InPost Paczkomat", "total": "12.19", "total_tax": "2.80"}],
        "meta_data": [{"id": 1, "key": "_billing_nip", "value": "5260250274"}],
        "customer_note": "Proszę o szybką wysyłkę",
        "_links": {"self": [{"href": "https://sklep.example.pl/wp-json/wc/v3/orders/812"}]},
    }
    order.update(extra)
    return order


@pytest.mark.parametrize(("shop_status", "ours", "took"), [
    ("pending", t.AWAITING_PAYMENT, False), ("on-hold", t.AWAITING_PAYMENT, True), ("processing", t.NEW, True),
    ("completed", t.SENT, True), ("cancelled", t.CANCELLED, False), ("failed", t.CANCELLED, False),
    ("refunded", t.RETURNED, False)])
def test_every_shop_status_has_one_meaning_and_says_whether_the_shop_took_the_stock(shop_status, ours, took):
    remote = order_json.order_from_json(shop_order(shop_status))
    assert (remote.status, remote.channel_took_stock, remote.channel_status) == (ours, took, shop_status)


def test_lines_are_gross_per_unit_and_point_at_the_variation_listing():
    remote = order_json.order_from_json(shop_order())
    first, second = remote.lines
    assert (first.offer_id, first.sku, first.quantity, first.unit_price, first.vat_rate) == (
        "12:34", "TS-BLUE", 2, Decimal("50.00"), "23")
    assert (second.offer_id, second.unit_price, second.vat_rate) == ("17", Decimal("20.00"), "0")
    assert remote.total == Decimal("133.99") and remote.delivery_cost == Decimal("14.99")
    assert remote.payment_status == t.PAID and remote.paid_amount == Decimal("133.99")
    assert remote.delivery_method == "InPost Paczkomat"


def test_a_company_nip_asks_for_an_invoice_and_personal_data_stays_out_of_repr():
    remote = order_json.order_from_json(shop_order())
    assert remote.invoice_required and remote.invoice.tax_id == "5260250274"
    assert remote.contact.delivery.street == "ul. Krótka 1" and remote.contact.email == "anna@example.pl"
    text = repr(remote)
    for secret in ("Kowalska", "anna@example.pl", "600 100 200", "Krótka", "5260250274", "szybką"):
        assert secret not in text


def test_cash_on_delivery_unpaid_and_refunds_are_told_apart():
    cod = order_json.order_from_json(shop_order(payment_method="cod", date_paid_gmt=None))
    assert cod.payment_status == t.CASH_ON_DELIVERY and cod.paid_amount is None
    refunded = order_json.order_from_json(shop_order("refunded"))
    assert refunded.payment_status == t.REFUNDED


def test_any_change_gives_another_revision_even_within_one_second():
    before = order_json.order_from_json(shop_order("pending", date_paid_gmt=None))
    after = order_json.order_from_json(shop_order("processing"))
    assert before.updated_at == after.updated_at and before.revision != after.revision
    links_only = shop_order("processing", _links={})
    assert order_json.order_from_json(links_only).revision == after.revision  # links are not the order


def test_a_shop_status_keeps_the_sellers_finer_steps():
    assert t.READY_FOR_SHIPMENT in order_json.order_from_json(shop_order("processing")).also_means
    assert t.NEW not in order_json.order_from_json(shop_order("completed")).also_means


def test_checkout_drafts_are_not_orders_and_malformed_orders_raise():
    assert not order_json.is_order(shop_order("checkout-draft"))
    with pytest.raises((KeyError, ValueError)):
        order_json.order_from_json({"id": 5})


def test_listings_of_products_and_variations():
    parent = {"id": 12, "name": "Koszulka", "type": "variable", "status": "publish"}
    variation = {"id": 34, "sku": "TS-BLUE", "status": "publish", "manage_stock": "parent", "stock_quantity": 9,
                 "regular_price": "50.00", "attributes": [{"name": "Kolor", "option": "Niebieska"}]}
    listing = listing_of(parent, variation)
    assert (listing.offer_id, listing.title, listing.quantity, listing.price, listing.status) == (
        "12:34", "Koszulka — Niebieska", 9, Decimal("50.00"), "ACTIVE")
    unmanaged = listing_of({"id": 17, "sku": "CAP", "status": "draft", "manage_stock": False,
                            "stock_quantity": None, "regular_price": ""})
    assert unmanaged.quantity is None and unmanaged.price is None and unmanaged.status == "INACTIVE"
    assert split_offer_id("12:34") == ("12", "34") and split_offer_id("17") == ("17", "")
    with pytest.raises(InvalidRequest):
        split_offer_id("../17")


def test_shop_products_become_catalog_records_without_multiplying_parent_stock():
    products = [
        ({"id": 17, "type": "simple", "name": "Czapka", "sku": "CAP", "status": "publish", "manage_stock": True,
          "stock_quantity": 4, "regular_price": "20.00", "global_unique_id": "5901234123457",
          "categories": [{"name": "Akcesoria"}]}, []),
        ({"id": 12, "type": "variable", "name": "Koszulka", "sku": "", "status": "publish", "manage_stock": True,
          "stock_quantity": 9},
         [{"id": 34, "sku": "TS-BLUE", "manage_stock": "parent", "stock_quantity": 9, "regular_price": "50.00",
           "attributes": [{"name": "Kolor", "option": "Niebieska"}]},
          {"id": 35, "sku": "", "manage_stock": True, "stock_quantity": 2, "regular_price": "50.00"}]),
        ({"id": 20, "type": "grouped", "name": "Zestaw", "sku": "SET"}, []),
    ]
    records = list(records_from(products))
    kinds = [type(r).__name__ for r in records]
    assert kinds == ["ProductRecord", "VariantRecord", "ProductRecord", "VariantRecord", "RowProblem", "RowProblem"]
    cap = records[1]
    assert isinstance(cap, VariantRecord) and (cap.sku, cap.stock, cap.price, cap.ean) == (
        "CAP", 4, Decimal("20.00"), "5901234123457")
    shirt, blue = records[2], records[3]
    assert isinstance(shirt, ProductRecord) and shirt.key == "WOO-12"
    assert blue.stock is None, "stock kept on the parent is not copied onto each variation"
    missing, grouped = records[4], records[5]
    assert isinstance(missing, RowProblem) and "bez SKU" in missing.message and missing.kind == "error"
    assert grouped.kind == "skipped" and "grouped" in grouped.message
