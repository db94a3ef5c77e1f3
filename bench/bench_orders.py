"""Benchmark: order ingestion from Allegro (the emulator's buyers) to reserved stock and the other channel's
stock confirmed, real loopback HTTP, SQLite by default.

One catalog of `--variants` (500) variants is listed on two Allegro accounts of the emulator: `demo-seller`
(where buyers buy) and `second-seller` (standing for "the other channels" until the WooCommerce connector
exists), writers on for both. Stock is ample: every variant starts with 80-150 units and the two phases
together buy about 24 per variant on average (quick: 3), so nothing sells out and no order is oversold (the
run checks both). The product runs as in production: `magazynier worker` (Huey threads, the periodic tick);
its `order_feed` task polls each account's order journal every MAGAZYNIER_ORDER_POLL_SECONDS (2) and
reserves stock in the order's transaction; the reservation puts both listings of the variant in the outbox
and `sync_account` pushes the new quantity to the second account (the first one took the units off its offer
itself). The emulator runs in this process; a thread ticks it every 20 ms so the buyers buy at a steady pace
(on its own it only moves when a request arrives).

Two phases, each measured the same way:

* steady: the emulator's buyer simulation (`world.simulation.start`) buys one unit per checkout form on the
  first account at `--rate` per minute (2,000) until `--orders` forms exist (10,000; quick 1,000);
* burst: `--burst` forms (2,000; quick 500) placed at once (`world.purchase` in one hold of the emulator's
  lock), which the feed reads through the checkout-form list, 100 per request (order_feed._fetch).

Figures, each beside a baseline measured in the same run:

1. Ingestion: forms in the emulator vs orders in magazynier (the sets of ids compared one by one; missing
   ones printed); orders per second from the first to the last reservation and from the first order's
   appearance to the last reservation, beside the rate the buyers placed them at.
2. Journal -> reservation, p50/p99/max: the order's first journal event (`occurredAt` of BOUGHT, read from
   `world.order_journal(seller).events` in-process; READY_FOR_PROCESSING has the same instant since the buyers
   pay at once) to `Reservation.created_at` (reference `order:<order pk>/<line pk>`). For the burst the
   appearance is when the placing released the emulator's lock (no reader could see the forms before).
   Baseline: the first poll of the journal (GET /order/events of that account, timed as it reached the
   emulator) after the appearance, i.e. what an ingester doing no work at the product's own polling would
   reach; "work" is the rest.
3. Reservation -> the other channel confirmed, p50/p99/max. Definition: the k-th reservation of a variant (by
   created_at) is confirmed on the second account when a quantity CommandItem of the second account's
   listing of that variant is confirmed (outcome ok) with a target <= (units at the start - k); its
   confirmed_at minus the reservation's created_at. Stock only goes down here (no restock, no cancellation,
   no oversell), so that is the first moment the second offer shows a stock that accounts for this order,
   however many reservations one command coalesced. (The literal rule "first confirmed item with
   changed_since <= the reservation" is not used: the outbox stamps changed_since a few ms after the
   Reservation row, inside the same transaction, so it would skip the item carrying the reservation's own
   change, and an item planned just before the reservation committed has an earlier changed_since but does
   not carry it.) Baseline: the floor, one quantity command PUT by hand on spare offers of the second
   account and its report polled every 10 ms; also the engine's own measure (changed_since -> confirmed).
4. Requests to Allegro per ingested order, counted by a middleware added to the emulator's app (seller,
   method, path with ids folded), split into the first account's feed, the second account's feed and the
   sync engine; the emulator's own client counters are printed to check the total. Baseline, computed from
   the same run: the naive client, one GET /order/events per poll (the product's own poll count on the
   first account) plus one GET /order/checkout-forms/{id} per order.

At the end: whether both accounts' offers show what magazynier says is available, and a summary table.

    python bench/bench_orders.py [--quick] [--orders N] [--rate PER_MIN] [--burst N] [--variants N]
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench_sync import Bench, Worker, pct, print_summary, run_in_data_dir, wait_idle

FIRST, SECOND = "demo-seller", "second-seller"  # the emulator's two default sellers
IDS = re.compile(r"^(?:\d+|[0-9a-fA-F-]{16,})$")  # offer ids (digits), command and checkout-form ids (UUIDs)
API_PREFIXES_SKIPPED = ("/auth/", "/skojarz-aplikacje", "/uzytkownik/", "/__admin__")
# Huey's own log lines: "[local time] INFO:huey:Worker-N:Executing magazynier.sync.tasks.<task>: <id> [@<eta, UTC>]"
EXECUTING = re.compile(r"^\[([\d-]+ [\d:,]+)\] INFO:huey:[^:]+:Executing magazynier\.sync\.tasks\.(\w+): \S+"
                       r"(?: @([\d-]+ [\d:.]+))?(?: .*)?$", re.MULTILINE)  # then " p=10" and the like
EXECUTED = re.compile(r"^\[[^]]+\] INFO:huey:[^:]+:magazynier\.sync\.tasks\.(\w+): \S+.*? executed in ([\d.]+)s$",
                      re.MULTILINE)


@dataclass(frozen=True)
class Sizes:
    orders: int
    rate: float  # purchases per minute in the steady phase
    burst: int
    variants: int


COMPLETION = [1.0]  # the emulator's command_completion_seconds (set from --completion)
QUICK = Sizes(orders=1000, rate=2000, burst=500, variants=500)
DEFAULT = Sizes(orders=10_000, rate=2000, burst=2000, variants=500)


# ---------------------------------------------------------------- what reaches the emulator
def shape(path: str) -> str:
    return "/".join("{id}" if IDS.match(part) else part for part in path.split("/"))


class Traffic:
    """API requests by (seller id, method, path shape), and when each seller's order journal was polled.
    Installed as an ASGI middleware of the emulator's app before its first request."""

    def __init__(self, world):
        self.world = world
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.polls: dict[str, list[float]] = defaultdict(list)

    def install(self, app) -> None:
        traffic = self

        class Count:
            def __init__(self, inner):
                self.inner = inner

            async def __call__(self, scope, receive, send):
                if scope["type"] == "http" and not scope["path"].startswith(API_PREFIXES_SKIPPED):
                    traffic.note(scope)
                await self.inner(scope, receive, send)

        app.add_middleware(Count)

    def note(self, scope) -> None:
        seller = "-"
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                token = self.world.authority.state.access_tokens.get(value[7:].decode().strip())
                seller = token.seller_id if token is not None and token.seller_id else "?"
        path = shape(scope["path"])
        self.counts[(seller, scope["method"], path)] += 1
        if path == "/order/events":
            self.polls[seller].append(time.time())

    def snapshot(self) -> Counter:
        return Counter(self.counts)


