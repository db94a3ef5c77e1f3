"""`magazynier woocommerce …`: connect a shop, import its products into the catalog, link them by SKU,
check the order webhooks, status."""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.table import Table

from magazynier.channels.cli_common import CliError, run_command
from magazynier.channels.cli_common import account_named as _account

console = Console()
ENV_KEY = "MAGAZYNIER_WOO_KEY"
ENV_SECRET = "MAGAZYNIER_WOO_SECRET"  # noqa: S105 (the variable's name, not a secret)


def _shop(name: str | None):
    return _account(name, "woocommerce")


def _connector(account):
    from magazynier.channels.connections import woo_connector

    return woo_connector(account, max_wait=30.0)


def _webhook_lines(report) -> None:
    from magazynier.channels.shop_connection import public_url

    if report.failed:
        console.print(f"[yellow]Powiadomienia o zamówieniach (webhooki) nie działają: "
                      f"{next(iter(report.failed.values()))}[/yellow]\n"
                      f"Sklep musi widzieć Magazyniera pod adresem {public_url()} (MAGAZYNIER_PUBLIC_URL). "
                      f"Do tego czasu zamówienia są odczytywane co kilka sekund z listy zamówień sklepu.")
    else:
        console.print(f"Powiadomienia o zamówieniach: działają (adres {public_url()}).")


def cmd_connect(args) -> int:
    from magazynier.channels.shop_connection import ShopConnectionError, connect_shop

    key = args.key or os.environ.get(ENV_KEY, "")
    secret = (sys.stdin.readline().strip() if args.secret_stdin else os.environ.get(ENV_SECRET, ""))
    if not args.url or not key or not secret:
        raise CliError(f"Podaj adres sklepu i klucze REST API WooCommerce: --url https://sklep.pl --key ck_… "
                       f"--secret-stdin (albo zmienne {ENV_KEY} i {ENV_SECRET}). Klucze tworzy się w WooCommerce → "
                       "Ustawienia → Zaawansowane → REST API, z uprawnieniem Odczyt/Zapis.")
    try:
        done = connect_shop(name=args.name or "", url=args.url, key=key, secret=secret, query_auth=args.query_auth)
    except ShopConnectionError as exc:
        raise CliError(str(exc)) from None
    account = done.account
    console.print(f"[green]{'Połączono' if done.created else 'Połączono ponownie'} sklep {account.name}[/green] "
                  f"({account.api_url}).")
    if done.currency and done.currency != "PLN":
        console.print(f"[yellow]Waluta sklepu to {done.currency}, a ceny w Magazynierze są w PLN.[/yellow]")
    _webhook_lines(done.webhooks)
    if not account.writers_enabled:
        console.print("Wysyłanie zmian do sklepu jest wyłączone. Najpierw: `magazynier woocommerce import` albo "
                      "`link`, potem `magazynier sync writers on --account "
                      f"\"{account.name}\"`.")
    return 0


def cmd_import(args) -> int:
    from magazynier.catalog.importers import default_warehouse
    from magazynier.channels.shop_connection import import_products

    account = _shop(args.account)
    problems = []
    with console.status(f"Czytam produkty sklepu {account.name}…"):
        summary, links = import_products(account, _connector(account), dry_run=args.dry_run,
                                         warehouse=default_warehouse(args.warehouse) if args.warehouse else None,
                                         on_problem=problems.append)
    for problem in problems[:30]:
        console.print(f"  [yellow]{problem.message}[/yellow]")
    if len(problems) > 30:
        console.print(f"  … i {len(problems) - 30} więcej.")
    console.print(f"Produkty: {summary.products_created} nowych; warianty: {summary.variants_created} nowych, "
                  f"{summary.variants_updated} zmienionych; zmian stanu: {summary.stock_changes}"
                  + (" (próba — nic nie zapisano)" if args.dry_run else "") + ".")
    if links is not None:
        _print_links(links)
    return 0


