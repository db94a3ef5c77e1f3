"""What every channel's command line shares: the error that ends a command with a message, the account
lookup by name, and running a subcommand with the channels' errors turned into exit code 2."""

from __future__ import annotations

from rich.console import Console

from magazynier.channels.errors import ChannelError

console = Console()


class CliError(Exception):
    pass


def account_named(name: str | None, kind: str | None = "allegro"):
    """The account named (or the only one) of this channel kind; any channel's with kind=None."""
    from magazynier.channels.models import ChannelAccount

    accounts = ChannelAccount.objects.filter(kind=kind) if kind else ChannelAccount.objects.all()
    what = {"allegro": "konta Allegro", "woocommerce": "sklepu WooCommerce"}.get(kind or "", "konta kanału")
    first = {"allegro": "`magazynier allegro connect`", "woocommerce": "`magazynier woocommerce connect`"}.get(
        kind or "", "`magazynier allegro connect` albo `magazynier woocommerce connect`")
    if name:
        found = accounts.filter(pk=int(name)) if name.isdigit() else accounts.filter(name=name)
        if not found:
            raise CliError(f"Nie ma {what} „{name}”. Konta: {', '.join(a.name for a in accounts) or 'brak'}.")
        return found.get()
    if accounts.count() == 1:
        return accounts.get()
    if not accounts:
        raise CliError(f"Nie ma jeszcze {what}: połącz je poleceniem {first}.")
    raise CliError("Jest kilka kont — wskaż jedno: --account NAZWA (" + ", ".join(a.name for a in accounts) + ").")


def run_command(handlers: dict, command: str, args, *, prefix: str = "", also: tuple = ()) -> int:
    """Run the chosen subcommand; a CliError, a channel's error (named with `prefix`) or one of `also`
    prints in red and gives exit code 2."""
    try:
        return handlers[command](args)
    except ChannelError as exc:
        console.print(f"[red]{prefix}{exc}[/red]")
    except (CliError, *also) as exc:
        console.print(f"[red]{exc}[/red]")
    return 2
