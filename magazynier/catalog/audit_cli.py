"""`magazynier audit`: what blocks listing each product on Allegro."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from magazynier.catalog.audit import audit_catalog, summarise, write_csv


def run_audit_cli(args) -> int:
    console = Console()
    from magazynier.channels.readiness import all_checks

    checks = all_checks()
    summary, audits = summarise(audit_catalog(checks=checks), checks)
    if args.csv:
        if args.csv == "-":
            write_csv(audits, sys.stdout, checks)
            return 0
        with open(args.csv, "w", newline="", encoding="utf-8-sig") as fh:
            write_csv(audits, fh, checks)
    console.print(f"[bold]Gotowe do wystawienia na Allegro: {summary.ready} z {summary.total} produktów[/bold]")
    if summary.blockers:
        top = Table(title="Najczęstsze blokady")
        top.add_column("Blokada")
        top.add_column("Produkty", justify="right")
        for _code, label, n in summary.top_blockers:
            top.add_row(str(label), str(n))
        console.print(top)
    listed = [a for a in audits if args.all or not a.ready][: args.limit]
    if listed:
        table = Table(title="Produkty")
        table.add_column("Kod")
        table.add_column("Nazwa")
        table.add_column("Co blokuje")
        for a in listed:
            reasons = "\n".join(sorted({str(b.message) for b in a.blockers})) or "gotowy ✓"
            table.add_row(a.key, a.name, reasons)
        console.print(table)
    if args.csv:
        console.print(f"Pełny audyt zapisany w {args.csv}")
    return 0
