"""`magazynier sync …`: status, held plans (approve / reject), writers, settings, sweeps, and a foreground
runner (`sync run`) for machines without a Huey worker and for tests that kill it."""

from __future__ import annotations

import signal
import time
from decimal import Decimal, InvalidOperation

from rich.console import Console
from rich.table import Table

from magazynier.channels.cli_common import CliError, run_command
from magazynier.channels.cli_common import account_named as _account

console = Console()


def _when(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def cmd_status(args) -> int:
    from magazynier.sync.status import account_status, all_statuses, listing_rows

    statuses = [account_status(_account(args.account, None))] if args.account else all_statuses()
    if not statuses:
        console.print("Nie ma jeszcze kont kanałów sprzedaży.")
        return 0
    table = Table(title="Synchronizacja")
    for column in ("konto", "wysyłanie", "czeka", "w drodze", "błędy", "kwarantanna", "wstrzymane", "konflikty",
                   "zmiany/min", "zmiany/h", "ceny/h", "opóźnienie p50/p99", "ostatni cykl", "pełny odczyt"):
        table.add_column(column)
    for s in statuses:
        table.add_row(
            s.account.name, "włączone" if s.writers_on else "wyłączone", str(s.pending), str(s.in_flight),
            str(s.failed), str(s.quarantined), f"plan {s.held.pk}" if s.held else "—", str(s.conflicts),
            f"{s.changes_last_minute}/{s.minute_limit}", f"{s.changes_last_hour}/{s.hour_limit}",
            f"{s.price_changes_last_hour}/{s.price_hour_limit}",
            f"{_seconds(s.latency_p50)} / {_seconds(s.latency_p99)}", _when(s.last_cycle_at),
            _when(s.last_full_sweep_at))
    console.print(table)
    for s in statuses:
        if s.last_error:
            console.print(f"[yellow]{s.account.name}: ostatni błąd: {s.last_error}[/yellow]")
        if s.held:
            console.print(f"[red]{s.account.name}: plan {s.held.pk} wstrzymany — `magazynier sync held`.[/red]")
    if args.account and args.problems:
        rows = listing_rows(_account(args.account, None), problems_only=True)
        problems = Table(title="Oferty z problemami")
        for column in ("SKU", "oferta", "konflikt", "błąd", "próby", "kwarantanna"):
            problems.add_column(column)
        for row in rows:
            listing, entry = row["listing"], row["entry"]
            problems.add_row(listing.sku, listing.offer_id, listing.get_conflict_display() if listing.conflict else "",
                             listing.last_error[:80], str(entry.failures if entry else 0),
                             "tak" if row["quarantined"] else "")
        console.print(problems)
    return 0


def cmd_held(args) -> int:
    from magazynier.sync.models import HeldPlan

    plans = HeldPlan.objects.filter(state=HeldPlan.HELD).select_related("account")
    if args.all:
        plans = HeldPlan.objects.select_related("account")[:50]
    if not plans:
        console.print("Brak wstrzymanych planów.")
        return 0
    for plan in plans:
        console.print(f"[bold]Plan {plan.pk}[/bold] · {plan.account.name} · {_when(plan.created_at)} · "
                      f"{plan.get_state_display()} · zmian: {plan.summary.get('changes', 0)}")
        for reason in plan.reasons:
            console.print(f"  [red]•[/red] {reason['message']}")
        sample = Table(show_header=True)
        for column in ("SKU", "co", "było", "będzie"):
            sample.add_column(column)
        for row in plan.summary.get("sample", [])[:args.show]:
            sample.add_row(row["sku"], row["kind"], row["old"], row["new"])
        console.print(sample)
    if not args.all:
        console.print("Zatwierdź: `magazynier sync approve N` (wyśle to, co czeka teraz) · "
                      "odrzuć: `magazynier sync reject N` (nic z planu nie zostanie wysłane).")
    return 0


def cmd_decide(args) -> int:
    from magazynier.sync.actions import DecisionError, decide

    try:
        plan = decide(args.plan, args.sync_command == "approve", name=args.by or "cli")
    except DecisionError as exc:
        raise CliError(str(exc)) from None
    verb = "zatwierdzony — zmiany zostaną wysłane" if args.sync_command == "approve" else \
        "odrzucony — te zmiany nie zostaną wysłane"
    console.print(f"Plan {plan.pk} ({plan.account.name}) {verb}.")
    return 0


def cmd_writers(args) -> int:
    from magazynier.channels.actions import set_writers

    account = _account(args.account, None)
    set_writers(account, args.state == "on")
    console.print(f"Wysyłanie zmian do konta {account.name}: {'włączone' if args.state == 'on' else 'wyłączone'}.")
    return 0


def _decimal(value: str | None, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CliError(f"{field}: „{value}” nie jest liczbą.") from None


def cmd_settings(args) -> int:
    from django.core.exceptions import ValidationError

    from magazynier.inventory.availability import AllocationError
    from magazynier.inventory.models import Warehouse
    from magazynier.sync.actions import save_settings
    from magazynier.sync.desired import settings_of

    account = _account(args.account, None)
    settings = settings_of(account)
    if args.share is not None:
        settings.share_percent = None if args.share in ("", "shared", "wspolny") else _decimal(args.share, "--share")
    for name in ("cap", "priority", "buffer", "at_buffer", "guard_zero_percent", "guard_zero_min",
                 "guard_price_drop_percent", "guard_max_changes"):
        value = getattr(args, name)
        if value is not None:
            setattr(settings, name, None if name == "cap" and value < 0 else value)
    warehouses = None
    if args.warehouses is not None:
        codes = [c for c in args.warehouses.split(",") if c]
        warehouses = list(Warehouse.objects.filter(code__in=codes))
        missing = set(codes) - {w.code for w in warehouses}
        if missing:
            raise CliError(f"--warehouses: nie ma magazynów {', '.join(sorted(missing))}.")
    try:
        save_settings(settings, warehouses)
    except ValidationError as exc:
        raise CliError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    except AllocationError as exc:
        raise CliError(str(exc)) from None
    share = "wspólna pula" if settings.share_percent is None else f"{settings.share_percent} %"
    console.print(f"{account.name}: udział {share}, limit {settings.cap if settings.cap is not None else '—'}, "
                  f"priorytet {settings.priority}, bufor {settings.buffer} ({settings.get_at_buffer_display()}), "
                  f"wstrzymanie: >{settings.guard_zero_percent} % ofert na 0 (min. {settings.guard_zero_min}), "
                  f"spadek ceny >{settings.guard_price_drop_percent} %, >{settings.guard_max_changes} zmian.")
    return 0


def cmd_sweep(args) -> int:
    from magazynier.channels.connections import connector_for
    from magazynier.sync.dispatch import claim, release
    from magazynier.sync.reconcile import sweep

    account = _account(args.account, None)
    if not claim(account.pk):
        raise CliError("Konto jest właśnie synchronizowane przez inny proces — spróbuj za chwilę.")
    try:
        report = sweep(account, connector_for(account, max_wait=65.0))
    finally:
        release(account.pk)
    console.print(f"{account.name}: {report}")
    return 0


def cmd_retry(args) -> int:
    from magazynier.sync.actions import retry_quarantined

    account = _account(args.account, None)
    console.print(f"{account.name}: {retry_quarantined(account)} ofert wraca do synchronizacji.")
    return 0


def cmd_run(args) -> int:
    """Drive every account with writers on until stopped (or, with --until-idle, until nothing is left)."""
    from magazynier.channels.connections import writers_active
    from magazynier.channels.models import ChannelAccount
    from magazynier.sync.dispatch import drive
    from magazynier.sync.outbox import has_due_work

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    only = _account(args.account, None) if args.account else None
    idle_since = None
    not_before: dict[int, float] = {}  # an account that asked to wait (rate limit, outage) is left alone
    while not stopping:
        accounts = [only] if only else list(ChannelAccount.objects.all())
        busy = False
        for account in accounts:
            account.refresh_from_db()
            if not writers_active(account):
                continue
            if time.monotonic() < not_before.get(account.pk, 0):
                busy = True
                continue
            result = drive(account.pk, time_slice=args.slice)
            if result is not None and result.retry_after:
                not_before[account.pk] = time.monotonic() + result.retry_after
            busy = busy or result is None or result.next_run_in is not None or has_due_work(account.pk)
        if args.until_idle and not busy:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= args.settle:
                return 0
        else:
            idle_since = None
        time.sleep(0.2 if busy else 1.0)
    return 0


def add_parser(sub, add) -> None:
    sp = add("sync", run, "Stock and price synchronisation: status, held plans, writers, settings, sweeps.")
    ssub = sp.add_subparsers(dest="sync_command", required=True, metavar="ACTION")

    s = ssub.add_parser("status", help="per account: pending, held, failed, quarantined, budget used, latency")
    s.add_argument("--account")
    s.add_argument("--problems", action="store_true", help="with --account: list offers with errors or conflicts")

    h = ssub.add_parser("held", help="plans the guard stopped, with their reasons and a sample of changes")
    h.add_argument("--all", action="store_true", help="also decided plans")
    h.add_argument("--show", type=int, default=10, help="changes to show per plan (default 10)")
    for name, text in (("approve", "send what the held plan's account has pending now"),
                       ("reject", "do not send the held changes (they are planned again when the data changes)")):
        d = ssub.add_parser(name, help=text)
        d.add_argument("plan", type=int)
        d.add_argument("--by", help="your name, for the record")

    w = ssub.add_parser("writers", help="turn sending changes to an account on or off (off for every new account)")
    w.add_argument("state", choices=["on", "off"])
    w.add_argument("--account")

    t = ssub.add_parser("settings", help="allocation share, cap, priority, buffer and guard thresholds")
    t.add_argument("--account")
    t.add_argument("--share", help="percent of the stock for this account, or 'shared' for the common pool")
    t.add_argument("--cap", type=int, help="at most this many units (-1: no cap)")
    t.add_argument("--priority", type=int, help="lower first: who gets the last units of a small stock")
    t.add_argument("--buffer", type=int, help="stop selling at or below this many units")
    t.add_argument("--at-buffer", dest="at_buffer", choices=["zero", "end"])
    t.add_argument("--warehouses", help="codes of the warehouses that feed the account, comma separated ('' = all)")
    t.add_argument("--guard-zero-percent", dest="guard_zero_percent", type=int)
    t.add_argument("--guard-zero-min", dest="guard_zero_min", type=int)
    t.add_argument("--guard-price-drop-percent", dest="guard_price_drop_percent", type=int)
    t.add_argument("--guard-max-changes", dest="guard_max_changes", type=int)

    r = ssub.add_parser("sweep", help="read every offer now and repair what drifted")
    r.add_argument("--account")
    q = ssub.add_parser("retry", help="put quarantined offers back into synchronisation")
    q.add_argument("--account")

    n = ssub.add_parser("run", help="run the engine in the foreground (instead of, or beside, `magazynier worker`)")
    n.add_argument("--account")
    n.add_argument("--until-idle", action="store_true", help="stop once nothing is pending or in flight")
    n.add_argument("--settle", type=float, default=2.0, help="with --until-idle: seconds of idleness (default 2)")
    n.add_argument("--slice", type=float, default=10.0, help="seconds per account before the next (default 10)")


def run(args) -> int:
    handlers = {"status": cmd_status, "held": cmd_held, "approve": cmd_decide, "reject": cmd_decide,
                "writers": cmd_writers, "settings": cmd_settings, "sweep": cmd_sweep, "retry": cmd_retry,
                "run": cmd_run}
    return run_command(handlers, args.sync_command, args)
