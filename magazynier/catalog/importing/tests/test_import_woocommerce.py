"""WooCommerce product export CSV: the real sample file and hand-made edge cases."""

from decimal import Decimal

import pytest

from magazynier.catalog.importing import is_woocommerce_export, parse_file
from magazynier.catalog.importing.woocommerce import split_woo_list, unescape_description

from .support import collect, shared_reference_dir, write_csv

SAMPLE = shared_reference_dir() / "woocommerce_sample_products.csv"

WOO_HEADER = [
    "ID",
    "Type",
    "SKU",
    "Name",
    "Published",
    "Short description",
    "Description",
    "Tax status",
    "Tax class",
    "In stock?",
    "Stock",
    "Weight (kg)",
    "Sale price",
    "Regular price",
    "Categories",
    "Tags",
    "Images",
    "Parent",
    "Brands",
    "Attribute 1 name",
    "Attribute 1 value(s)",
    "Meta: _ean",
]


ALIASES = {
    "ean": "Meta: _ean",
    "weight": "Weight (kg)",
    "attr_name": "Attribute 1 name",
    "attr_values": "Attribute 1 value(s)",
}


def woo_row(**cells):
    """A row of WOO_HEADER; keyword Regular_price means column "Regular price" (see ALIASES for the rest)."""
    defaults = {
        "Published": "1",
        "Tax status": "taxable",
        "In stock?": "1",
        "Name": f"Produkt {cells.get('SKU')}",
    }
    values = {**defaults, **{ALIASES.get(k, k.replace("_", " ")): v for k, v in cells.items()}}
    unknown = set(values) - set(WOO_HEADER)
    assert not unknown, unknown
    return [values.get(h, "") for h in WOO_HEADER]


def woo_file(tmp_path, *rows):
    return parse_file(
        write_csv(tmp_path / "wc-product-export.csv", [WOO_HEADER, *rows], encoding="utf-8-sig")
    )


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE.exists():
        pytest.skip(f"WooCommerce sample not found at {SAMPLE} (set MAGAZYNIER_SHARED_DIR)")
    return parse_file(SAMPLE)


def test_sample_is_recognised_as_woocommerce(sample):
    assert (sample.format, sample.file_type, sample.encoding, sample.delimiter) == (
        "woocommerce",
        "csv",
        "utf-8-sig",
        ",",
    )
    assert sample.mapping is None


def test_sample_imports_completely(sample):
    result = collect(sample)
    assert result.errors == []
    assert len(result.products) == 16
    assert sum(p.kind == "simple" for p in result.products) == 14
    assert sum(p.kind == "variable" for p in result.products) == 2
    assert len(result.variants) == 21
    assert [(p.row, p.value, p.code) for p in result.skipped] == [
        (24, "grouped", "grouped_product"),
        (25, "external", "external_product"),
    ]
    assert {p.key for p in result.products}.isdisjoint({"logo-collection", "wp-pennant"})


def test_sample_variable_products_and_their_variations(sample):
    result = collect(sample)
    vneck = result.product("woo-vneck-tee")
    assert (vneck.kind, vneck.name, vneck.category_path, vneck.vat_rate) == (
        "variable",
        "V-Neck T-Shirt",
        ("Clothing", "Tshirts"),
        "23",
    )
    assert vneck.attribute_map == {"Color": "Blue, Green, Red", "Size": "Large, Medium, Small"}
    assert vneck.weight_kg == Decimal("0.227")  # .5 lbs
    assert vneck.source_id == "44"
    vneck_variants = [v for v in result.variants if v.product_key == "woo-vneck-tee"]
    assert [v.sku for v in vneck_variants] == [
        "woo-vneck-tee-red",
        "woo-vneck-tee-green",
        "woo-vneck-tee-blue",
    ]
    red = result.variant("woo-vneck-tee-red")
    assert (red.name, red.price, red.stock, red.attribute_map) == (
        "V-Neck T-Shirt - Red",
        Decimal("20"),
        None,
        {"Color": "Red"},
    )
    hoodies = [v.sku for v in result.variants if v.product_key == "woo-hoodie"]
    assert hoodies == ["woo-hoodie-red", "woo-hoodie-green", "woo-hoodie-blue", "woo-hoodie-blue-logo"]
    assert result.variant("woo-hoodie-red").sale_price == Decimal("42")
    assert result.variant("woo-hoodie-blue-logo").attribute_map == {"Color": "Blue", "Logo": "Yes"}


