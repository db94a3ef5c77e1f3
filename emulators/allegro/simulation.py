"""Buyers purchasing at a given rate, driven by the (possibly fake) clock.

Each due purchase makes one checkout form. With the optional shares, a purchase is a cart of 2–3
distinct offers (``cart_share``), asks for a company invoice (``invoice_share``), is paid on delivery
(``cod_share``) or goes to a parcel locker (``pickup_share``). A share of 0 draws nothing from the
world's seeded RNG, so runs without the new shares pick the same offers as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .world import World

MAX_PURCHASES_PER_TICK = 10_000
MAX_CART_OFFERS = 3


@dataclass
class BuyerPlan:
    seller_id: str
    purchases_per_minute: float
    max_quantity: int = 1
    stage: str = "READY_FOR_PROCESSING"
    cancel_share: float = 0.0
    started_at: float = 0.0
    done: int = 0
    cart_share: float = 0.0
    invoice_share: float = 0.0
    cod_share: float = 0.0
    pickup_share: float = 0.0


class BuyerSimulation:
    def __init__(self, world: World):
        self.world = world
        self.plans: dict[str, BuyerPlan] = {}
        self.purchases = 0  # checkout forms created by the simulation
        self.carts = 0  # ... of which with more than one line item
        self.line_items = 0
        self.invoices = 0
        self.cash_on_delivery = 0
        self.pickup_points = 0
        self.cancellations = 0

    def start(self, seller_id: str, purchases_per_minute: float, max_quantity: int = 1,
              stage: str = "READY_FOR_PROCESSING", cancel_share: float = 0.0, *, cart_share: float = 0.0,
              invoice_share: float = 0.0, cod_share: float = 0.0, pickup_share: float = 0.0) -> None:
        shares = {"cancel_share": cancel_share, "cart_share": cart_share, "invoice_share": invoice_share,
                  "cod_share": cod_share, "pickup_share": pickup_share}
        for name, value in shares.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if max_quantity < 1:
            raise ValueError("max_quantity must be at least 1")
        with self.world.lock:
            self.plans[seller_id] = BuyerPlan(seller_id, purchases_per_minute, max_quantity, stage, cancel_share,
                                              started_at=self.world.clock.now(), cart_share=cart_share,
                                              invoice_share=invoice_share, cod_share=cod_share,
                                              pickup_share=pickup_share)

    def stop(self, seller_id: str | None = None) -> None:
        with self.world.lock:
            if seller_id is None:
                self.plans.clear()
            else:
                self.plans.pop(seller_id, None)

    def counters(self) -> dict[str, int]:
        return {"checkoutForms": self.purchases, "carts": self.carts, "lineItems": self.line_items,
                "invoices": self.invoices, "cashOnDelivery": self.cash_on_delivery,
                "pickupPoints": self.pickup_points, "cancellations": self.cancellations}

    def run_until(self, now: float) -> None:
        for plan in list(self.plans.values()):
            due = int((now - plan.started_at) * plan.purchases_per_minute / 60.0) - plan.done
            for _ in range(min(due, MAX_PURCHASES_PER_TICK)):
                plan.done += 1
                self._one_purchase(plan, now)

    def _one_purchase(self, plan: BuyerPlan, now: float) -> None:
        world = self.world
        rng = world.rng
        candidates = sorted((o for o in world.offers.offers.values()
                             if o.seller_id == plan.seller_id and o.status == "ACTIVE" and o.available > 0),
                            key=lambda o: o.id)
        if not candidates:
            return
        if len(candidates) >= 2 and _chance(rng, plan.cart_share):
            chosen = rng.sample(candidates, rng.randint(2, min(MAX_CART_OFFERS, len(candidates))))
        else:
            chosen = [rng.choice(candidates)]
        items = [(offer, rng.randint(1, min(plan.max_quantity, offer.available))) for offer in chosen]
        options: dict[str, Any] = {
            "invoice_company": _chance(rng, plan.invoice_share),
            "payment_type": "CASH_ON_DELIVERY" if _chance(rng, plan.cod_share) else "ONLINE",
            "pickup_point": _chance(rng, plan.pickup_share),
        }
        form = world.orders.purchase_cart(items, now, plan.stage, **options)
        self.purchases += 1
        self.carts += len(items) > 1
        self.line_items += len(items)
        self.invoices += options["invoice_company"]
        self.cash_on_delivery += options["payment_type"] == "CASH_ON_DELIVERY"
        self.pickup_points += options["pickup_point"]
        if _chance(rng, plan.cancel_share):
            world.orders.cancel(form, now, by_buyer=True)
            self.cancellations += 1


def _chance(rng: Any, share: float) -> bool:
    """True with probability ``share``; draws from the RNG only when the share is not 0."""
    return bool(share) and rng.random() < share
