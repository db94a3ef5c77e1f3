"""A seller's own CSV/XLSX read through a column mapping."""

from decimal import Decimal

import pytest

from magazynier.catalog.importing import ColumnMapping, ImportFileError, detect_mapping, parse_file

from .support import collect, write_csv, write_xlsx

HEADER = ["Symbol", "Nazwa produktu", "EAN", "Cena brutto (zł)", "VAT", "Ilość", "Kategoria", "Opis"]
GOOD = ["KUB-1", "Kubek biały", "5901234123457", "12,50", "23%", "5", "Dom > Kuchnia > Kubki", "Ceramiczny"]


def row(changes=None):
    """GOOD with some cells replaced: {column index: new value}."""
    return [(changes or {}).get(i, value) for i, value in enumerate(GOOD)]


def test_detect_mapping_understands_polish_headers_regardless_of_case_and_accents():
    headers = [
        "Symbol",
        "NAZWA PRODUKTU",
        "Kod kreskowy",
        "Cena brutto (zł)",
        "Stawka VAT",
        "ilość",
        "Magazyn",
        "Kategoria",
        "Zdjęcia",
        "Opis",
        "Producent",
        "Waga [kg]",
        "Cechy",
        "SKU rodzica",
    ]
    mapping = detect_mapping(headers)
    assert mapping == ColumnMapping(
        sku="Symbol",
        name="NAZWA PRODUKTU",
        ean="Kod kreskowy",
        price="Cena brutto (zł)",
        vat_rate="Stawka VAT",
        stock="ilość",
        warehouse="Magazyn",
        category="Kategoria",
        images="Zdjęcia",
        description="Opis",
        brand="Producent",
        weight="Waga [kg]",
        attributes="Cechy",
        parent_sku="SKU rodzica",
    )


def test_detect_mapping_english_headers():
    mapping = detect_mapping(["sku", "Name", "Price", "Stock", "Images", "Brand", "Weight", "Parent SKU"])
    assert (mapping.sku, mapping.name, mapping.price, mapping.stock) == ("sku", "Name", "Price", "Stock")
    assert (mapping.images, mapping.brand, mapping.weight, mapping.parent_sku) == (
        "Images",
        "Brand",
        "Weight",
        "Parent SKU",
    )


def test_explicit_mapping_must_name_existing_headers():
    headers = ["Indeks", "Tytuł aukcji", "Cena"]
    mapping = ColumnMapping.from_pairs({"sku": "indeks", "name": "Tytuł aukcji"}, headers)
    assert (mapping.sku, mapping.name) == ("Indeks", "Tytuł aukcji")
    with pytest.raises(ImportFileError) as caught:
        ColumnMapping.from_pairs({"sku": "Kod", "name": "Tytuł aukcji"}, headers)
    assert "„Kod”" in caught.value.message and "„Indeks”, „Tytuł aukcji”, „Cena”" in caught.value.message
    with pytest.raises(ImportFileError, match="Nieznane pole mapowania: kolor"):
        ColumnMapping.from_pairs({"kolor": "Kolor"})


