"""What the import parser yields: typed records and problems about single rows.

Row numbers are what the seller sees in Excel: the header is row 1, the first data
row is row 2.  For CSV a quoted cell may span several physical lines; the row
number is then the record index + 1 (which is again what Excel shows when it opens
the file), not the physical line number.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

ERROR = "error"
SKIPPED = "skipped"
WARNING = "warning"

MAX_SHOWN_VALUE = 60
_CONTROL_RUNS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SURROGATE_RUNS = re.compile("[\ud800-\udfff]+")


class ImportFileError(Exception):
    """The whole file cannot be imported; ``message`` says what to do (Polish)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def shorten_for_display(value: object) -> str | None:
    """A cell value made safe to show: no control characters, at most 60 chars."""
    if value is None:
        return None
    text = _CONTROL_RUNS.sub(" ", _SURROGATE_RUNS.sub("\ufffd", str(value))).strip()
    if len(text) > MAX_SHOWN_VALUE:
        text = text[: MAX_SHOWN_VALUE - 1] + "…"
    return text


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong (or worth knowing) about one row.

    kind: "error" (row rejected), "skipped" (row intentionally not imported) or
    "warning" (row imported).  code is a stable machine name, message a Polish
    sentence saying what is wrong and what to do.
    """

    row: int
    column: str | None
    message: str
    value: str | None = None
    kind: str = ERROR
    code: str = "invalid"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", shorten_for_display(self.value))

    @property
    def is_error(self) -> bool:
        return self.kind == ERROR


Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProductRecord:
    """A product: a simple one (one variant with the same SKU) or a variable parent.

    attributes is a tuple of (name, value) pairs so the record stays hashable;
    use ``attribute_map`` for a dict.
    """

    row: int
    key: str
    kind: str  # "simple" | "variable"
    name: str
    description: str = ""
    short_description: str = ""
    brand: str | None = None
    category_path: tuple[str, ...] = ()
    vat_rate: str | None = None
    tags: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    attributes: Pairs = ()
    weight_kg: Decimal | None = None
    is_active: bool = True
    is_virtual: bool = False
    source_id: str | None = None

    @property
    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)


@dataclass(frozen=True)
class VariantRecord:
    """A sellable SKU.  stock None means unknown / not managed (never 0 by guess)."""

    row: int
    product_key: str
    sku: str
    name: str
    ean: str | None = None
    price: Decimal | None = None
    stock: int | None = None
    warehouse: str | None = None
    attributes: Pairs = ()
    images: tuple[str, ...] = ()
    weight_kg: Decimal | None = None
    sale_price: Decimal | None = None

    @property
    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)


Record = ProductRecord | VariantRecord | RowProblem


class SkuRegistry:
    """The first row of every SKU / product key seen in a file.

    Kept in a private temporary on-disk SQLite database (SQLite's empty file name: deleted when closed)
    with a 2 MiB page cache, so memory stays flat however many SKUs a file has; keys are stored as
    8-byte blake2b digests. Each entry also remembers what the key is.
    """

    SKU = 0  # a sellable SKU (simple product or variant)
    PARENT = 1  # the key of a variable product
    REJECTED_PARENT = 2  # a variable product whose row was rejected

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.executescript(
            "PRAGMA cache_size=-2048; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE seen (digest INTEGER PRIMARY KEY, entry INTEGER NOT NULL);"
        )
        self._count = 0

    @staticmethod
    def _digest(key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                              signed=True)

    def lookup(self, key: str) -> tuple[int, int] | None:
        """(first row, kind) or None when the key has not been seen."""
        found = self._db.execute("SELECT entry FROM seen WHERE digest = ?", (self._digest(key),)).fetchone()
        return None if found is None else divmod(found[0], 4)

    def claim(self, key: str, row: int, kind: int = SKU) -> None:
        cursor = self._db.execute("INSERT OR IGNORE INTO seen (digest, entry) VALUES (?, ?)",
                                  (self._digest(key), row * 4 + kind))
        self._count += cursor.rowcount

    def __len__(self) -> int:
        return self._count

    def __del__(self) -> None:
        self._db.close()
