"""Entry point: ``parse_file(path)`` → ``ParsedFile`` whose ``records()`` streams the result.

``records()`` yields ProductRecord, VariantRecord and RowProblem in file order; per
row: the errors if the row is rejected, otherwise its records followed by its
warnings.  WooCommerce variations whose parent comes later are yielded at the end.
Problems with the whole file raise ImportFileError (also from ``parse_file`` itself,
so a caller learns about a wrong file before streaming starts).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .generic import ColumnMapping, GenericRows, detect_mapping
from .readers import Table, open_table, structural_problems
from .rows import ImportFileError, Record
from .woocommerce import WooCommerceRows, is_woocommerce_export

FORMATS = ("auto", "woocommerce", "generic")


@dataclass
class ParsedFile:
    path: Path
    source_name: str
    format: str
    file_type: str
    encoding: str | None
    delimiter: str | None
    headers: tuple[str, ...]
    mapping: ColumnMapping | None
    notices: list[str] = field(default_factory=list)
    _table: Table | None = field(default=None, repr=False)

    def records(self) -> Iterator[Record]:
        """Stream the file (re-reads it on every call; memory stays flat)."""
        assert self._table is not None
        rows = (
            WooCommerceRows(self.headers)
            if self.format == "woocommerce"
            else GenericRows(self.headers, self.mapping)
        )
        for row in self._table.rows():
            problems = structural_problems(row, self.headers)
            if problems:
                yield from problems
                continue
            yield from rows.process(row)
        yield from rows.finish()


def parse_file(
    path: str | os.PathLike[str],
    *,
    source_name: str | None = None,
    format: str = "auto",  # noqa: A002 - part of the agreed interface
    mapping: ColumnMapping | None = None,
) -> ParsedFile:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
    path = Path(path)
    table = open_table(path)
    headers = table.headers
    notices = list(table.notices)
    chosen = format
    if chosen == "auto":
        chosen = "woocommerce" if mapping is None and is_woocommerce_export(headers) else "generic"
    if chosen == "woocommerce":
        if not is_woocommerce_export(headers):
            raise ImportFileError(
                "To nie wygląda na eksport produktów z WooCommerce (brak kolumn ID, Type, SKU, Name, Regular price). "
                "Wyeksportuj produkty w WooCommerce: Produkty → Eksportuj, albo wybierz import z mapowaniem kolumn."
            )
        used_mapping = None
        notices.append("Rozpoznano eksport produktów z WooCommerce.")
    else:
        used_mapping = mapping.resolved(headers) if mapping is not None else detect_mapping(headers)
        used_mapping.check_required(headers)
    return ParsedFile(
        path=path,
        source_name=source_name or path.name,
        format=chosen,
        file_type=table.file_type,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=headers,
        mapping=used_mapping,
        notices=notices,
        _table=table,
    )
