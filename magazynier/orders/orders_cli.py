"""`magazynier orders …`: pull (now, or a past window), list with filters, show one order with its trail,
change its status, add a tracking number. Buyer personal data is never printed here."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from magazynier.channels.cli_common import CliError, run_command

console = Console()
WARSAW = ZoneInfo("Europe/Warsaw")


def _when(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _accounts(name: str | None):
    from magazynier.channels.models import ChannelAccount

    accounts = ChannelAccount.objects.filter(status=ChannelAccount.CONNECTED)
    if name:
        found = accounts.filter(pk=int(name)) if name.isdigit() else accounts.filter(name=name)
        if not found:
            raise CliError(f"Nie ma połączonego konta „{name}”. Konta: "
                           f"{', '.join(a.name for a in accounts) or 'brak'}.")
        return list(found)
    if not accounts:
        raise CliError("Nie ma jeszcze połączonego konta kanału sprzedaży (`magazynier allegro connect`).")
    return list(accounts)


def _order(key: str):
    from django.db.models import Q

    from magazynier.orders.models import Order

    query = Q(external_id=key)
    if key.isdigit():
        query |= Q(pk=int(key))
    found = list(Order.objects.filter(query).select_related("account")[:2])
    if not found:
        raise CliError(f"Nie ma zamówienia „{key}” (podaj numer, np. 000123, albo identyfikator z kanału).")
    if len(found) > 1:
        raise CliError(f"„{key}” pasuje do kilku zamówień: podaj identyfikator z kanału.")
    return found[0]


def _date(text: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=WARSAW).date()
    except ValueError:
        raise CliError(f"Data „{text}” ma zły format: podaj RRRR-MM-DD, np. 2026-11-01.") from None
    return datetime.combine(day, time.min, tzinfo=WARSAW)


def _money(value, currency: str) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",") + (" zł" if currency == "PLN" else f" {currency}")


# ---------------------------------------------------------------- commands
def cmd_pull(args) -> int:
    from magazynier.sync.order_feed import import_window, run_feed

    for account in _accounts(args.account):
        if args.since:
            since = _date(args.since)
            result = import_window(account, since)
            console.print(f"{account.name}: zamówienia kupione od {args.since}: nowe {result.created}, "
                          f"zmienione {result.updated}, niedopasowane {result.unmatched}, "
                          f"nadsprzedane {result.oversold}.")
            continue
        result = run_feed(account.pk)
        if result is None:
            console.print(f"[yellow]{account.name}: zamówienia czyta teraz inny proces (worker); spróbuj za "
                          "chwilę.[/yellow]")
            continue
        if result.error:
            console.print(f"[red]{account.name}: {result.error}[/red]")
            continue
        console.print(f"{account.name}: zdarzenia {result.events}, nowe {result.created}, zmienione "
                      f"{result.updated}, niedopasowane {result.unmatched}, nadsprzedane {result.oversold}, "
                      f"wysłane do kanału {result.pushed}.")
    return 0


def _filtered(args):
    from magazynier.orders.models import Order

    orders = Order.objects.select_related("account").prefetch_related("lines")
    if args.account:
        orders = orders.filter(account__in=_accounts(args.account))
    if args.status:
        orders = orders.filter(status=args.status)
    if args.since:
        orders = orders.filter(bought_at__gte=_date(args.since))
    if args.unmatched:
        orders = orders.filter(unmatched=True)
    if args.oversold:
        orders = orders.filter(oversold=True)
    if args.needs_invoice:
        orders = orders.filter(invoice_requested=True)
    return orders


def cmd_list(args) -> int:
    from magazynier.orders.status import label

    orders = _filtered(args)
    total = orders.count()
    table = Table(title=f"Zamówienia ({min(total, args.limit)} z {total})")
    for column in ("numer", "kupione", "konto", "status", "płatność", "wartość", "pozycje", "uwagi"):
        table.add_column(column)
    for order in orders[:args.limit]:
        notes = [text for flag, text in ((order.unmatched, "niedopasowane"), (order.oversold, "NADSPRZEDANE"),
                                         (order.invoice_requested, "faktura"),
                                         (bool(order.push_status), "czeka na wysłanie"),
                                         (bool(order.push_error), "błąd wysyłki")) if flag]
        lines = ", ".join(f"{li.quantity}× {li.sku or li.name}" for li in order.lines.all())
        table.add_row(order.number, _when(order.bought_at), order.account.name, label(order.status),
                      order.get_payment_status_display(), _money(order.total, order.currency), lines,
                      ", ".join(notes))
    console.print(table)
    return 0


def cmd_show(args) -> int:
    from magazynier.orders.status import allowed_next, label

    order = _order(args.order)
    console.print(f"[bold]Zamówienie {order.number}[/bold] — {order.account.name}, w kanale {order.external_id}")
    console.print(f"Kupione {_when(order.bought_at)}; status: {label(order.status)} ({order.channel_status}); "
                  f"płatność: {order.get_payment_status_display()} {order.payment_method}; "
                  f"dostawa: {order.delivery_method or '—'}; faktura: {'tak' if order.invoice_requested else 'nie'}")
    if order.oversold:
        console.print("[red]Nadsprzedane: zabrakło towaru na to zamówienie.[/red]")
    if order.push_status or order.push_error:
        console.print(f"[yellow]Do wysłania: {label(order.push_status) if order.push_status else '—'}; "
                      f"ostatni błąd: {order.push_error or '—'}[/yellow]")
    lines = Table(title="Pozycje")
    for column in ("SKU", "nazwa", "ilość", "cena brutto", "VAT", "produkt"):
        lines.add_column(column)
    for line in order.lines.all():
        lines.add_row(line.sku, line.name, str(line.quantity), _money(line.unit_price, order.currency),
                      line.vat_rate or "—", "tak" if line.matched else "[red]nieznany[/red]")
    console.print(lines)
    console.print(f"Dostawa {_money(order.delivery_cost, order.currency)}, razem "
                  f"{_money(order.total, order.currency)}")
    for shipment in order.shipments.all():
        console.print(f"Przesyłka {shipment.carrier_name or shipment.carrier_id} {shipment.waybill}: "
                      f"{shipment.get_state_display()} {shipment.last_error}")
    trail = Table(title="Historia")
    for column in ("czas", "źródło", "zdarzenie"):
        trail.add_column(column)
    for event in order.events.all():
        trail.add_row(_when(event.at), event.get_source_display(), event.message)
    console.print(trail)
    nxt = allowed_next(order.status)
    if nxt:
        console.print("Można zmienić status na: " + ", ".join(nxt))
    return 0


def cmd_status(args) -> int:
    from magazynier.orders.actions import OrderActionError, change_status
    from magazynier.orders.status import label

    order = _order(args.order)
    try:
        change_status(order, args.status)
    except OrderActionError as exc:
        raise CliError(str(exc)) from None
    _send_now(order)
    order.refresh_from_db()
    if order.push_error and not order.push_status:
        console.print(f"[red]Zamówienie {order.number}: kanał nie przyjął statusu: {order.push_error}[/red]")
        return 2
    console.print(f"Zamówienie {order.number}: {label(order.status)}. "
                  + ("Kanał przyjął zmianę." if not order.push_status else
                     f"Kanał jeszcze jej nie przyjął ({order.push_error or 'czeka'}); worker spróbuje ponownie."))
    return 0


def _send_now(order) -> None:
    """Tell the channel at once (the worker would do it within seconds; the operator wants to see it)."""
    from magazynier.sync.order_feed import run_feed

    run_feed(order.account_id)


def cmd_ship(args) -> int:
    from magazynier.orders.actions import OrderActionError, add_shipment

    order = _order(args.order)
    try:
        shipment = add_shipment(order, args.carrier, args.waybill, carrier_name=args.carrier_name or "")
    except OrderActionError as exc:
        raise CliError(str(exc)) from None
    _send_now(order)
    shipment.refresh_from_db()
    state = {"sent": "przekazany do kanału", "pending": f"jeszcze nie przekazany ({shipment.last_error or 'czeka'}); "
                                                        "worker spróbuje ponownie",
             "failed": f"kanał go nie przyjął: {shipment.last_error}"}[shipment.state]
    console.print(f"Zamówienie {order.number}: numer przesyłki {shipment.waybill} — {state}.")
    return 0


def add_parser(sub, add) -> None:
    from magazynier.channels.types import ORDER_STATUSES

    sp = add("orders", run, "Orders from every channel: pull, list, show, change status, add tracking.")
    osub = sp.add_subparsers(dest="orders_command", required=True, metavar="ACTION")
    p = osub.add_parser("pull", help="read new orders now (or, with --since, import orders bought since a date)")
    p.add_argument("--account")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="import a past window: orders bought since this day")
    ls = osub.add_parser("list", help="orders, newest first, with filters")
    ls.add_argument("--account")
    ls.add_argument("--status", choices=ORDER_STATUSES)
    ls.add_argument("--since", metavar="YYYY-MM-DD")
    ls.add_argument("--unmatched", action="store_true", help="only orders with lines of unknown products")
    ls.add_argument("--oversold", action="store_true", help="only oversold orders")
    ls.add_argument("--needs-invoice", dest="needs_invoice", action="store_true", help="only invoice requests")
    ls.add_argument("--limit", type=int, default=50)
    sh = osub.add_parser("show", help="one order: lines, totals, shipments, history (no buyer data)")
    sh.add_argument("order", help="the order's number or its id on the channel")
    st = osub.add_parser("status", help="change an order's status; the channel is told")
    st.add_argument("order")
    st.add_argument("status", choices=ORDER_STATUSES)
    sh = osub.add_parser("ship", help="add a tracking number; the channel is told")
    sh.add_argument("order")
    sh.add_argument("--carrier", required=True, help="INPOST, DPD, DHL, UPS, GLS, POCZTA_POLSKA, … or OTHER")
    sh.add_argument("--waybill", required=True, help="the tracking number")
    sh.add_argument("--carrier-name", dest="carrier_name", help="with --carrier OTHER: the carrier's name")


def run(args) -> int:
    handlers = {"pull": cmd_pull, "list": cmd_list, "show": cmd_show, "status": cmd_status, "ship": cmd_ship}
    return run_command(handlers, args.orders_command, args)
