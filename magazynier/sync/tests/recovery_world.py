"""Helpers for test_recovery: rounds of never-repeated target values, the engine as a killable subprocess,
an in-process driver that does not oversleep, and checks against the emulator's own record of commands."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.db import connection, transaction

from magazynier.catalog.models import Variant
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.core import changes
from magazynier.inventory.actions import StockChange, apply_stock_changes
from magazynier.inventory.models import MovementReason, Warehouse
from magazynier.sync.dispatch import drive
from magazynier.sync.models import Command, CommandItem, OutboxEntry, SyncState
from magazynier.sync.outbox import has_due_work

REPO = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- the catalog side
@dataclass
class Rounds:
    """Every round gives every listing a stock (and a price) it never had before in the test, so the same
    (offer, kind, value) under two command ids can only be a duplicate send."""

    account: ChannelAccount
    listings: list[Listing] = field(default_factory=list)
    base_price: Decimal = Decimal(0)
    want_quantity: dict[int, int] = field(default_factory=dict)
    want_price: dict[int, Decimal] = field(default_factory=dict)
    round: int = 0

    def __post_init__(self):
        self.listings = list(Listing.objects.filter(account=self.account, conflict=Listing.NO_CONFLICT)
                             .exclude(offer_id="").select_related("variant").order_by("pk"))
        assert len(self.listings) >= 10, "the sample catalog should give a few dozen live offers"
        self.warehouse = Warehouse.objects.get()
        assert all(li.variant.price is not None for li in self.listings)
        self.base_price = Decimal(math.ceil(max(li.variant.price for li in self.listings)))

    def quantity(self, index: int, round_: int, *, same: bool = False) -> int:
        return 10 * round_ + (1 if same else index % 3 + 1)  # 3 values (3 commands) per round, unique per round

    def price(self, index: int, round_: int) -> Decimal:
        # 2 values (2 commands) per round, unique per round, never lower than the sample's prices: the
        # guard's price-drop rule stays quiet
        return self.base_price + round_ + (Decimal("0.50") if index % 2 else Decimal("0.00"))

    def next(self, *, stock: bool = True, prices: bool = True, same: bool = False) -> int:
        """One round of changes, each kind in one transaction the way the writers make them."""
        self.round += 1
        r = self.round
        if stock:
            wanted = {li.pk: self.quantity(i, r, same=same) for i, li in enumerate(self.listings)}
            apply_stock_changes([StockChange(li.variant_id, self.warehouse.pk, MovementReason.STOCKTAKE,
                                             set_to=wanted[li.pk]) for li in self.listings])
            self.want_quantity.update(wanted)
        if prices:
            wanted = {li.pk: self.price(i, r) for i, li in enumerate(self.listings)}
            with transaction.atomic():
                for li in self.listings:
                    Variant.objects.filter(pk=li.variant_id).update(price=wanted[li.pk])
                changes.changed(changes.PRICE, {li.variant_id for li in self.listings})
            self.want_price.update(wanted)
        return r


# ---------------------------------------------------------------- the emulator's record
def command_key(command) -> tuple[str, str]:
    return command.kind, command.id


def value_of(command) -> str:
    """The target of an emulator command, spelled like magazynier's Command.value."""
    modification = command.modification
    if command.kind == "quantity":
        return str(modification["value"])
    if command.kind == "price":
        return str(Decimal(modification["price"]["amount"]))
    return str(modification.get("action"))


def commands_since(emulator, before: set[tuple[str, str]]):
    with emulator.world.lock:
        return [c for key, c in emulator.world.commands.commands.items() if key not in before]


def duplicates(emulator, before: set[tuple[str, str]]) -> dict[tuple[str, str, str], set[str]]:
    """(offer, kind, value) sent under more than one command id."""
    ids: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for command in commands_since(emulator, before):
        for task in command.tasks:
            ids[(task.offer_id, command.kind, value_of(command))].add(command.id)
    return {key: found for key, found in ids.items() if len(found) > 1}


def assert_everything_arrived(rounds: Rounds, emulator, before: set[tuple[str, str]], *, prices: bool) -> None:
    offers = emulator.world.offers.offers
    wrong = []
    for li in rounds.listings:
        li.refresh_from_db()
        offer = offers[li.offer_id]
        got = (offer.available, offer.price if prices else None, li.confirmed_quantity,
               li.confirmed_price if prices else None)
        want = (rounds.want_quantity[li.pk], rounds.want_price[li.pk] if prices else None,
                offer.available, offer.price if prices else None)
        if got != want:
            wrong.append((li.sku, "emulator qty/price, confirmed qty/price", got, "wanted", want))
    assert not wrong, wrong
    assert not duplicates(emulator, before), duplicates(emulator, before)
    assert not CommandItem.objects.filter(outcome=CommandItem.PENDING).exists()
    assert set(Command.objects.values_list("state", flat=True)) <= {Command.DONE}
    assert not OutboxEntry.objects.exists(), list(OutboxEntry.objects.values())
    sent = {str(c) for c in Command.objects.values_list("command_id", flat=True)}
    seen = {c.id for c in commands_since(emulator, before)}
    assert sent == seen, f"stored but never sent: {sent - seen}; sent but not stored: {seen - sent}"
    failed = [(c.kind, c.id, t.offer_id, t.message) for c in commands_since(emulator, before) for t in c.tasks
              if t.status != "SUCCESS"]
    assert not failed, failed


