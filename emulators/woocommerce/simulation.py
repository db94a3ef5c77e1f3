"""Simulated buyers purchasing at a steady rate, in a background thread (purchases happen even when no
API request arrives; each API request also catches up, so a clock advanced by a test takes effect)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .checkout import PAYMENT_METHODS, PurchaseRefused, purchase

if TYPE_CHECKING:
    from .world import World

MAX_PURCHASES_PER_TICK = 10_000
TICK_SECONDS = 0.05


@dataclass
class BuyerPlan:
    purchases_per_minute: float
    max_quantity: int = 1
    cancel_share: float = 0.0
    invoice_share: float = 0.0
    unpaid_share: float = 0.0
    payment_methods: dict[str, float] = field(default_factory=lambda: {"przelewy24": 0.6, "bacs": 0.2, "cod": 0.2})
    started_at: float = 0.0
    done: int = 0


class BuyerSimulation:
    def __init__(self, world: World):
        self.world = world
        self.plan: BuyerPlan | None = None
        self.counts = {"orders": 0, "line_items": 0, "invoices": 0, "cancellations": 0, "unpaid": 0,
                       "skipped_no_stock": 0}
        self.by_payment: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self, purchases_per_minute: float, max_quantity: int = 1, cancel_share: float = 0.0, *,
              invoice_share: float = 0.0, unpaid_share: float = 0.0,
              payment_methods: dict[str, float] | None = None) -> None:
        for name, value in (("cancel_share", cancel_share), ("invoice_share", invoice_share),
                            ("unpaid_share", unpaid_share)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if purchases_per_minute <= 0:
            raise ValueError("purchases_per_minute must be positive")
        if max_quantity < 1:
            raise ValueError("max_quantity must be at least 1")
        methods = dict(payment_methods) if payment_methods else None
        if methods is not None:
            unknown = set(methods) - set(PAYMENT_METHODS)
            if unknown or not methods or any(w < 0 for w in methods.values()) or not sum(methods.values()):
                raise ValueError(f"payment_methods: weights for {', '.join(PAYMENT_METHODS)}")
        with self.world.lock:
            plan = BuyerPlan(purchases_per_minute, max_quantity, cancel_share, invoice_share, unpaid_share,
                             started_at=self.world.now())
            if methods is not None:
                plan.payment_methods = methods
            self.plan = plan
        self._stop.clear()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, daemon=True, name="woocommerce-buyers")
            self._thread.start()

    def stop(self) -> None:
        with self.world.lock:
            self.plan = None
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.world.tick()

    def run_until(self, now: float) -> None:
        """Caller holds the world lock."""
        plan = self.plan
        if plan is None:
            return
        due = int((now - plan.started_at) * plan.purchases_per_minute / 60.0) - plan.done
        for _ in range(min(max(due, 0), MAX_PURCHASES_PER_TICK)):
            plan.done += 1
            self._one(plan)

    def _candidates(self) -> list[Any]:
        catalog = self.world.catalog
        found = []
        for item in catalog.items.values():
            if item.type not in ("simple", "variation") or not catalog.purchasable(item):
                continue
            if catalog.stock_status(item) == "outofstock":
                continue
            owner = catalog.stock_owner(item)
            if owner is not None and owner.backorders == "no" and (owner.stock_quantity or 0) < 1:
                continue
            found.append(item)
        return sorted(found, key=lambda i: i.id)

    def _one(self, plan: BuyerPlan) -> None:
        world = self.world
        rng = world.rng
        candidates = self._candidates()
        if not candidates:
            self.counts["skipped_no_stock"] += 1
            return
        item = rng.choice(candidates)
        owner = world.catalog.stock_owner(item)
        limit = plan.max_quantity
        if owner is not None and owner.backorders == "no":
            limit = max(1, min(limit, owner.stock_quantity or 0))
        quantity = rng.randint(1, limit)
        methods = sorted(plan.payment_methods.items())
        method = rng.choices([m for m, _ in methods], weights=[w for _, w in methods])[0]
        invoice = bool(plan.invoice_share) and rng.random() < plan.invoice_share
        paid = not (plan.unpaid_share and rng.random() < plan.unpaid_share)
        try:
            order = purchase(world, [{"product_id": item.parent_id or item.id,
                                      "variation_id": item.id if item.parent_id else 0, "quantity": quantity}],
                             payment_method=method, paid=paid, invoice=invoice)
        except PurchaseRefused:
            self.counts["skipped_no_stock"] += 1
            return
        self.counts["orders"] += 1
        self.counts["line_items"] += 1
        self.counts["invoices"] += invoice
        self.counts["unpaid"] += not paid
        self.by_payment[method] = self.by_payment.get(method, 0) + 1
        if plan.cancel_share and rng.random() < plan.cancel_share:
            world.orders.transition(order, "cancelled", note="Klient anulował zamówienie.")
            self.counts["cancellations"] += 1

    def counters(self) -> dict[str, Any]:
        return {**self.counts, "by_payment_method": dict(self.by_payment), "running": self.plan is not None}
