"""The `magazynier` console script as a seller runs it: real subprocesses on a fresh embedded default."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

MAGAZYNIER = [sys.executable, "-m", "magazynier.cli"]


@pytest.fixture
def env(tmp_path):
    """The embedded default (SQLite in a fresh data dir), whatever database the test run itself uses."""
    e = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAGAZYNIER_QUEUE", "REDIS_URL",
                                                         "DJANGO_SETTINGS_MODULE"}}
    e["MAGAZYNIER_DATA_DIR"] = str(tmp_path / "data")
    return e


def cli(env, *args, input_text=None, timeout=120):
    return subprocess.run([*MAGAZYNIER, *args], env=env, capture_output=True, text=True, input=input_text,
                          timeout=timeout)


def test_help_explains_every_command(env):
    out = cli(env, "--help").stdout
    for command in ("run", "web", "worker", "migrate", "createuser", "import", "audit", "emulator"):
        assert command in out
    assert "--dry-run" in cli(env, "import", "--help").stdout


def test_import_the_sample_twice_then_audit(env, sample_csv, tmp_path):
    first = cli(env, "import", "products", str(sample_csv), "--quiet")
    assert first.returncode == 0, first.stderr
    assert "16 / 0 / 0" in first.stdout and "21 / 0 / 0" in first.stdout  # created / changed / unchanged
    assert "grupowy" in first.stdout and "zewnętrzny" in first.stdout  # skipped rows and why

    again = cli(env, "import", "products", str(sample_csv), "--quiet")
    assert "0 / 0 / 16" in again.stdout and "0 / 0 / 21" in again.stdout

    report = tmp_path / "audyt.csv"
    audit = cli(env, "audit", "--csv", str(report))
    assert audit.returncode == 0, audit.stderr
    assert "0 z 16" in audit.stdout
    rows = list(csv.reader(report.open(encoding="utf-8-sig"), delimiter=";"))
    assert len(rows) == 17 and all(r[2] == "nie" for r in rows[1:])


def test_dry_run_writes_nothing_and_bad_rows_give_exit_code_1(env, tmp_path):
    data = tmp_path / "towary.csv"
    data.write_text("SKU;Nazwa;Cena;Stan\nA-1;Kubek ceramiczny;12,50;3\nA-2;Talerz;12,5.0;1\n", encoding="utf-8")

    dry = cli(env, "import", "products", str(data), "--dry-run", "--quiet")
    assert dry.returncode == 1 and "nic nie zapisano" in dry.stdout
    real = cli(env, "import", "products", str(data), "--quiet", "--report", str(tmp_path / "problemy.csv"))
    assert real.returncode == 1
    assert "1 / 0 / 0" in real.stdout  # only the good row
    problems = list(csv.reader((tmp_path / "problemy.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert problems[1][:2] == ["3", "Cena"]

    dry_after = cli(env, "import", "products", str(data), "--dry-run", "--quiet")
    assert "0 / 0 / 1" in dry_after.stdout  # the dry run before did not write A-1; the real run did


def test_a_file_that_cannot_be_read_is_refused_with_exit_code_2(env, tmp_path):
    bad = tmp_path / "stary.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    result = cli(env, "import", "products", str(bad))
    assert result.returncode == 2 and ".xlsx" in result.stdout


def test_createuser_refuses_a_weak_password_and_creates_an_owner(env):
    weak = cli(env, "createuser", "ania", "--role", "owner", "--password-stdin", input_text="123\n")
    assert weak.returncode == 2
    ok = cli(env, "createuser", "ania", "--role", "owner", "--password-stdin", input_text="mocne-haslo-2026\n")
    assert ok.returncode == 0, ok.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_starts_panel_and_worker_and_ctrl_c_stops_both(env):
    port = free_port()
    proc = subprocess.Popen([*MAGAZYNIER, "run", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:  # noqa: S310
                    status = response.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert f"http://127.0.0.1:{port}/" in output and "createuser" in output
    assert Path(env["MAGAZYNIER_DATA_DIR"], "magazynier.sqlite3").exists()
    assert Path(env["MAGAZYNIER_DATA_DIR"], "queue.sqlite3").exists()  # the worker's SqliteHuey queue
    leftovers = subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True, text=True).stdout.strip()
    assert leftovers == ""


def test_emulator_command_serves_allegro_until_stopped(env):
    port = free_port()
    proc = subprocess.Popen([*MAGAZYNIER, "emulator", "allegro", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        status, deadline = None, time.monotonic() + 30
        while status is None and time.monotonic() < deadline:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/me", headers={
                "Accept": "application/vnd.allegro.public.v1+json",
                "User-Agent": "Magazynier/0.1.0 (+https://example.org/magazynier)"})
            try:
                urllib.request.urlopen(request, timeout=2)  # noqa: S310
            except urllib.error.HTTPError as answer:
                status = answer.code
            except OSError:
                time.sleep(0.2)
        assert status == 401  # up, and asking for a token like Allegro does
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)


SELLER_FIXES = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magazynier.settings")
django.setup()
from magazynier.catalog.models import Product, ResponsibleProducer
from magazynier.inventory.actions import set_stock
from magazynier.catalog.importers import default_warehouse
producer = ResponsibleProducer.objects.create(name="Woo Sp. z o.o.", street="Prosta 1", postal_code="00-001",
                                              city="Warszawa", email="gpsr@example.com")
Product.objects.update(responsible_producer=producer, brand="Woo", safety_information="Prać w 30 stopniach.")
for product in Product.objects.all():
    product.attributes = {**product.attributes, "Size": "M"}
    product.save()
    for variant in product.variants.all():
        set_stock(variant.pk, default_warehouse().pk, 5, reason="stocktake")
"""


