import csv
import io
from decimal import Decimal

import pytest

from magazynier.catalog.audit import audit_catalog, audit_product, csv_safe, summarise, write_csv
from magazynier.catalog.import_runs import ImportRequest, open_request, run_import
from magazynier.catalog.models import Category, Image, Product, ResponsibleProducer, Variant

pytestmark = pytest.mark.django_db


def import_sample(path):
    request = ImportRequest(path=path, source_name=path.name)
    run_import(request, open_request(request))


def codes(product_key: str) -> set[str]:
    return audit_product(Product.objects.get(key=product_key)).codes


def test_sample_catalog_blockers_are_the_real_ones(sample_csv):
    import_sample(sample_csv)

    summary, audits = summarise(audit_catalog())

    assert (summary.total, summary.ready) == (16, 0)
    # WooCommerce's sample has no EANs and no GPSR data at all: every product is blocked by them.
    assert summary.blockers["ean"] == 16
    assert summary.blockers["gpsr_producer"] == 16 and summary.blockers["gpsr_safety"] == 16
    # It does have images, descriptions, categories, prices and a (standard) tax class.
    for code in ("images", "description", "category", "price", "vat", "variants"):
        assert summary.blockers[code] == 0, code
    # "Belt" is too short for an Allegro title; "V-Neck T-Shirt - Red" is fine.
    assert "title" in codes("woo-belt")
    assert "title" not in codes("woo-vneck-tee")
    assert summary.top_blockers[0][0] in {"ean", "gpsr_producer", "gpsr_safety"}


def ready_product() -> Product:
    producer = ResponsibleProducer.objects.create(name="Ceramika Bolesławiec sp. z o.o.", street="ul. Gdańska 1",
                                                  postal_code="59-700", city="Bolesławiec", email="kontakt@example.pl")
    product = Product.objects.create(
        key="KUB-1", name="Kubek ceramiczny 300 ml niebieski", description="<p>Kubek do kawy i herbaty.</p>",
        vat_rate="23", category=Category.objects.create(name="Kubki"), responsible_producer=producer,
        safety_information="Nie używać w kuchence mikrofalowej.",
    )
    Variant.objects.create(product=product, sku="KUB-1", name=product.name, ean="5901234123457",
                           price=Decimal("29.99"))
    Image.objects.create(product=product, url="https://example.pl/kubek.jpg")
    return product


def test_a_complete_product_is_ready_and_each_gap_blocks_it():
    product = ready_product()
    assert audit_product(product).ready

    Variant.objects.filter(sku="KUB-1").update(ean="5901234123458")
    assert codes("KUB-1") == {"ean"}  # wrong check digit
    Variant.objects.filter(sku="KUB-1").update(ean="5901234123457", price=None)
    assert codes("KUB-1") == {"price"}
    Variant.objects.filter(sku="KUB-1").update(price=Decimal("29.99"), name="Kubek " * 20)
    assert codes("KUB-1") == {"title"}
    Variant.objects.filter(sku="KUB-1").update(name="Kubek ceramiczny 300 ml")
    ResponsibleProducer.objects.update(street="")
    assert codes("KUB-1") == {"gpsr_producer"}
    Product.objects.filter(pk=product.pk).update(vat_rate="", description="", short_description="")
    ResponsibleProducer.objects.update(street="ul. Gdańska 1")
    assert codes("KUB-1") == {"vat", "description"}


def test_csv_export_has_one_row_per_product_and_defuses_formulas():
    ready_product()
    Product.objects.create(key="=cmd|' /C calc'!A0", name="@SUM(1+1)")
    out = io.StringIO()

    write_csv(audit_catalog(), out)

    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert len(rows) == 3
    by_key = {r[0]: r for r in rows[1:]}
    assert by_key["KUB-1"][2] in {"tak", "yes"}
    assert "'=cmd|' /C calc'!A0" in by_key and by_key["'=cmd|' /C calc'!A0"][1] == "'@SUM(1+1)"
    assert csv_safe("-2+3") == "'-2+3" and csv_safe("Kubek") == "Kubek"
