"""Helpers for the import parser tests: real files written to tmp_path, results grouped."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from magazynier.catalog.importing import ParsedFile, ProductRecord, RowProblem, VariantRecord


def shared_reference_dir() -> Path:
    """/work/shared/reference next to the repo, or $MAGAZYNIER_SHARED_DIR/reference."""
    override = os.environ.get("MAGAZYNIER_SHARED_DIR")
    shared = Path(override) if override else Path(__file__).resolve().parents[4] / ".." / "shared"
    return shared / "reference"


def write_csv(
    path: Path, rows: Iterable[Sequence[object]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


@dataclass
class Result:
    items: list[object]
    products: list[ProductRecord] = field(default_factory=list)
    variants: list[VariantRecord] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def product(self, key: str) -> ProductRecord:
        return next(p for p in self.products if p.key == key)

    def variant(self, sku: str) -> VariantRecord:
        return next(v for v in self.variants if v.sku == sku)

    def error_triples(self) -> set[tuple[int, str | None, str]]:
        return {(p.row, p.column, p.code) for p in self.errors}

    @property
    def variant_skus(self) -> list[str]:
        return [v.sku for v in self.variants]


def collect(parsed: ParsedFile) -> Result:
    result = Result(items=list(parsed.records()))
    for item in result.items:
        if isinstance(item, ProductRecord):
            result.products.append(item)
        elif isinstance(item, VariantRecord):
            result.variants.append(item)
        else:
            {"error": result.errors, "skipped": result.skipped, "warning": result.warnings}[item.kind].append(
                item
            )
    return result