# ---------------------------------------------------------------- the engine in process
def drive_until_idle(account: ChannelAccount, connector, *, timeout: float, nap: float = 0.2):
    """One cycle per drive() call (time_slice=0), napping at most `nap` s between them: the engine's
    retry hints (5 s after a transient error) are honoured in order but not slept in full."""
    deadline = time.monotonic() + timeout
    cycles = 0
    while True:
        result = drive(account.pk, lambda _account: connector, time_slice=0)
        cycles += 1
        assert result is not None, "the account's lease is held by someone else"
        assert not result.held, "the guard held a plan"
        if result.next_run_in is None and not has_due_work(account.pk):
            return result, cycles
        if time.monotonic() > deadline:
            raise AssertionError(f"the account did not settle in {timeout} s ({cycles} cycles): {result}")
        time.sleep(min(result.next_run_in if result.next_run_in is not None else nap, nap))


def impatient_connector(account: ChannelAccount, *, read_timeout: float):
    """allegro_connector with a short HTTP timeout, so the emulator's hanging answers become real timeouts."""
    import httpx

    from magazynier.channels.allegro.client import AllegroClient
    from magazynier.channels.allegro.connector import AllegroConnector
    from magazynier.channels.connections import oauth_for
    from magazynier.channels.tokens import StoredTokens
    from magazynier.core.http import make_client
    from magazynier.core.ratebudget import get_budget

    http = make_client(channel="allegro", timeout=httpx.Timeout(read_timeout, connect=2.0))
    client = AllegroClient(api_url=account.api_url, client_id=account.client_id,
                           seller_id=account.external_user_id or f"account-{account.pk}",
                           tokens=StoredTokens(account, oauth_for(account, http)), http=http, budget=get_budget(),
                           max_wait=2.0)
    return AllegroConnector(client)


# ---------------------------------------------------------------- the engine in a subprocess
def child_database_url() -> str:
    """The database this test process really uses (the test database), as a DATABASE_URL for a child."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise AssertionError("the SQLite test database is in memory: a second process cannot open it "
                                 "(test_settings keeps it in DATA_DIR/test.sqlite3)")
        return f"sqlite:///{name}"
    assert connection.vendor == "postgresql", connection.vendor
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(db['NAME'], safe='')}"


def child_env() -> dict[str, str]:
    """What a `magazynier sync run` needs to share this process's world: the test database, the data dir
    (rate-budget file on SQLite, secret key) and the token encryption keys."""
    from magazynier import config
    from magazynier.core.crypto import configured_keys

    env = dict(os.environ)
    env.update({
        "DATABASE_URL": child_database_url(),
        "MAGAZYNIER_DATA_DIR": str(config.data_dir()),
        "MAGAZYNIER_ENCRYPTION_KEYS": ",".join(k.decode() for k in configured_keys()),
        "DJANGO_SETTINGS_MODULE": "magazynier.settings",  # not test_settings: its queue is "immediate"
        "MAGAZYNIER_QUEUE": "sqlite",  # wake-ups go to a queue file nobody reads: `sync run` is the worker
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start_runner(env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen:
    with open(log, "ab") as out:
        out.write(f"\n===== sync run {' '.join(extra)} at {time.time():.3f}\n".encode())
        out.flush()
        return subprocess.Popen([sys.executable, "-m", "magazynier.cli", "sync", "run", *extra], cwd=REPO,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def runner_holds_lease(account: ChannelAccount, pid: int) -> bool:
    owner = SyncState.objects.filter(account=account).values_list("lease_owner", flat=True).first() or ""
    return owner.startswith(f"{socket.gethostname()}:{pid}:")


def wait_until_working(account: ChannelAccount, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    """Until the child has claimed the account (Django is up and its first cycle is under way)."""
    deadline = time.monotonic() + timeout
    while not runner_holds_lease(account, proc.pid):
        if proc.poll() is not None:
            raise AssertionError(f"the runner exited with {proc.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the runner never claimed the account:\n{tail(log)}")
        time.sleep(0.005)


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""
