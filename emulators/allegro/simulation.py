"""Buyers purchasing at a given rate, driven by the (possibly fake) clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .world import World

MAX_PURCHASES_PER_TICK = 10_000


@dataclass
class BuyerPlan:
    seller_id: str
    purchases_per_minute: float
    max_quantity: int = 1
    stage: str = "READY_FOR_PROCESSING"
    cancel_share: float = 0.0
    started_at: float = 0.0
    done: int = 0


class BuyerSimulation:
    def __init__(self, world: World):
        self.world = world
        self.plans: dict[str, BuyerPlan] = {}
        self.purchases = 0
        self.cancellations = 0

    def start(self, seller_id: str, purchases_per_minute: float, max_quantity: int = 1,
              stage: str = "READY_FOR_PROCESSING", cancel_share: float = 0.0) -> None:
        with self.world.lock:
            self.plans[seller_id] = BuyerPlan(seller_id, purchases_per_minute, max_quantity, stage, cancel_share,
                                              started_at=self.world.clock.now())

    def stop(self, seller_id: str | None = None) -> None:
        with self.world.lock:
            if seller_id is None:
                self.plans.clear()
            else:
                self.plans.pop(seller_id, None)

    def run_until(self, now: float) -> None:
        for plan in list(self.plans.values()):
            due = int((now - plan.started_at) * plan.purchases_per_minute / 60.0) - plan.done
            for _ in range(min(due, MAX_PURCHASES_PER_TICK)):
                plan.done += 1
                self._one_purchase(plan, now)

    def _one_purchase(self, plan: BuyerPlan, now: float) -> None:
        world = self.world
        candidates = [o for o in world.offers.offers.values()
                      if o.seller_id == plan.seller_id and o.status == "ACTIVE" and o.available > 0]
        if not candidates:
            return
        offer = world.rng.choice(sorted(candidates, key=lambda o: o.id))
        quantity = world.rng.randint(1, min(plan.max_quantity, offer.available))
        form = world.orders.purchase(offer, quantity, now, plan.stage)
        self.purchases += 1
        if plan.cancel_share and world.rng.random() < plan.cancel_share:
            world.orders.cancel(form, now, by_buyer=True)
            self.cancellations += 1
