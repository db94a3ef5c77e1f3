from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean as stdnum_ean

from magazynier.catalog.importing.rows import RowProblem
from magazynier.catalog.importing.values import (
    ValueProblem,
    has_broken_encoding,
    looks_like_formula,
    parse_attribute_pairs,
    parse_decimal,
    parse_ean,
    parse_price,
    parse_sku,
    parse_stock,
    parse_vat_rate,
    parse_weight_kg,
    split_category_path,
    split_image_urls,
)


def code_of(parser, value, *args):
    with pytest.raises(ValueProblem) as caught:
        parser(value, *args)
    return caught.value.code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,50", "12.50"),
        ("12.50", "12.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234.567", "1234567"),
        ("12 zł", "12"),
        ("12,50 PLN", "12.50"),
        (" 7 ", "7"),
        (".5", "0.5"),
        ("-3,25", "-3.25"),
    ],
)
def test_parse_decimal_accepts_polish_and_english_notation(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["12,5.0", "1,2,3", "abc", "12 34", "1,234.5.6", "12,", "1e5", "--5"])
def test_parse_decimal_rejects_malformed_numbers_with_a_reason(text):
    with pytest.raises(ValueProblem) as caught:
        parse_decimal(text)
    assert caught.value.code == "malformed_number"
    assert "nie jest poprawną liczbą" in caught.value.reason


def test_parse_decimal_empty_is_none_and_xlsx_numbers_are_exact():
    assert parse_decimal("") is None
    assert parse_decimal("   ") is None
    assert parse_decimal(None) is None
    assert parse_decimal(19.99) == Decimal("19.99")  # not Decimal(19.99) = 19.989999...
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_decimal(42) == Decimal(42)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_parse_decimal_round_trips_every_common_spelling(number):
    integer, fraction = f"{number:.2f}".split(".")
    groups = f"{int(integer):,}"  # 1,234,567
    nbsp = "\u00a0"
    spellings = [
        f"{integer},{fraction}",
        f"{integer}.{fraction}",
        f"{groups.replace(',', ' ')},{fraction}",
        f"{groups.replace(',', nbsp)},{fraction} zł",
        f"{groups.replace(',', '.')},{fraction}",
        f"{groups}.{fraction}",
    ]
    for spelling in spellings:
        assert parse_decimal(spelling) == number, spelling


@pytest.mark.parametrize(
    ("text", "expected"), [("5", 5), ("5,0", 5), ("5.00", 5), (7.0, 7), ("0", 0), ("", None)]
)
def test_parse_stock_accepts_whole_numbers(text, expected):
    assert parse_stock(text) == expected


def test_parse_stock_rejects_fractions_and_negatives():
    assert code_of(parse_stock, "5,5") == "stock_not_whole"
    assert code_of(parse_stock, "-1") == "negative_stock"
    assert code_of(parse_stock, "dużo") == "malformed_number"


def test_parse_ean_validates_the_gtin_family():
    assert parse_ean("5901234123457") == "5901234123457"
    assert parse_ean("590 1234 123457") == "5901234123457"
    assert parse_ean(5901234123457) == "5901234123457"
    assert parse_ean(5901234123457.0) == "5901234123457"
    assert parse_ean("96385074") == "96385074"  # EAN-8
    assert parse_ean("036000291452") == "036000291452"  # UPC-A
    assert parse_ean("") is None
    assert code_of(parse_ean, "5901234123458") == "ean_checksum"
    assert code_of(parse_ean, "590123412345") == "ean_checksum"
    assert code_of(parse_ean, "12345") == "ean_length"
    assert code_of(parse_ean, "5,90123E+12") == "ean_format"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_parse_ean_accepts_valid_and_rejects_wrong_check_digits(body, shift):
    check = stdnum_ean.calc_check_digit(body)
    assert parse_ean(body + check) == body + check
    wrong = str((int(check) + shift) % 10)
    assert code_of(parse_ean, body + wrong) == "ean_checksum"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23", "23"),
        ("23%", "23"),
        ("23 %", "23"),
        ("0,23", "23"),
        ("0.23", "23"),
        ("VAT 23%", "23"),
        ("8", "8"),
        ("5", "5"),
        ("0", "0"),
        ("0%", "0"),
        ("zw", "zw"),
        ("ZW", "zw"),
        ("np", "np"),
        ("oo", "oo"),
        (23, "23"),
        (0.08, "8"),
        ("", None),
    ],
)
def test_parse_vat_rate_gives_polish_codes(text, expected):
    assert parse_vat_rate(text) == expected


