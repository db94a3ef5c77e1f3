"""Benchmark: the sync engine end to end against the Allegro emulator (real loopback HTTP, SQLite by default).

Every figure is printed beside a baseline measured in the same run:

1. Propagation latency p50/p99 from a stock change (apply_stock_changes) to Allegro confirming it
   (CommandItem.confirmed_at - changed_since, per listing), for 1 (repeated), 100 and 10,000 changed
   listings. The emulator completes every command `--completion` seconds (1.0) after accepting it; "engine
   adds" is latency minus that, split into change -> planning cycle (queue and worker pick-up), -> PUT, and
   channel done -> confirmed. Baseline: the floor, one command PUT by hand and its report polled every
   10 ms; for 10,000 changes also the ideal a perfect sender reaches within the 8,550/min budget.
2. API efficiency per 1,000 changed listings (small-shop stock levels; a stock-out wave ending 1,000
   offers): requests (emulator counters) and offer changes spent, against the lower bound (one command per
   distinct target value, planning.lower_bound_commands, and one offer change per changed offer) and a
   naive sync PATCHing every offer's stock (measured on a sample with the connector's edit_offer, scaled).
3. Sustained offer changes per minute for one seller at Allegro's real limits (emulator rejections must be
   0), projected to an hour; fairness: 9 sellers' stock-outs (one offer each, every 5 s) with and without a
   100,000-offer repricing (+5 %, committed like the importer does) of a 10th seller.
4. Peak memory (RSS growth of the worker process) of the planning cycle over the 100,000 repriced listings,
   beside a fresh process loading the same listing rows.

The engine runs as in production: the product's worker process (`magazynier worker`: Huey thread workers, the
periodic tick) on the same data dir and SQLite queue; each change's on_commit hook queues the account's
sync_account task, which calls dispatch.drive. The emulator runs in this process on a loopback port.

    python bench/bench_sync.py [--quick | --full] [--completion 1.0] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIENT_ID, CLIENT_SECRET = "magazynier-demo", "magazynier-demo-secret"  # the emulator's demo application
WAVE_SHARE = 5  # the wave ends 1 offer in 5: 20 %, the most the guard's default lets through unapproved


@dataclass(frozen=True)
class Sizes:
    latency: tuple[int, ...]  # changed listings per latency case
    repeats_of_one: int  # the single-listing case is repeated for a distribution
    shop: int  # listings of the latency seller
    wave: int  # offers the stock-out wave ends (of WAVE_SHARE x wave listings)
    naive: int  # offers PATCHed one by one for the naive baseline
    big: int  # listings of the repriced seller (fairness, sustained rate, memory)
    small: int = 200  # listings of each of the 9 other sellers
    observe: float = 65.0  # seconds of the repricing watched after its planning cycle


QUICK = Sizes(latency=(1, 100, 1000), repeats_of_one=3, shop=1000, wave=200, naive=100, big=10_000, observe=15)
DEFAULT = Sizes(latency=(1, 100, 10_000), repeats_of_one=5, shop=10_000, wave=1000, naive=200, big=100_000,
                observe=61)
FULL = Sizes(latency=(1, 100, 10_000), repeats_of_one=10, shop=10_000, wave=1000, naive=500, big=100_000,
             observe=130)


# ---------------------------------------------------------------- setup
def setup_django() -> str | None:
    """Django on a fresh data dir (a new temporary one unless MAGAZYNIER_DATA_DIR is set); returns the
    temporary dir it made, if any."""
    made = None
    if not os.environ.get("MAGAZYNIER_DATA_DIR"):
        made = os.environ["MAGAZYNIER_DATA_DIR"] = tempfile.mkdtemp(prefix="magazynier-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "magazynier.settings"
    os.environ.setdefault("MAGAZYNIER_QUEUE", "sqlite")  # the default queue of an SQLite installation
    os.environ.pop("MAGAZYNIER_WRITERS_OFF", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return made


def shop_stock(rng: random.Random) -> int:
    """A small shop's stock level: 8 % sold out, half 1-5 units, a tail up to 100."""
    r = rng.random()
    if r < 0.08:
        return 0
    if r < 0.58:
        return rng.randint(1, 5)
    if r < 0.78:
        return rng.randint(6, 10)
    if r < 0.93:
        return rng.randint(11, 20)
    return rng.randint(21, 100)


def another_stock(rng: random.Random, old: int) -> int:
    while (new := shop_stock(rng)) == old:
        pass
    return new


def shop_price(rng: random.Random) -> Decimal:
    """Shelf prices ending in ,99, median about 30 zł."""
    return Decimal(min(max(int(rng.lognormvariate(3.4, 0.8)), 4), 1999)) + Decimal("0.99")


def repriced(price: Decimal) -> Decimal:
    """+5 %, still ending in ,99."""
    new = Decimal(int(price * Decimal("1.05"))) + Decimal("0.99")
    return new if new > price else price + 1