class Ticker(threading.Thread):
    """Moves the emulator's world every 20 ms (the buyers buy on its ticks); stops a buyer plan at a count."""

    def __init__(self, world):
        super().__init__(daemon=True, name="emulator-ticker")
        self.world = world
        self.stopping = threading.Event()
        self.limit: tuple[str, int] | None = None  # (seller id, stop when simulation.purchases reaches this)

    def run(self) -> None:
        world = self.world
        while not self.stopping.wait(0.02):
            with world.lock:
                world.tick()
                if self.limit and world.simulation.purchases >= self.limit[1]:
                    world.simulation.stop(self.limit[0])
                    self.limit = None


# ---------------------------------------------------------------- setup
@dataclass
class Shop:
    accounts: dict[str, object]  # login -> ChannelAccount
    seller_ids: dict[str, str]  # login -> emulator seller id
    variants: list[int]
    start_units: dict[int, int]  # variant id -> on hand at the start (nothing reserved)
    listing: dict[str, dict[int, int]]  # login -> variant id -> listing id
    offer: dict[str, dict[int, str]]  # login -> variant id -> offer id
    spare: list[str] = field(default_factory=list)  # unlinked offers of the second account (the floor)

    def pk(self, login: str) -> int:
        return self.accounts[login].pk


def seed(bench: Bench, count: int, rng: random.Random) -> Shop:
    """The catalog in magazynier (bulk rows), the same offers on both emulator accounts (the emulator's own
    create logic, in-process), both accounts connected by device flow, linked by SKU, writers on."""
    from django.db import transaction
    from django.utils import timezone

    from magazynier.catalog.importers import default_warehouse
    from magazynier.catalog.models import Category, Product, Variant
    from magazynier.channels.actions import set_writers
    from magazynier.channels.connections import allegro_connector
    from magazynier.channels.models import Listing
    from magazynier.inventory.models import StockLevel
    from magazynier.sync.models import SyncState

    world = bench.emu.world
    skus = [f"ord-{n:05d}" for n in range(count)]
    units = [rng.randint(80, 150) for _ in skus]
    product = min(world.catalog.products.values(), key=lambda p: p.id)
    seller_ids = {login: world.seller_by_login(login).id for login in (FIRST, SECOND)}

    def offer_body(sku: str, stock: int) -> dict:
        return {"productSet": [{"product": {"id": product.id}}], "stock": {"available": stock},
                "sellingMode": {"price": {"amount": "49.99", "currency": "PLN"}},
                "publication": {"status": "ACTIVE"}, "images": ["https://a.allegroimg.com/original/bench"],
                "external": {"id": sku}}

    with world.lock:
        now = world.clock.now()
        for seller_id in seller_ids.values():
            for sku, stock in zip(skus, units, strict=True):
                world.offers.create(seller_id, offer_body(sku, stock), now)
    warehouse = default_warehouse()
    with transaction.atomic():
        category, _created = Category.objects.get_or_create(name="Bench")
        products = Product.objects.bulk_create(
            [Product(key=sku, name=f"Produkt testowy {sku}", category=category) for sku in skus], batch_size=5000)
        variants = Variant.objects.bulk_create(
            [Variant(product=p, sku=p.key, name=p.name, price=Decimal("49.99")) for p in products], batch_size=5000)
        StockLevel.objects.bulk_create([StockLevel(variant=v, warehouse=warehouse, on_hand=n)
                                        for v, n in zip(variants, units, strict=True)], batch_size=5000)
    accounts, listing, offer = {}, {}, {}
    for login in (FIRST, SECOND):
        account = bench.connect(login, f"Allegro {login}")
        bench.bulk_link(account, allegro_connector(account, max_wait=65))
        SyncState.objects.update_or_create(account=account, defaults={"last_full_sweep_at": timezone.now()})
        set_writers(account, True)
        rows = Listing.objects.filter(account=account).values_list("variant_id", "pk", "offer_id")
        accounts[login] = account
        listing[login] = {v: pk for v, pk, _o in rows}
        offer[login] = {v: o for v, _pk, o in rows}
    ids = [v.pk for v in variants]
    shop = Shop(accounts, seller_ids, ids, dict(zip(ids, units, strict=True)), listing, offer)
    with world.lock:  # after linking, so they stay unknown to magazynier: the floor's commands go there
        now = world.clock.now()
        shop.spare = [world.offers.create(seller_ids[SECOND], offer_body(f"spare-{n}", 10), now)[0].id
                      for n in range(5)]
    return shop


