"""File-level behaviour: types, encodings, delimiters, headers, row numbers."""

from decimal import Decimal

import pytest

from magazynier.catalog.importing import ImportFileError, parse_file
from magazynier.catalog.importing.readers import detect_encoding, sniff_delimiter

from .support import collect, write_csv, write_xlsx

HEADER = ["SKU", "Nazwa", "Cena", "Stan"]
POLISH_ROWS = [HEADER, ["KUB-1", "Kubek żółty", "12,50", "5"], ["ŁYŻ-2", "Łyżka świąteczna", "8,99", "10"]]


def test_utf8_csv_with_comma(tmp_path):
    parsed = parse_file(write_csv(tmp_path / "p.csv", POLISH_ROWS))
    assert (parsed.file_type, parsed.encoding, parsed.delimiter) == ("csv", "utf-8", ",")
    assert parsed.headers == tuple(HEADER)
    assert [v.name for v in collect(parsed).variants] == ["Kubek żółty", "Łyżka świąteczna"]


def test_utf8_with_bom_from_excel(tmp_path):
    parsed = parse_file(write_csv(tmp_path / "p.csv", POLISH_ROWS, encoding="utf-8-sig", delimiter=";"))
    assert parsed.encoding == "utf-8-sig"
    assert parsed.headers[0] == "SKU"  # BOM not part of the first header
    assert collect(parsed).variant("ŁYŻ-2").name == "Łyżka świąteczna"


def test_cp1250_semicolon_file_from_polish_excel_is_recoded_with_a_notice(tmp_path):
    parsed = parse_file(write_csv(tmp_path / "p.csv", POLISH_ROWS, encoding="cp1250", delimiter=";"))
    assert (parsed.encoding, parsed.delimiter) == ("cp1250", ";")
    assert any("Windows-1250" in notice for notice in parsed.notices)
    result = collect(parsed)
    assert result.errors == []
    assert result.variant("KUB-1").name == "Kubek żółty"
    assert str(result.variant("KUB-1").price) == "12.50"


def test_cp1250_is_recognised_even_when_polish_letters_start_late(tmp_path):
    ascii_rows = [[f"A-{i}", f"Plain product {i}", "10"] for i in range(15000)]  # ~360 KiB of ASCII
    rows = [["SKU", "Nazwa", "Cena"], *ascii_rows, ["ŻÓŁW", "Żółw pluszowy", "25,50"]]
    parsed = parse_file(write_csv(tmp_path / "p.csv", rows, encoding="cp1250", delimiter=";"))
    assert parsed.encoding == "cp1250"
    result = collect(parsed)
    assert result.errors == [] and result.variant("ŻÓŁW").name == "Żółw pluszowy"


def test_excel_separator_hint_line_is_honoured(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("sep=;\r\nSKU;Nazwa;Cena\r\nA;Kubek, biały;12,50\r\nB;Talerz;1,234\r\n".encode())
    parsed = parse_file(path)
    assert (parsed.delimiter, parsed.headers) == (";", ("SKU", "Nazwa", "Cena"))
    result = collect(parsed)
    assert result.variant("A").row == 2 and result.variant("A").name == "Kubek, biały"
    assert result.error_triples() == {(3, "Cena", "price_precision")}


def test_tab_and_pipe_delimiters_are_sniffed():
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"
    assert sniff_delimiter("SKU;Nazwa;Cena\nA;Kubek, biały;12,50\n") == ";"
    assert sniff_delimiter('SKU,Nazwa,Cena\nA,"Kubek; biały","12,50"\n') == ","


def test_a_multiline_cell_keeps_excel_row_numbers(tmp_path):
    rows = [
        ["SKU", "Nazwa", "Opis", "EAN"],
        ["A", "Kubek", "linia 1\nlinia 2\nlinia 3", ""],
        ["B", "Talerz", "", "123"],
    ]
    result = collect(parse_file(write_csv(tmp_path / "p.csv", rows)))
    assert result.variant("A").row == 2
    assert result.product("A").description == "linia 1\nlinia 2\nlinia 3"
    assert result.error_triples() == {(3, "EAN", "ean_length")}  # record 3, though physical line 5


def test_invalid_utf8_bytes_reject_only_their_row(tmp_path):
    good = "\r\n".join(f"SKU-{i},Kubek żółty {i},10" for i in range(3))
    data = (
        "SKU,Nazwa,Cena\r\n" + good + "\r\n"
    ).encode() + b"SKU-X,Kubek \xff\xfe zepsuty,10\r\nSKU-Z,Ostatni,5\r\n"
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    result = collect(parse_file(path))
    assert result.error_triples() == {(5, "Nazwa", "broken_encoding")}
    assert "\ufffd" in result.errors[0].value
    assert result.variant_skus == ["SKU-0", "SKU-1", "SKU-2", "SKU-Z"]


def test_invalid_byte_far_beyond_the_sniffed_sample(tmp_path):
    lines = [f"SKU-{i},Produkt zażółć {i},10" for i in range(20000)]  # ~600 KiB
    data = ("SKU,Nazwa,Cena\n" + "\n".join(lines) + "\n").encode() + b"BAD,\x9c\x9cwiat,1\n"
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    parsed = parse_file(path)
    assert parsed.encoding == "utf-8"
    result = collect(parsed)
    assert len(result.variants) == 20000
    assert result.error_triples() == {(20002, "Nazwa", "broken_encoding")}


def test_sample_boundary_inside_a_multibyte_letter_is_not_broken_encoding(tmp_path):
    prefix = "SKU,Nazwa\n"
    filler_len = 256 * 1024 - len(prefix) - len("A,") - 1  # "ł" (2 bytes) straddles the 256 KiB mark
    data = (prefix + "A," + "x" * filler_len + "ł\nB,Łódź\n").encode()
    assert data[256 * 1024 - 1 : 256 * 1024 + 1] == "ł".encode()
    assert detect_encoding(data[: 256 * 1024], complete=False) == ("utf-8", None)


def test_unknown_charset_is_rejected_naming_the_guess(tmp_path):
    text = "Артикул,Название\n" + "\n".join(f"{i},Кружка белая керамическая {i}" for i in range(50))
    path = tmp_path / "ru.csv"
    path.write_bytes(text.encode("cp1251"))
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert "UTF-8" in caught.value.message and "wygląda na" in caught.value.message


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("stary.xls", b"whatever", ".xlsx"),
        ("ukryty.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "stary format Excela"),
        ("dane.pdf", b"%PDF-1.4", "Nieobsługiwany typ pliku"),
        ("pusty.csv", b"", "pusty"),
        ("spacje.csv", b"\r\n \r\n", "pusty"),
        ("unicode.txt", "SKU\tNazwa\n".encode("utf-16"), "UTF-16"),
        ("zepsuty.xlsx", b"PK\x03\x04 nie zip", ".xlsx"),
    ],
)
def test_unusable_files_raise_a_clear_polish_message(tmp_path, name, content, phrase):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert phrase in caught.value.message