def pct(values: list[float], share: float) -> float:
    """Nearest-rank percentile, as sync.status reports it."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def proc_status(pid: int | str, field_name: str) -> float:
    """A memory figure of /proc/<pid>/status in MB (VmRSS: now; VmHWM: the peak since start or reset)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int | str) -> None:
    """Restart VmHWM from the current RSS (Linux >= 4.0)."""
    with open(f"/proc/{pid}/clear_refs", "w") as handle:
        handle.write("5")


def load_rows(account_id: int) -> None:
    """Run in a fresh process: RSS growth of loading the listing rows the planner loads (with variant, product)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "magazynier.settings"
    import django

    django.setup()
    from magazynier.channels.models import Listing

    Listing.objects.filter(pk=0).first()  # connect and warm the ORM first
    before = proc_status("self", "VmRSS")
    rows = list(Listing.objects.filter(account_id=account_id).select_related("variant__product"))
    print(f"{len(rows)} {proc_status('self', 'VmHWM') - before:.1f}")


# ---------------------------------------------------------------- sellers
@dataclass
class Seller:
    key: str
    account: object
    seller_id: str
    warehouse_id: int
    variants: list[int]  # variant ids in SKU order
    listing: dict[int, int]  # variant id -> listing id
    offer: dict[int, str]  # variant id -> offer id
    stock: dict[int, int]  # variant id -> on hand now
    price: dict[int, Decimal] = field(default_factory=dict)

    @property
    def pk(self) -> int:
        return self.account.pk


class Bench:
    def __init__(self, emu, sizes: Sizes, completion: float):
        self.emu, self.sizes, self.completion = emu, sizes, completion
        self.rng = random.Random(7)
        self.sellers = 0

    # ---- counters (every seller uses the one demo application, like one installation does)
    def requests(self) -> int:
        client = self.emu.world.counters()["clients"].get(CLIENT_ID, {})
        return client.get("served", 0) + client.get("rejected", 0)

    def seller_counters(self, seller: Seller) -> dict:
        return self.emu.world.counters()["sellers"].get(seller.seller_id, {})

    def offer_changes(self, seller: Seller) -> int:
        return self.seller_counters(seller).get("offerChanges", 0)

    # ---- building a seller: emulator offers, catalog rows, device-flow connection, links
    def add_seller(self, key: str, count: int, *, real_link: bool, prices: bool = False) -> Seller:
        from django.db import transaction
        from django.utils import timezone

        from emulators.allegro.accounts import Seller as EmulatedSeller
        from magazynier.catalog.importers import default_warehouse
        from magazynier.catalog.models import Category, Product, Variant
        from magazynier.channels.actions import set_writers
        from magazynier.channels.connections import allegro_connector
        from magazynier.channels.models import Listing
        from magazynier.inventory.models import StockLevel
        from magazynier.sync.models import SyncState

        self.sellers += 1
        world = self.emu.world
        login = f"bench-{key}"
        emulated = EmulatedSeller(str(48_000_000 + self.sellers), login, "bench-password", f"{login}@example.com",
                                  "Bench", key.title())
        world.add_seller(emulated)
        skus = [f"{key}-{n:06d}" for n in range(count)]
        stocks = [max(1, shop_stock(self.rng)) for _ in skus]  # every offer starts live
        price_of = [shop_price(self.rng) if prices else Decimal("49.99") for _ in skus]
        product = min(world.catalog.products.values(), key=lambda p: p.id)  # any catalog product: a valid offer
        with world.lock:  # the emulator's own create logic, without 100,000 HTTP round trips
            now = world.clock.now()
            for sku, stock, price in zip(skus, stocks, price_of, strict=True):
                world.offers.create(emulated.id, {
                    "productSet": [{"product": {"id": product.id}}], "stock": {"available": stock},
                    "sellingMode": {"price": {"amount": str(price), "currency": "PLN"}},
                    "publication": {"status": "ACTIVE"}, "images": ["https://a.allegroimg.com/original/bench"],
                    "external": {"id": sku}}, now)
        warehouse = default_warehouse()
        with transaction.atomic():
            category, _created = Category.objects.get_or_create(name="Bench")
            products = Product.objects.bulk_create(
                [Product(key=sku, name=f"Produkt testowy {sku}", category=category) for sku in skus], batch_size=5000)
            variants = Variant.objects.bulk_create(
                [Variant(product=p, sku=p.key, name=p.name, price=price)
                 for p, price in zip(products, price_of, strict=True)], batch_size=5000)
            StockLevel.objects.bulk_create([StockLevel(variant=v, warehouse=warehouse, on_hand=stock)
                                            for v, stock in zip(variants, stocks, strict=True)], batch_size=5000)
        account = self.connect(login, f"Bench {key}")
        connector = allegro_connector(account, max_wait=65)
        if real_link:
            from magazynier.channels.linking import link_offers

            link_offers(account, connector)
        else:
            self.bulk_link(account, connector)
        # link_offers has just read every offer: the engine's first run need not read them all again
        SyncState.objects.update_or_create(account=account, defaults={"last_full_sweep_at": timezone.now()})
        set_writers(account, True)
        rows = Listing.objects.filter(account=account).values_list("variant_id", "pk", "offer_id")
        ids = [v.pk for v in variants]
        return Seller(key, account, emulated.id, warehouse.pk, ids, {v: pk for v, pk, _o in rows},
                      {v: o for v, _pk, o in rows}, dict(zip(ids, stocks, strict=True)),
                      dict(zip(ids, price_of, strict=True)))

    def connect(self, login: str, name: str):
        """Connect an account the way `magazynier allegro connect` does (device flow over HTTP), minus the wait."""
        from magazynier.channels.allegro.auth import AllegroOAuth
        from magazynier.channels.allegro.hosts import hosts_for
        from magazynier.channels.connections import complete_connection
        from magazynier.channels.models import ChannelAccount
        from magazynier.core.http import make_client

        hosts = hosts_for("emulator", self.emu.base_url)
        oauth = AllegroOAuth(hosts, CLIENT_ID, CLIENT_SECRET, make_client(channel="allegro"))
        code = oauth.start_device_flow()
        self.emu.world.approve_device_code(code.user_code, login)
        account = ChannelAccount(kind=ChannelAccount.ALLEGRO, environment=ChannelAccount.EMULATOR, name=name,
                                 api_url=hosts.api, auth_url=hosts.web, client_id=CLIENT_ID,
                                 client_secret=CLIENT_SECRET)
        return complete_connection(account, oauth.poll_device(code.device_code))

    @staticmethod
    def bulk_link(account, connector) -> None:
        """link_offers' read and rules (every offer over HTTP, linking.classify), with the Listing rows written
        by bulk_create: apply_links' update_or_create per offer costs ~1.3 ms, 2+ minutes for 100,000."""
        from magazynier.catalog.models import Variant
        from magazynier.channels.linking import classify
        from magazynier.channels.models import Listing

        remote = list(connector.iter_listings())
        plan = classify(remote, set(Variant.objects.filter(sku__in=[o.sku for o in remote]).values_list("sku", flat=True)))
        assert not (plan.duplicate or plan.unknown_sku or plan.no_sku), "the benchmark's offers link one to one"
        variant_of = dict(Variant.objects.filter(sku__in=list(plan.link)).values_list("sku", "pk"))
        Listing.objects.bulk_create([
            Listing(account=account, variant_id=variant_of[sku], sku=sku, offer_id=o.offer_id, offer_status=o.status,
                    title=o.title[:300], confirmed_quantity=o.quantity, confirmed_price=o.price)
            for sku, o in plan.link.items()], batch_size=5000)

    # ---- changes
    @staticmethod
    def set_stocks(seller: Seller, new: dict[int, int]) -> float:
        """One stock-take transaction (the outbox rows are written in it); returns its duration."""
        from magazynier.inventory.actions import StockChange, apply_stock_changes
        from magazynier.inventory.models import MovementReason

        started = time.perf_counter()
        apply_stock_changes([StockChange(v, seller.warehouse_id, MovementReason.STOCKTAKE, set_to=n)
                             for v, n in new.items()])
        seller.stock.update(new)
        return time.perf_counter() - started


