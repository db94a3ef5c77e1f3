"""`magazynier alerts …`: open alerts, recipients (Apprise URLs), and a test message to every recipient."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from magazynier.channels.cli_common import CliError, account_named, run_command

console = Console()


def cmd_list(args) -> int:
    from django.utils import timezone

    from magazynier.notifications.models import Alert

    alerts = Alert.objects.select_related("account")
    alerts = alerts if args.all else alerts.filter(resolved_at__isnull=True)
    table = Table(title="Alerty")
    for column in ("Od", "Waga", "Konto", "Tytuł", "Razy", "Rozwiązany"):
        table.add_column(column)
    for a in alerts[:200]:
        table.add_row(timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"), a.get_severity_display(),
                      a.account.name if a.account else "—", a.title, str(a.occurrences),
                      timezone.localtime(a.resolved_at).strftime("%Y-%m-%d %H:%M") if a.resolved_at else "—")
    console.print(table)
    return 0


def cmd_recipients(args) -> int:
    from magazynier.notifications.delivery import scheme
    from magazynier.notifications.models import Recipient

    table = Table(title="Odbiorcy alertów")
    for column in ("Nr", "Nazwa", "Kanały (kolejno)", "Od wagi", "Konto", "Aktywny"):
        table.add_column(column)
    for r in Recipient.objects.select_related("account"):
        table.add_row(str(r.pk), r.name, ", ".join(scheme(u) + "://…" for u in r.url_list()),
                      r.get_min_severity_display(), r.account.name if r.account else "wszystkie",
                      "tak" if r.is_active else "nie")
    console.print(table)
    return 0


def cmd_add(args) -> int:
    import apprise

    from magazynier.notifications.delivery import scheme
    from magazynier.notifications.models import Recipient

    for url in args.urls:
        if not apprise.Apprise().add(url):
            raise CliError(f"Adres {scheme(url)}://… nie jest poprawnym adresem Apprise (zob. "
                           "https://github.com/caronc/apprise/wiki).")
    account = account_named(args.account, None) if args.account else None
    recipient = Recipient.objects.create(name=args.name, urls="\n".join(args.urls), min_severity=args.severity,
                                         account=account)
    console.print(f"Dodano odbiorcę {recipient.name} (nr {recipient.pk}). Sprawdź: `magazynier alerts test`.")
    return 0


def cmd_remove(args) -> int:
    from magazynier.notifications.models import Recipient

    deleted, _ = Recipient.objects.filter(pk=args.id).delete()
    if not deleted:
        raise CliError(f"Nie ma odbiorcy nr {args.id}.")
    console.print(f"Usunięto odbiorcę nr {args.id}.")
    return 0


def cmd_test(args) -> int:
    from magazynier.notifications.delivery import send_test
    from magazynier.notifications.models import Recipient

    recipients = list(Recipient.objects.filter(is_active=True))
    if not recipients:
        raise CliError("Nie ma odbiorców alertów: dodaj ich poleceniem `magazynier alerts add NAZWA URL…`.")
    failed = 0
    for delivery in send_test(recipients):
        if delivery.state == delivery.SENT:
            console.print(f"[green]✓[/green] {delivery.recipient.name}: wysłano przez {delivery.via}")
        else:
            failed += 1
            console.print(f"[red]✗[/red] {delivery.recipient.name}: {delivery.last_error}")
    return 1 if failed else 0


def cmd_check(args) -> int:
    """The worker's watchdog once (e.g. from cron when no panel runs on this machine): exit 1 when missing."""
    from magazynier.notifications.watchdog import check_worker

    if check_worker():
        console.print("[green]✓[/green] Proces w tle działa.")
        return 0
    console.print("[red]✗[/red] Proces w tle nie działa: alert wysłany do odbiorców. Uruchom `magazynier worker`.")
    return 1


def run(args) -> int:
    handlers = {"list": cmd_list, "recipients": cmd_recipients, "add": cmd_add, "remove": cmd_remove,
                "test": cmd_test, "check": cmd_check}
    return run_command(handlers, args.alerts_command, args)


def add_parser(sub, add) -> None:
    sp = add("alerts", run, "Alerts: open problems, who hears about them (e-mail, SMS, Slack, Telegram, ntfy, "
                            "webhooks through Apprise URLs) and a test message.")
    asub = sp.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    lst = asub.add_parser("list", help="open alerts (--all: resolved ones too)")
    lst.add_argument("--all", action="store_true")
    asub.add_parser("recipients", help="who receives alerts, through which channels (addresses are not shown)")
    a = asub.add_parser("add", help="add a recipient: NAME URL [URL…] — the first URL is used, the next when it "
                                    "fails (e.g. mailtos://user:pass@smtp.example.pl?to=ja@example.pl, "
                                    "tgram://TOKEN/CHAT, ntfy://ntfy.sh/TOPIC, json://host/path)")
    a.add_argument("name")
    a.add_argument("urls", nargs="+", metavar="URL")
    a.add_argument("--severity", choices=["info", "warning", "critical"], default="warning",
                   help="the least severe alerts this recipient gets (default warning)")
    a.add_argument("--account", help="only this channel account's alerts")
    r = asub.add_parser("remove", help="remove a recipient by its number")
    r.add_argument("id", type=int)
    asub.add_parser("test", help="send a test message to every recipient now")
    asub.add_parser("check", help="is the background worker alive? If not, alert now (for cron where no panel "
                                  "runs; `magazynier web` checks every 30 s by itself)")
