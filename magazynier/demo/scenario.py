"""The demo's moving parts after setup: buyers on both channels, deliveries that bring sold-out products back, and
now and then a bad moment — Allegro failing with 503s, a burst of 429s, a faulty stock export imported by
mistake — so the alerts, the held plan and the recovery show in the panel.

`timeline` is pure: which event happens at which second of the demo. `Scenario.step` carries out what is due;
the demo's main loop calls it once a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from magazynier.demo import catalog, setup

Say = Callable[[str], None]

OUTAGE_SECONDS = 45  # longer than the 30 s after which an unreachable channel raises an alert
THROTTLE_SECONDS = 20
HELD_DECISION_SECONDS = 60  # how long the held plan waits for the seller before the demo decides for them
RESTOCK_EVERY = 120.0
IN_FLIGHT_SECONDS = 5  # after the buyers pause: the shop's webhooks delivered, Allegro's journal read (2 s polls)


@dataclass(frozen=True)
class Event:
    at: float  # seconds since the buyers started
    name: str  # outage-start, outage-end, throttle-start, throttle-end, faulty-import, fix-import


FAULTS = {"outage": ("outage-start", "outage-end", OUTAGE_SECONDS),
          "throttle": ("throttle-start", "throttle-end", THROTTLE_SECONDS),
          "import": ("faulty-import", "fix-import", HELD_DECISION_SECONDS)}


def timeline(first: float, every: float, faults: list[str], cycles: int = 1000) -> list[Event]:
    """`faults` (names in FAULTS) in turn, one every `every` seconds from `first` on, each with its end (cut
    short to leave a pause before the next)."""
    events: list[Event] = []
    if not faults:
        return events
    for n in range(cycles):
        start, end, length = FAULTS[faults[n % len(faults)]]
        at = first + n * every
        events += [Event(at, start), Event(at + min(length, every * 0.8), end)]
    return events


@dataclass
class Scenario:
    allegro_url: str
    shop_url: str
    work_dir: Path
    catalog_source: Path
    say: Say
    rate: float  # purchases per minute on each channel
    events: list[Event] = field(default_factory=list)
    started: float = 0.0
    last_restock: float = 0.0
    saved_stock: dict[str, int] = field(default_factory=dict)

    # ---------------------------------------------------------------- emulators' admin APIs
    def _admin(self, base: str, path: str, body: dict) -> None:
        httpx.post(f"{base}/__admin__/{path}", json=body, timeout=10).raise_for_status()

    def start_buyers(self) -> None:
        self._buyers(True)
        self.started = self.last_restock = time.monotonic()
        self.say(f"Kupujący: ok. {self.rate:g} zamówień na minutę na Allegro i tyle samo w sklepie")

    def _buyers(self, on: bool) -> None:
        if on:
            self._admin(self.allegro_url, "buyers/start", {"seller": "demo-seller", "purchasesPerMinute": self.rate})
            self._admin(self.shop_url, "buyers/start", {"purchases_per_minute": self.rate})
        else:
            self._admin(self.allegro_url, "buyers/stop", {})
            self._admin(self.shop_url, "buyers/stop", {})

    # ---------------------------------------------------------------- the loop
    def step(self) -> None:
        elapsed = time.monotonic() - self.started
        while self.events and self.events[0].at <= elapsed:
            self.happen(self.events.pop(0).name)
        if time.monotonic() - self.last_restock >= RESTOCK_EVERY:
            self.last_restock = time.monotonic()
            self.restock()

    def happen(self, name: str) -> None:
        if name == "outage-start":
            self._admin(self.allegro_url, "faults", {"profile": {"error_share": 1.0}})
            self.say(f"Awaria: Allegro odpowiada błędami 500/503 przez {OUTAGE_SECONDS} s — zmiany czekają w "
                     "kolejce, po 30 s przychodzi powiadomienie (Zdrowie, Powiadomienia)")
        elif name == "outage-end":
            self._admin(self.allegro_url, "faults", {"profile": "none"})
            self.say("Allegro znowu działa — zaległe zmiany idą, powiadomienie zostaje rozwiązane")
        elif name == "throttle-start":
            self._admin(self.allegro_url, "faults", {"profile": {"burst_429_share": 0.5, "burst_429_length": 10}})
            self.say(f"Allegro ogranicza zapytania (429) przez {THROTTLE_SECONDS} s — Magazynier zwalnia")
        elif name == "throttle-end":
            self._admin(self.allegro_url, "faults", {"profile": "none"})
            self.say("Limit zapytań Allegro wrócił do normy")
        elif name == "faulty-import":
            self.faulty_import()
        elif name == "fix-import":
            self.fix_import()

    # ---------------------------------------------------------------- stock
    def _import(self, levels: dict[str, int], name: str) -> None:
        path = self.work_dir / name
        catalog.enrich_sample(self.catalog_source, path, levels)
        setup.import_file(path)

    def _on_hand(self) -> dict[str, int]:
        from django.db.models import Sum

        from magazynier.inventory.models import StockLevel

        return {row["variant__sku"]: row["units"] for row in
                StockLevel.objects.values("variant__sku").annotate(units=Sum("on_hand"))}

    def faulty_import(self) -> None:
        # The buyers pause meanwhile: an order placed while the books say 0 would be flagged oversold, and
        # that flag stays until the order ships — true, but not what this moment is meant to show.
        self._buyers(False)
        self._admin(self.shop_url, "webhooks/flush", {"timeout": IN_FLIGHT_SECONDS})
        time.sleep(IN_FLIGHT_SECONDS)  # orders bought just before the pause are stored before the file lands
        self.saved_stock = self._on_hand()
        self._import({sku: 0 for sku in self.saved_stock}, "eksport-z-bledem.csv")
        self.say("Błędny import: plik ze stanem 0 dla wszystkich produktów — strażnik wstrzymuje plan "
                 "(Synchronizacja), nic nie idzie do kanałów, przychodzi powiadomienie; kupujący czekają")

    def fix_import(self) -> None:
        from magazynier.sync.actions import DecisionError, decide
        from magazynier.sync.models import HeldPlan

        if self.saved_stock:
            self._import(self.saved_stock, "eksport-poprawiony.csv")
            self.saved_stock = {}
        rejected = 0
        for plan in HeldPlan.objects.filter(state=HeldPlan.HELD):
            try:
                decide(plan.pk, approve=False, name="demo")
                rejected += 1
            except DecisionError:
                pass  # the seller decided in the panel first
        self._buyers(True)
        self.say("Poprawiony import przywrócił stany"
                 + (f"; wstrzymane plany odrzucone: {rejected}" if rejected else "") + " — synchronizacja wraca")

    def restock(self) -> None:
        """A delivery: what sold down to the buffer comes back to its starting level."""
        from django.db import transaction

        from magazynier.catalog.importers import default_warehouse
        from magazynier.catalog.models import Variant
        from magazynier.inventory.actions import set_stock
        from magazynier.inventory.models import MovementReason, StockLevel, available_expression

        if self.saved_stock:  # the faulty import is on: a delivery now would hide it
            return
        warehouse = default_warehouse()
        low = list(StockLevel.objects.filter(warehouse=warehouse).annotate(free=available_expression())
                   .filter(free__lte=setup.BUFFER).values_list("variant_id", "variant__sku", "reserved"))
        if not low:
            return
        with transaction.atomic():
            for variant_id, sku, reserved in low:
                set_stock(variant_id, warehouse.pk, reserved + catalog.stock_for(sku), reason=MovementReason.DELIVERY)
        names = ", ".join(sorted(Variant.objects.filter(pk__in=[v for v, _s, _r in low])
                                 .values_list("sku", flat=True))[:4])
        self.say(f"Dostawa: wróciły na stan {names}{f' i {len(low) - 4} innych' if len(low) > 4 else ''} — "
                 "wstrzymane oferty wracają do sprzedaży")