def test_missing_file_is_an_import_error(tmp_path):
    with pytest.raises(ImportFileError, match="Nie można odczytać"):
        parse_file(tmp_path / "nie-ma.csv")


def test_duplicate_header_names_are_rejected(tmp_path):
    path = write_csv(tmp_path / "p.csv", [["SKU", "Nazwa", " SKU "], ["A", "B", "C"]])
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert "„SKU” występuje w nagłówku dwa razy (kolumny 1 i 3)" in caught.value.message


def test_header_names_are_trimmed_and_blank_rows_skipped(tmp_path):
    rows = [[" SKU ", "\ufeffNazwa", ""], ["A", "Kubek", ""], ["", "", ""], ["B", "Talerz", ""]]
    parsed = parse_file(write_csv(tmp_path / "p.csv", rows))
    assert parsed.headers == ("SKU", "Nazwa")
    assert [(v.sku, v.row) for v in collect(parsed).variants] == [("A", 2), ("B", 4)]


def test_cells_beyond_the_header_reject_the_row(tmp_path):
    rows = [["SKU", "Nazwa", "Cena"], ["A", "Kubek", "12;50", "x"], ["B", "Talerz", "3"]]
    result = collect(parse_file(write_csv(tmp_path / "p.csv", rows)))
    assert result.error_triples() == {(2, None, "extra_cells")}
    assert result.variant_skus == ["B"]


def test_xlsx_is_read_with_excel_row_numbers_and_native_types(tmp_path):
    rows = [
        ["SKU", "Nazwa", "Cena", "Stan", "EAN"],
        ["A", "Kubek", 19.99, 5, 5901234123457],
        [None, None, None, None, None],
        [12345, "Talerz", 7, 2.0, "5901234123458"],
    ]
    parsed = parse_file(write_xlsx(tmp_path / "p.xlsx", rows))
    assert (parsed.file_type, parsed.encoding, parsed.delimiter) == ("xlsx", None, None)
    result = collect(parsed)
    assert result.variant("A").price == Decimal("19.99")
    assert result.variant("A").ean == "5901234123457"
    assert result.variant("A").stock == 5
    assert result.error_triples() == {(4, "EAN", "ean_checksum")}


def test_xlsx_cells_in_unnamed_columns_are_ignored(tmp_path):
    result = collect(
        parse_file(write_xlsx(tmp_path / "p.xlsx", [["SKU", "Nazwa"], ["A", "Kubek", "notatka"]]))
    )
    assert result.errors == [] and result.variant_skus == ["A"]


def test_xlsx_header_below_empty_rows(tmp_path):
    parsed = parse_file(write_xlsx(tmp_path / "p.xlsx", [[], [], ["SKU", "Nazwa"], ["A", "Kubek"]]))
    result = collect(parsed)
    assert result.variant("A").row == 4
    assert any("wierszu 3" in notice for notice in parsed.notices)


def test_xlsx_empty_sheet_is_rejected(tmp_path):
    with pytest.raises(ImportFileError, match="pusty"):
        parse_file(write_xlsx(tmp_path / "p.xlsx", []))