def command_floor(account, spare: list[str], repeats: int = 5) -> list[float]:
    """One quantity command PUT by hand on one of the account's spare offers and its report polled every 10 ms:
    the floor under any sale → Allegro latency (also bench_woo_to_allegro's)."""
    from magazynier.channels.connections import allegro_connector

    connector = allegro_connector(account, max_wait=65)
    seconds = []
    for n in range(repeats):
        started = time.perf_counter()
        command_id = str(uuid.uuid4())
        connector.push_quantity(command_id, [spare[n % len(spare)]], 20 + n)
        while not connector.command_report("quantity", command_id).done:
            time.sleep(0.01)
        seconds.append(time.perf_counter() - started)
    return seconds


def start_feeds(shop: Shop, timeout: float = 60) -> None:
    """Queue each account's first order_feed task (the worker's start-up tick queues them too; a second one finds
    the feed leased or polls once more) and wait until both feeds have taken the journal's head as their
    cursor."""
    from magazynier.sync.models import OrderFeed
    from magazynier.sync.tasks import order_feed

    for login in (FIRST, SECOND):
        order_feed(shop.pk(login))
    deadline = time.monotonic() + timeout
    while OrderFeed.objects.filter(started_at__isnull=False).count() < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("the order feeds did not start")
        time.sleep(0.1)


# ---------------------------------------------------------------- a phase
@dataclass
class Phase:
    label: str
    wanted: int
    rate: float | None  # purchases per minute (None: at once)
    started: float = 0.0  # wall clock when buying began
    held: float = 0.0  # burst: seconds the placing held the emulator's lock
    released: float = 0.0  # burst: when the forms became visible
    ended: float = 0.0  # wall clock when everything was ingested and both accounts idle
    forms: list[str] = field(default_factory=list)  # checkout-form ids placed in the phase
    events: int = 0  # order events the phase wrote to the first account's journal
    appeared: dict[str, float] = field(default_factory=dict)  # form id -> first journal event
    missing: list[str] = field(default_factory=list)  # in the emulator, not in magazynier
    extra: list[str] = field(default_factory=list)  # in magazynier (this phase's window), not in the emulator
    reserved: dict[str, float] = field(default_factory=dict)  # form id -> reservation created_at
    to_reserve: list[float] = field(default_factory=list)
    to_poll: list[float] = field(default_factory=list)  # appearance -> next poll of the journal
    to_other: list[float] = field(default_factory=list)  # reservation -> second account confirmed
    unconfirmed: int = 0
    engine: list[float] = field(default_factory=list)  # second account's items: changed_since -> confirmed
    engine_parts: list[tuple[float, float, float]] = field(default_factory=list)  # -> planned, -> sent, -> confirmed
    traffic: Counter = field(default_factory=Counter)
    client_requests: int = 0  # the emulator's own counter (served + rejected), for the check
    offer_changes: dict[str, int] = field(default_factory=dict)
    feed_seconds: list[float] = field(default_factory=list)
    tasks: Counter = field(default_factory=Counter)  # Huey tasks executed, by name
    late: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # scheduled task: ran - due
    queue_max: int = 0  # most tasks waiting in the Huey queue (sampled every 0.5 s)
    planned_max: int = 0  # most commands of the second account planned and not yet sent (sampled)
    idle: bool = True

    @property
    def ingested(self) -> int:
        return len(self.reserved)

    def span(self) -> tuple[float, float]:
        """(first -> last reservation, first appearance -> last reservation) in seconds."""
        if not self.reserved:
            return float("nan"), float("nan")
        times = sorted(self.reserved.values())
        return times[-1] - times[0], times[-1] - min(self.appeared.values())

    def placed_span(self) -> float:
        times = sorted(self.appeared.values())
        return times[-1] - times[0] if len(times) > 1 else 0.0


