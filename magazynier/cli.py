"""`magazynier` — the console script. Each subcommand explains itself with --help."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magazynier.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


# ---------------------------------------------------------------- run / web / worker
def cmd_run(args) -> int:
    """Web panel and background worker together, supervised: Ctrl-C stops both."""
    _django()
    from magazynier import config
    from magazynier.panel.startup import print_welcome

    _migrate()
    if args.import_file:
        code = cmd_import(argparse.Namespace(
            what="products", file=args.import_file, format="auto", map=[], warehouse=None, dry_run=False,
            report=None, quiet=False,
        ))
        if code == 2:
            return code
    print_welcome(args.host, args.port, config.data_dir())
    me = [sys.executable, "-m", "magazynier.cli"]
    children = [
        subprocess.Popen([*me, "worker"]),
        subprocess.Popen([*me, "web", "--host", args.host, "--port", str(args.port), "--no-migrate"]),
    ]
    return _supervise(children)


def _supervise(children: list[subprocess.Popen]) -> int:
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                code = child.returncode or 1
                stopping = True
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return code


def cmd_web(args) -> int:
    _django()
    if not args.no_migrate:
        _migrate()
    import uvicorn

    from magazynier.notifications.watchdog import watch_in_background

    watch_in_background()  # the worker cannot report its own death: the panel does
    uvicorn.run("magazynier.asgi:application", host=args.host, port=args.port, log_level="info",
                proxy_headers=False)
    return 0


def cmd_worker(args) -> int:
    _django()
    from django.core.management import call_command

    from magazynier.sync.tasks import tick

    tick()  # at once, not at the next minute: order feeds and due sync cycles start when the worker does
    # an idle worker looks at the queue at least every second (Huey's default backs off to 10 s), so the
    # order feed's 2-second polls and after-commit wake-ups are picked up promptly
    call_command("run_huey", workers=args.workers, worker_type="thread", periodic=True, max_delay=1.0)
    return 0


def cmd_migrate(args) -> int:
    _django()
    _migrate(verbosity=1)
    return 0


def cmd_createuser(args) -> int:
    _django()
    import getpass

    from django.core.exceptions import ValidationError

    from magazynier.accounts.actions import create_user

    _migrate()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Hasło / password: ")
        if getpass.getpass("Powtórz / repeat: ") != password:
            print("Hasła się różnią / passwords differ", file=sys.stderr)
            return 2
    try:
        user = create_user(args.username, password, args.role, email=args.email or "")
    except (ValidationError, ValueError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        for m in messages:
            print(f"✗ {m}", file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. the username exists
        print(f"✗ {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(f"✓ Utworzono użytkownika {user.username} (rola: {args.role}).")
    return 0


# ---------------------------------------------------------------- import / audit
def cmd_import(args) -> int:
    _django()
    from magazynier.catalog.import_cli import run_import_cli

    _migrate()
    return run_import_cli(args)


def cmd_audit(args) -> int:
    _django()
    from magazynier.catalog.audit_cli import run_audit_cli

    _migrate()
    return run_audit_cli(args)


def cmd_demo(args) -> int:
    from magazynier.demo.run import run_demo

    return run_demo(args)


def _sample_catalog() -> str:
    """WooCommerce's sample export in the shared reference folder beside the repository (or
    $MAGAZYNIER_SHARED_DIR)."""
    from pathlib import Path

    relative = Path("reference") / "woocommerce_sample_products.csv"
    candidates = [Path(os.environ["MAGAZYNIER_SHARED_DIR"]) / relative] if os.environ.get("MAGAZYNIER_SHARED_DIR") else []
    candidates += [Path(__file__).resolve().parents[2] / "shared" / relative, Path.cwd().parent / "shared" / relative]
    return str(next((c for c in candidates if c.exists()), candidates[-1]))


def cmd_emulator(args) -> int:
    """Hand the command line to the chosen emulator's own entry point (emulators import nothing from
    magazynier)."""
    if args.service == "woocommerce":
        from emulators.woocommerce.server import main as emulator_main
    elif args.service == "sms":
        from emulators.sms.server import main as emulator_main
    else:
        from emulators.allegro.server import main as emulator_main

    emulator_main(args.emulator_args)
    return 0


def cmd_allegro(args) -> int:
    _django()
    _migrate()
    from magazynier.channels.allegro_cli import run

    return run(args)


def cmd_sync(args) -> int:
    _django()
    _migrate()
    from magazynier.sync.sync_cli import run

    return run(args)


def cmd_orders(args) -> int:
    _django()
    _migrate()
    from magazynier.orders.orders_cli import run

    return run(args)


def cmd_woocommerce(args) -> int:
    _django()
    _migrate()
    from magazynier.channels.woocommerce_cli import run

    return run(args)


def cmd_alerts(args) -> int:
    _django()
    _migrate()
    from magazynier.notifications.alerts_cli import run

    return run(args)


def cmd_keys(args) -> int:
    """Encryption keys for tokens and personal data at rest."""
    _django()
    from magazynier.core import crypto

    if args.action == "new":
        print(crypto.new_key())
        return 0
    if args.action == "add":
        crypto.add_key_file_key()
        print("A new key was put first in the key file. Run `magazynier keys rotate` to re-encrypt with it.")
        return 0
    _migrate()
    n = crypto.rotate_all()
    print(f"Re-encrypted {n} values with the newest key. Older keys may now be removed.")
    return 0


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="magazynier",
        description="Magazynier: one catalog and one stock, sold on Allegro, your own shop and more. "
                    "Data lives in $MAGAZYNIER_DATA_DIR (default ~/.local/share/magazynier); "
                    "set DATABASE_URL=postgres://… for PostgreSQL.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_text):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(func=func)
        return sp

    def host_port(sp):
        sp.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
        sp.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")

    sp = add("run", cmd_run, "Start everything: the web panel and the background worker. Creates the "
                             "database on first start. Stop with Ctrl-C.")
    host_port(sp)
    sp.add_argument("--import", dest="import_file", metavar="FILE",
                    help="import this catalog file (CSV/XLSX) before starting, e.g. a WooCommerce export")

    sp = add("demo", cmd_demo, "The whole product in one command: a fresh data directory on SQLite, the sample "
                               "catalog, the built-in Allegro and WooCommerce emulators connected, offers published, "
                               "buyers on both channels and now and then a fault. Stop with Ctrl-C.")
    host_port(sp)
    sp.add_argument("--catalog", default=_sample_catalog(), metavar="FILE.csv",
                    help="WooCommerce product export to start from (default: the shared sample catalog)")
    sp.add_argument("--data-dir", metavar="DIR", help="keep the demo's data here (empty or an earlier demo's; "
                                                      "default: a temporary directory removed at the end)")
    sp.add_argument("--rate", type=float, default=6.0, help="purchases per minute on each channel (default 6)")
    sp.add_argument("--first-fault", type=float, default=90.0, metavar="SECONDS",
                    help="when the first fault comes, after the buyers start (default 90)")
    sp.add_argument("--fault-every", type=float, default=150.0, metavar="SECONDS",
                    help="seconds between faults (default 150)")
    sp.add_argument("--faults", default="outage,throttle,import", metavar="LIST",
                    help="which faults come, in turn: outage (Allegro answers 500/503 for 45 s), throttle (a burst "
                         "of 429s), import (a faulty stock file the guard holds); `none` for none "
                         "(default outage,throttle,import)")
    sp.add_argument("--seed", type=int, default=1, help="the emulators' seed (default 1)")

    sp = add("web", cmd_web, "Start only the web panel (use with a separate `magazynier worker`).")
    host_port(sp)
    sp.add_argument("--no-migrate", action="store_true", help="do not update the database schema first")

    sp = add("worker", cmd_worker, "Start only the background worker that runs imports and, later, "
                                   "channel synchronisation. Run several on several machines with PostgreSQL.")
    sp.add_argument("--workers", type=int, default=4, help="threads in this worker (default 4)")

    add("migrate", cmd_migrate, "Create or update the database schema (run after upgrading).")

    sp = add("createuser", cmd_createuser, "Create a panel login. Roles: owner (everything), warehouse "
                                           "(stock, orders), accountant (orders, invoices).")
    sp.add_argument("username")
    sp.add_argument("--role", choices=["owner", "warehouse", "accountant"], default="owner")
    sp.add_argument("--email")
    sp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    sp = add("import", cmd_import, "Import a catalog file: a WooCommerce product export or any CSV/XLSX "
                                   "with a column mapping. Bad rows are reported; every good row imports.")
    sp.add_argument("what", choices=["products"], help="what to import")
    sp.add_argument("file", help="CSV or XLSX file")
    sp.add_argument("--format", choices=["auto", "woocommerce", "generic"], default="auto",
                    help="file layout (default: recognised automatically)")
    sp.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                    help="for generic files: which column holds a field, e.g. --map sku=Symbol --map "
                         "price='Cena brutto'. Fields: sku name ean price vat_rate stock warehouse category "
                         "images description brand weight attributes parent_sku")
    sp.add_argument("--warehouse", metavar="CODE", help="warehouse for stock when a row names none")
    sp.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    sp.add_argument("--report", metavar="FILE.csv", help="write every row problem to this CSV file")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")

    sp = add("audit", cmd_audit, "Readiness audit: what blocks listing each product on Allegro (EAN, images, "
                                 "title, description, category, GPSR, price, VAT), with a summary.")
    sp.add_argument("--csv", metavar="FILE", help="write the full audit to a CSV file (`-` for stdout)")
    sp.add_argument("--all", action="store_true", help="list ready products too")
    sp.add_argument("--limit", type=int, default=50, help="products to list on screen (default 50)")

    from magazynier.channels.allegro_cli import add_parser as add_allegro

    add_allegro(sub, lambda name, _func, help_text: add(name, cmd_allegro, help_text))

    from magazynier.channels.woocommerce_cli import add_parser as add_woocommerce

    add_woocommerce(sub, lambda name, _func, help_text: add(name, cmd_woocommerce, help_text))

    from magazynier.notifications.alerts_cli import add_parser as add_alerts

    add_alerts(sub, lambda name, _func, help_text: add(name, cmd_alerts, help_text))

    from magazynier.sync.sync_cli import add_parser as add_sync

    add_sync(sub, lambda name, _func, help_text: add(name, cmd_sync, help_text))

    from magazynier.orders.orders_cli import add_parser as add_orders

    add_orders(sub, lambda name, _func, help_text: add(name, cmd_orders, help_text))

    sp = add("keys", cmd_keys, "Encryption keys for tokens and personal data: `new` prints a fresh key, `add` "
                               "puts one first in the key file, `rotate` re-encrypts everything with the newest.")
    sp.add_argument("action", choices=["new", "add", "rotate"])

    sp = add("emulator", cmd_emulator, "Run a built-in emulator of an external service (for demos and tests). "
                                       "Options go to the emulator: magazynier emulator allegro --help, "
                                       "magazynier emulator woocommerce --help, magazynier emulator sms --help")
    sp.add_argument("service", choices=["allegro", "woocommerce", "sms"])
    sp.add_argument("emulator_args", nargs=argparse.REMAINDER, metavar="...",
                    help="e.g. --port 8765 --seed 1 --fault-profile flaky")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