# ---------------------------------------------------------------- the worker process
class Worker:
    """`magazynier worker --workers N` on the benchmark's data dir, logging to a file."""

    def __init__(self, threads: int | None):
        self.path = Path(os.environ["MAGAZYNIER_DATA_DIR"]) / "worker.log"
        self.log = self.path.open("w")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "magazynier.cli", "worker"] + (["--workers", str(threads)] if threads else [])
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (started := re.search(r"consumer started with (\d+) thread", self.path.read_text())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.path.read_text()[-2000:]}")
            time.sleep(0.1)
        self.threads = int(started.group(1))

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # Huey's graceful shutdown: running tasks finish
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def digest(self) -> tuple[Counter[str], list[float]]:
        """Warnings and errors the worker logged (counted by message), and the durations of its tasks."""
        problems: Counter[str] = Counter()
        durations = []
        for line in self.path.read_text(errors="replace").splitlines():
            if line.startswith("[") and (match := re.search(r"sync_account: \S+ executed in ([\d.]+)s", line)):
                durations.append(float(match.group(1)))  # Huey's own format ("[date] INFO:huey:…"), once per task
            elif not line.startswith("[") and (" WARNING " in line or " ERROR " in line):
                message = line.split(": ", 1)[-1]
                message = re.sub(r"/[\w/-]*[0-9a-f]{8}-[\w-]+", "/…", message)
                problems[re.sub(r"\d+", "N", message)[:110]] += 1
            elif re.match(r"\w+(Error|Exception)\b", line):
                problems[line[:110]] += 1
        return problems, durations