class OrdersBench:
    def __init__(self, bench: Bench, shop: Shop, traffic: Traffic, ticker: Ticker, worker: Worker):
        self.bench, self.shop, self.traffic, self.ticker, self.worker = bench, shop, traffic, ticker, worker
        self.world = bench.emu.world
        self.rng = random.Random(11)

    def forms_of_first(self) -> set[str]:
        with self.world.lock:
            seller = self.world.orders.by_seller.get(self.shop.seller_ids[FIRST])
            return {f.id for f in seller.bought.forms} if seller else set()

    def orders_in_magazynier(self) -> int:
        from magazynier.orders.models import Order

        return Order.objects.filter(account_id=self.shop.pk(FIRST)).count()

    def run(self, phase: Phase, timeout: float) -> Phase:
        from huey.contrib.djhuey import HUEY

        from magazynier.sync.models import Command

        world, shop = self.world, self.shop
        seller = shop.seller_ids[FIRST]
        known = self.forms_of_first()
        stored_before = self.orders_in_magazynier()
        traffic_before = self.traffic.snapshot()
        requests_before = self.bench.requests()
        changes_before = {login: self.offer_changes(login) for login in (FIRST, SECOND)}
        feed_log_at = self.worker.path.stat().st_size
        with world.lock:
            journal_seq = world.order_journal(seller).events[-1].seq if world.order_journal(seller).events else 0

        print(f"\n== {phase.label}: {phase.wanted:,} orders "
              f"{'at ' + format(phase.rate, ',.0f') + '/min' if phase.rate else 'placed at once'} ==")
        phase.started = time.time()
        if phase.rate:
            with world.lock:
                self.ticker.limit = (seller, world.simulation.purchases + phase.wanted)
                world.simulation.start(seller, phase.rate, max_quantity=1, stage="READY_FOR_PROCESSING")
        else:
            with world.lock:
                live = sorted(o.id for o in world.offers.offers.values()
                              if o.seller_id == seller and o.is_live and o.available > 0)
                t0 = time.perf_counter()
                for _ in range(phase.wanted):
                    world.purchase(self.rng.choice(live), 1, "READY_FOR_PROCESSING")
                phase.held = time.perf_counter() - t0
            phase.released = time.time()
            print(f"placed in {phase.held:.2f} s (the emulator's lock held throughout)")

        # wait: every placed form stored, then both accounts idle
        last_progress, last_count, next_print = time.monotonic(), -1, time.monotonic() + 30
        while True:
            time.sleep(0.5)
            placed = len(self.forms_of_first() - known)
            phase.queue_max = max(phase.queue_max, HUEY.pending_count())
            phase.planned_max = max(phase.planned_max, Command.objects.filter(
                account_id=shop.pk(SECOND), state=Command.PLANNED).count())
            stored = self.orders_in_magazynier() - stored_before
            buying = phase.rate is not None and self.ticker.limit is not None
            if stored != last_count:
                last_progress, last_count = time.monotonic(), stored
            if time.monotonic() >= next_print:
                print(f"  {time.time() - phase.started:5.0f} s: placed {placed:,}, stored in magazynier {stored:,}, "
                      f"tasks waiting in the worker's queue {HUEY.pending_count():,}")
                next_print += 30
            if not buying and stored >= placed:
                break
            if not buying and time.monotonic() - last_progress > timeout:
                print(f"  !! no new order stored for {timeout:.0f} s: stopping the wait")
                break
        phase.idle = wait_idle([shop.pk(FIRST), shop.pk(SECOND)], timeout)
        if not phase.idle:
            print(f"  !! the accounts were not idle {timeout:.0f} s after the last order was stored")
        phase.ended = time.time()
        phase.traffic = self.traffic.snapshot() - traffic_before
        phase.client_requests = self.bench.requests() - requests_before
        phase.offer_changes = {login: self.offer_changes(login) - changes_before[login] for login in (FIRST, SECOND)}
        with self.worker.path.open(errors="replace") as handle:
            handle.seek(feed_log_at)
            self.read_log(phase, handle.read())

        with world.lock:
            events = [e for e in world.order_journal(seller).events if e.seq > journal_seq]
        new = self.forms_of_first() - known
        phase.events = len(events)
        for event in events:
            form_id = event.body["order"]["checkoutForm"]["id"]
            if form_id in new and form_id not in phase.appeared:
                phase.appeared[form_id] = max(event.occurred_at, phase.released)
        phase.forms = sorted(new, key=lambda f: phase.appeared.get(f, 0.0))
        return phase

    @staticmethod
    def read_log(phase: Phase, text: str) -> None:
        """Tasks the worker ran, how late the scheduled ones started, how long order_feed ran."""
        from django.conf import settings

        local = ZoneInfo(settings.TIME_ZONE)  # the worker logs in Django's time zone, the due time in UTC
        for match in EXECUTING.finditer(text):
            phase.tasks[match.group(2)] += 1
            if match.group(3):
                ran = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=local)
                due = datetime.strptime(match.group(3), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
                phase.late[match.group(2)].append((ran - due).total_seconds())
        phase.feed_seconds = [float(m.group(2)) for m in EXECUTED.finditer(text) if m.group(1) == "order_feed"]

    def offer_changes(self, login: str) -> int:
        return self.world.counters()["sellers"].get(self.shop.seller_ids[login], {}).get("offerChanges", 0)


# ---------------------------------------------------------------- measuring
def measure(phases: list[Phase], shop: Shop, traffic: Traffic) -> None:
    """Reservations, their journal appearance and the second account's confirmations, for every phase."""
    from magazynier.inventory.models import Reservation
    from magazynier.orders.models import Order
    from magazynier.sync.models import CommandItem

    external = dict(Order.objects.filter(account_id=shop.pk(FIRST)).values_list("pk", "external_id"))
    rows = list(Reservation.objects.filter(reference__startswith="order:")
                .values_list("reference", "variant_id", "quantity", "created_at", "pk"))
    rows.sort(key=lambda r: (r[3], r[4]))
    reservation_of: dict[str, tuple[int, datetime]] = {}  # form id -> (variant, created_at) of its one line
    per_variant: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)  # created_at, units before, form
    taken: Counter[int] = Counter()
    for reference, variant_id, quantity, created, _pk in rows:
        form_id = external.get(int(reference.split(":")[1].split("/")[0]))
        taken[variant_id] += quantity
        per_variant[variant_id].append((created, shop.start_units[variant_id] - taken[variant_id], form_id))
        reservation_of[form_id] = (variant_id, created)

    second_listing = {lid: v for v, lid in shop.listing[SECOND].items()}
    items: dict[int, list[tuple[datetime, int]]] = defaultdict(list)  # variant -> (confirmed_at, target)
    engine: list[tuple[datetime, float, tuple[float, float, float]]] = []
    for listing_id, value, confirmed, changed, planned, sent in (
            CommandItem.objects.filter(listing_id__in=list(second_listing), kind="quantity",
                                       outcome=CommandItem.OK, confirmed_at__isnull=False)
            .values_list("listing_id", "command__value", "confirmed_at", "changed_since", "command__created_at",
                         "command__sent_at")):
        items[second_listing[listing_id]].append((confirmed, int(value)))
        sent = sent or planned
        engine.append((changed, (confirmed - changed).total_seconds(), (
            (planned - changed).total_seconds(), (sent - planned).total_seconds(),
            (confirmed - sent).total_seconds())))
    confirmed_at: dict[str, datetime] = {}
    for variant_id, reservations in per_variant.items():
        found = sorted(items.get(variant_id, []))
        for created, target, form_id in reservations:
            hit = next((at for at, value in found if value <= target and at >= created), None)
            if hit is not None:
                confirmed_at[form_id] = hit

    first_polls = traffic.polls.get(shop.seller_ids[FIRST], [])
    placed = {f for phase in phases for f in phase.forms}
    for phase in phases:
        phase.missing = [f for f in phase.forms if f not in reservation_of]
        window = (phase.started - 1, phase.ended + 1)
        phase.extra = [f for f, (_v, at) in reservation_of.items()  # reserved then, placed in no phase
                       if f not in placed and window[0] <= at.timestamp() <= window[1]]
        for form_id in phase.forms:
            if form_id not in reservation_of:
                continue
            created = reservation_of[form_id][1].timestamp()
            phase.reserved[form_id] = created
            appeared = phase.appeared[form_id]
            phase.to_reserve.append(created - appeared)
            at = bisect.bisect_left(first_polls, appeared)
            if at < len(first_polls):
                phase.to_poll.append(first_polls[at] - appeared)
            if form_id in confirmed_at:
                phase.to_other.append(confirmed_at[form_id].timestamp() - created)
            else:
                phase.unconfirmed += 1
        mine = [(s, parts) for changed, s, parts in engine if window[0] <= changed.timestamp() <= window[1]]
        phase.engine = [s for s, _parts in mine]
        phase.engine_parts = [parts for _s, parts in mine]


