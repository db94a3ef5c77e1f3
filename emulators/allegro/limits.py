"""Rate limits: per client id (9,000/min with a 60 s block that extends while the client keeps
calling), per seller offer-change budgets (per minute and per hour) and per-resource limits.

Every limiter also keeps counters so tests can prove a client never exceeded a limit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .config import Limits

MINUTE = 60.0
HOUR = 3600.0


class SlidingWindow:
    """Sum of weights recorded in the last ``window`` seconds; remembers the highest sum seen."""

    def __init__(self, window: float):
        self.window = window
        self._items: deque[tuple[float, int]] = deque()
        self._total = 0
        self.peak = 0

    def total(self, now: float) -> int:
        items = self._items
        horizon = now - self.window
        while items and items[0][0] <= horizon:
            self._total -= items.popleft()[1]
        return self._total

    def add(self, now: float, weight: int = 1) -> None:
        self.total(now)
        if self._items and self._items[-1][0] == now:
            self._items[-1] = (now, self._items[-1][1] + weight)
        else:
            self._items.append((now, weight))
        self._total += weight
        self.peak = max(self.peak, self._total)


@dataclass
class ClientUsage:
    window: SlidingWindow = field(default_factory=lambda: SlidingWindow(MINUTE))
    blocked_until: float = 0.0
    served: int = 0
    rejected: int = 0
    blocks: int = 0


@dataclass
class SellerUsage:
    changes_minute: SlidingWindow = field(default_factory=lambda: SlidingWindow(MINUTE))
    changes_hour: SlidingWindow = field(default_factory=lambda: SlidingWindow(HOUR))
    price_hour: SlidingWindow = field(default_factory=lambda: SlidingWindow(HOUR))
    resources: dict[str, SlidingWindow] = field(default_factory=dict)
    offer_changes: int = 0
    price_changes: int = 0
    rejected: int = 0


class RateLimiter:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.clients: dict[str, ClientUsage] = {}
        self.sellers: dict[str, SellerUsage] = {}
        self.soft: dict[tuple[str, str], SlidingWindow] = {}

    # ---- per client id ------------------------------------------------------------------------
    def admit_client(self, client_id: str, now: float) -> bool:
        usage = self.clients.get(client_id)
        if usage is None:
            usage = self.clients[client_id] = ClientUsage()
        if now < usage.blocked_until:
            # hammering during a block extends it
            usage.blocked_until = now + self.limits.client_block_seconds
            usage.rejected += 1
            return False
        if usage.window.total(now) >= self.limits.client_requests_per_minute:
            usage.blocked_until = now + self.limits.client_block_seconds
            usage.blocks += 1
            usage.rejected += 1
            return False
        usage.window.add(now)
        usage.served += 1
        return True

    # ---- per seller ---------------------------------------------------------------------------
    def seller(self, seller_id: str) -> SellerUsage:
        usage = self.sellers.get(seller_id)
        if usage is None:
            usage = self.sellers[seller_id] = SellerUsage()
        return usage

    def consume_offer_changes(self, seller_id: str, count: int, now: float, price: bool = False) -> bool:
        """Take ``count`` offer changes from the seller's budget; False (nothing taken) when over."""
        usage = self.seller(seller_id)
        limits = self.limits
        over = (
            usage.changes_minute.total(now) + count > limits.seller_offer_changes_per_minute
            or usage.changes_hour.total(now) + count > limits.seller_offer_changes_per_hour
            or (price and usage.price_hour.total(now) + count > limits.seller_price_changes_per_hour)
        )
        if over:
            usage.rejected += 1
            return False
        usage.changes_minute.add(now, count)
        usage.changes_hour.add(now, count)
        usage.offer_changes += count
        if price:
            usage.price_hour.add(now, count)
            usage.price_changes += count
        return True

    def admit_resource(self, seller_id: str, resource: str, per_minute: int, now: float) -> bool:
        usage = self.seller(seller_id)
        window = usage.resources.get(resource)
        if window is None:
            window = usage.resources[resource] = SlidingWindow(MINUTE)
        if window.total(now) >= per_minute:
            usage.rejected += 1
            return False
        window.add(now)
        return True

    def count_resource(self, key: str, resource: str, now: float, window: float = MINUTE) -> int:
        """Record one call and return how many calls the window held before it (for soft limits)."""
        counter = self.soft.get((key, resource))
        if counter is None:
            counter = self.soft[(key, resource)] = SlidingWindow(window)
        before = counter.total(now)
        counter.add(now)
        return before

    # ---- counters -----------------------------------------------------------------------------
    def counters(self) -> dict:
        return {
            "clients": {
                client_id: {
                    "served": usage.served,
                    "rejected": usage.rejected,
                    "blocks": usage.blocks,
                    "peakPerMinute": usage.window.peak,
                }
                for client_id, usage in self.clients.items()
            },
            "sellers": {
                seller_id: {
                    "offerChanges": usage.offer_changes,
                    "priceChanges": usage.price_changes,
                    "peakOfferChangesPerMinute": usage.changes_minute.peak,
                    "peakOfferChangesPerHour": usage.changes_hour.peak,
                    "peakPriceChangesPerHour": usage.price_hour.peak,
                    "rejected": usage.rejected,
                    "resourcePeaksPerMinute": {name: w.peak for name, w in usage.resources.items()},
                }
                for seller_id, usage in self.sellers.items()
            },
        }
