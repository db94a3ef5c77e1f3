"""`magazynier import products FILE`: progress bar, summary, row problems."""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from magazynier.catalog.audit import csv_safe
from magazynier.catalog.import_runs import (
    ImportRequest,
    estimate_rows,
    open_request,
    parse_mapping_args,
    run_import,
)
from magazynier.catalog.importing.parse import ImportFileError
from magazynier.inventory.exceptions import StockError

SHOW_PROBLEMS = 30
KIND_LABEL = {"error": "błąd", "skipped": "pominięty", "warning": "uwaga"}


def run_import_cli(args) -> int:
    console = Console(stderr=False)
    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]✗ Nie ma pliku {path}[/red] — sprawdź ścieżkę.")
        return 2
    try:
        request = ImportRequest(path=path, source_name=path.name, format=args.format,
                                mapping=parse_mapping_args(args.map) or None, warehouse_code=args.warehouse,
                                dry_run=args.dry_run)
        parsed = open_request(request)
    except (ImportFileError, ValueError) as exc:
        console.print(f"[red]✗ {exc}[/red]")
        return 2
    console.print(f"Plik: [bold]{path.name}[/bold] — format: {parsed.format}, {parsed.file_type}, "
                  f"kodowanie {parsed.encoding or '—'}")
    for notice in parsed.notices:
        console.print(f"[yellow]• {notice}[/yellow]")

    problems = []
    report = open(args.report, "w", newline="", encoding="utf-8-sig") if args.report else None  # noqa: SIM115
    report_writer = csv.writer(report, delimiter=";") if report else None
    if report_writer:
        report_writer.writerow(["wiersz", "kolumna", "rodzaj", "kod", "powód", "wartość"])

    def on_problem(problem):
        if len(problems) < SHOW_PROBLEMS:
            problems.append(problem)
        if report_writer:
            report_writer.writerow([problem.row, problem.column or "", KIND_LABEL.get(problem.kind, problem.kind),
                                    problem.code, problem.message, csv_safe(problem.value or "")])

    total = estimate_rows(path)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=args.quiet, transient=True) as progress:
            task = progress.add_task("Sprawdzanie" if args.dry_run else "Import", total=total)
            summary = run_import(request, parsed, on_problem=on_problem,
                                 on_progress=lambda n: progress.update(task, completed=n))
    except (ImportFileError, StockError) as exc:
        console.print(f"[red]✗ {exc}[/red]")
        return 2
    finally:
        if report:
            report.close()

    title = "Próba (nic nie zapisano)" if args.dry_run else "Wynik importu"
    table = Table(title=title, show_header=False)
    verb = "do utworzenia" if args.dry_run else "utworzone"
    table.add_row("Wiersze", str(summary.rows))
    table.add_row(f"Produkty {verb} / zmienione / bez zmian",
                  f"{summary.products_created} / {summary.products_updated} / {summary.products_unchanged}")
    table.add_row(f"Warianty {verb} / zmienione / bez zmian",
                  f"{summary.variants_created} / {summary.variants_updated} / {summary.variants_unchanged}")
    table.add_row("Zmiany stanów magazynowych", str(summary.stock_changes))
    table.add_row("Wiersze z błędami / pominięte / uwagi", f"{summary.errors} / {summary.skipped} / {summary.warnings}")
    console.print(table)
    if problems:
        pt = Table(title="Problemy w wierszach" + (f" (pierwsze {SHOW_PROBLEMS})" if len(problems) >= SHOW_PROBLEMS
                                                    else ""))
        for col in ("Wiersz", "Kolumna", "Rodzaj", "Powód", "Wartość"):
            pt.add_column(col)
        for p in problems:
            pt.add_row(str(p.row), p.column or "", KIND_LABEL.get(p.kind, p.kind), p.message, p.value or "")
        console.print(pt)
    if args.report:
        console.print(f"Pełny raport problemów: {args.report}")
    return 1 if summary.errors else 0