def check_offers(bench: Bench, shop: Shop) -> tuple[dict[str, list[str]], int, int]:
    """Offers whose emulator stock differs from what magazynier says is available, per account (described);
    oversold orders; ended offers of the first account."""
    from magazynier.channels.models import Listing
    from magazynier.inventory.models import StockLevel
    from magazynier.orders.models import Order

    available = {v: on_hand - reserved for v, on_hand, reserved in
                 StockLevel.objects.values_list("variant_id", "on_hand", "reserved")}
    world = bench.emu.world
    wrong: dict[str, list[str]] = {}
    with world.lock:
        shown = {login: {v: world.offers.offers[o].available for v, o in shop.offer[login].items()}
                 for login in (FIRST, SECOND)}
    for login in (FIRST, SECOND):
        bad = [v for v, units in shown[login].items() if units != available[v]]
        confirmed = dict(Listing.objects.filter(pk__in=[shop.listing[login][v] for v in bad])
                         .values_list("variant_id", "confirmed_quantity"))
        wrong[login] = [f"variant {v} (offer {shop.offer[login][v]}): the offer shows {shown[login][v]}, available "
                        f"{available[v]}, confirmed_quantity {confirmed.get(v)}" for v in bad]
    with world.lock:
        ended = sum(1 for offer_id in shop.offer[FIRST].values() if not world.offers.offers[offer_id].is_live)
    return wrong, Order.objects.filter(account_id=shop.pk(FIRST), oversold=True).count(), ended