def wait_idle(account_ids: list[int], timeout: float) -> bool:
    """True once the accounts have nothing in the outbox, nothing planned and nothing in flight."""
    from magazynier.sync.models import Command, CommandItem, OutboxEntry

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not (OutboxEntry.objects.filter(account_id__in=account_ids, quarantined_at__isnull=True).exists()
                or Command.objects.filter(account_id__in=account_ids, state=Command.PLANNED).exists()
                or CommandItem.objects.filter(command__account_id__in=account_ids, outcome=CommandItem.PENDING)
                .exists()):
            return True
        time.sleep(0.05)
    return False


# ---------------------------------------------------------------- measuring a run of the engine
@dataclass
class Run:
    label: str
    changed: int
    commit: float  # seconds of the changing transaction
    latencies: list[float]  # per listing: first change -> its last confirmation
    to_plan: list[float]  # per item: change -> the cycle that planned it started (queue and worker pick-up)
    before_send: list[float]  # per item: change -> the channel accepted the command
    after_done: list[float]  # per item: the channel finished the command -> we confirmed it
    requests: int
    offer_changes: int
    commands: int
    lower_bound: int  # commands
    confirmed: int
    budget_left: int = 0  # offer changes our per-minute budget still allowed when the change was made

    def ideal(self, floor: float, share: float) -> float:
        """The latency percentile a perfect sender would reach: what fits the minute budget goes at once, the
        rest when the first changes leave the 60 s window."""
        return floor if share * self.confirmed < self.budget_left else 60 + floor

    def engine_adds(self, completion: float) -> float:
        return pct([x - completion for x in self.latencies], .5)


def measure(bench: Bench, label: str, listing_ids: list[int], since: datetime, commit: float, requests: int,
            offer_changes: int) -> Run:
    from magazynier.sync import planning
    from magazynier.sync.models import CommandItem

    rows = list(CommandItem.objects.filter(listing_id__in=listing_ids, changed_since__gte=since)
                .values_list("listing_id", "offer_id", "kind", "outcome", "changed_since", "confirmed_at",
                             "command__command_id", "command__value", "command__created_at"))
    commands = bench.emu.world.commands.commands
    first: dict[int, datetime] = {}
    last: dict[int, datetime] = {}
    to_plan, before, after, changes = [], [], [], []
    for listing_id, offer_id, kind, outcome, changed, confirmed, command_id, value, planned in rows:
        remote = commands.get((kind, str(command_id)))
        if outcome != CommandItem.OK or remote is None:
            continue
        first[listing_id] = min(first.get(listing_id, changed), changed)
        last[listing_id] = max(last.get(listing_id, confirmed), confirmed)
        to_plan.append((planned - changed).total_seconds())
        before.append(remote.created_at - changed.timestamp())
        after.append(confirmed.timestamp() - remote.completes_at)
        typed = int(value) if kind == planning.QUANTITY else Decimal(value) if kind == planning.PRICE else value
        changes.append(planning.Change(listing_id, offer_id, kind, typed, None, 0))
    latencies = [(last[i] - first[i]).total_seconds() for i in first]
    return Run(label, len(listing_ids), commit, latencies, to_plan, before, after, requests, offer_changes,
               len({r[6] for r in rows}), planning.lower_bound_commands(changes), len(first))


def run_change(bench: Bench, seller: Seller, label: str, new: dict[int, int], timeout: float = 600) -> Run:
    """Commit a stock change (its on_commit hook queues the account's sync task) and wait until it is confirmed."""
    from django.utils import timezone

    from magazynier.channels.allegro.budgets import OFFER_CHANGES

    requests, changes = bench.requests(), bench.offer_changes(seller)
    world = bench.emu.world
    with world.lock:
        used = world.limiter.seller(seller.seller_id).changes_minute.total(world.clock.now())
    since = timezone.now()
    commit = bench.set_stocks(seller, new)
    if not wait_idle([seller.pk], timeout):
        print(f"  !! {label}: not idle after {timeout:.0f} s")
    run = measure(bench, label, [seller.listing[v] for v in new], since, commit, bench.requests() - requests,
                  bench.offer_changes(seller) - changes)
    run.budget_left = OFFER_CHANGES[0].count - used
    return run


def floor(bench: Bench, seller: Seller, variant_ids: list[int]) -> float:
    """One quantity command PUT by hand and its report polled every 10 ms: what the channel itself takes."""
    from magazynier.channels.connections import allegro_connector

    connector = allegro_connector(seller.account, max_wait=65)
    value = max(seller.stock[v] for v in variant_ids) + 1
    started = time.perf_counter()
    command_id = str(uuid.uuid4())
    connector.push_quantity(command_id, [seller.offer[v] for v in variant_ids], value)
    while not connector.command_report("quantity", command_id).done:
        time.sleep(0.01)
    return time.perf_counter() - started


