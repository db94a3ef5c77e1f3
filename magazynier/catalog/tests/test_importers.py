"""The import writer against the real database: counts, idempotency, dry run, bad rows writing nothing."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from magazynier.catalog.import_runs import ImportRequest, open_request, run_import
from magazynier.catalog.models import Category, Image, Product, Variant
from magazynier.inventory.models import StockLevel, StockMovement, Warehouse

pytestmark = pytest.mark.django_db


def run(path: Path, **kw):
    problems = []
    request = ImportRequest(path=path, source_name=path.name, **kw)
    summary = run_import(request, open_request(request), on_problem=problems.append)
    return summary, problems


def db_snapshot():
    return (
        sorted(Product.objects.values_list("key", "name", "kind")),
        sorted(Variant.objects.values_list("sku", "name", "price", "ean", "product__key")),
        sorted(StockLevel.objects.values_list("variant__sku", "warehouse__code", "on_hand")),
        StockMovement.objects.count(), Image.objects.count(), Category.objects.count(),
    )


def test_woocommerce_sample_imports_completely(sample_csv):
    summary, problems = run(sample_csv)

    assert (summary.products_created, summary.variants_created) == (16, 21)
    assert Product.objects.count() == 16 and Variant.objects.count() == 21
    assert summary.errors == 0
    assert sorted((p.kind, p.code) for p in problems) == [("skipped", "external_product"),
                                                           ("skipped", "grouped_product")]
    hoodie = Product.objects.get(key="woo-hoodie")
    assert hoodie.kind == Product.VARIABLE
    assert sorted(hoodie.variants.values_list("sku", flat=True)) == [
        "woo-hoodie-blue", "woo-hoodie-blue-logo", "woo-hoodie-green", "woo-hoodie-red"]
    assert hoodie.category.path == "Clothing > Hoodies"
    assert Variant.objects.get(sku="woo-hoodie-blue-logo").price == Decimal("45.00")
    assert Variant.objects.get(sku="woo-album").product.is_virtual
    # The sample has no stock quantities: unknown stays unknown, it never becomes 0.
    assert StockLevel.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(sample_csv):
    run(sample_csv)
    before = db_snapshot()

    summary, _ = run(sample_csv)

    assert db_snapshot() == before
    assert (summary.products_created, summary.products_updated, summary.products_unchanged) == (0, 0, 16)
    assert (summary.variants_created, summary.variants_updated, summary.variants_unchanged) == (0, 0, 21)


def test_dry_run_reports_the_plan_and_writes_nothing(sample_csv):
    empty = db_snapshot()

    summary, problems = run(sample_csv, dry_run=True)

    assert db_snapshot() == empty
    assert (summary.products_created, summary.variants_created, summary.skipped) == (16, 21, 2)


def write_csv(tmp_path: Path, text: str, encoding="utf-8") -> Path:
    path = tmp_path / "katalog.csv"
    path.write_bytes(text.encode(encoding))
    return path


POLISH_HEADER = "SKU;Nazwa;EAN;Cena;VAT;Stan;Kategoria\n"


def test_polish_generic_csv_with_stock_and_updates(tmp_path):
    path = write_csv(tmp_path, POLISH_HEADER
                     + "KUB-1;Kubek ceramiczny 300 ml;5901234123457;12,50;23%;7;Dom > Kuchnia\n"
                     + "KUB-2;Kubek emaliowany;;1 234,00;8;0;Dom > Kuchnia\n", "cp1250")
    summary, problems = run(path)
    assert [p.kind for p in problems if p.kind == "error"] == []
    main = Warehouse.objects.get()
    assert StockLevel.objects.get(variant__sku="KUB-1", warehouse=main).on_hand == 7
    assert Variant.objects.get(sku="KUB-2").price == Decimal("1234.00")
    assert Product.objects.get(key="KUB-1").vat_rate == "23"
    assert StockMovement.objects.filter(reason="import").count() == 1  # 0 on a new level is no movement

    path = write_csv(tmp_path, POLISH_HEADER + "KUB-1;Kubek ceramiczny 300 ml;5901234123457;13,00;23;5;Dom > Kuchnia\n",
                     "cp1250")
    summary, _ = run(path)
    assert (summary.variants_updated, summary.stock_changes) == (1, 1)
    assert Variant.objects.get(sku="KUB-1").price == Decimal("13.00")
    assert list(StockMovement.objects.filter(variant__sku="KUB-1").order_by("id").values_list("delta", flat=True)) \
        == [7, -2]


BAD_ROWS = [
    # (case, row text, column named in the report, code)
    ("ean_checksum", "B-1;Zła suma EAN w kodzie;5901234123458;10,00;23;1;X", "EAN", "ean_checksum"),
    ("negative_stock", "B-2;Ujemny stan magazynu;;10,00;23;-4;X", "Stan", "negative_stock"),
    ("missing_sku", ";Brak kodu produktu;;10,00;23;1;X", "SKU", "missing_sku"),
    ("duplicate_sku", "OK-1;Duplikat kodu w pliku;;10,00;23;1;X", "SKU", "duplicate_sku"),
    ("malformed_number", "B-5;Zła liczba w cenie;;12,5.0;23;1;X", "Cena", "malformed_number"),
    ("formula", "B-6;=HYPERLINK(\"http://x\");;10,00;23;1;X", "Nazwa", "formula"),
]


@pytest.mark.parametrize("case,line,column,code", BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_a_bad_row_is_reported_and_writes_nothing_while_good_rows_import(tmp_path, case, line, column, code):
    path = write_csv(tmp_path, POLISH_HEADER
                     + "OK-1;Dobry produkt numer jeden;;10,00;23;3;X\n"
                     + line + "\n"
                     + "OK-2;Dobry produkt numer dwa;;11,00;23;4;X\n")

    summary, problems = run(path)

    errors = [p for p in problems if p.kind == "error"]
    assert [(p.row, p.column, p.code) for p in errors] == [(3, column, code)]
    assert errors[0].message  # a sentence for the seller
    assert sorted(Variant.objects.values_list("sku", flat=True)) == ["OK-1", "OK-2"]
    assert sorted(StockLevel.objects.values_list("variant__sku", "on_hand")) == [("OK-1", 3), ("OK-2", 4)]
    assert Variant.objects.get(sku="OK-1").name == "Dobry produkt numer jeden"  # first occurrence wins


def test_broken_encoding_in_one_row_rejects_only_that_row(tmp_path):
    good = (POLISH_HEADER + "OK-1;Zażółć gęślą jaźń;;10,00;23;3;X\n").encode()
    broken = b"B-1;Zepsute \xff\xfe bajty;;10,00;23;1;X\n"
    path = tmp_path / "k.csv"
    path.write_bytes(good + broken + "OK-2;Łódź;;5,00;23;1;X\n".encode())

    summary, problems = run(path)

    assert [(p.row, p.code) for p in problems if p.kind == "error"] == [(3, "broken_encoding")]
    assert sorted(Variant.objects.values_list("name", flat=True)) == ["Zażółć gęślą jaźń", "Łódź"]


def test_a_value_longer_than_the_database_allows_is_a_row_error_on_every_database(tmp_path):
    path = write_csv(tmp_path, POLISH_HEADER + "L-1;" + "Bardzo długa nazwa " * 20 + ";;10,00;23;1;X\n"
                     + "OK-1;Krótka nazwa produktu;;10,00;23;1;X\n")
    summary, problems = run(path)
    assert [(p.row, p.column, p.code) for p in problems if p.kind == "error"] == [(2, "Nazwa", "invalid_value")]
    assert list(Variant.objects.values_list("sku", flat=True)) == ["OK-1"]


def _refuse_sku_trigger(sku: str):
    if connection.vendor == "sqlite":
        return [f"""CREATE TRIGGER refuse_boom BEFORE INSERT ON catalog_variant WHEN NEW.sku = '{sku}'
                    BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"""]
    return [
        f"""CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN
              IF NEW.sku = '{sku}' THEN RAISE EXCEPTION 'refused by trigger'; END IF; RETURN NEW; END $$
            LANGUAGE plpgsql""",
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON catalog_variant FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
    ]


def test_a_row_the_database_refuses_is_isolated_and_the_rest_of_its_batch_imports(tmp_path):
    """Fault injected in the real database (a trigger refusing one SKU): the batch is retried row by row."""
    with connection.cursor() as cursor:
        for statement in _refuse_sku_trigger("BOOM"):
            cursor.execute(statement)
    path = write_csv(tmp_path, POLISH_HEADER + "OK-1;Pierwszy dobry produkt;;10,00;23;2;X\n"
                     + "BOOM;Ten wiersz odrzuci baza;;10,00;23;2;X\n"
                     + "OK-2;Drugi dobry produkt;;10,00;23;2;X\n")

    summary, problems = run(path)

    assert [(p.row, p.code) for p in problems] == [(3, "database_rejected")]
    assert sorted(Variant.objects.values_list("sku", flat=True)) == ["OK-1", "OK-2"]
    assert not Product.objects.filter(key="BOOM").exists()  # the product of the refused row is not half-written
    assert (summary.products_created, summary.variants_created, summary.errors) == (2, 2, 1)


def test_xlsx_with_typed_cells_imports_like_csv(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Symbol", "Nazwa", "EAN", "Cena brutto", "Stan", "Kategoria"])
    ws.append(["X-1", "Kubek ceramiczny 300 ml", 5901234123457, 12.5, 7, "Dom > Kuchnia"])
    ws.append(["X-2", "Talerz płaski 27 cm", None, 19.99, -1, "Dom > Kuchnia"])
    path = tmp_path / "katalog.xlsx"
    wb.save(path)

    summary, problems = run(path)

    assert [(p.row, p.code) for p in problems if p.kind == "error"] == [(3, "negative_stock")]
    variant = Variant.objects.get()
    assert (variant.sku, variant.ean, variant.price) == ("X-1", "5901234123457", Decimal("12.50"))
    assert StockLevel.objects.get().on_hand == 7
    assert Category.objects.get(name="Kuchnia").path == "Dom > Kuchnia"