# ---------------------------------------------------------------- reporting
def three(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{pct(values, .5):.2f} / {pct(values, .99):.2f} / {max(values):.2f} s"


def requests_split(phase: Phase, shop: Shop) -> dict[str, Counter]:
    first, second = shop.seller_ids[FIRST], shop.seller_ids[SECOND]
    groups: dict[str, Counter] = defaultdict(Counter)
    for (seller, method, path), count in phase.traffic.items():
        area = "order" if path.startswith("/order/") else "sale" if path.startswith("/sale/") else "other"
        who = "first" if seller == first else "second" if seller == second else "other"
        group = {("first", "order"): "feed, first account", ("second", "order"): "feed, second account",
                 ("second", "sale"): "sync, second account", ("first", "sale"): "sync, first account"}.get(
            (who, area), "other")
        groups[group][f"{method} {path}"] += count
    return groups


def nominal_wait(share: float) -> float:
    """The wait for the next poll when polls come every POLL_SECONDS and orders at random moments (uniform)."""
    from magazynier.sync.order_feed import POLL_SECONDS

    return share * POLL_SECONDS


def report(phase: Phase, shop: Shop, floor: list[float]) -> dict:
    n = phase.ingested
    between, overall = phase.span()
    if phase.rate:
        placed_rate = (len(phase.forms) - 1) / phase.placed_span() if phase.placed_span() else float("nan")
        placed = f"the buyers placed {placed_rate:.1f}/s"
    else:
        placed_rate = len(phase.forms) / phase.held
        placed = f"all placed at once (in {phase.held:.2f} s)"
    print(f"1. orders: {len(phase.forms):,} in the emulator, {n:,} reserved in magazynier"
          f"{'' if not phase.missing else f', MISSING {len(phase.missing)}: ' + ', '.join(phase.missing[:10])}"
          f"{'' if not phase.extra else f', EXTRA {len(phase.extra)}: ' + ', '.join(phase.extra[:10])}"
          f" (ids compared one by one)")
    print(f"   ingested {n / between if between else float('nan'):.1f} orders/s from the first to the last "
          f"reservation ({between:.1f} s), {n / overall:.1f}/s from the first appearance ({overall:.1f} s); "
          f"baseline: {placed}")
    print(f"   wall time of the phase: {phase.ended - phase.started:.1f} s (buying, ingesting, both accounts idle)")
    work = [r - w for r, w in zip(phase.to_reserve, phase.to_poll, strict=False)]
    print(f"2. journal -> reservation p50/p99/max {three(phase.to_reserve)}; baseline: journal -> the next poll "
          f"that came {three(phase.to_poll)} (the nominal poll every 2 s: p50 {nominal_wait(.5):.2f} / p99 "
          f"{nominal_wait(.99):.2f} s); the rest (reading, storing) p50 {pct(work, .5):.2f} s")
    print(f"3. reservation -> second account confirmed p50/p99/max {three(phase.to_other)}"
          f"{f' ({phase.unconfirmed} never confirmed)' if phase.unconfirmed else ''}; baseline: floor (command PUT + "
          f"report polled every 10 ms) p50 {pct(floor, .5):.2f} s; engine's own measure (changed_since -> "
          f"confirmed, {len(phase.engine):,} items) {three(phase.engine)}")
    parts = [pct([p[i] for p in phase.engine_parts], .5) for i in range(3)]
    print(f"   the engine's items, p50: change -> planned {parts[0]:.2f} s, planned -> sent {parts[1]:.2f} s, sent -> "
          f"confirmed {parts[2]:.2f} s (the channel completes a command {COMPLETION[0]:g} s after accepting it); "
          f"most commands planned and not yet sent {phase.planned_max}")
    groups = requests_split(phase, shop)
    polls = groups["feed, first account"].get("GET /order/events", 0)
    feed = sum(groups["feed, first account"].values())
    total = sum(phase.traffic.values())
    naive = polls + n
    k = 1 / max(n, 1)
    print(f"4. requests to Allegro: {total:,} (emulator's client counter {phase.client_requests:,}), "
          f"{total * k:.3f} per order; offer changes: first account {phase.offer_changes[FIRST]:,}, second "
          f"{phase.offer_changes[SECOND]:,}")
    for group in ("feed, first account", "feed, second account", "sync, second account", "sync, first account",
                  "other"):
        if groups.get(group):
            detail = ", ".join(f"{path} {count:,}" for path, count in groups[group].most_common())
            print(f"   {group:<22} {sum(groups[group].values()):7,} ({sum(groups[group].values()) * k:.3f}/order): "
                  f"{detail}")
    bound = -(-phase.events // 1000) + -(-n // 100)
    print(f"   baseline, naive client: {polls:,} polls + {n:,} GET /order/checkout-forms/{{id}} = {naive:,} "
          f"({naive * k:.3f}/order) against the feed's {feed:,} ({feed * k:.3f}/order); lower bound, every page "
          f"full: {phase.events:,} events / 1,000 + {n:,} orders / 100 = {bound:,} ({bound * k:.3f}/order)")
    late = ", ".join(f"{name} p50 {pct(v, .5):.1f} s, max {max(v):.1f} s (n={len(v)})"
                     for name, v in sorted(phase.late.items()))
    print(f"   worker: tasks run {dict(phase.tasks.most_common())}; most waiting in its queue {phase.queue_max:,}; "
          f"scheduled tasks started after their due time: {late or '-'}; order_feed tasks ran p50 "
          f"{pct(phase.feed_seconds, .5):.1f} s, max {max(phase.feed_seconds, default=0):.1f} s")
    return {"feed": feed * k, "naive": naive * k, "bound": bound * k, "total": total * k, "between": between, "overall": overall,
            "placed_rate": placed_rate}


def summary(phases: list[Phase], figures: list[dict], floor: list[float], seconds: float) -> None:
    rows = [("figure", "measured", "baseline (same run)")]
    for phase, fig in zip(phases, figures, strict=True):
        name = phase.label
        rows.append((f"{name}: orders emulator / magazynier", f"{len(phase.forms):,} / {phase.ingested:,}",
                     f"missing {len(phase.missing)}, extra {len(phase.extra)}"))
        rows.append((f"{name}: ingested orders/s (first->last resv.)",
                     f"{phase.ingested / fig['between'] if fig['between'] else float('nan'):.1f}",
                     f"placed {fig['placed_rate']:.1f}/s" if phase.rate else "placed at once"))
        rows.append((f"{name}: first appearance -> last reservation", f"{fig['overall']:.1f} s",
                     f"{phase.ingested / fig['overall']:.1f} orders/s"))
        rows.append((f"{name}: journal -> reservation p50/p99/max", three(phase.to_reserve),
                     f"next poll {three(phase.to_poll)}; nominal {nominal_wait(.5):.2f} / {nominal_wait(.99):.2f} s"))
        rows.append((f"{name}: reservation -> 2nd account p50/p99/max", three(phase.to_other),
                     f"floor p50 {pct(floor, .5):.2f} s"))
        rows.append((f"{name}: requests/order, feed of the 1st account", f"{fig['feed']:.3f}",
                     f"naive {fig['naive']:.3f}; lower bound {fig['bound']:.3f}"))
        rows.append((f"{name}: requests/order, everything", f"{fig['total']:.3f}", "-"))
        late = phase.late.get("order_feed", [])
        rows.append((f"{name}: worker queue, most tasks waiting", f"{phase.queue_max:,}",
                     f"order_feed started late p50 {pct(late, .5):.1f} / max {max(late, default=0):.1f} s"))
    print_summary(rows, seconds)


# ---------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 orders and a burst of 500 (under 2 minutes)")
    parser.add_argument("--orders", type=int, help="orders of the steady phase (default 10,000; quick 1,000)")
    parser.add_argument("--rate", type=float, help="purchases per minute in the steady phase (default 2,000)")
    parser.add_argument("--burst", type=int, help="orders placed at once in the burst phase (default 2,000; quick "
                                                  "500; 0: no burst)")
    parser.add_argument("--variants", type=int, help="variants listed on both accounts (default 500)")
    parser.add_argument("--completion", type=float, default=1.0,
                        help="seconds the emulator takes to complete a command (default 1.0)")
    parser.add_argument("--workers", type=int, help="threads of the worker (default: magazynier worker's default)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds without progress before giving up")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir (database, worker.log)")
    args = parser.parse_args()
    base = QUICK if args.quick else DEFAULT
    sizes = Sizes(orders=args.orders or base.orders, rate=args.rate or base.rate,
                  burst=base.burst if args.burst is None else args.burst, variants=args.variants or base.variants)
    return run_in_data_dir(run, args, sizes)


def run(args, sizes: Sizes, started: float) -> None:
    from django.db import connection

    from emulators.allegro import EmulatorConfig
    from emulators.allegro.testing import running_emulator
    from magazynier.sync.order_feed import POLL_SECONDS

    COMPLETION[0] = args.completion
    with running_emulator(EmulatorConfig(seed=1, command_completion_seconds=args.completion)) as emu:
        traffic = Traffic(emu.world)
        traffic.install(emu.app)  # before the first request: Starlette builds its middleware stack then
        bench = Bench(emu, None, args.completion)  # only its connection and linking helpers are used
        t0 = time.monotonic()
        shop = seed(bench, sizes.variants, random.Random(7))
        floor = command_floor(shop.accounts[SECOND], shop.spare)
        print(f"database: {connection.vendor}, queue: {os.environ['MAGAZYNIER_QUEUE']}; "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {sizes}; order poll every {POLL_SECONDS:g} s, emulator "
              f"command completion {args.completion:g} s")
        print(f"set up: {sizes.variants} variants with 80-150 units each, listed on '{FIRST}' and '{SECOND}' "
              f"(writers on) in {time.monotonic() - t0:.1f} s; floor (quantity command PUT + report polled every "
              f"10 ms) p50 {pct(floor, .5):.2f} s (n={len(floor)})")
        worker = Worker(args.workers)
        ticker = Ticker(emu.world)
        ticker.start()
        phases: list[Phase] = []
        try:
            start_feeds(shop)
            if not wait_idle([shop.pk(FIRST), shop.pk(SECOND)], 60):
                print("  !! the accounts were not idle before the first order")
            print(f"`magazynier worker` with {worker.threads} threads; both order feeds started")
            orders = OrdersBench(bench, shop, traffic, ticker, worker)
            phases.append(orders.run(Phase(f"steady {sizes.rate:,.0f}/min", sizes.orders, sizes.rate), args.timeout))
            if sizes.burst:
                phases.append(orders.run(Phase("burst", sizes.burst, None), args.timeout))
        finally:
            ticker.stopping.set()
            worker.stop()
        measure(phases, shop, traffic)
        figures = []
        for phase in phases:
            print(f"\n-- {phase.label} --")
            figures.append(report(phase, shop, floor))
        wrong, oversold, ended = check_offers(bench, shop)
    problems, durations = worker.digest()
    print(f"\noffers showing another stock than magazynier's available: {len(wrong[FIRST])} on '{FIRST}', "
          f"{len(wrong[SECOND])} on '{SECOND}' (of {sizes.variants} each); oversold orders {oversold}; ended offers "
          f"{ended}")
    for line in wrong[FIRST][:5] + wrong[SECOND][:5]:
        print(f"  !! {line}")
    print(f"worker: {len(durations)} sync tasks, longest {max(durations, default=0):.1f} s; logged: "
          f"{dict(problems.most_common(6)) or 'nothing'}")
    summary(phases, figures, floor, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
