"""`magazynier allegro …`: connect accounts (device flow), categories, offers (plan / apply / link), status."""

from __future__ import annotations

import json
import os
import sys

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from magazynier.channels.allegro.hosts import hosts_for
from magazynier.channels.cli_common import CliError, run_command
from magazynier.channels.cli_common import account_named as _account

console = Console()
ENV_CLIENT_ID = "MAGAZYNIER_ALLEGRO_CLIENT_ID"
ENV_CLIENT_SECRET = "MAGAZYNIER_ALLEGRO_CLIENT_SECRET"  # noqa: S105 (the variable's name, not a secret)


def _connector(account, max_wait: float = 65.0):
    from magazynier.channels.connections import allegro_connector

    return allegro_connector(account, max_wait=max_wait)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=console, transient=False)


# ---------------------------------------------------------------- connect
def cmd_connect(args) -> int:
    from magazynier.channels.allegro.auth import AllegroOAuth
    from magazynier.channels.connections import complete_connection
    from magazynier.channels.models import ChannelAccount
    from magazynier.core.http import make_client

    reconnect = _account(args.account) if args.account else None
    environment = reconnect.environment if reconnect else args.environment
    hosts = (hosts_for("emulator", reconnect.api_url) if reconnect and environment == "emulator"
             else hosts_for(environment, args.emulator_url or ""))
    client_id = args.client_id or os.environ.get(ENV_CLIENT_ID) or (reconnect.client_id if reconnect else "")
    secret = (sys.stdin.readline().strip() if args.client_secret_stdin else os.environ.get(ENV_CLIENT_SECRET)) or (
        reconnect.client_secret if reconnect else "")
    if not client_id or not secret:
        raise CliError(f"Podaj Client ID i Client Secret aplikacji zarejestrowanej w Allegro: --client-id ID i "
                       f"--client-secret-stdin (albo zmienne {ENV_CLIENT_ID} i {ENV_CLIENT_SECRET}).")
    http = make_client(channel="allegro")
    oauth = AllegroOAuth(hosts, client_id, secret, http)
    code = oauth.start_device_flow()
    console.print(f"\nOtwórz [bold]{code.verification_uri_complete}[/bold]\n"
                  f"zaloguj się na konto sprzedawcy i potwierdź kod: [bold cyan]{code.user_code}[/bold cyan]\n")
    if args.approve_as:
        if environment != "emulator":
            raise CliError("--approve-as działa tylko z wbudowanym emulatorem.")
        http.post(f"{hosts.web}/__admin__/device/approve", json={"user_code": code.user_code,
                                                                   "seller": args.approve_as}).raise_for_status()
    with console.status("Czekam na potwierdzenie w Allegro…"):
        tokens = oauth.wait_for_device(code)

    account = reconnect or ChannelAccount(kind=ChannelAccount.ALLEGRO, environment=environment,
                                          name=args.name or "Allegro", api_url=hosts.api, auth_url=hosts.web)
    account.client_id, account.client_secret = client_id, secret
    account = complete_connection(account, tokens)
    if not reconnect and not args.name and account.login:
        account.name = account.login
        account.save(update_fields=["name"])
    me = account
    console.print(f"[green]Połączono konto Allegro „{account.name}” (sprzedawca {me.login}, id {me.external_user_id}).[/green]\n"
                  "Zmiany w ofertach są wyłączone, dopóki ich nie włączysz w panelu; najpierw: "
                  "`magazynier allegro categories suggest` i `magazynier allegro offers plan`.")
    return 0


# ---------------------------------------------------------------- status
def cmd_status(args) -> int:
    from django.db.models import Count, Q

    from magazynier.channels.connections import writers_active
    from magazynier.channels.models import ChannelAccount

    table = Table(title="Konta Allegro")
    for column in ("Konto", "Środowisko", "Sprzedawca", "Stan", "Zmiany", "Oferty", "Aktywne", "Konflikty",
                   "Token ważny do"):
        table.add_column(column)
    accounts = ChannelAccount.objects.filter(kind=ChannelAccount.ALLEGRO).annotate(
        offers=Count("listings", filter=~Q(listings__offer_id="")),
        active=Count("listings", filter=Q(listings__offer_status="ACTIVE")),
        conflicts=Count("listings", filter=~Q(listings__conflict="")),
    ).select_related("credential")
    for a in accounts:
        credential = getattr(a, "credential", None)
        expires = credential.access_expires_at.astimezone().strftime("%Y-%m-%d %H:%M") if credential and credential.access_expires_at else "—"
        table.add_row(a.name, a.get_environment_display(), a.login or "—", a.get_status_display(),
                      "włączone" if writers_active(a) else "wyłączone", str(a.offers), str(a.active),
                      str(a.conflicts), expires)
    console.print(table)
    return 0