def test_sample_simple_and_downloadable_products(sample):
    result = collect(sample)
    album = result.product("woo-album")
    assert (album.kind, album.is_virtual, album.category_path, album.weight_kg) == (
        "simple",
        True,
        ("Music",),
        None,
    )
    assert result.variant("woo-album").price == Decimal("15")
    beanie = result.variant("woo-beanie")
    assert (beanie.product_key, beanie.price, beanie.sale_price) == (
        "woo-beanie",
        Decimal("20"),
        Decimal("18"),
    )
    assert result.product("woo-beanie").images[0].endswith("beanie-2.jpg")
    assert result.product("woo-hoodie-with-pocket").is_active  # hidden in catalog, still published
    assert sum(p.is_virtual for p in result.products) == 2


def test_detection_needs_the_woocommerce_columns():
    assert is_woocommerce_export(WOO_HEADER)
    assert not is_woocommerce_export(["SKU", "Name", "Regular price"])


def test_tax_classes_map_to_polish_rates_with_warnings(tmp_path):
    result = collect(
        woo_file(
            tmp_path,
            woo_row(ID="1", Type="simple", SKU="STD", Regular_price="10"),
            woo_row(ID="2", Type="simple", SKU="RED", Tax_class="reduced-rate", Regular_price="10"),
            woo_row(ID="3", Type="simple", SKU="ZERO", Tax_class="zero-rate", Regular_price="10"),
            woo_row(ID="4", Type="simple", SKU="NONE", Tax_status="none", Regular_price="10"),
            woo_row(ID="5", Type="simple", SKU="PL5", Tax_class="stawka-5", Regular_price="10"),
            woo_row(ID="6", Type="simple", SKU="ODD", Tax_class="luxury", Regular_price="10"),
        )
    )
    assert {p.key: p.vat_rate for p in result.products} == {
        "STD": "23",
        "RED": "8",
        "ZERO": "0",
        "NONE": None,
        "PL5": "5",
        "ODD": None,
    }
    assert [(w.row, w.column, w.code) for w in result.warnings] == [
        (3, "Tax class", "vat_mapped"),
        (5, "Tax status", "vat_unknown"),
        (6, "Tax class", "vat_mapped"),
        (7, "Tax class", "vat_unknown"),
    ]
    assert "8 %" in result.warnings[0].message
    assert result.errors == []


def test_stock_weight_ean_brand_published_and_lists(tmp_path):
    result = collect(
        woo_file(
            tmp_path,
            woo_row(ID="1", Type="simple", SKU="A", Stock="7", weight="0,5", ean="", Regular_price="1"),
            woo_row(
                ID="2",
                Type="simple, virtual",
                SKU="B",
                Published="-1",
                Stock="",
                Regular_price="1",
                Categories="Dom > Kuchnia\\, jadalnia / stół, Promocje",
                Tags="nowość, lato",
                Brands="Acme",
                Description="Linia 1\\nLinia 2",
                Images="https://x/1.jpg, https://x/2.jpg",
            ),
            woo_row(
                ID="3",
                Type="simple",
                SKU="C",
                Published="0",
                Regular_price="1",
                attr_name="Marka",
                attr_values="Bolesławiec",
            ),
        )
    )
    assert result.variant("A").stock == 7 and result.variant("B").stock is None
    assert result.product("A").weight_kg == Decimal("0.500")
    b = result.product("B")
    assert (b.is_active, b.is_virtual, b.brand, b.tags) == (False, True, "Acme", ("nowość", "lato"))
    assert b.category_path == ("Dom", "Kuchnia, jadalnia / stół")
    assert b.description == "Linia 1\nLinia 2"
    assert b.images == ("https://x/1.jpg", "https://x/2.jpg")
    assert (result.product("C").brand, result.product("C").is_active) == ("Bolesławiec", False)