# ---------------------------------------------------------------- 1 + 2: latency and efficiency
def latency_and_efficiency(bench: Bench) -> dict:
    sizes, rng = bench.sizes, bench.rng
    print(f"\n== 1. Propagation latency and 2. API efficiency (emulator command_completion_seconds = "
          f"{bench.completion:.1f} s) ==")
    started = time.monotonic()
    shop = bench.add_seller("shop", sizes.shop, real_link=False)
    wave = bench.add_seller("wave", sizes.wave * WAVE_SHARE, real_link=False)
    print(f"set up: seller 'shop' {sizes.shop:,} live offers, seller 'wave' {sizes.wave * WAVE_SHARE:,}, "
          f"in {time.monotonic() - started:.1f} s")

    # the floor, on offers of 'wave' the engine never touches afterwards
    spare = wave.variants[sizes.wave:]
    floors_one = [floor(bench, wave, [v]) for v in spare[:sizes.repeats_of_one]]
    floor_batch = floor(bench, wave, spare[sizes.repeats_of_one:sizes.repeats_of_one + 100])
    spare = spare[sizes.repeats_of_one + 100:]

    order = shop.variants[:]
    rng.shuffle(order)
    ones = [run_change(bench, shop, "1", {v: another_stock(rng, shop.stock[v])}) for v in order[:sizes.repeats_of_one]]
    runs = [Run("1", len(ones), pct([r.commit for r in ones], .5), *(
        [x for r in ones for x in getattr(r, name)] for name in ("latencies", "to_plan", "before_send", "after_done")),
        *(sum(getattr(r, name) for r in ones) for name in ("requests", "offer_changes", "commands", "lower_bound",
                                                         "confirmed")), budget_left=ones[-1].budget_left)]
    for count in sizes.latency[1:]:
        chosen = order[:count]
        runs.append(run_change(bench, shop, f"{count:,}", {v: another_stock(rng, shop.stock[v]) for v in chosen}))

    print(f"{'changed':>8} {'commit':>7} {'p50':>7} {'p99':>7} {'max':>7} | engine adds p50 = to the planning cycle + "
          f"on to the PUT, after the channel finished | floor")
    for run in runs:
        base = pct(floors_one, 0.5) if run.label == "1" else floor_batch
        note = ""
        if run.ideal(base, .99) > base:
            note = (f"; ideal at the budget ({run.budget_left:,} of 8,550/min left): p50 {run.ideal(base, .5):.2f} s, "
                    f"p99 {run.ideal(base, .99):.2f} s")
        to_plan = pct(run.to_plan, .5)
        print(f"{run.label:>8} {run.commit:6.2f}s {pct(run.latencies, .5):6.2f}s {pct(run.latencies, .99):6.2f}s "
              f"{max(run.latencies):6.2f}s | {run.engine_adds(bench.completion):5.2f} s = {to_plan:.2f} + "
              f"{pct(run.before_send, .5) - to_plan:.2f}, {pct(run.after_done, .5):.2f} | {base:.2f} s{note}")
    print(f"  floor: PUT + report polled every 10 ms, 1 offer p50 {pct(floors_one, .5):.2f} s "
          f"(n={len(floors_one)}), 100 offers {floor_batch:.2f} s; listings confirmed: "
          f"{', '.join(str(r.confirmed) for r in runs)}")

    # the stock-out wave: 1 offer in WAVE_SHARE ends
    wave_run = run_change(bench, wave, "wave", {v: 0 for v in wave.variants[:sizes.wave]})

    # the naive sync: one PATCH per offer, measured on a sample
    from magazynier.channels.connections import allegro_connector

    connector = allegro_connector(wave.account, max_wait=65)
    sample = spare[:sizes.naive]
    before = bench.requests()
    t0 = time.perf_counter()
    for v in sample:
        connector.edit_offer(wave.offer[v], {"stock": {"available": another_stock(rng, wave.stock[v])}})
    naive_seconds = time.perf_counter() - t0
    naive_requests = bench.requests() - before

    print(f"\nper 1,000 changed listings{'':14} requests  offer-changes  commands | lower bound: commands "
          f"requests offer-changes")
    for run in [*runs[1:], wave_run]:
        k = 1000 / max(run.confirmed, 1)
        label = f"stock-out wave ({run.changed:,} -> END)" if run.label == "wave" else f"{run.label} small-shop changes"
        print(f"  {label:<38} {run.requests * k:8.0f} {run.offer_changes * k:14.0f} {run.commands * k:9.1f} | "
              f"{run.lower_bound * k:20.1f} {3 * run.lower_bound * k:8.0f} {1000:13d}")
    k = 1000 / len(sample)
    print(f"  {'naive PATCH per offer (sample ' + str(len(sample)) + ')':<38} {naive_requests * k:8.0f} "
          f"{1000:14d} {'-':>9} | {naive_seconds * k:.1f} s of requests per 1,000, and the PATCH limit "
          f"(2,500/min, 95 % budget) allows 1,000 in >= {1000 / 2375 * 60:.0f} s")
    print("  (lower bound: one command per distinct target value and 1,000 offers, each sent once and confirmed "
          "with one report and one task page = 3 requests; one offer change per changed offer. Allegro counts a "
          "PATCH as one offer change; the emulator counts only commands.)")
    return {"runs": runs, "floors_one": floors_one, "floor_batch": floor_batch, "wave": wave_run,
            "naive": (naive_requests * k, naive_seconds * k), "shop": shop}