# ---------------------------------------------------------------- categories
def cmd_categories(args) -> int:
    from magazynier.catalog.models import Category
    from magazynier.channels import categories
    from magazynier.channels.models import CategoryMapping

    account = _account(args.account)
    if args.action == "sync":
        with console.status("Pobieram drzewo kategorii Allegro…") as status:
            n = categories.sync_category_tree(account, _connector(account),
                                              progress=lambda n: status.update(f"Pobrano {n} kategorii…"))
        console.print(f"Zapisano {n} kategorii Allegro.")
    elif args.action == "suggest":
        todo = list(categories.categories_needing_mapping(account))
        with _progress() as progress:
            task = progress.add_task("Szukam kategorii Allegro", total=len(todo))
            made = categories.suggest_mappings(account, _connector(account), progress=lambda c: progress.advance(task))
        console.print(f"Propozycje dla {len(made)} z {len(todo)} kategorii sklepu. Sprawdź je: "
                      "`magazynier allegro categories list`, zatwierdź: `… categories accept --all`.")
    elif args.action == "accept":
        mappings = CategoryMapping.objects.filter(site=account.site, status=CategoryMapping.SUGGESTED)
        if not args.all:
            mappings = mappings.filter(category__path__in=args.paths)
        n = 0
        for mapping in mappings:
            categories.accept_mapping(mapping)
            n += 1
        console.print(f"Zatwierdzono {n} przypisań kategorii.")
    elif args.action == "set":
        if len(args.paths) < 2 or any("=" not in v for v in args.paths[1:]):
            raise CliError("Użycie: categories set \"Ścieżka > kategorii sklepu\" \"Parametr=wartość\" …")
        mapping = CategoryMapping.objects.filter(site=account.site, category__path=args.paths[0]).first()
        if mapping is None:
            raise CliError(f"Kategoria „{args.paths[0]}” nie ma jeszcze kategorii Allegro: najpierw `categories map`.")
        known = {p["name"].casefold(): str(p["id"]) for p in categories.category_parameters(
            account, _connector(account), mapping.channel_category_id)}
        for item in args.paths[1:]:
            name, _sep, value = item.partition("=")
            if name.strip().casefold() not in known:
                raise CliError(f"Kategoria {mapping.channel_category_path} nie ma parametru „{name}”. Parametry: "
                               + ", ".join(sorted(known)))
            mapping.fixed_values = {**mapping.fixed_values, known[name.strip().casefold()]: value.strip()}
        mapping.save(update_fields=["fixed_values", "updated_at"])
        console.print(f"Ustawiono {len(args.paths) - 1} parametr(y) dla wszystkich produktów z {mapping.category.path}.")
    elif args.action == "map":
        if len(args.paths) != 2:
            raise CliError("Użycie: categories map \"Ścieżka > kategorii sklepu\" ID_KATEGORII_ALLEGRO")
        shop = Category.objects.filter(path=args.paths[0]).first()
        if shop is None:
            raise CliError(f"Nie ma kategorii sklepu „{args.paths[0]}”.")
        target = categories.known_category(account, _connector(account), args.paths[1])
        mapping = categories.map_category(account, shop, target)
        console.print(f"{mapping.category.path} → {mapping.channel_category_path}")
    table = Table(title="Kategorie sklepu → Allegro")
    for column in ("Kategoria sklepu", "Kategoria Allegro", "Źródło", "Stan"):
        table.add_column(column)
    mapped = {m.category_id: m for m in CategoryMapping.objects.filter(site=account.site)}
    for category in Category.objects.filter(products__isnull=False).distinct().order_by("path"):
        m = mapped.get(category.pk)
        table.add_row(category.path, m.channel_category_path if m else "—", m.get_source_display() if m else "",
                      m.get_status_display() if m else "brak")
    console.print(table)
    return 0


# ---------------------------------------------------------------- offers
def _scope(args):
    from magazynier.channels.scope import Scope

    try:
        return Scope.parse(args.scope, args.limit)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _print_plan(plan, show: int) -> None:
    from magazynier.channels.offer_plan import BLOCKED, CONFLICT, CREATE, UNCHANGED, UPDATE

    labels = {CREATE: "nowa oferta", UPDATE: "zmiana", UNCHANGED: "bez zmian", BLOCKED: "zablokowana",
              CONFLICT: "konflikt"}
    table = Table(title="Plan (nic nie zostało wysłane)")
    for column in ("SKU", "Działanie", "Tytuł", "Co się zmieni / dlaczego nie"):
        table.add_column(column, overflow="fold")
    for item in [i for i in plan.items if i.action != UNCHANGED or i.activate][:show]:
        detail = ", ".join(item.changed_fields) if item.action in (CREATE, UPDATE) else "\n".join(item.reasons)
        if item.activate:
            detail += " + wystawienie"
        table.add_row(item.sku, labels[item.action], item.draft.payload["name"], detail)
    console.print(table)
    console.print(f"Nowe: {plan.count(CREATE)}, zmiany: {plan.count(UPDATE)}, bez zmian: {plan.count(UNCHANGED)}, "
                  f"zablokowane: {plan.count(BLOCKED)}, konflikty: {plan.count(CONFLICT)}, "
                  f"do wystawienia: {plan.to_activate}")


