"""Turning a CSV or XLSX file into a header plus a stream of rows, with flat memory.

CSV is decoded incrementally (``io.TextIOWrapper`` + ``csv.reader``); invalid bytes
are kept as lone surrogates (errors="surrogateescape") so one damaged row can be
reported instead of crashing the import.  XLSX is read with openpyxl in read-only
mode; formula cells give the value Excel last calculated (data_only=True).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .rows import (
    ERROR,
    WARNING,
    ImportFileError,
    ProductRecord,
    RowProblem,
    SkuRegistry,
    VariantRecord,
    shorten_for_display,
)
from .values import (
    ValueProblem,
    cell_text,
    clean_multiline,
    clean_text,
    has_broken_encoding,
    looks_like_formula,
)

SAMPLE_BYTES = 256 * 1024
CSV_DELIMITERS = (";", ",", "\t", "|")
CSV_FIELD_LIMIT = 16 * 1024 * 1024
SAVE_AS_CSV_UTF8 = (
    "Zapisz plik w Excelu jako „CSV UTF-8 (rozdzielany przecinkami)” albo jako .xlsx i spróbuj ponownie."
)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary .xls / .doc
_CSV_EXTENSIONS = {".csv", ".txt", ".tsv"}
_XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class SourceRow:
    """One data row: its number as Excel shows it and its cells aligned to the header.

    overflow counts non-empty cells to the right of the last header column.
    """

    number: int
    cells: tuple[object, ...]
    overflow: int = 0


@dataclass
class Table:
    path: Path
    file_type: str
    headers: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1
    notices: list[str] = field(default_factory=list)

    def rows(self) -> Iterator[SourceRow]:
        if self.file_type == "csv":
            return _csv_rows(self)
        return _xlsx_rows(self)


def open_table(path: str | os.PathLike[str]) -> Table:
    """Recognise the file type, encoding, delimiter and header; raise ImportFileError if unusable."""
    path = Path(path)
    try:
        with path.open("rb") as raw:
            head = raw.read(SAMPLE_BYTES)
            complete = raw.read(1) == b""
            if detect_file_type(path, head) == "xlsx":
                return _open_xlsx(path)
            raw.seek(len(head))
            sample, sample_complete = _encoding_sample(raw, head, complete)
    except OSError as exc:
        raise ImportFileError(f"Nie można odczytać pliku „{path.name}” ({exc.strerror}).") from exc
    return _open_csv(path, head, complete, detect_encoding(sample, sample_complete))


_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")


def _encoding_sample(raw: io.BufferedIOBase, head: bytes, complete: bool) -> tuple[bytes, bool]:
    """The bytes to judge the encoding by: the head, or, when the head is plain ASCII, the
    lines around the first non-ASCII byte further on (read chunk by chunk, nothing kept)."""
    if complete or not head.isascii():
        return head, complete
    while chunk := raw.read(SAMPLE_BYTES):
        found = _NON_ASCII_BYTE.search(chunk)
        if found:
            line_start = chunk.rfind(b"\n", 0, found.start()) + 1
            return chunk[line_start:], False
    return head, True


def detect_file_type(path: Path, head: bytes) -> str:
    extension = path.suffix.lower()
    if head.startswith(_OLE_MAGIC) or extension == ".xls":
        raise ImportFileError(
            "To jest stary format Excela (.xls). Otwórz plik w Excelu i zapisz go jako "
            "„Skoroszyt programu Excel (.xlsx)” albo „CSV UTF-8”."
        )
    if extension in _XLSX_EXTENSIONS or (head.startswith(_ZIP_MAGIC) and extension in _CSV_EXTENSIONS):
        return "xlsx"
    if extension in _CSV_EXTENSIONS:
        return "csv"
    raise ImportFileError(
        f"Nieobsługiwany typ pliku „{extension or path.name}”. Importujemy pliki .csv, .txt, .tsv i .xlsx — "
        + SAVE_AS_CSV_UTF8
    )


# --- headers ------------------------------------------------------------------


def normalize_headers(cells: tuple[object, ...] | list[object]) -> tuple[str, ...]:
    """Header names stripped of BOM and whitespace; empty names allowed (column ignored)."""
    headers = tuple(cell_text(cell).replace("\ufeff", "").strip() for cell in cells)
    while headers and not headers[-1]:
        headers = headers[:-1]
    if not headers:
        raise ImportFileError(
            "Pierwszy wiersz pliku jest pusty — w wierszu 1 muszą być nazwy kolumn (nagłówek)."
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(headers, start=1):
        if not name:
            continue
        if name in seen:
            raise ImportFileError(
                f"Kolumna „{shorten_for_display(name)}” występuje w nagłówku dwa razy "
                f"(kolumny {seen[name]} i {index}) — zmień nazwę jednej z nich albo ją usuń."
            )
        seen[name] = index
    return headers


def _aligned(
    number: int, cells: tuple[object, ...] | list[object], width: int, *, count_overflow: bool
) -> SourceRow:
    """Cells padded/cut to the header width.  In CSV, filled cells past the header usually mean
    a broken quote or an unquoted delimiter, so they are counted (XLSX has no such failure)."""
    cells = tuple(cells)
    overflow = sum(1 for cell in cells[width:] if cell_text(cell).strip()) if count_overflow else 0
    if len(cells) < width:
        cells = cells + ("",) * (width - len(cells))
    return SourceRow(number, cells[:width], overflow)


def _is_blank(cells: tuple[object, ...] | list[object]) -> bool:
    return all(not cell_text(cell).strip() for cell in cells)


# --- CSV ------------------------------------------------------------------------

_POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_COMMON_NON_ASCII = set("–—„”“’‘«»°§€•…·×\u00a0©®™éèáäöüÉÖÜßçíúý")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UNDECODED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_EXCEL_SEPARATOR_HINT = re.compile(r"sep=([,;\t|])\r?\n")
CP1250_NOTICE = "Plik rozpoznany jako Windows-1250 (polskie znaki z Excela) i przekodowany."


def detect_encoding(sample: bytes, complete: bool = True) -> tuple[str, str | None]:
    """(encoding, notice or None) for a CSV sample; ImportFileError when neither UTF-8 nor cp1250.

    A UTF-8 file with a few invalid bytes stays UTF-8: those rows are reported later.
    """
    if not sample.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("Plik jest pusty — wyeksportuj produkty jeszcze raz.")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if sample.startswith(_UTF16_BOMS) or b"\x00" in sample:
        raise ImportFileError(
            "Plik jest zapisany jako „Tekst Unicode” (UTF-16) albo nie jest plikiem tekstowym. "
            + SAVE_AS_CSV_UTF8
        )
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    text = decoder.decode(sample, final=complete)
    invalid = len(_UNDECODED_BYTE.findall(text))
    valid_non_ascii = len(_NON_ASCII.findall(text)) - invalid
    if invalid == 0 or valid_non_ascii > invalid:
        return "utf-8", None
    if _plausible_cp1250(sample):
        return "cp1250", CP1250_NOTICE
    if invalid <= 3:
        return "utf-8", None
    raise ImportFileError(
        f"Nie rozpoznaję kodowania znaków (to nie UTF-8 ani Windows-1250; wygląda na „{_guess_charset(sample)}”). "
        + SAVE_AS_CSV_UTF8
    )


def _plausible_cp1250(sample: bytes) -> bool:
    text = sample.decode("cp1250", errors="replace")
    non_ascii = [ch for ch in text if ord(ch) > 127]
    polish = sum(1 for ch in non_ascii if ch in _POLISH_LETTERS)
    usual = sum(1 for ch in non_ascii if ch in _COMMON_NON_ASCII)
    return polish > 0 and (polish + usual) >= 0.8 * len(non_ascii)


def _guess_charset(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "nieznane"


def sniff_delimiter(text: str, default: str = ",") -> str:
    """The delimiter giving the widest header that most following records agree with."""
    lines = text.splitlines(keepends=True)[:200]
    best, best_score = default, (False, 1, 0.0)
    for delimiter in CSV_DELIMITERS:
        records = [r for r in csv.reader(io.StringIO("".join(lines)), delimiter=delimiter) if r]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        body = records[1:-1] if len(records) > 2 else records[1:]
        agreeing = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        score = (agreeing >= 0.8, width, agreeing)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _open_csv(path: Path, head: bytes, complete: bool, encoding_and_notice: tuple[str, str | None]) -> Table:
    encoding, notice = encoding_and_notice
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    sample_text = decoder.decode(head, final=complete)
    excel_hint = _EXCEL_SEPARATOR_HINT.match(sample_text.lstrip("\ufeff"))
    if excel_hint:
        delimiter = excel_hint.group(1)
    else:
        delimiter = sniff_delimiter(sample_text, "\t" if path.suffix.lower() == ".tsv" else ",")
    # Excel reads a first line "sep=;" as a directive and does not show it: rows keep Excel's numbers.
    table = Table(path, "csv", (), encoding=encoding, delimiter=delimiter, header_row=2 if excel_hint else 1)
    if notice:
        table.notices.append(notice)
    with CsvRecords(table) as records:
        header = next(islice(records, table.header_row - 1, None), None)
    if header is None or _is_blank(header):
        raise ImportFileError(
            "Pierwszy wiersz pliku jest pusty — w wierszu 1 muszą być nazwy kolumn (nagłówek)."
        )
    table.headers = normalize_headers(header)
    if any(has_broken_encoding(name) for name in table.headers):
        raise ImportFileError("Nagłówek zawiera nieczytelne znaki. " + SAVE_AS_CSV_UTF8)
    if table.delimiter != ",":
        table.notices.append(f"Kolumny rozdzielone znakiem {_delimiter_name(table.delimiter)}.")
    return table


def _delimiter_name(delimiter: str | None) -> str:
    return {";": "średnika (;)", "\t": "tabulacji", "|": "kreski pionowej (|)"}.get(
        delimiter or ",", "przecinka"
    )


class CsvRecords:
    """csv.reader over the file decoded incrementally; closes the file on exit."""

    def __init__(self, table: Table):
        self._raw = table.path.open("rb")
        self._text = io.TextIOWrapper(
            self._raw, encoding=table.encoding, errors="surrogateescape", newline=""
        )
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        self._reader = csv.reader(self._text, delimiter=table.delimiter or ",")

    def __enter__(self) -> Iterator[list[str]]:
        return self._reader

    def __exit__(self, *exc_info: object) -> None:
        self._text.close()


def _csv_rows(table: Table) -> Iterator[SourceRow]:
    width = len(table.headers)
    with CsvRecords(table) as records:
        number = 0
        try:
            # record index + 1 = the row number Excel shows (a multi-line cell is one row)
            for number, cells in enumerate(islice(records, table.header_row, None), start=2):
                if _is_blank(cells):
                    continue
                yield _aligned(number, cells, width, count_overflow=True)
        except csv.Error as exc:
            raise ImportFileError(
                f"Wiersz {number + 1}: plik CSV jest uszkodzony ({exc}) — sprawdź cudzysłowy w tym wierszu. "
                + SAVE_AS_CSV_UTF8
            ) from exc


# --- XLSX -------------------------------------------------------------------------

HEADER_SEARCH_ROWS = 20


def _load_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged/foreign zips
        raise ImportFileError(
            f"Nie można otworzyć pliku „{path.name}” jako arkusza .xlsx ({type(exc).__name__}). "
            "Otwórz go w Excelu i zapisz ponownie jako .xlsx albo CSV UTF-8."
        ) from exc


def _xlsx_sheet_rows(path: Path) -> Iterator[tuple[int, tuple[object, ...]]]:
    workbook = _load_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the stored size: some writers get it wrong
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _open_xlsx(path: Path) -> Table:
    rows = _xlsx_sheet_rows(path)
    try:
        for number, cells in rows:
            if not _is_blank(cells):
                table = Table(path, "xlsx", normalize_headers(cells), header_row=number)
                if number != 1:
                    table.notices.append(f"Nagłówek znaleziony w wierszu {number} arkusza.")
                return table
            if number >= HEADER_SEARCH_ROWS:
                break
    finally:
        rows.close()
    raise ImportFileError("Pierwszy arkusz pliku jest pusty — w wierszu 1 muszą być nazwy kolumn (nagłówek).")


def _xlsx_rows(table: Table) -> Iterator[SourceRow]:
    width = len(table.headers)
    for number, cells in _xlsx_sheet_rows(table.path):
        if number <= table.header_row or _is_blank(cells):
            continue
        yield _aligned(number, cells, width, count_overflow=False)


def fold_header(name: str) -> str:
    """Header name for matching: lower case, no accents (ł→l), single spaces, no units."""
    text = name.lower().replace("ł", "l")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


# --- reading one row's cells with problem collection ------------------------------

FORMULA_REASON = (
    "Komórka wygląda jak formuła arkusza (zaczyna się od =, @, + lub -) — ze względów bezpieczeństwa "
    "nie importujemy takich wartości; usuń znak na początku albo wpisz tekst bez formuły."
)


def structural_problems(row: SourceRow, headers: tuple[str, ...]) -> list[RowProblem]:
    """Problems that make the whole row unreadable: undecodable bytes, cells beyond the header."""
    if (
        not any(isinstance(cell, str) and has_broken_encoding(cell) for cell in row.cells)
        and not row.overflow
    ):
        return []
    problems = [
        RowProblem(
            row.number,
            headers[index] or None,
            "Komórka zawiera bajty, których nie da się odczytać jako tekst (uszkodzone kodowanie) — "
            "popraw ten wiersz albo zapisz cały plik jako CSV UTF-8.",
            value=cell,
            code="broken_encoding",
        )
        for index, cell in enumerate(row.cells)
        if isinstance(cell, str) and has_broken_encoding(cell)
    ]
    if row.overflow:
        problems.append(
            RowProblem(
                row.number,
                None,
                f"Wiersz ma więcej wypełnionych kolumn niż nagłówek ({row.overflow} nadmiarowych) — "
                "zwykle to niezamknięty cudzysłów albo separator wewnątrz tekstu; popraw ten wiersz.",
                code="extra_cells",
            )
        )
    return problems


class RowReader:
    """Reads cells of one row by header name and collects the row's problems."""

    def __init__(self, row: SourceRow, column_index: dict[str, int]):
        self.row = row
        self._index = column_index
        self.problems: list[RowProblem] = []

    @property
    def number(self) -> int:
        return self.row.number

    def raw(self, column: str | None) -> object:
        if column is None or column not in self._index:
            return None
        return self.row.cells[self._index[column]]

    def has_error(self, column: str | None = None) -> bool:
        return any(p.kind == ERROR and (column is None or p.column == column) for p in self.problems)

    def error(self, column: str | None, code: str, message: str, value: object = None) -> None:
        self.problems.append(RowProblem(self.number, column, message, _shown(value), ERROR, code))

    def warn(self, column: str | None, code: str, message: str, value: object = None) -> None:
        self.problems.append(RowProblem(self.number, column, message, _shown(value), WARNING, code))

    def _unsafe_formula(self, column: str | None) -> bool:
        value = self.raw(column)
        if looks_like_formula(value):
            self.error(column, "formula", FORMULA_REASON, value)
            return True
        return False

    def text(self, column: str | None, *, multiline: bool = False) -> str:
        """A text cell, cleaned; a formula-looking value is an error (and gives "")."""
        if self._unsafe_formula(column):
            return ""
        value = self.raw(column)
        return clean_multiline(value) if multiline else clean_text(value)

    def parse(
        self, column: str | None, parser: Callable[..., object], *args: object, text_field: bool = False
    ):
        """parser(cell, *args); a ValueProblem becomes a row error and gives None."""
        if column is None:
            return parser(None, *args)
        if text_field and self._unsafe_formula(column):
            return None
        value = self.raw(column)
        try:
            return parser(value, *args)
        except ValueProblem as problem:
            self.error(column, problem.code, problem.reason, value)
            return None

    def require(self, column: str | None, value: object, code: str, message: str) -> None:
        """An error when value is empty and the column has no other error yet."""
        if not value and not self.has_error(column):
            self.error(column, code, message)

    def claim_unique(
        self, registry: SkuRegistry, column: str | None, sku: str | None, kind: int = SkuRegistry.SKU
    ) -> None:
        """The first row with a SKU owns it (even when that row is rejected); later rows get an error."""
        if not sku:
            return
        first = registry.lookup(sku)
        if first is None:
            registry.claim(sku, self.number, kind)
            return
        self.error(
            column,
            "duplicate_sku",
            f"To SKU występuje już w wierszu {first[0]} — SKU musi być unikalne, liczy się pierwsze wystąpienie; "
            "popraw SKU w tym wierszu albo go usuń.",
            sku,
        )

    def outcome(
        self, *records: ProductRecord | VariantRecord
    ) -> list[RowProblem | ProductRecord | VariantRecord]:
        """The row's errors if it has any (no records), else its records then its warnings."""
        errors = [p for p in self.problems if p.kind == ERROR]
        if errors:
            return list(errors)
        return [*records, *self.problems]


def _shown(value: object) -> str | None:
    if value is None:
        return None
    return cell_text(value)