# ---------------------------------------------------------------- 3 + 4: fairness, sustained rate, memory
@dataclass
class StockOut:
    seller: Seller
    variant: int
    asked: float  # wall clock when apply_stock_changes was called
    commit: float  # seconds it took (waiting for SQLite's write lock included)
    phase: str
    latency: float | None = None  # the engine's measure: changed_since (inside the transaction) -> confirmed
    from_call: float | None = None  # from the call, i.e. with the wait for the write lock
    to_plan: float | None = None  # changed_since -> the planning cycle that took it started


def fairness(bench: Bench, worker: Worker) -> dict:
    from django.db import OperationalError, transaction
    from django.utils import timezone

    from magazynier.catalog.models import Variant
    from magazynier.core import changes
    from magazynier.sync.models import AccountSyncSettings, Command, CommandItem

    sizes = bench.sizes
    print(f"\n== 3. Sustained rate and fairness; 4. memory (10 sellers, one of them repricing {sizes.big:,} "
          f"offers) ==")
    started = time.monotonic()
    big = bench.add_seller("big", sizes.big, real_link=False, prices=True)
    # a seller repricing everything raises the guard's "changes in one plan" limit (default 20,000)
    AccountSyncSettings.objects.update_or_create(account=big.account, defaults={"guard_max_changes": 1_000_000})
    print(f"set up: seller 'big' with {sizes.big:,} live offers in {time.monotonic() - started:.1f} s "
          f"(offers created in the emulator's world, read back over HTTP, linked by SKU)")
    started = time.monotonic()
    small = [bench.add_seller(f"small{n}", sizes.small, real_link=True) for n in range(1, 10)]
    print(f"set up: 9 sellers x {sizes.small} live offers linked with link_offers in "
          f"{time.monotonic() - started:.1f} s")
    loaded = subprocess.run([sys.executable, __file__, "--load-rows", str(big.pk)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout.split()
    load_mb = float(loaded[1])

    next_variant = {s.key: iter(s.variants) for s in small}
    outs: list[StockOut] = []
    failures: Counter[str] = Counter()

    def stock_out_round(phase: str) -> None:
        for seller in small:
            v = next(next_variant[seller.key])
            asked = time.time()
            try:
                commit = bench.set_stocks(seller, {v: 0})
            except OperationalError as exc:  # SQLite's busy timeout (30 s) ran out
                failures[f"{type(exc).__name__}: {exc}"] += 1
                continue
            outs.append(StockOut(seller, v, asked, commit, phase))

    # without the repricing: the first round comes after the quiet set-up (Huey's idle workers poll the SQLite
    # queue less and less often, up to every 10 s), the next ones 5 s apart like the rounds during the repricing
    for n in range(3):
        stock_out_round("quiet" if n == 0 else "alone")
        time.sleep(5.0)
    wait_idle([s.pk for s in small], 60)

    # the repricing: every variant of 'big' +5 %, committed the way the importer does (one transaction, PRICE)
    new_prices = {v: repriced(p) for v, p in big.price.items()}
    counters_before = bench.seller_counters(big)
    reset_peak(worker.pid)
    worker_rss = proc_status(worker.pid, "VmRSS")
    since = timezone.now()
    t0 = time.perf_counter()
    with transaction.atomic():
        by_price: dict[Decimal, list[int]] = {}
        for v, p in new_prices.items():
            by_price.setdefault(p, []).append(v)
        for p, ids in by_price.items():
            for start in range(0, len(ids), 5000):
                Variant.objects.filter(pk__in=ids[start:start + 5000]).update(price=p)
        changes.changed(changes.PRICE, list(new_prices))
    reprice_commit = time.perf_counter() - t0
    committed = time.monotonic()

    samples: list[tuple[float, int]] = []  # monotonic, offer changes of 'big'
    planned_at = None
    plan_mb = None
    next_round = time.monotonic() + 1.0
    while True:
        now = time.monotonic()
        samples.append((now, bench.offer_changes(big)))
        if planned_at is None and Command.objects.filter(account=big.account, created_at__gte=since).exists():
            planned_at = now
            plan_mb = proc_status(worker.pid, "VmHWM") - worker_rss
        if planned_at is not None and now - planned_at >= sizes.observe:
            break
        if now >= next_round:
            stock_out_round("planning" if planned_at is None else "sending")
            next_round = now + 5.0
        time.sleep(0.25)
    wait_idle([s.pk for s in small], 120)

    for out in outs:
        item = (CommandItem.objects.filter(listing_id=out.seller.listing[out.variant], outcome=CommandItem.OK)
                .order_by("-confirmed_at").values_list("changed_since", "confirmed_at", "command__created_at").first())
        if item:
            out.latency = (item[1] - item[0]).total_seconds()
            out.from_call = item[1].timestamp() - out.asked
            out.to_plan = (item[2] - item[0]).total_seconds()

    best, j = 0, 0  # the most offer changes of 'big' in any 60 s of the samples
    for i in range(len(samples)):
        while samples[i][0] - samples[j][0] > 60:
            j += 1
        best = max(best, samples[i][1] - samples[j][1])
    first_command = (Command.objects.filter(account=big.account, created_at__gte=since)
                     .order_by("created_at").values_list("created_at", flat=True).first())
    first_sent = (Command.objects.filter(account=big.account, created_at__gte=since, sent_at__isnull=False)
                  .order_by("sent_at").values_list("sent_at", flat=True).first())
    commands = Command.objects.filter(account=big.account, created_at__gte=since).count()
    return {"big": big, "outs": outs, "failures": failures, "distinct_prices": len(set(new_prices.values())),
            "reprice_commit": reprice_commit, "load_mb": load_mb, "plan_mb": plan_mb,
            "plan_start": (first_command - since).total_seconds() - reprice_commit if first_command else None,
            "plan_seconds": (planned_at or time.monotonic()) - committed,
            "first_sent": (first_sent - since).total_seconds() - reprice_commit if first_sent else None,
            "commands": commands, "sent": bench.offer_changes(big) - counters_before.get("offerChanges", 0),
            "best_minute": best, "counters": bench.seller_counters(big)}


def report_fairness(bench: Bench, fair: dict, shop: Seller, shop_run: Run) -> None:
    from magazynier.channels.allegro.budgets import OFFER_CHANGES, PRICE_CHANGES

    sizes = bench.sizes
    minute, hour, price_hour = OFFER_CHANGES[0].count, OFFER_CHANGES[1].count, PRICE_CHANGES[0].count
    counters = fair["counters"]

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} s"

    print(f"repricing: {sizes.big:,} variants +5 % ({fair['distinct_prices']} distinct new prices, "
          f"{fair['commands']} commands) committed in {fair['reprice_commit']:.1f} s; after the commit its planning "
          f"cycle started in {seconds(fair['plan_start'])}, its commands were stored at "
          f"{seconds(fair['plan_seconds'])} and the first sent at {seconds(fair['first_sent'])}")
    print(f"sustained, seller 'big' at the real limits (9,000/min, 250,000/h, price 150,000/h; our budgets "
          f"{minute:,}/min, {hour:,}/h, price {price_hour:,}/h):")
    print(f"  most offer changes in any 60 s: {fair['best_minute']:,} (sampled every 0.25 s); emulator peak per "
          f"minute {counters.get('peakOfferChangesPerMinute', 0):,}, rejected {counters.get('rejected', 0)}; "
          f"{fair['sent']:,} sent while watched")
    shop_counters = bench.seller_counters(shop)
    print(f"  seller 'shop' (after its {shop_run.label} stock changes): emulator peak per minute "
          f"{shop_counters.get('peakOfferChangesPerMinute', 0):,}, rejected {shop_counters.get('rejected', 0)}")
    per_hour = min(fair["best_minute"] * 60, hour)
    print(f"  projected per hour: min(60 x {fair['best_minute']:,}, {hour:,}) = {per_hour:,} offer changes "
          f"(a price-only backlog: min(that, {price_hour:,}) = {min(per_hour, price_hour):,}); baseline: Allegro's "
          f"250,000/h")
    lost = sum(1 for out in fair["outs"] if out.latency is None)
    print("stock-outs of the 9 other sellers (one END each): engine latency (changed_since -> confirmed) | from the "
          "apply_stock_changes call (its wait for the write lock included) | that call, max | change -> its planning "
          "cycle, p50")
    labels = {"quiet": "alone, first after a quiet minute", "alone": "alone, every 5 s (baseline)",
              "planning": "during the repricing's planning cycle", "sending": "while the repricing is being sent"}
    for phase in ("quiet", "alone", "planning", "sending"):
        outs = [out for out in fair["outs"] if out.phase == phase and out.latency is not None]
        if outs:
            engine = [o.latency for o in outs]
            called = [o.from_call for o in outs]
            print(f"  {labels[phase]:<38} n={len(outs):3d}  p50 {pct(engine, .5):5.2f} s p99 {pct(engine, .99):5.2f} "
                  f"s | p50 {pct(called, .5):5.2f} s p99 {pct(called, .99):5.2f} s | {max(o.commit for o in outs):5.2f} s | "
                  f"{pct([o.to_plan for o in outs], .5):5.2f} s")
    if lost or fair["failures"]:
        print(f"  not confirmed: {lost}; stock changes refused: {dict(fair['failures']) or 0}")
    plan = fair["plan_mb"]
    print(f"memory, {sizes.big:,} due listings: the worker process's RSS grew {plan or float('nan'):.0f} MB during "
          f"the planning cycle ({(plan or 0) * 1024 / sizes.big:.1f} KB/listing); baseline: a fresh process loading "
          f"the same listing rows (with variant and product) grows {fair['load_mb']:.0f} MB")


def summary(bench: Bench, first: dict, fair: dict, seconds: float) -> None:
    runs = first["runs"]
    rows = [("figure", "measured", "baseline (same run)")]
    for run in runs:
        base = pct(first["floors_one"], .5) if run.label == "1" else first["floor_batch"]
        baseline = f"floor {base:.2f} s (completion {bench.completion:.1f} s)"
        if run.ideal(base, .99) > base:
            baseline = f"ideal {run.ideal(base, .5):.2f} / {run.ideal(base, .99):.2f} s (minute budget)"
        rows.append((f"latency, {run.label} changed, p50 / p99", f"{pct(run.latencies, .5):.2f} / "
                     f"{pct(run.latencies, .99):.2f} s", baseline))
        rows.append((f"  engine adds (p50), {run.label} changed", f"{run.engine_adds(bench.completion):.2f} s",
                     f"latency - completion {bench.completion:.1f} s"))
    for run in [*runs[1:], first["wave"]]:
        k = 1000 / max(run.confirmed, 1)
        name = "stock-out wave" if run.label == "wave" else f"{run.label} changes"
        rows.append((f"requests / 1,000 listings ({name})", f"{run.requests * k:.0f}",
                     f"lower bound {3 * run.lower_bound * k:.0f}; naive {first['naive'][0]:.0f}"))
        rows.append((f"offer changes / 1,000 ({name})", f"{run.offer_changes * k:.0f}",
                     "lower bound 1000; naive 1000"))
    rows.append(("offer changes in the busiest 60 s (one seller)", f"{fair['best_minute']:,}",
                 f"limit 9,000 (budget 8,550); rejected {fair['counters'].get('rejected', 0)}"))
    rows.append(("projected offer changes / hour (one seller)", f"{min(fair['best_minute'] * 60, 237_500):,}",
                 "limit 250,000 (budget 237,500)"))
    groups: dict[str, list[float]] = {}
    for out in fair["outs"]:
        if out.from_call is not None:
            groups.setdefault(out.phase, []).append(out.from_call)
    alone = f"alone: p50 {pct(groups['alone'], .5):.2f} s" if groups.get("alone") else "-"
    for phase, name in (("quiet", "alone, after quiet"), ("alone", "alone"), ("planning", "during planning"),
                        ("sending", "during sending")):
        if groups.get(phase):
            rows.append((f"stock-out latency {name}, p50 / max", f"{pct(groups[phase], .5):.2f} / "
                         f"{max(groups[phase]):.2f} s", alone))
    rows.append((f"planning memory, {bench.sizes.big:,} listings", f"{fair['plan_mb'] or float('nan'):.0f} MB",
                 f"loading the rows {fair['load_mb']:.0f} MB"))
    print_summary(rows, seconds)


def run_in_data_dir(run, args, sizes) -> int:
    """`run(args, sizes, started)` in a fresh data dir (removed afterwards unless --keep)."""
    started = time.monotonic()
    made = setup_django()
    try:
        run(args, sizes, started)
    finally:
        if made and not args.keep:
            shutil.rmtree(made, ignore_errors=True)
        elif made:
            print(f"data dir kept: {made}")
    return 0


def print_summary(rows: list[tuple[str, str, str]], seconds: float) -> None:
    """The closing table: figure, measured, baseline (the first row is the header)."""
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"\nSummary ({seconds:.0f} s in all)")
    for n, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in width))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, about a minute and a half")
    mode.add_argument("--full", action="store_true", help="more repeats, a longer watch of the repricing")
    parser.add_argument("--completion", type=float, default=1.0,
                        help="seconds the emulator takes to complete a command (default 1.0)")
    parser.add_argument("--workers", type=int, help="threads of the worker (default: magazynier worker's default)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir (database, worker.log)")
    parser.add_argument("--load-rows", type=int, help=argparse.SUPPRESS)  # internal: the memory baseline
    args = parser.parse_args()
    if args.load_rows:
        load_rows(args.load_rows)
        return 0
    sizes = QUICK if args.quick else FULL if args.full else DEFAULT
    return run_in_data_dir(run, args, sizes)


def run(args, sizes: Sizes, started: float) -> None:
    from django.db import connection

    from emulators.allegro import EmulatorConfig
    from emulators.allegro.testing import running_emulator

    with running_emulator(EmulatorConfig(seed=1, command_completion_seconds=args.completion)) as emu:
        bench = Bench(emu, sizes, args.completion)
        worker = Worker(args.workers)
        print(f"database: {connection.vendor}, queue: {os.environ['MAGAZYNIER_QUEUE']}, `magazynier worker` with "
              f"{worker.threads} threads; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {sizes}")
        try:
            first = latency_and_efficiency(bench)
            fair = fairness(bench, worker)
            report_fairness(bench, fair, first["shop"], first["runs"][-1])
        finally:
            worker.stop()
    problems, durations = worker.digest()
    print(f"\nworker: {len(durations)} sync tasks, longest {max(durations, default=0):.1f} s; logged: "
          f"{dict(problems.most_common(6)) or 'nothing'}")
    summary(bench, first, fair, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