def test_explicit_mapping_is_validated_when_parsing(tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Indeks", "Tytuł"], ["A", "Kubek"]])
    with pytest.raises(ImportFileError, match="„Symbol”"):
        parse_file(path, mapping=ColumnMapping.from_pairs({"sku": "Symbol", "name": "Tytuł"}))
    parsed = parse_file(path, mapping=ColumnMapping.from_pairs({"sku": "Indeks", "name": "Tytuł"}))
    assert parsed.format == "generic" and parsed.mapping.sku == "Indeks"
    assert collect(parsed).variant_skus == ["A"]


def test_a_file_without_a_sku_column_is_rejected_listing_the_columns(tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Nazwa", "Cena"], ["Kubek", "5"]])
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert "„SKU”" in caught.value.message and "Kolumny w pliku: „Nazwa”, „Cena”" in caught.value.message


def test_good_rows_become_a_simple_product_and_its_variant(tmp_path):
    result = collect(parse_file(write_csv(tmp_path / "p.csv", [HEADER, GOOD], delimiter=";")))
    assert result.errors == [] and len(result.items) == 2
    product, variant = result.items
    assert (product.key, product.kind, product.name, product.vat_rate) == (
        "KUB-1",
        "simple",
        "Kubek biały",
        "23",
    )
    assert product.category_path == ("Dom", "Kuchnia", "Kubki")
    assert product.description == "Ceramiczny"
    assert (variant.product_key, variant.sku, variant.ean) == ("KUB-1", "KUB-1", "5901234123457")
    assert (variant.price, variant.stock) == (Decimal("12.50"), 5)


def test_each_bad_row_is_reported_and_the_other_rows_still_import(tmp_path):
    rows = [
        HEADER,
        row(),  # 2 ok
        row({0: "B-EAN", 2: "5901234123458"}),  # 3 checksum
        row({0: "B-STOCK", 5: "-2"}),  # 4 negative stock
        row({0: ""}),  # 5 missing sku
        row({0: "OK-2"}),  # 6 ok
        row(),  # 7 duplicate of row 2
        row({0: "B-NUM", 3: "12,5.0"}),  # 8 malformed
        row({0: "B-FORM", 1: '=HYPERLINK("http://zly.example","klik")'}),  # 9 formula
        row({0: "B-NAME", 1: "  "}),  # 10 missing name
        row({0: "B-MANY", 2: "123", 4: "7", 5: "1,5"}),  # 11 several problems
        row({0: "B-VAT", 4: "22%"}),  # 12 wrong VAT
        row({0: "OK-3", 5: ""}),  # 13 ok, stock unknown
    ]
    result = collect(parse_file(write_csv(tmp_path / "p.csv", rows)))
    assert result.error_triples() == {
        (3, "EAN", "ean_checksum"),
        (4, "Ilość", "negative_stock"),
        (5, "Symbol", "missing_sku"),
        (7, "Symbol", "duplicate_sku"),
        (8, "Cena brutto (zł)", "malformed_number"),
        (9, "Nazwa produktu", "formula"),
        (10, "Nazwa produktu", "missing_name"),
        (11, "EAN", "ean_length"),
        (11, "VAT", "vat_rate"),
        (11, "Ilość", "stock_not_whole"),
        (12, "VAT", "vat_rate"),
    }
    assert result.variant_skus == ["KUB-1", "OK-2", "OK-3"]
    assert [p.key for p in result.products] == ["KUB-1", "OK-2", "OK-3"]
    assert result.variant("OK-3").stock is None  # unknown, not 0
    by_code = {p.code: p for p in result.errors}
    assert "wierszu 2" in by_code["duplicate_sku"].message
    assert by_code["duplicate_sku"].value == "KUB-1"
    assert by_code["malformed_number"].value == "12,5.0"
    assert by_code["ean_checksum"].message.startswith("Nieprawidłowa suma kontrolna EAN")
    assert by_code["formula"].value.startswith("=HYPERLINK")


def test_first_occurrence_owns_the_sku_even_when_it_is_rejected(tmp_path):
    rows = [HEADER, row({2: "1"}), row()]
    result = collect(parse_file(write_csv(tmp_path / "p.csv", rows)))
    assert result.error_triples() == {(2, "EAN", "ean_length"), (3, "Symbol", "duplicate_sku")}


def test_rows_sharing_parent_sku_form_one_variable_product(tmp_path):
    rows = [
        ["SKU", "Nazwa", "Nazwa rodzica", "Grupa", "Atrybuty", "Cena", "Opis", "Marka", "Zdjęcia"],
        [
            "TS-R-M",
            "Koszulka czerwona M",
            "Koszulka",
            "TS",
            "Kolor=Czerwony; Rozmiar=M",
            "49,99",
            "Bawełna",
            "Acme",
            "https://x/1.jpg https://x/2.jpg",
        ],
        ["KUB", "Kubek", "", "", "", "10", "", "", ""],
        ["TS-R-L", "Koszulka czerwona L", "Koszulka", "TS", "Kolor:Czerwony|Rozmiar:L", "52", "", "", ""],
        ["TS-X", "Koszulka X", "", "TS", "Rozmiar", "52", "", "", ""],
    ]
    result = collect(parse_file(write_csv(tmp_path / "p.csv", rows)))
    assert [type(i).__name__ for i in result.items[:3]] == ["ProductRecord", "VariantRecord", "ProductRecord"]
    parent = result.product("TS")
    assert (parent.kind, parent.name, parent.description, parent.brand, parent.row) == (
        "variable",
        "Koszulka",
        "Bawełna",
        "Acme",
        2,
    )
    assert parent.images == ("https://x/1.jpg", "https://x/2.jpg")
    assert [(v.sku, v.product_key) for v in result.variants] == [
        ("TS-R-M", "TS"),
        ("KUB", "KUB"),
        ("TS-R-L", "TS"),
    ]
    assert result.variant("TS-R-L").attribute_map == {"Kolor": "Czerwony", "Rozmiar": "L"}
    assert [p.key for p in result.products].count("TS") == 1
    assert result.error_triples() == {(5, "Atrybuty", "attribute_format")}


def test_parent_sku_may_not_reuse_a_simple_product_sku_or_the_own_sku(tmp_path):
    rows = [
        ["SKU", "Nazwa", "SKU rodzica"],
        ["KUB", "Kubek", ""],
        ["V1", "Wariant", "KUB"],
        ["V2", "W", "V2"],
    ]
    result = collect(parse_file(write_csv(tmp_path / "p.csv", rows)))
    assert result.error_triples() == {
        (3, "SKU rodzica", "parent_conflict"),
        (4, "SKU rodzica", "parent_is_self"),
    }
    assert result.variant_skus == ["KUB"]


def test_price_column_may_be_absent(tmp_path):
    result = collect(parse_file(write_csv(tmp_path / "p.csv", [["SKU", "Nazwa"], ["A", "Kubek"]])))
    assert result.errors == [] and result.variant("A").price is None


def test_generic_xlsx_with_native_numbers(tmp_path):
    rows = [
        ["Kod produktu", "Nazwa", "Cena", "Stan magazynowy", "Kod kreskowy", "Waga", "VAT"],
        ["Z-1", "Zażółć gęślą jaźń", 1234.5, 3, 5901234123457, 0.25, 0.08],
        ["Z-2", "Drugi", "1 234,50 zł", "-1", None, "abc", "zw"],
    ]
    result = collect(parse_file(write_xlsx(tmp_path / "p.xlsx", rows)))
    variant = result.variant("Z-1")
    assert (variant.price, variant.stock, variant.ean, variant.weight_kg) == (
        Decimal("1234.5"),
        3,
        "5901234123457",
        Decimal("0.250"),
    )
    assert result.product("Z-1").vat_rate == "8"
    assert result.error_triples() == {
        (3, "Stan magazynowy", "negative_stock"),
        (3, "Waga", "malformed_number"),
    }


def test_format_woocommerce_on_a_generic_file_is_refused(tmp_path):
    path = write_csv(tmp_path / "p.csv", [["SKU", "Nazwa"], ["A", "Kubek"]])
    with pytest.raises(ImportFileError, match="WooCommerce"):
        parse_file(path, format="woocommerce")
