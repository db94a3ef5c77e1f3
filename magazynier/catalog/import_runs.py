"""One way to run an import, shared by the CLI and the panel's background task."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from magazynier.catalog.importers import ImportSummary, default_warehouse, import_catalog
from magazynier.catalog.importing.generic import ColumnMapping
from magazynier.catalog.importing.parse import ParsedFile, parse_file
from magazynier.catalog.importing.rows import RowProblem


@dataclass
class ImportRequest:
    path: Path
    source_name: str
    format: str = "auto"
    mapping: dict[str, str] | None = None  # field -> column header (generic files)
    warehouse_code: str | None = None
    dry_run: bool = False
    reference: str = ""


def parse_mapping_args(pairs: list[str]) -> dict[str, str]:
    """['sku=Symbol', 'price=Cena brutto'] -> {'sku': 'Symbol', 'price': 'Cena brutto'}"""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"--map {pair!r}: write it as FIELD=COLUMN, e.g. --map sku=Symbol")
        mapping[field.strip()] = column.strip()
    return mapping


def open_request(request: ImportRequest) -> ParsedFile:
    """Parse the file's header and layout; raises ImportFileError for a file that cannot be imported."""
    mapping = ColumnMapping.from_pairs(request.mapping) if request.mapping else None
    return parse_file(request.path, source_name=request.source_name, format=request.format, mapping=mapping)


WOOCOMMERCE_COLUMNS = {"key": "SKU", "sku": "SKU", "name": "Name", "price": "Regular price", "brand": "Brands",
                       "source_id": "ID"}


def record_columns(parsed: ParsedFile) -> dict[str, str]:
    """Record attribute -> the file's header, so a row problem names the column the seller sees."""
    if parsed.format == "woocommerce":
        columns = dict(WOOCOMMERCE_COLUMNS)
        for header in parsed.headers:
            low = header.lower()
            if low.startswith("weight"):
                columns["weight_kg"] = header
            elif "gtin" in low or "ean" in low:
                columns.setdefault("ean", header)
        return columns
    pairs = parsed.mapping.pairs() if parsed.mapping else {}
    columns = dict(pairs)
    if "sku" in pairs:
        columns["key"] = pairs.get("parent_sku") or pairs["sku"]
    if "weight" in pairs:
        columns["weight_kg"] = pairs["weight"]
    return columns


@dataclass
class FileLayout:
    format: str  # "woocommerce" | "generic"
    headers: tuple[str, ...]
    preview: list[list[str]]  # the first data rows, as text, for the column-mapping page


def inspect_file(path: Path, format: str = "auto", preview_rows: int = 5) -> FileLayout:  # noqa: A002
    """Read the header and the first rows only, without requiring a complete column mapping yet.
    Raises ImportFileError for a file that cannot be read at all (encoding, type, no header)."""
    from magazynier.catalog.importing.readers import open_table
    from magazynier.catalog.importing.woocommerce import is_woocommerce_export

    table = open_table(path)
    if format == "auto":
        format = "woocommerce" if is_woocommerce_export(table.headers) else "generic"  # noqa: A001
    preview = []
    for row in table.rows():
        preview.append(["" if c is None else str(c) for c in row.cells])
        if len(preview) >= preview_rows:
            break
    return FileLayout(format, table.headers, preview)


def estimate_rows(path: Path) -> int | None:
    """Data rows, cheaply: newlines for CSV (a quoted multi-line cell counts extra), the sheet size for XLSX."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            return max(0, (wb.worksheets[0].max_row or 1) - 1)
        finally:
            wb.close()
    count, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return max(0, count - (1 if last == b"\n" else 0))


def run_import(request: ImportRequest, parsed: ParsedFile, *, user=None,
               on_problem: Callable[[RowProblem], None] | None = None,
               on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    warehouse = default_warehouse(request.warehouse_code, create=not request.dry_run)
    return import_catalog(
        parsed.records(), warehouse=warehouse, dry_run=request.dry_run, user=user,
        reference=request.reference or f"import {request.source_name}"[:200],
        on_problem=on_problem, on_progress=on_progress, columns=record_columns(parsed),
    )


# ---------------------------------------------------------------- the panel's background import
MAX_STORED_PROBLEMS = 50_000


def execute_job(job_id: int) -> None:
    """Run one ImportJob to the end, recording progress, the summary and every row problem."""
    from django.utils import timezone

    from magazynier.catalog.importing.parse import ImportFileError
    from magazynier.catalog.models import ImportJob, ImportProblem
    from magazynier.inventory.exceptions import StockError

    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.QUEUED:
        return  # already run (a retried task must not import twice)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.RUNNING)
    request = ImportRequest(path=Path(job.stored_path), source_name=job.source_name, format=job.file_format,
                            mapping=job.mapping or None, warehouse_code=job.warehouse_code or None,
                            dry_run=job.dry_run, reference=f"import #{job.pk} {job.source_name}"[:200])
    pending: list[ImportProblem] = []
    stored = 0

    def flush():
        nonlocal pending
        ImportProblem.objects.bulk_create(pending)
        pending = []

    def on_problem(p: RowProblem):
        nonlocal stored
        if stored >= MAX_STORED_PROBLEMS:
            return
        stored += 1
        pending.append(ImportProblem(job=job, row=p.row, column=p.column or "", code=p.code, kind=p.kind,
                                     message=p.message, value=(p.value or "")[:80]))
        if len(pending) >= 500:
            flush()

    def on_progress(rows: int):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=rows)

    try:
        ImportJob.objects.filter(pk=job.pk).update(rows_total=estimate_rows(request.path))
        parsed = open_request(request)
        ImportJob.objects.filter(pk=job.pk).update(notices=list(parsed.notices))
        summary = run_import(request, parsed, user=job.user, on_problem=on_problem, on_progress=on_progress)
        flush()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.DONE, summary=summary.as_dict(), rows_done=summary.rows, rows_total=summary.rows,
            finished_at=timezone.now(),
        )
    except (ImportFileError, StockError, ValueError) as exc:
        flush()
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.FAILED, error=str(exc), finished_at=timezone.now())
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.FAILED, finished_at=timezone.now(),
            error=f"Nieoczekiwany błąd ({type(exc).__name__}); szczegóły są w dzienniku workera.",
        )
        raise
    finally:
        if not job.dry_run:  # a dry run keeps the upload so "import it now" can reuse it
            Path(request.path).unlink(missing_ok=True)