def test_allegro_from_a_fresh_install_to_live_offers(env, sample_csv):
    """Issue 4's walk-through: connect by device flow, map categories, dry run, publish a scope, run again."""
    port = _free_port()
    env = {**env, "COLUMNS": "200"}  # rich tables on one line each
    emulator = subprocess.Popen([*MAGAZYNIER, "emulator", "allegro", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/__admin__/state")
        assert cli(env, "import", "products", str(sample_csv), "--quiet").returncode == 0
        fixes = subprocess.run([sys.executable, "-c", SELLER_FIXES], env=env, capture_output=True, text=True)
        assert fixes.returncode == 0, fixes.stderr
        connect = cli(env, "allegro", "connect", "--environment", "emulator", "--emulator-url",
                      f"http://127.0.0.1:{port}", "--client-id", "magazynier-demo", "--client-secret-stdin",
                      "--approve-as", "demo-seller", input_text="magazynier-demo-secret\n")
        assert connect.returncode == 0, connect.stdout + connect.stderr
        assert "skojarz-aplikacje" in connect.stdout and "demo-seller" in connect.stdout
        assert "magazynier-demo-secret" not in connect.stdout + connect.stderr
        status = cli(env, "allegro", "status")
        assert "demo-seller" in status.stdout and "wyłączone" in status.stdout

        mapped = cli(env, "allegro", "categories", "map", "Clothing > Tshirts", "1066")
        assert mapped.returncode == 0 and "Koszulki" in mapped.stdout, mapped.stdout + mapped.stderr
        fixed = cli(env, "allegro", "categories", "set", "Clothing > Tshirts", "Marka=inna marka")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr

        plan = cli(env, "allegro", "offers", "plan", "category:Clothing > Tshirts")
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert "nic nie zostało wysłane" in plan.stdout and "Nowe: " in plan.stdout
        state = _json(f"http://127.0.0.1:{port}/__admin__/counters")
        assert state["offersCreated"] == 0

        apply = cli(env, "allegro", "offers", "apply", "category:Clothing > Tshirts", "sku:woo-long-sleeve-tee",
                    "--yes", timeout=300)
        assert apply.returncode == 0, apply.stdout + apply.stderr
        assert "Utworzono 1," in apply.stdout and "wystawiono 1," in apply.stdout
        again = cli(env, "allegro", "offers", "apply", "category:Clothing > Tshirts", "sku:woo-long-sleeve-tee",
                    "--yes")
        assert "Utworzono 0," in again.stdout and "wystawiono 0," in again.stdout
        assert _json(f"http://127.0.0.1:{port}/__admin__/counters")["offersCreated"] == 1
        offers = _seller_offers(port, "woo-long-sleeve-tee")
        assert [o["publication"]["status"] for o in offers] == ["ACTIVE"]

        # Issue 5: the background worker keeps the offer's stock in step with the warehouse, within seconds.
        assert cli(env, "sync", "writers", "on").returncode == 0
        worker = subprocess.Popen([*MAGAZYNIER, "worker"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            changed = subprocess.run([sys.executable, "-c", STOCK_CHANGE.format(sku="woo-long-sleeve-tee", n=3)],
                                     env=env, capture_output=True, text=True)
            assert changed.returncode == 0, changed.stderr
            started = time.monotonic()
            while _seller_offers(port, "woo-long-sleeve-tee")[0]["stock"]["available"] != 3:
                assert time.monotonic() - started < 30, "the stock change did not reach Allegro in 30 s"
                time.sleep(0.2)
            status = cli(env, "sync", "status")
            assert status.returncode == 0 and "włączone" in status.stdout, status.stdout + status.stderr

            # Issue 6: a buyer's order on Allegro reaches the order list and reserves its unit by itself.
            offer_id = _seller_offers(port, "woo-long-sleeve-tee")[0]["id"]
            time.sleep(3)  # the worker's first order poll starts the account's feed at "now"
            bought = _post_json(f"http://127.0.0.1:{port}/__admin__/purchase", {"offerId": offer_id, "quantity": 1})
            started = time.monotonic()
            while True:
                listed = cli(env, "orders", "list")
                if "woo-long-sleeve-tee" in listed.stdout:
                    break
                assert time.monotonic() - started < 30, "the order did not arrive in 30 s:\n" + listed.stdout
                time.sleep(0.5)
            shown = cli(env, "orders", "show", bought["checkoutFormId"])
            assert shown.returncode == 0 and "Towar zarezerwowany" in shown.stdout, shown.stdout + shown.stderr
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=30)
    finally:
        emulator.send_signal(signal.SIGINT)
        emulator.wait(timeout=20)


STOCK_CHANGE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magazynier.settings")
django.setup()
from magazynier.catalog.importers import default_warehouse
from magazynier.catalog.models import Variant
from magazynier.inventory.actions import set_stock
set_stock(Variant.objects.get(sku="{sku}").pk, default_warehouse().pk, {n}, reason="sale")
"""


def _seller_offers(port: int, sku: str) -> list[dict]:
    """Ask the emulator's API directly (as Allegro's panel would show it), not magazynier."""
    import json

    mint = urllib.request.Request(f"http://127.0.0.1:{port}/__admin__/tokens", method="POST",
                                  data=json.dumps({"seller": "demo-seller"}).encode(),
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(mint, timeout=5) as response:  # noqa: S310 - loopback
        token = json.loads(response.read())["access_token"]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/sale/offers?external.id={sku}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.allegro.public.v1+json",
                 "User-Agent": "TestSuite/1.0.0 (+https://example.com)"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["offers"]


def _post_json(url: str, body: dict) -> dict:
    import json

    request = urllib.request.Request(url, method="POST", data=json.dumps(body).encode(),  # noqa: S310 - loopback
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


def _json(url: str):
    import json

    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())