def cmd_offers(args) -> int:
    from magazynier.channels import offers
    from magazynier.channels.linking import link_offers

    account = _account(args.account)
    connector = _connector(account)
    if args.action == "link":
        with console.status("Czytam oferty z Allegro…") as status:
            report = link_offers(account, connector, progress=lambda n: status.update(f"Przeczytano {n} ofert…"))
        console.print(f"Powiązano {report.linked} ofert. Konflikty: {report.duplicate} SKU w kilku ofertach, "
                      f"{report.unknown_sku} ofert z SKU spoza katalogu, {report.no_sku} ofert bez SKU.")
        return 0
    scope = _scope(args)
    with console.status(f"Przygotowuję plan ({scope})…"):
        plan = offers.make_plan(account, connector, scope)
    if args.json:
        json.dump([{"sku": i.sku, "action": i.action, "offerId": i.offer_id, "activate": i.activate,
                    "changed": list(i.changed_fields), "reasons": list(i.reasons), "notes": list(i.draft.notes),
                    "payload": i.draft.payload} for i in plan.items], sys.stdout, ensure_ascii=False, indent=1)
        return 0
    _print_plan(plan, args.show)
    if args.action == "plan":
        return 0
    if not args.yes:
        console.print("Dodaj --yes, aby wysłać ten plan do Allegro.")
        return 1
    total = len(plan.items)
    with _progress() as progress:
        task = progress.add_task("Wysyłam do Allegro", total=total)
        report = offers.apply_plan(account, connector, plan, progress=lambda item: progress.advance(task))
    console.print(f"[bold]Utworzono {report.created}, zmieniono {report.updated}, wystawiono {report.activated}, "
                  f"powiązano istniejące {report.adopted}, błędy {len(report.failed)}.[/bold]")
    for sku, message in report.failed[:20]:
        console.print(f"  [red]{sku}[/red]: {message}")
    if report.stopped:
        console.print(f"[yellow]Przerwano: {report.stopped} Uruchom ponownie później — nic nie zostanie "
                      "zdublowane.[/yellow]")
        return 3
    return 0 if not report.failed else 1


def run(args) -> int:
    handlers = {"connect": cmd_connect, "status": cmd_status, "categories": cmd_categories, "offers": cmd_offers}
    return run_command(handlers, args.allegro_command, args, prefix="Allegro: ",
                       also=(httpx.HTTPError, RuntimeError, ValueError))


def add_parser(sub, add) -> None:
    sp = add("allegro", run, "Allegro accounts and offers: connect (device flow), status, categories, offers.")
    asub = sp.add_subparsers(dest="allegro_command", required=True, metavar="ACTION")

    c = asub.add_parser("connect", help="connect an Allegro account (device flow: confirm a code on allegro.pl)")
    c.add_argument("--name", help="a name for the account in Magazynier (default: the seller's login)")
    c.add_argument("--environment", choices=["production", "sandbox", "emulator"], default="production")
    c.add_argument("--emulator-url", help="address of the built-in emulator (with --environment emulator)")
    c.add_argument("--client-id", help=f"your Allegro application's Client ID (or ${ENV_CLIENT_ID})")
    c.add_argument("--client-secret-stdin", action="store_true",
                   help=f"read the Client Secret from standard input (or ${ENV_CLIENT_SECRET})")
    c.add_argument("--account", help="reconnect this existing account (name or id)")
    c.add_argument("--approve-as", metavar="SELLER", help="emulator only: approve the code as this demo seller")

    s = asub.add_parser("status", help="accounts, connection state, offers and conflicts")
    del s

    g = asub.add_parser("categories", help="category tree, suggested mappings, accepting them")
    g.add_argument("action", choices=["list", "sync", "suggest", "accept", "map", "set"])
    g.add_argument("paths", nargs="*", help="accept: shop category paths; map: SHOP_PATH ALLEGRO_CATEGORY_ID; "
                                            "set: SHOP_PATH 'Parameter=value' … (a value for every product)")
    g.add_argument("--all", action="store_true", help="accept: every suggestion")
    g.add_argument("--account")

    o = asub.add_parser("offers", help="plan (dry run), apply, or link existing offers by SKU")
    o.add_argument("action", choices=["plan", "apply", "link"])
    o.add_argument("scope", nargs="*", help="tag:NAME, category:PATH, sku:SKU1,SKU2 (default: whole catalog)")
    o.add_argument("--limit", type=int, help="only the first N variants of the scope (by SKU)")
    o.add_argument("--account")
    o.add_argument("--show", type=int, default=50, help="plan rows to print (default 50)")
    o.add_argument("--json", action="store_true", help="print the plan as JSON (with the payloads) and stop")
    o.add_argument("--yes", action="store_true", help="apply: send without asking")