@pytest.mark.parametrize("text", ["7", "22", "VAT", "19%", "abc"])
def test_parse_vat_rate_rejects_rates_that_do_not_exist_in_poland(text):
    with pytest.raises(ValueProblem) as caught:
        parse_vat_rate(text)
    assert caught.value.code == "vat_rate"
    assert "23, 8, 5, 0, zw" in caught.value.reason


@pytest.mark.parametrize(
    "text",
    ["=SUM(A1:A3)", "@SUM(1)", "+SUM(1)", "-2+3+cmd|' /C calc'!A0", "\t=1+1", '\r=HYPERLINK("x")', " =1"],
)
def test_formula_looking_cells_are_detected(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize(
    "text", ["-5", "-12,50", "- bawełna", "+48 600 100 200", "Koszulka", "", "a@b.pl", 5]
)
def test_plain_values_are_not_formulas(text):
    assert not looks_like_formula(text)


def test_broken_encoding_is_detected_from_surrogateescape():
    assert has_broken_encoding(b"Koszulka \xff".decode("utf-8", "surrogateescape"))
    assert not has_broken_encoding("Koszulka żółta")


def test_parse_sku_trims_and_limits():
    assert parse_sku("  ABC-1 ") == "ABC-1"
    assert parse_sku("ABC 1") == "ABC 1"
    assert parse_sku(12345.0) == "12345"
    assert parse_sku("") is None
    assert code_of(parse_sku, "AB\nC") == "sku_whitespace"
    assert code_of(parse_sku, "A\tB") == "sku_whitespace"
    assert code_of(parse_sku, "X" * 101) == "sku_too_long"
    assert parse_sku("X" * 100) == "X" * 100


def test_parse_weight_converts_to_kilograms():
    assert parse_weight_kg(".5", "lbs") == Decimal("0.227")
    assert parse_weight_kg("250", "g") == Decimal("0.250")
    assert parse_weight_kg("1,5") == Decimal("1.500")
    assert parse_weight_kg("1", "oz") == Decimal("0.028")
    assert parse_weight_kg("") is None
    assert code_of(parse_weight_kg, "-1") == "negative_weight"


def test_lists_and_attributes():
    assert split_category_path("Odzież > Koszulki") == ("Odzież", "Koszulki")
    assert split_category_path("Odzież/Koszulki|Męskie") == ("Odzież", "Koszulki", "Męskie")
    assert split_image_urls("https://a/1.jpg, https://a/2.jpg|https://a/3.jpg https://a/4.jpg") == (
        "https://a/1.jpg",
        "https://a/2.jpg",
        "https://a/3.jpg",
        "https://a/4.jpg",
    )
    assert parse_attribute_pairs("Kolor=Czerwony; Rozmiar=M") == (("Kolor", "Czerwony"), ("Rozmiar", "M"))
    assert parse_attribute_pairs("Kolor:Czerwony|Rozmiar:M") == (("Kolor", "Czerwony"), ("Rozmiar", "M"))
    assert parse_attribute_pairs("") == ()
    assert code_of(parse_attribute_pairs, "Kolor") == "attribute_format"


def test_row_problem_value_is_short_and_printable():
    problem = RowProblem(2, "Nazwa", "x", value="a\x00b\nc" + "d" * 100)
    assert len(problem.value) <= 60
    assert problem.value.startswith("a b c")
    assert not any(ord(ch) < 32 for ch in problem.value)
    assert RowProblem(2, None, "x", value=b"\xff".decode("utf-8", "surrogateescape")).value == "\ufffd"


def test_parse_price_refuses_ambiguous_thousands_but_rounds_excel_numbers():
    assert parse_price("1 234,50 zł") == Decimal("1234.50")
    assert parse_price(24.5877) == Decimal("24.59")  # an Excel formula result, shown rounded
    assert parse_price("") is None
    assert code_of(parse_price, "1,234") == "price_precision"
    assert code_of(parse_price, "-5") == "negative_price"


@given(st.one_of(st.text(), st.text(alphabet="0123456789 ,.-+złPLN%\u00a0"), st.floats(), st.integers()))
def test_parsers_never_fail_with_anything_but_a_value_problem(value):
    for parser in (parse_decimal, parse_stock, parse_price, parse_ean, parse_vat_rate, parse_sku):
        try:
            parser(value)
        except ValueProblem as problem:
            assert problem.code and problem.reason