def test_woocommerce_bad_rows(tmp_path):
    result = collect(
        woo_file(
            tmp_path,
            woo_row(ID="1", Type="simple", SKU="OK", Regular_price="10", ean="5901234123457"),
            woo_row(ID="2", Type="simple", SKU="EAN", Regular_price="10", ean="5901234123458"),
            woo_row(ID="3", Type="simple", SKU="NEG", Regular_price="10", Stock="-3"),
            woo_row(ID="4", Type="simple", SKU="", Regular_price="10"),
            woo_row(ID="5", Type="simple", SKU="OK", Regular_price="10"),
            woo_row(ID="6", Type="simple", SKU="NUM", Regular_price="12,5.0"),
            woo_row(ID="7", Type="simple", SKU="FORM", Name="@SUM(1+1)*cmd|' /C calc'!A0", Regular_price="1"),
            woo_row(ID="8", Type="simple", SKU="NONAME", Name="", Regular_price="1"),
            woo_row(ID="9", Type="bundle", SKU="BUNDLE", Regular_price="1"),
            woo_row(ID="10", Type="simple", SKU="OK2", Regular_price=""),
        )
    )
    assert result.error_triples() == {
        (3, "Meta: _ean", "ean_checksum"),
        (4, "Stock", "negative_stock"),
        (5, "SKU", "missing_sku"),
        (6, "SKU", "duplicate_sku"),
        (7, "Regular price", "malformed_number"),
        (8, "Name", "formula"),
        (9, "Name", "missing_name"),
        (10, "Type", "unsupported_type"),
    }
    assert result.variant_skus == ["OK", "OK2"]
    assert result.variant("OK").ean == "5901234123457"
    assert result.variant("OK2").price is None


def test_variations_before_their_parent_are_emitted_at_the_end(tmp_path):
    result = collect(
        woo_file(
            tmp_path,
            woo_row(
                ID="11",
                Type="variation",
                SKU="TS-M",
                Name="Koszulka - M",
                Parent="TS",
                Regular_price="20",
                attr_name="Rozmiar",
                attr_values="M",
            ),
            woo_row(
                ID="12", Type="variation", SKU="TS-L", Name="Koszulka - L", Parent="id:10", Regular_price="21"
            ),
            woo_row(
                ID="10", Type="variable", SKU="TS", Name="Koszulka", attr_name="Rozmiar", attr_values="M, L"
            ),
            woo_row(
                ID="13", Type="variation", SKU="TS-S", Name="Koszulka - S", Parent="id:10", Regular_price="19"
            ),
            woo_row(
                ID="14", Type="variation", SKU="ORPHAN", Name="Sierota", Parent="NOPE", Regular_price="19"
            ),
            woo_row(ID="15", Type="variation", SKU="NOPARENT", Name="Bez rodzica", Regular_price="19"),
        )
    )
    kinds = [
        (type(i).__name__, getattr(i, "sku", None) or getattr(i, "key", None) or i.code) for i in result.items
    ]
    assert kinds == [
        ("ProductRecord", "TS"),
        ("VariantRecord", "TS-S"),
        ("RowProblem", "parent_not_found"),  # row 7, Parent empty: known at once
        ("VariantRecord", "TS-M"),
        ("VariantRecord", "TS-L"),
        ("RowProblem", "parent_not_found"),  # row 6, buffered until the end
    ]
    assert {v.sku: v.product_key for v in result.variants} == {"TS-S": "TS", "TS-M": "TS", "TS-L": "TS"}
    assert result.variant("TS-M").attribute_map == {"Rozmiar": "M"}
    assert result.error_triples() == {(6, "Parent", "parent_not_found"), (7, "Parent", "parent_not_found")}


def test_variations_of_a_rejected_parent_are_not_attached(tmp_path):
    result = collect(
        woo_file(
            tmp_path,
            woo_row(ID="10", Type="variable", SKU="TS", Name=""),
            woo_row(
                ID="11", Type="variation", SKU="TS-M", Name="Koszulka - M", Parent="TS", Regular_price="20"
            ),
            woo_row(
                ID="12", Type="variation", SKU="TS-L", Name="Koszulka - L", Parent="id:10", Regular_price="20"
            ),
            woo_row(ID="13", Type="variation", SKU="", Name="Koszulka - XL", Parent="TS", Regular_price="20"),
            woo_row(ID="20", Type="simple", SKU="KUB", Regular_price="5"),
            woo_row(
                ID="21", Type="variation", SKU="KUB-X", Name="Kubek - X", Parent="KUB", Regular_price="20"
            ),
        )
    )
    assert result.products == [result.product("KUB")]
    assert result.error_triples() == {
        (2, "Name", "missing_name"),
        (3, "Parent", "parent_rejected"),
        (4, "Parent", "parent_rejected"),
        (5, "SKU", "missing_sku"),
        (5, "Parent", "parent_rejected"),
        (7, "Parent", "parent_not_variable"),
    }
    assert result.variant_skus == ["KUB"]


def test_woo_list_escaping_and_description_newlines():
    assert split_woo_list("Kubki\\, szklanki, Talerze") == ("Kubki, szklanki", "Talerze")
    assert split_woo_list("") == ()
    assert unescape_description("a\\nb") == "a\nb"
    assert unescape_description("ścieżka C:\\\\new") == "ścieżka C:\\new"