def _print_links(report) -> None:
    console.print(f"Powiązano po SKU: {report.linked}; zdublowane SKU w sklepie: {report.duplicate}; "
                  f"SKU spoza katalogu: {report.unknown_sku}; bez SKU: {report.no_sku}.")


def cmd_link(args) -> int:
    from magazynier.channels.linking import link_offers

    account = _shop(args.account)
    with console.status(f"Czytam produkty sklepu {account.name}…"):
        report = link_offers(account, _connector(account))
    _print_links(report)
    return 0


def cmd_webhooks(args) -> int:
    from magazynier.channels.shop_connection import ensure_webhooks

    account = _shop(args.account)
    report = ensure_webhooks(account, _connector(account))
    for topic in report.created:
        console.print(f"Utworzono webhook {topic}.")
    for topic in report.reactivated:
        console.print(f"[yellow]Webhook {topic} był wyłączony albo usunięty w sklepie — przywrócono.[/yellow]")
    _webhook_lines(report)
    return 0 if report.healthy else 1


def cmd_status(args) -> int:
    from django.db.models import Count, Q

    from magazynier.channels.connections import writers_active
    from magazynier.channels.models import ChannelAccount

    table = Table(title="Sklepy WooCommerce")
    for column in ("Sklep", "Adres", "Stan", "Zmiany", "Produkty", "Konflikty", "Webhooki", "Odrzucone dostawy"):
        table.add_column(column)
    for a in ChannelAccount.objects.filter(kind=ChannelAccount.WOOCOMMERCE).annotate(
            offers=Count("listings", filter=~Q(listings__offer_id=""), distinct=True),
            conflicts=Count("listings", filter=~Q(listings__conflict=""), distinct=True)):
        hooks = list(a.webhooks.all())
        state = ", ".join(f"{h.topic}: {h.status or '?'}" for h in hooks) or "brak"
        table.add_row(a.name, a.api_url, a.get_status_display(), "włączone" if writers_active(a) else "wyłączone",
                      str(a.offers), str(a.conflicts), state, str(sum(h.rejected for h in hooks)))
    console.print(table)
    return 0


def run(args) -> int:
    handlers = {"connect": cmd_connect, "import": cmd_import, "link": cmd_link, "webhooks": cmd_webhooks,
                "status": cmd_status}
    return run_command(handlers, args.woo_command, args, prefix="WooCommerce: ")


def add_parser(sub, add) -> None:
    sp = add("woocommerce", run, "WooCommerce shops: connect (address + REST API keys), import products, link by "
                                 "SKU, order webhooks, status.")
    wsub = sp.add_subparsers(dest="woo_command", required=True, metavar="ACTION")
    c = wsub.add_parser("connect", help="connect a shop with its address and REST API keys (read/write)")
    c.add_argument("--url", help="the shop's address, https://…")
    c.add_argument("--key", help=f"consumer key ck_… (or ${ENV_KEY})")
    c.add_argument("--secret-stdin", action="store_true", help=f"read the consumer secret from standard input "
                                                                f"(or ${ENV_SECRET})")
    c.add_argument("--name", help="a name for the shop in Magazynier (default: the shop's own)")
    c.add_argument("--query-auth", action="store_true",
                   help="send the keys in the query string (when the shop says “Consumer key is missing”)")
    i = wsub.add_parser("import", help="import the shop's products and variations into the catalog, then link")
    i.add_argument("--account")
    i.add_argument("--warehouse", metavar="CODE", help="warehouse for the shop's stock (default: the main one)")
    i.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    for name, text in (("link", "link the shop's products to catalog variants by SKU (conflicts are listed)"),
                       ("webhooks", "check the order webhooks in the shop; re-enable or recreate them"),
                       ("status", "shops, connection, webhooks, linked products")):
        p = wsub.add_parser(name, help=text)
        p.add_argument("--account")
