"""Benchmark: from a sale in the seller's WooCommerce shop to Allegro confirming the new stock, with the product
running as in production (real loopback HTTP, SQLite by default).

One catalog of `--variants` (300; quick 100) variants, each with 200-400 units in one warehouse, is sold on
Allegro (`demo-seller` of the Allegro emulator, offers created in-process) and in a WooCommerce shop (the
WooCommerce emulator, simple products with managed stock created through its REST batch endpoint, 100 per
request). Allocation: Allegro 60 % (priority 1), the shop 30 % (priority 2), 10 % kept in reserve, buffer 0;
writers on for both. The product runs as in production: the web server (`magazynier web`, uvicorn) receives the
shop's signed order webhooks (`connect_shop` registers them, pointing at MAGAZYNIER_PUBLIC_URL) and stores each
order with its reservation in one transaction; the outbox marks both channels' listings and `magazynier
worker` (Huey threads, the periodic tick) runs `sync_account`, which pushes the new quantity to Allegro and
confirms it when it reads the command's report. The shop's order feed polls the shop as the fallback. Both
emulators run in this process; a thread ticks the Allegro emulator every 20 ms. Before anything is measured
the engine settles (the first sync sends Allegro its 60 % and the shop its 30 %).

Two phases, measured the same way:

* steady: buyers buy one unit per order in the shop (`world.purchase` on random variants, random.Random(7)) at
  `--rate` per minute (120) until `--orders` orders (600; quick 150);
* burst: `--burst` purchases (100; quick 30) placed one after the other without a pause. It starts as soon as
  the steady phase has settled; with the defaults that is about 5 minutes after the shop's order feed started,
  so the feed's 60 s poll tends to fall into the burst and race its webhooks (the report says how many orders
  each path stored).

Figures, each beside a baseline measured in the same run:

1. Sale -> Allegro confirmed, p50/p99/max. The sale moment is time.time() right after `world.purchase` returned
   in this process (the order's date_created_gmt has whole seconds only); the database timestamps are the same
   machine's clock. For each variant the k-th shop sale leaves start - k units available, and Allegro's target
   is then the product's own allocation (`inventory.availability.sellable_by_channel` with the stored channel
   rules) of start - k units; the sale is confirmed on Allegro at the first quantity CommandItem of the
   variant's Allegro listing with outcome ok, confirmed_at at or after the sale and a value <= that target.
   Stock only goes down here (no restock, no cancellation, no Allegro sales), so that is the first moment
   Allegro's offer shows a stock that accounts for this sale, however many sales one command coalesced. A sale
   that does not lower Allegro's target (the allocation's rounding: of 200 and of 199 units Allegro gets 120)
   has nothing to measure; those are counted apart. Baseline: the floor, one quantity command PUT by hand to a
   spare Allegro offer and its report polled every 10 ms, plus the delay the shop itself adds before a webhook
   delivery (its config's webhook_delay_seconds): a perfect hub reaches about their sum.
2. Sale -> order stored (`Order.imported_at`), stored -> reservation (`Reservation.created_at`), reservation ->
   Allegro confirmed, and the engine's own measure of the Allegro items (changed_since -> confirmed, split
   into -> planned, -> sent, -> confirmed). The shop's delivery log gives when each delivery's POST started and
   how long magazynier took to answer it; an order counts as stored by webhook when its imported_at falls
   within a successful delivery's POST, otherwise by the feed's polling fallback.
3. Requests to the shop per order (a middleware on the shop emulator's app counts them by method and path;
   the emulator's own counter is printed beside) and webhook deliveries ok/failed; the sync engine's requests
   to Allegro per order (bench_orders' Traffic middleware; Allegro's own order feed counted apart) beside 3
   per sale that lowered Allegro's target (PUT, report, task list: one command per sale, no coalescing).

At the end: every shop order is in magazynier (ids compared), no order is oversold, the units reserved per
variant match the units sold, and every offer on both channels shows what the engine says it should (the
emulators' quantities against Listing.confirmed_quantity and the engine's desired value).

    python bench/bench_woo_to_allegro.py [--quick] [--orders N] [--rate PER_MIN] [--burst N] [--variants N]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench_orders import Ticker, Traffic, command_floor, three
from bench_sync import ROOT, Bench, Worker, pct, print_summary, run_in_data_dir, wait_idle

ALLEGRO = "demo-seller"  # the Allegro emulator's default seller
PRICE = Decimal("49.99")
SHARES = {"allegro": (Decimal(60), 1), "shop": (Decimal(30), 2)}  # share %, priority
REST_PREFIX = "/wp-json/wc/v3"
SPARE_OFFERS = 5
SHOP_POLL = [60.0]  # the order feed's poll of a shop whose webhooks work (set from order_feed.SHOP_POLL_SECONDS)


@dataclass(frozen=True)
class Sizes:
    variants: int
    orders: int
    rate: float  # purchases per minute in the steady phase
    burst: int


QUICK = Sizes(variants=100, orders=150, rate=120, burst=30)
DEFAULT = Sizes(variants=300, orders=600, rate=120, burst=100)


# ---------------------------------------------------------------- what reaches the shop
class ShopTraffic:
    """API requests to the shop by (method, path with ids folded); an ASGI middleware of the shop emulator's
    app, installed before its first request."""

    def __init__(self):
        self.counts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def install(self, app) -> None:
        traffic = self

        class Count:
            def __init__(self, inner):
                self.inner = inner

            async def __call__(self, scope, receive, send):
                if scope["type"] == "http" and not scope["path"].startswith("/__admin__"):
                    traffic.note(scope["method"], scope["path"])
                await self.inner(scope, receive, send)

        app.add_middleware(Count)

    def note(self, method: str, path: str) -> None:
        path = path.removeprefix(REST_PREFIX) or "/"
        shape = "/".join("{id}" if part.isdigit() else part for part in path.split("/"))
        with self.lock:
            self.counts[(method, shape)] += 1

    def snapshot(self) -> Counter:
        with self.lock:
            return Counter(self.counts)


# ---------------------------------------------------------------- the web process
class Web:
    """`magazynier web` on the benchmark's data dir and a free loopback port, logging to a file. Sets
    MAGAZYNIER_PUBLIC_URL in this process (connect_shop points the shop's webhooks there)."""

    def __init__(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        os.environ["MAGAZYNIER_PUBLIC_URL"] = self.url
        self.path = Path(os.environ["MAGAZYNIER_DATA_DIR"]) / "web.log"
        self.log = self.path.open("w")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "magazynier.cli", "web", "--host", "127.0.0.1", "--port", str(port),
                   "--no-migrate"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/login/", timeout=2)
                return
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the web server did not start:\n{self.path.read_text()[-2000:]}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def digest(self) -> tuple[Counter[str], Counter[str]]:
        """Answers to the webhook deliveries (by status), and warnings and errors logged (by message)."""
        answers: Counter[str] = Counter()
        problems: Counter[str] = Counter()
        for line in self.path.read_text(errors="replace").splitlines():
            if match := re.search(r'"POST /hooks/woocommerce/\d+/ HTTP/[\d.]+" (\d{3})', line):
                answers[match.group(1)] += 1
            elif " WARNING " in line or " ERROR " in line or re.match(r"\w+(Error|Exception)\b", line):
                message = line.split(": ", 1)[-1]
                problems[re.sub(r"\d+", "N", message)[:110]] += 1
        return answers, problems


# ---------------------------------------------------------------- setup
@dataclass
class Setup:
    allegro: object  # ChannelAccount
    shop: object  # ChannelAccount
    seller_id: str  # the Allegro emulator's seller id
    warehouse_id: int
    skus: list[str]
    variant_of: dict[str, int]  # sku -> variant id
    start: dict[int, int]  # variant id -> units at the start (nothing reserved)
    allegro_listing: dict[int, int]  # variant id -> listing id
    allegro_offer: dict[int, str]  # variant id -> offer id
    shop_listing: dict[int, int]
    shop_offer: dict[int, str]
    spare: list[str] = field(default_factory=list)  # Allegro offers unknown to magazynier (the floor)


def offer_body(product_id: str, sku: str, stock: int) -> dict:
    return {"productSet": [{"product": {"id": product_id}}], "stock": {"available": stock},
            "sellingMode": {"price": {"amount": str(PRICE), "currency": "PLN"}},
            "publication": {"status": "ACTIVE"}, "images": ["https://a.allegroimg.com/original/bench"],
            "external": {"id": sku}}


def seed(bench: Bench, shop, count: int, rng: random.Random) -> tuple[list[str], list[int], object]:
    """The catalog in magazynier (bulk rows), the same SKUs as Allegro offers (the emulator's own create
    logic, in-process) and as shop products (REST batch, 100 per request); the Allegro account connected by
    device flow and linked. Returns (skus, units, the Allegro account)."""
    import httpx
    from django.db import transaction
    from django.utils import timezone

    from magazynier.catalog.importers import default_warehouse
    from magazynier.catalog.models import Category, Product, Variant
    from magazynier.channels.connections import allegro_connector
    from magazynier.inventory.models import StockLevel
    from magazynier.sync.models import SyncState

    world = bench.emu.world
    skus = [f"woo-{n:05d}" for n in range(count)]
    units = [rng.randint(200, 400) for _ in skus]
    product = min(world.catalog.products.values(), key=lambda p: p.id)
    seller_id = world.seller_by_login(ALLEGRO).id
    with world.lock:
        now = world.clock.now()
        for sku, stock in zip(skus, units, strict=True):
            world.offers.create(seller_id, offer_body(product.id, sku, stock), now)

    config = shop.world.config
    with httpx.Client(auth=(config.consumer_key, config.consumer_secret), timeout=60) as client:
        for begin in range(0, count, config.batch_limit):
            body = {"create": [{"name": f"Produkt testowy {sku}", "type": "simple", "sku": sku,
                                "regular_price": str(PRICE), "manage_stock": True, "stock_quantity": stock}
                               for sku, stock in zip(skus[begin:begin + config.batch_limit],
                                                     units[begin:begin + config.batch_limit], strict=True)]}
            answer = client.post(f"{shop.rest_url}/products/batch", json=body)
            answer.raise_for_status()
            errors = [c["error"] for c in answer.json()["create"] if "error" in c]
            if errors:
                raise RuntimeError(f"the shop refused products: {errors[:3]}")

    warehouse = default_warehouse()
    with transaction.atomic():
        category, _created = Category.objects.get_or_create(name="Bench")
        products = Product.objects.bulk_create(
            [Product(key=sku, name=f"Produkt testowy {sku}", category=category) for sku in skus], batch_size=5000)
        variants = Variant.objects.bulk_create(
            [Variant(product=p, sku=p.key, name=p.name, price=PRICE) for p in products], batch_size=5000)
        StockLevel.objects.bulk_create([StockLevel(variant=v, warehouse=warehouse, on_hand=n)
                                        for v, n in zip(variants, units, strict=True)], batch_size=5000)
    account = bench.connect(ALLEGRO, f"Allegro {ALLEGRO}")
    bench.bulk_link(account, allegro_connector(account, max_wait=65))
    SyncState.objects.update_or_create(account=account, defaults={"last_full_sweep_at": timezone.now()})
    return skus, units, account


def connect_the_shop(shop, count: int):
    """The shop connected as `magazynier woocommerce connect` does (its webhooks reach the web process), and
    its products linked by SKU."""
    from django.utils import timezone

    from magazynier.channels.connections import woo_connector
    from magazynier.channels.linking import link_offers
    from magazynier.channels.shop_connection import connect_shop
    from magazynier.sync.models import SyncState

    config = shop.world.config
    done = connect_shop(name="Sklep WWW", url=shop.base_url, key=config.consumer_key, secret=config.consumer_secret)
    if not done.webhooks.healthy:
        raise RuntimeError(f"the shop's webhooks could not be registered: {done.webhooks.failed}")
    report = link_offers(done.account, woo_connector(done.account, max_wait=65))
    if report.linked != count:
        raise RuntimeError(f"{report.linked} of {count} shop products linked: {report}")
    # link_offers has just read every product: the engine's first run need not read them all again
    SyncState.objects.update_or_create(account=done.account, defaults={"last_full_sweep_at": timezone.now()})
    return done.account


def configure(allegro, shop_account) -> None:
    """Allocation (Allegro 60 % priority 1, the shop 30 % priority 2, buffer 0) and writers on."""
    from magazynier.channels.actions import set_writers
    from magazynier.sync.actions import save_settings
    from magazynier.sync.models import AccountSyncSettings

    for account, (share, priority) in ((allegro, SHARES["allegro"]), (shop_account, SHARES["shop"])):
        save_settings(AccountSyncSettings(account=account, share_percent=share, priority=priority, buffer=0))
        set_writers(account, True)


def build_setup(bench: Bench, shop, sizes: Sizes) -> tuple[Setup, Web]:
    from magazynier.catalog.importers import default_warehouse
    from magazynier.catalog.models import Variant
    from magazynier.channels.models import Listing

    skus, units, allegro = seed(bench, shop, sizes.variants, random.Random(1))
    web = Web()
    try:
        shop_account = connect_the_shop(shop, sizes.variants)
        configure(allegro, shop_account)
    except BaseException:
        web.stop()
        raise
    variant_of = dict(Variant.objects.filter(sku__in=skus).values_list("sku", "pk"))
    rows = {a.pk: list(Listing.objects.filter(account=a, variant__isnull=False)
                       .values_list("variant_id", "pk", "offer_id")) for a in (allegro, shop_account)}
    world = bench.emu.world
    seller_id = world.seller_by_login(ALLEGRO).id
    setup = Setup(allegro, shop_account, seller_id, default_warehouse().pk, skus, variant_of,
                  {variant_of[s]: n for s, n in zip(skus, units, strict=True)},
                  {v: pk for v, pk, _o in rows[allegro.pk]}, {v: o for v, _pk, o in rows[allegro.pk]},
                  {v: pk for v, pk, _o in rows[shop_account.pk]}, {v: o for v, _pk, o in rows[shop_account.pk]})
    product = min(world.catalog.products.values(), key=lambda p: p.id)
    with world.lock:  # after linking, so they stay unknown to magazynier: the floor's commands go there
        now = world.clock.now()
        setup.spare = [world.offers.create(seller_id, offer_body(product.id, f"spare-{n}", 10), now)[0].id
                       for n in range(SPARE_OFFERS)]
    return setup, web


def start_feeds(setup: Setup, timeout: float = 60) -> None:
    """Queue both accounts' order_feed tasks and wait until both feeds have started reading from now."""
    from magazynier.sync.models import OrderFeed
    from magazynier.sync.tasks import order_feed

    for account in (setup.allegro, setup.shop):
        order_feed(account.pk)
    deadline = time.monotonic() + timeout
    while OrderFeed.objects.filter(account__in=[setup.allegro, setup.shop], started_at__isnull=False).count() < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("the order feeds did not start")
        time.sleep(0.1)


# ---------------------------------------------------------------- a phase
@dataclass
class Sale:
    order_id: int  # the shop's order id
    variant: int
    k: int  # the k-th unit of this variant sold in the shop (1-based)
    at: float  # time.time() right after world.purchase returned


@dataclass
class Phase:
    label: str
    wanted: int
    rate: float | None  # purchases per minute (None: one after the other, no pause)
    sales: list[Sale] = field(default_factory=list)
    refused: int = 0
    started: float = 0.0
    bought: float = 0.0  # when the last purchase returned
    ended: float = 0.0  # everything stored and both accounts idle
    idle: bool = True
    shop_traffic: Counter = field(default_factory=Counter)
    shop_counters: dict = field(default_factory=dict)  # deltas of the shop emulator's own counters
    allegro_requests: int = 0  # the Allegro emulator's client counter
    allegro_traffic: Counter = field(default_factory=Counter)  # (method, path shape) -> requests
    offer_changes: int = 0
    # measured afterwards
    to_allegro: list[float] = field(default_factory=list)  # sale -> Allegro confirmed
    no_change: int = 0  # sales that did not lower Allegro's target
    unconfirmed: int = 0
    to_stored: list[float] = field(default_factory=list)  # sale -> Order.imported_at
    to_reserved: list[float] = field(default_factory=list)  # imported_at -> Reservation.created_at
    reserved_to_allegro: list[float] = field(default_factory=list)
    to_delivery: list[float] = field(default_factory=list)  # sale -> the first delivery's POST started
    answer: list[float] = field(default_factory=list)  # the delivery's POST: magazynier's answering time
    by_webhook: int = 0
    by_poll: int = 0
    missing: list[int] = field(default_factory=list)  # in the shop, not in magazynier
    engine: list[float] = field(default_factory=list)  # Allegro items: changed_since -> confirmed
    engine_parts: list[tuple[float, float, float]] = field(default_factory=list)


class Buyers:
    """Shop purchases of one unit on random variants (random.Random(7)), at a pace or one after the other."""

    def __init__(self, bench: Bench, shop, setup: Setup, traffic: ShopTraffic, allegro_traffic: Traffic):
        self.bench, self.shop, self.setup, self.traffic = bench, shop, setup, traffic
        self.allegro_traffic = allegro_traffic
        self.rng = random.Random(7)
        self.sold: Counter[int] = Counter()

    def stored(self) -> int:
        from magazynier.orders.models import Order

        return Order.objects.filter(account=self.setup.shop).count()

    def offer_changes(self) -> int:
        return self.bench.emu.world.counters()["sellers"].get(self.setup.seller_id, {}).get("offerChanges", 0)

    def run(self, phase: Phase, timeout: float) -> Phase:
        from huey.contrib.djhuey import HUEY

        from emulators.woocommerce.checkout import PurchaseRefused

        world, setup = self.shop.world, self.setup
        stored_before = self.stored()
        traffic_before = self.traffic.snapshot()
        allegro_before = self.allegro_traffic.snapshot()
        counters_before = world.counters()
        requests_before = self.bench.requests()
        changes_before = self.offer_changes()
        pace = f"at {phase.rate:,.0f}/min" if phase.rate else "one after the other"
        print(f"\n== {phase.label}: {phase.wanted:,} shop orders {pace} ==")
        phase.started = time.time()
        t0 = next_print = time.monotonic()
        next_print += 30
        for n in range(phase.wanted):
            if phase.rate:
                wait = t0 + n * 60 / phase.rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            sku = self.rng.choice(setup.skus)
            try:
                order = world.purchase([{"sku": sku, "quantity": 1}])
            except PurchaseRefused:
                phase.refused += 1
                continue
            at = time.time()
            variant = setup.variant_of[sku]
            self.sold[variant] += 1
            phase.sales.append(Sale(int(order["id"]), variant, self.sold[variant], at))
            if time.monotonic() >= next_print:
                print(f"  {time.time() - phase.started:5.0f} s: placed {len(phase.sales):,}, stored in magazynier "
                      f"{self.stored() - stored_before:,}, tasks waiting in the worker's queue "
                      f"{HUEY.pending_count():,}")
                next_print += 30
        phase.bought = time.time()
        if not phase.rate:
            print(f"placed in {phase.bought - phase.started:.2f} s")

        # wait: every order stored, then both accounts idle
        last_progress, last_count = time.monotonic(), -1
        while True:
            stored = self.stored() - stored_before
            if stored >= len(phase.sales):
                break
            if stored != last_count:
                last_progress, last_count = time.monotonic(), stored
            if time.monotonic() - last_progress > timeout:
                print(f"  !! no new order stored for {timeout:.0f} s: stopping the wait")
                break
            time.sleep(0.2)
        phase.idle = wait_idle([setup.allegro.pk, setup.shop.pk], timeout)
        if not phase.idle:
            print(f"  !! the accounts were not idle {timeout:.0f} s after the last order was stored")
        world.wait_for_deliveries(10)
        phase.ended = time.time()
        print(f"all stored and both accounts idle {phase.ended - phase.bought:.1f} s after the last purchase")
        phase.shop_traffic = self.traffic.snapshot() - traffic_before
        after = world.counters()
        phase.shop_counters = {name: after[name] - counters_before[name] for name in (
            "requests", "batch_requests", "batch_items", "webhook_deliveries_ok", "webhook_deliveries_failed",
            "webhook_deliveries_dropped", "webhook_deliveries_duplicated", "webhook_deliveries_coalesced")}
        phase.allegro_requests = self.bench.requests() - requests_before
        phase.allegro_traffic = Counter()
        for (seller, method, path), count in (self.allegro_traffic.snapshot() - allegro_before).items():
            if seller == setup.seller_id:
                phase.allegro_traffic[(method, path)] += count
        phase.offer_changes = self.offer_changes() - changes_before
        return phase


# ---------------------------------------------------------------- measuring
class Targets:
    """Allegro's target for a variant after k shop sales: the product's own allocation of start - k units."""

    def __init__(self, setup: Setup):
        from magazynier.sync.desired import channel_rules

        self.setup = setup
        self.rules = channel_rules()
        self.cache: dict[tuple[int, int, int], int] = {}

    def quantity(self, variant: int, k: int, account_id: int | None = None) -> int:
        from magazynier.inventory.availability import Stock, sellable_by_channel

        account_id = account_id or self.setup.allegro.pk
        key = (self.setup.start[variant], k, account_id)
        if key not in self.cache:
            levels = [Stock(self.setup.warehouse_id, self.setup.start[variant], k)]
            self.cache[key] = sellable_by_channel(levels, self.rules)[account_id].quantity
        return self.cache[key]


def measure(phases: list[Phase], setup: Setup, deliveries: list[dict]) -> None:
    from magazynier.inventory.models import Reservation
    from magazynier.orders.models import Order
    from magazynier.sync.models import CommandItem

    orders = {int(ext): (pk, imported) for pk, ext, imported in
              Order.objects.filter(account=setup.shop).values_list("pk", "external_id", "imported_at")}
    reserved: dict[int, datetime] = {}  # order pk -> its first reservation
    for reference, created in Reservation.objects.filter(reference__startswith="order:").values_list(
            "reference", "created_at"):
        pk = int(reference.split(":")[1].split("/")[0])
        reserved[pk] = min(reserved.get(pk, created), created)

    allegro_variant = {lid: v for v, lid in setup.allegro_listing.items()}
    items: dict[int, list[tuple[float, int]]] = defaultdict(list)  # variant -> (confirmed_at, value)
    engine: list[tuple[float, float, tuple[float, float, float]]] = []
    for listing_id, value, command_value, confirmed, changed, planned, sent in (
            CommandItem.objects.filter(listing_id__in=list(allegro_variant), kind="quantity",
                                       outcome=CommandItem.OK, confirmed_at__isnull=False)
            .values_list("listing_id", "value", "command__value", "confirmed_at", "changed_since",
                         "command__created_at", "command__sent_at")):
        items[allegro_variant[listing_id]].append((confirmed.timestamp(), int(value or command_value)))
        sent = sent or planned
        engine.append((changed.timestamp(), (confirmed - changed).total_seconds(), (
            (planned - changed).total_seconds(), (sent - planned).total_seconds(),
            (confirmed - sent).total_seconds())))
    for found in items.values():
        found.sort()

    posts: dict[int, list[tuple[float, float]]] = defaultdict(list)  # shop order id -> (POST start, end)
    for entry in deliveries:
        if entry.get("topic", "").startswith("order.") and entry.get("outcome") == "delivered":
            end = entry["at_epoch"]
            posts[entry["resource_id"]].append((end - entry.get("duration_ms", 0) / 1000, end))

    targets = Targets(setup)
    for phase in phases:
        for sale in phase.sales:
            stored = orders.get(sale.order_id)
            if stored is None:
                phase.missing.append(sale.order_id)
                continue
            pk, imported = stored
            imported_at = imported.timestamp()
            phase.to_stored.append(imported_at - sale.at)
            if pk in reserved:
                phase.to_reserved.append(reserved[pk].timestamp() - imported_at)
            windows = sorted(posts.get(sale.order_id, []))
            if windows:
                phase.to_delivery.append(windows[0][0] - sale.at)
                phase.answer.append(windows[0][1] - windows[0][0])
            if any(start - 0.01 <= imported_at <= end + 0.01 for start, end in windows):
                phase.by_webhook += 1
            else:
                phase.by_poll += 1
            target = targets.quantity(sale.variant, sale.k)
            if target >= targets.quantity(sale.variant, sale.k - 1):
                phase.no_change += 1
                continue
            hit = next((at for at, value in items.get(sale.variant, []) if value <= target and at >= sale.at), None)
            if hit is None:
                phase.unconfirmed += 1
                continue
            phase.to_allegro.append(hit - sale.at)
            if pk in reserved:
                phase.reserved_to_allegro.append(hit - reserved[pk].timestamp())
        window = (phase.started, phase.ended)
        mine = [(s, parts) for changed, s, parts in engine if window[0] <= changed <= window[1]]
        phase.engine = [s for s, _parts in mine]
        phase.engine_parts = [parts for _s, parts in mine]


def check(bench: Bench, shop, setup: Setup, phases: list[Phase], sold: Counter) -> list[str]:
    """What is wrong at the end (an empty list when nothing is)."""
    from magazynier.channels.models import Listing
    from magazynier.inventory.models import Reservation, StockLevel
    from magazynier.orders.models import Order
    from magazynier.sync.desired import desired_for

    problems = []
    placed = {s.order_id for phase in phases for s in phase.sales}
    stored = {int(e) for e in Order.objects.filter(account=setup.shop).values_list("external_id", flat=True)}
    with shop.world.lock:
        in_shop = set(shop.world.orders.orders)
    if in_shop != placed:
        problems.append(f"the shop holds {len(in_shop):,} orders, the benchmark placed {len(placed):,}")
    if stored != in_shop:
        problems.append(f"orders in the shop, not in magazynier: {sorted(in_shop - stored)[:10]} "
                        f"({len(in_shop - stored)}); in magazynier, not in the shop: {sorted(stored - in_shop)[:10]}")
    oversold = Order.objects.filter(oversold=True).count()
    if oversold:
        problems.append(f"{oversold} oversold orders")
    reserved: Counter[int] = Counter()
    for variant, quantity in Reservation.objects.filter(reference__startswith="order:").values_list(
            "variant_id", "quantity"):
        reserved[variant] += quantity
    wrong_units = [v for v in setup.start if reserved[v] != sold[v]]
    if wrong_units:
        problems.append(f"{len(wrong_units)} variants have other units reserved than sold, e.g. variant "
                        f"{wrong_units[0]}: reserved {reserved[wrong_units[0]]}, sold {sold[wrong_units[0]]}")
    levels = dict(StockLevel.objects.values_list("variant_id", "reserved"))
    targets = Targets(setup)

    world = bench.emu.world
    with world.lock:
        on_allegro = {v: (world.offers.offers[o].available if world.offers.offers[o].is_live else 0)
                      for v, o in setup.allegro_offer.items()}
    with shop.world.lock:
        in_shop_now = {v: shop.world.catalog.items[int(o)].stock_quantity for v, o in setup.shop_offer.items()}
    for account, shown_of in ((setup.allegro, on_allegro), (setup.shop, in_shop_now)):
        listings = list(Listing.objects.filter(account=account, variant__isnull=False)
                        .select_related("variant__product"))
        desired = desired_for(account, listings)
        bad = []
        for listing in listings:
            v = listing.variant_id
            expected = targets.quantity(v, levels[v], account.pk)
            values = (shown_of[v], listing.confirmed_quantity, desired[listing.pk].quantity, expected)
            if len(set(values)) > 1:
                bad.append(f"variant {v}: shows {values[0]}, confirmed {values[1]}, desired {values[2]}, "
                           f"allocation of start - reserved {values[3]}")
        if bad:
            problems.append(f"{len(bad)} of {len(listings)} offers of {account.name} differ: {'; '.join(bad[:5])}")
    return problems


# ---------------------------------------------------------------- reporting
def engine_split(phase: Phase) -> str:
    parts = [pct([p[i] for p in phase.engine_parts], .5) for i in range(3)]
    return f"-> planned {parts[0]:.2f} s, -> sent {parts[1]:.2f} s, -> confirmed {parts[2]:.2f} s"


def report(phase: Phase, floor: list[float], delay: float, completion: float) -> dict:
    n = len(phase.sales)
    k = 1 / max(n, 1)
    ideal = delay + pct(floor, .5)
    span = phase.sales[-1].at - phase.sales[0].at if n > 1 else 0.0
    placed = f"{(n - 1) / span * 60:,.0f}/min" if phase.rate and span else f"in {phase.bought - phase.started:.2f} s"
    print(f"orders: {n:,} placed ({placed}; {phase.refused} refused by the shop), {n - len(phase.missing):,} stored "
          f"in magazynier ({phase.by_webhook:,} by webhook, {phase.by_poll:,} by the polling fallback)"
          f"{'' if not phase.missing else f', MISSING {len(phase.missing)}: {phase.missing[:10]}'}")
    if phase.by_poll:
        print(f"   the shop's order feed polled during the phase (its fallback, every {SHOP_POLL[0]:g} s while the "
              f"webhooks work) and stored {phase.by_poll:,} orders before their webhook deliveries came; those "
              f"then answered 'already known'")
    print(f"1. sale -> Allegro confirmed p50/p99/max {three(phase.to_allegro)} (n={len(phase.to_allegro):,}; "
          f"{phase.no_change:,} sales left Allegro's target as it was, nothing to measure"
          f"{f'; {phase.unconfirmed} NEVER CONFIRMED' if phase.unconfirmed else ''})")
    print(f"   baseline: the floor (quantity command PUT + report polled every 10 ms, the emulator completing it in "
          f"{completion:g} s) p50 {pct(floor, .5):.2f} s + the shop's webhook delay {delay:g} s = {ideal:.2f} s")
    print(f"2. sale -> order stored {three(phase.to_stored)}; the delivery's POST started {three(phase.to_delivery)} "
          f"after the sale (the shop's own delay {delay:g} s), magazynier answered it in {three(phase.answer)}")
    if phase.answer:
        print(f"   the shop sends one delivery at a time: the phase's {len(phase.answer):,} order deliveries spent "
              f"{sum(phase.answer):.1f} s in magazynier's answers; the longest wait from a sale to its delivery's POST "
              f"was {max(phase.to_delivery):.2f} s")
    print(f"   order stored -> reservation {three(phase.to_reserved)}; reservation -> Allegro confirmed "
          f"{three(phase.reserved_to_allegro)}")
    print(f"   the engine's Allegro items (changed_since -> confirmed, n={len(phase.engine):,}) "
          f"{three(phase.engine)}; p50 {engine_split(phase)}")
    c = phase.shop_counters
    print(f"3. requests to the shop: {sum(phase.shop_traffic.values()):,} ({sum(phase.shop_traffic.values()) * k:.3f} "
          f"per order; the emulator's counter {c['requests']:,}, of them {c['batch_requests']:,} batches carrying "
          f"{c['batch_items']:,} items): "
          + ", ".join(f"{m} {p} {count:,}" for (m, p), count in phase.shop_traffic.most_common()))
    print(f"   webhook deliveries: ok {c['webhook_deliveries_ok']:,}, failed {c['webhook_deliveries_failed']:,}, "
          f"dropped {c['webhook_deliveries_dropped']:,}, duplicated {c['webhook_deliveries_duplicated']:,}, "
          f"coalesced {c['webhook_deliveries_coalesced']:,}")
    sync = Counter({key: n for key, n in phase.allegro_traffic.items() if key[1].startswith("/sale/")})
    feed = Counter({key: n for key, n in phase.allegro_traffic.items() if key[1].startswith("/order/")})
    rest = sum(phase.allegro_traffic.values()) - sum(sync.values()) - sum(feed.values())
    print(f"   requests to Allegro: {sum(phase.allegro_traffic.values()):,} ({sum(phase.allegro_traffic.values()) * k:.3f} "
          f"per order; the emulator's client counter {phase.allegro_requests:,}); the sync engine {sum(sync.values()):,} "
          f"({sum(sync.values()) * k:.3f} per order: "
          + ", ".join(f"{m} {p} {count:,}" for (m, p), count in sync.most_common())
          + f"), Allegro's own order feed {sum(feed.values()):,} (polling every 2 s, whatever the shop sells), "
          f"other {rest:,}; offer changes on Allegro {phase.offer_changes:,}")
    lowering = len(phase.to_allegro) + phase.unconfirmed
    return {"shop_per_order": sum(phase.shop_traffic.values()) * k, "allegro_per_order": sum(sync.values()) * k,
            "ideal": ideal, "allegro_bound": 3 * lowering * k}


def summary(phases: list[Phase], figures: list[dict], floor: list[float], delay: float, seconds: float) -> None:
    rows = [("figure", "measured", "baseline (same run)")]
    for phase, fig in zip(phases, figures, strict=True):
        name = phase.label
        rows.append((f"{name}: shop orders placed / stored", f"{len(phase.sales):,} / "
                     f"{len(phase.sales) - len(phase.missing):,}",
                     f"by webhook {phase.by_webhook:,}, by polling {phase.by_poll:,}, missing {len(phase.missing)}"))
        rows.append((f"{name}: sale -> Allegro confirmed p50/p99/max", three(phase.to_allegro),
                     f"floor {pct(floor, .5):.2f} + webhook delay {delay:g} = {fig['ideal']:.2f} s"))
        rows.append((f"{name}:   sales measured / no change / never", f"{len(phase.to_allegro):,} / "
                     f"{phase.no_change:,} / {phase.unconfirmed}", "-"))
        rows.append((f"{name}: sale -> order stored p50/p99/max", three(phase.to_stored),
                     f"webhook delay {delay:g} s; POST started {three(phase.to_delivery)}"))
        rows.append((f"{name}: order stored -> reservation p50/p99/max", three(phase.to_reserved), "-"))
        rows.append((f"{name}: reservation -> Allegro confirmed", three(phase.reserved_to_allegro),
                     f"floor p50 {pct(floor, .5):.2f} s"))
        rows.append((f"{name}: engine's items changed -> confirmed", three(phase.engine), engine_split(phase)))
        c = phase.shop_counters
        rows.append((f"{name}: requests to the shop per order", f"{fig['shop_per_order']:.3f}",
                     f"deliveries ok {c['webhook_deliveries_ok']:,}, failed {c['webhook_deliveries_failed']:,}"))
        rows.append((f"{name}: sync requests to Allegro per order", f"{fig['allegro_per_order']:.3f}",
                     f"3 per sale lowering the target {fig['allegro_bound']:.3f}; offer changes {phase.offer_changes:,}"))
    print_summary(rows, seconds)


# ---------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 variants, 150 orders and a burst of 30")
    parser.add_argument("--variants", type=int, help="variants in the catalog, on Allegro and in the shop (300)")
    parser.add_argument("--orders", type=int, help="shop orders of the steady phase (default 600; quick 150)")
    parser.add_argument("--rate", type=float, help="shop purchases per minute in the steady phase (default 120)")
    parser.add_argument("--burst", type=int, help="purchases placed without a pause (default 100; quick 30; 0: none)")
    parser.add_argument("--completion", type=float, default=1.0,
                        help="seconds the Allegro emulator takes to complete a command (default 1.0)")
    parser.add_argument("--workers", type=int, help="threads of the worker (default: magazynier worker's default)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds without progress before giving up")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir (database, logs)")
    args = parser.parse_args()
    base = QUICK if args.quick else DEFAULT
    sizes = Sizes(variants=args.variants or base.variants, orders=args.orders or base.orders,
                  rate=args.rate or base.rate, burst=base.burst if args.burst is None else args.burst)
    return run_in_data_dir(run, args, sizes)


def run(args, sizes: Sizes, started: float) -> None:
    from django.db import connection

    from emulators.allegro import EmulatorConfig
    from emulators.allegro.testing import running_emulator
    from emulators.woocommerce import EmulatorConfig as ShopConfig
    from emulators.woocommerce.testing import running_emulator as running_shop
    from magazynier.sync.order_feed import SHOP_POLL_SECONDS

    SHOP_POLL[0] = SHOP_POLL_SECONDS
    with running_emulator(EmulatorConfig(seed=1, command_completion_seconds=args.completion)) as emu, \
            running_shop(ShopConfig(seed=2)) as shop:
        traffic = ShopTraffic()
        traffic.install(shop.app)  # before the first request: Starlette builds its middleware stack then
        allegro_traffic = Traffic(emu.world)
        allegro_traffic.install(emu.app)
        delay = shop.world.config.webhook_delay_seconds
        bench = Bench(emu, None, args.completion)  # only its connection and linking helpers are used
        t0 = time.monotonic()
        setup, web = build_setup(bench, shop, sizes)
        phases: list[Phase] = []
        worker = ticker = None
        try:
            floor = command_floor(setup.allegro, setup.spare, SPARE_OFFERS)
            print(f"database: {connection.vendor}, queue: {os.environ['MAGAZYNIER_QUEUE']}; "
                  f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {sizes}; Allegro emulator command completion "
                  f"{args.completion:g} s; the shop's webhook delay {delay:g} s, its polling fallback every "
                  f"{SHOP_POLL_SECONDS:g} s")
            print(f"set up: {sizes.variants} variants with 200-400 units each, on '{ALLEGRO}' and in the shop, "
                  f"connected, linked, Allegro 60 % / shop 30 %, writers on, `magazynier web` at {web.url} in "
                  f"{time.monotonic() - t0:.1f} s; floor (quantity command PUT + report polled every 10 ms) p50 "
                  f"{pct(floor, .5):.2f} s (n={len(floor)})")
            worker = Worker(args.workers)
            ticker = Ticker(emu.world)
            ticker.start()
            start_feeds(setup)
            t1 = time.monotonic()
            if not wait_idle([setup.allegro.pk, setup.shop.pk], 300):
                print("  !! the accounts were not idle after 300 s of the first sync")
            print(f"`magazynier worker` with {worker.threads} threads; both order feeds started; the first sync "
                  f"(Allegro to 60 %, the shop to 30 %) settled in {time.monotonic() - t1:.1f} s")
            buyers = Buyers(bench, shop, setup, traffic, allegro_traffic)
            phases.append(buyers.run(Phase(f"steady {sizes.rate:,.0f}/min", sizes.orders, sizes.rate),
                                     args.timeout))
            if sizes.burst:
                phases.append(buyers.run(Phase("burst", sizes.burst, None), args.timeout))
        finally:
            if ticker is not None:
                ticker.stopping.set()
            if worker is not None:
                worker.stop()
            web.stop()
        measure(phases, setup, shop.world.deliveries)
        figures = []
        for phase in phases:
            print(f"\n-- {phase.label} --")
            figures.append(report(phase, floor, delay, args.completion))
        problems = check(bench, shop, setup, phases, buyers.sold)
    answers, web_problems = web.digest()
    worker_problems, durations = worker.digest()
    fine = ("every shop order stored, none oversold, units reserved = units sold, every offer on both channels "
            "shows what the engine says it should")
    print(f"\ncheck: {'PROBLEMS' if problems else fine}")
    for line in problems:
        print(f"  !! {line}")
    print(f"web: webhook answers by status {dict(answers)}; logged: {dict(web_problems.most_common(6)) or 'nothing'}")
    print(f"worker: {len(durations)} sync tasks, longest {max(durations, default=0):.1f} s; logged: "
          f"{dict(worker_problems.most_common(6)) or 'nothing'}")
    summary(phases, figures, floor, delay, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
