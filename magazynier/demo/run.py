"""`magazynier demo`: set everything up in a fresh data directory, run it, narrate, stop cleanly on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from magazynier.demo import catalog, setup
from magazynier.demo.processes import ChildFailed, Children, child_env, free_port, port_taken
from magazynier.demo.scenario import FAULTS, Scenario, timeline

MARKER = ".magazynier-demo"  # a directory the demo made and may wipe
FEEDS_TIMEOUT = 60
WARSAW = ZoneInfo("Europe/Warsaw")


def say(text: str) -> None:
    print(f"  {datetime.now(WARSAW).strftime('%H:%M:%S')}  {text}", flush=True)


def fresh_data_dir(requested: str | None) -> tuple[Path, bool]:
    """The demo's data directory and whether to remove it at the end. A directory given by the user is used
    only when it is empty or an earlier demo's (then wiped): the demo never touches a real installation."""
    if not requested:
        return Path(tempfile.mkdtemp(prefix="magazynier-demo-")), True
    path = Path(requested).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise SystemExit(f"✗ {path} jest plikiem, nie katalogiem — podaj katalog (give a directory, not a file)")
    if path.exists() and any(path.iterdir()):
        if not (path / MARKER).exists():
            raise SystemExit(f"✗ {path} nie jest pusty i nie jest katalogiem demo — podaj pusty katalog "
                             f"(the directory is not empty and not a demo's: give an empty one)")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path, False


def fault_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip() and n.strip() != "none"]
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise SystemExit(f"✗ --faults: nieznane {', '.join(unknown)}; dostępne: {', '.join(FAULTS)}, none")
    return names


def _interrupt(*_):
    raise KeyboardInterrupt


def run_demo(args) -> int:
    faults = fault_names(args.faults)  # a typo stops the demo before anything starts
    if args.fault_every <= 0:
        print("✗ --fault-every musi być większe od 0 (use --faults none for no faults).")
        return 2
    if port_taken(args.host, args.port):
        print(f"✗ Port {args.port} jest zajęty — uruchom z --port INNY (port {args.port} is taken).")
        return 2
    source = Path(args.catalog).expanduser()
    if not source.exists():
        print(f"✗ Nie ma pliku katalogu {source} — podaj go: --catalog PLIK.csv (catalog file not found).")
        return 2
    data_dir, remove_after = fresh_data_dir(args.data_dir)
    (data_dir / MARKER).write_text("magazynier demo\n")
    (data_dir / "logs").mkdir()
    web_url = f"http://{args.host}:{args.port}"
    env = child_env(data_dir, web_url)
    os.environ.clear()
    os.environ.update(env)  # this process works on the same fresh SQLite database as its children
    signal.signal(signal.SIGTERM, _interrupt)
    children = Children(data_dir / "logs", env)
    code = 0
    print(f"\n  Magazynier — demo\n  Dane demo: {data_dir}\n", flush=True)
    try:
        run(args, faults, data_dir, web_url, children, source)
    except KeyboardInterrupt:
        pass
    except ChildFailed as exc:
        print(f"\n✗ {exc}", flush=True)
        code = 1
    except Exception:
        traceback.print_exc()
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the clean stop short
        say("Zatrzymuję: worker, panel, emulatory…")
        children.stop_all()
        if remove_after:
            shutil.rmtree(data_dir, ignore_errors=True)
        say("Zatrzymano. Nic nie zostało uruchomione." if code == 0 else "Zatrzymano po błędzie.")
    return code


def run(args, faults: list[str], data_dir: Path, web_url: str, children: Children, source: Path) -> None:
    from magazynier.cli import _django, _migrate

    allegro_port, shop_port = free_port(args.host), free_port(args.host)
    allegro_url, shop_url = f"http://{args.host}:{allegro_port}", f"http://{args.host}:{shop_port}"
    allegro = children.start("allegro-emulator", "emulator", "allegro", "--host", args.host, "--port",
                             str(allegro_port), "--seed", str(args.seed))
    shop = children.start("shop-emulator", "emulator", "woocommerce", "--host", args.host, "--port",
                          str(shop_port), "--seed", str(args.seed),
                          "--consumer-key", setup.SHOP_KEYS[0], "--consumer-secret", setup.SHOP_KEYS[1])
    _django()
    _migrate()
    setup.create_demo_user()
    enriched = data_dir / "katalog-demo.csv"
    catalog.enrich_sample(source, enriched)
    setup.import_catalog(enriched, say)
    children.wait_http(allegro, f"{allegro_url}/__admin__/state")
    children.wait_http(shop, f"{shop_url}/__admin__/state")
    httpx.post(f"{shop_url}/__admin__/catalog/sample", json={"csv": str(enriched)}, timeout=30).raise_for_status()
    say(f"Emulatory: Allegro {allegro_url}, sklep WooCommerce {shop_url} (ten sam katalog)")
    web = children.start("web", "web", "--host", args.host, "--port", str(args.port), "--no-migrate")
    children.wait_http(web, f"{web_url}/healthz")
    allegro_account = setup.connect_allegro(allegro_url, say)
    setup.map_categories(allegro_account, say)
    accounts = setup.Accounts(allegro_account, setup.connect_shop(shop_url, say))
    setup.allocate(accounts, say)
    setup.publish(accounts.allegro, say)
    setup.writers_on(accounts, say)
    children.start("worker", "worker")
    wait_for_feeds(children)
    scenario = Scenario(allegro_url, shop_url, data_dir, source, say, rate=args.rate,
                        events=timeline(args.first_fault, args.fault_every, faults))
    scenario.start_buyers()
    user, password = setup.DEMO_USER
    print(f"\n  ➜ Panel: {web_url}/   login: {user}   hasło (password): {password}\n"
          f"    Logi: {data_dir / 'logs'}   Zatrzymanie: Ctrl-C\n", flush=True)
    while True:
        children.check()
        scenario.step()
        time.sleep(1)


def wait_for_feeds(children: Children) -> None:
    """Until the worker has started reading orders on both channels: buyers come after that, so no order is
    placed before the feeds' starting point."""
    from magazynier.sync.models import OrderFeed

    deadline = time.monotonic() + FEEDS_TIMEOUT
    while OrderFeed.objects.filter(started_at__isnull=False).count() < 2:
        children.check()
        if time.monotonic() > deadline:
            raise ChildFailed(f"the worker did not start reading orders within {FEEDS_TIMEOUT} s")
        time.sleep(0.3)
    say("Worker działa: czyta zamówienia z Allegro i sklepu, wysyła zmiany stanów")
