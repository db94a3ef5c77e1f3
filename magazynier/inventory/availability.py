"""How many units of one variant each sales channel may publish.

Pure computation: stock levels per warehouse and the channels' rules in, one `Sellable` per channel
(keyed by `ChannelRule.key`, the channel account id) out. No models, no database, no I/O.

The steps, in order:

1. **Pool.** A channel is fed by `rule.warehouses` (None = every warehouse in `levels`). Its available
   stock is ``max(0, sum(on_hand) - sum(reserved))`` over the feeding warehouses that have a level row,
   so a reservation in one warehouse consumes the whole pool. No row in any feeding warehouse means the
   stock is unknown: quantity None with reason "unknown_stock" (never 0).
2. **Buffer.** When available <= buffer (buffer > 0), or available is 0, the channel publishes 0 with
   reason "buffer" or "no_stock". `end_offer` is True when the rule says ``at_buffer="end"``, buffer > 0
   and available <= buffer (so also when available is 0: the offer stays ended while the stock is at
   or below the buffer). A stopped channel keeps its allotment from step 3 unpublished: the others get
   exactly what they would get if it were not stopped (it takes nothing from them, and its share is not
   handed to them).
3. **Allocation** among the channels fed by the same warehouses (same set of warehouses that have a
   level row), all of which see the same available ``a``:

   * a channel with ``share_percent = s`` gets ``floor(a * s / 100)`` (exact Decimal arithmetic);
   * the rounding leftover ``a - sum(floors) - floor(a * (100 - S) / 100)``, S being the sum of the
     group's shares, is handed out one unit at a time, round-robin in (priority, key) order, never
     lifting a channel above ``ceil(a * s / 100)`` and never to a 0 % channel ("the last units go to the
     channel with priority"). With 60 % (priority 1), 30 % (priority 2) and 10 % unshared, 2 units give
     2 / 0 and 10 units give 6 / 3;
   * the unshared rest, ``floor(a * (100 - S) / 100)`` units, is the common pool. Every channel with
     ``share_percent=None`` ("shared") sees that whole pool; several shared channels see the same units
     at once and rely on the engine's fast sync to not oversell. Without shared channels in the group
     the rest is a reserve that nobody publishes.

4. **Cap.** ``quantity = min(quantity, cap)`` with reason "cap" when the cap lowered it. Units cut by a
   cap are not given to anyone else.

Guarantees (covered by the tests, property-based where stated there):

* quantity is None exactly when no feeding warehouse has a level row; otherwise
  ``0 <= quantity <= available`` of that channel (hence <= its total on_hand);
* the rounding leftover is always handed out in full, so in one group, before buffers and caps, the
  share channels get exactly ``a - floor(a * (100 - S) / 100)`` units together, each between the floor
  and the ceiling of its exact share, and each shared channel sees exactly
  ``floor(a * (100 - S) / 100)``. Hence the share channels' quantities plus any one shared channel's
  quantity never exceed ``a``; with no shared channel, the share channels never exceed ``a`` minus the
  reserve;
* a channel whose available is at or below its buffer publishes 0;
* when one unit of stock is added, the group's share total and every shared channel never go down and a
  share channel goes down by at most 1 unit (the leftover unit may move to a channel with priority).
  Single share channels are therefore not strictly monotonic: 50 % (priority 1) and 30 % (priority 2)
  give 2 / 2 at 4 units but 3 / 1 at 5 units.

Channels fed by different warehouse sets are computed independently. `check_rules` keeps the shares
feeding any one warehouse at or below 100 %, but shared channels in different groups may see the same
units.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)

AT_BUFFER_CHOICES = frozenset({"zero", "end"})
HUNDRED = Decimal(100)
EXACT = Context(prec=200, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])

REASONS: dict[str, str] = {
    "unknown_stock": "No stock level is known in any warehouse that feeds this channel.",
    "no_stock": "No units are available in the warehouses that feed this channel.",
    "buffer": "Available stock is at or below the channel's buffer, so nothing is published.",
    "cap": "The quantity is limited by the channel's cap.",
    "share_rounded_to_zero": "The channel's share rounds down to 0 units and the last units went to "
    "a channel with priority.",
    "zero_share": "The channel's share is 0 %.",
    "shared_pool_empty": "All available units are taken by the channels' shares or kept in reserve.",
}


class AllocationError(ValueError):
    """The channel rules are inconsistent (the message names the channel keys)."""


@dataclass(frozen=True)
class Stock:
    """One warehouse's level for the variant."""

    warehouse_id: int
    on_hand: int
    reserved: int


@dataclass(frozen=True)
class ChannelRule:
    """How one channel account takes its part of the stock (see the module docstring)."""

    key: int
    share_percent: Decimal | None = None
    cap: int | None = None
    priority: int = 100
    buffer: int = 0
    at_buffer: str = "zero"
    warehouses: frozenset[int] | None = None


@dataclass(frozen=True)
class Sellable:
    """What a channel may publish. `quantity` None means unknown, never 0."""

    quantity: int | None
    reason: str
    end_offer: bool = False


def explain(sellable: Sellable) -> str:
    """The panel's explanation for the reason, or "" when the full computed amount is published."""
    return REASONS.get(sellable.reason, "")


def _exact():
    """A decimal context in which sums and products of shares are exact (a rounding would raise)."""
    return localcontext(EXACT)


def _total_share(rules: Iterable[ChannelRule]) -> Decimal:
    with _exact():
        return sum((Decimal(r.share_percent) for r in rules), Decimal(0))


def _unshared_percent(rules: Iterable[ChannelRule]) -> Decimal:
    with _exact():
        return HUNDRED - _total_share(rules)


# --- validation ---------------------------------------------------------------------------------------


def _keys(keys: Iterable[int]) -> str:
    keys = sorted(keys)
    return f"channel{'s' if len(keys) != 1 else ''} {', '.join(str(k) for k in keys)}"


def _check_share(rule: ChannelRule) -> None:
    share = rule.share_percent
    if share is None:
        return
    if isinstance(share, bool) or not isinstance(share, Decimal | int):
        raise AllocationError(f"Share of {_keys([rule.key])} must be a Decimal, not {type(share).__name__}")
    if not Decimal(share).is_finite() or not 0 <= share <= 100:
        raise AllocationError(f"Share of {_keys([rule.key])} is {share} %: it must be within 0..100 %")


def _check_rule(rule: ChannelRule) -> None:
    _check_share(rule)
    if rule.cap is not None and rule.cap < 0:
        raise AllocationError(f"Cap of {_keys([rule.key])} is {rule.cap}: it must be 0 or more")
    if rule.buffer < 0:
        raise AllocationError(f"Buffer of {_keys([rule.key])} is {rule.buffer}: it must be 0 or more")
    if rule.at_buffer not in AT_BUFFER_CHOICES:
        raise AllocationError(
            f"At-buffer action of {_keys([rule.key])} is {rule.at_buffer!r}: it must be 'zero' or 'end'"
        )


def _feeds(rule: ChannelRule, warehouse: int | None) -> bool:
    """Whether the rule feeds from the warehouse; None stands for any warehouse no rule names."""
    return rule.warehouses is None or (warehouse is not None and warehouse in rule.warehouses)


def _check_shares_per_warehouse(rules: Sequence[ChannelRule]) -> None:
    """The shares of channels feeding one warehouse may add up to at most 100 %.

    A rule with ``warehouses=None`` feeds every warehouse, including ones no rule names (`None` below).
    """
    share_rules = [r for r in rules if r.share_percent is not None]
    named = sorted({w for r in share_rules if r.warehouses is not None for w in r.warehouses})
    for warehouse in [*named, None]:
        feeding = [r for r in share_rules if _feeds(r, warehouse)]
        total = _total_share(feeding)
        if total > HUNDRED:
            parts = ", ".join(f"{r.key}: {r.share_percent} %" for r in sorted(feeding, key=lambda r: r.key))
            where = f" in warehouse {warehouse}" if warehouse is not None else ""
            raise AllocationError(
                f"Shares of {_keys(r.key for r in feeding)} add up to {total} %{where} ({parts}): "
                "they may add up to at most 100 %"
            )


def check_rules(rules: Sequence[ChannelRule]) -> None:
    """Raise `AllocationError` naming the channel keys when the rules are inconsistent."""
    duplicates = [key for key, count in Counter(r.key for r in rules).items() if count > 1]
    if duplicates:
        raise AllocationError(f"Duplicate rules for {_keys(duplicates)}: each channel may have one rule")
    for rule in rules:
        _check_rule(rule)
    _check_shares_per_warehouse(rules)


# --- computation --------------------------------------------------------------------------------------


def _percent_of(available: int, percent: Decimal, rounding: str) -> int:
    """``available * percent / 100`` rounded to an integer."""
    with _exact():
        exact = Decimal(available) * Decimal(percent) / HUNDRED
        return int(exact.to_integral_value(rounding=rounding))


def _feeding(rule: ChannelRule, present: frozenset[int]) -> frozenset[int]:
    """The warehouses with a level row that feed the channel."""
    return present if rule.warehouses is None else present & rule.warehouses


def _available(levels: Sequence[Stock], warehouses: frozenset[int]) -> int:
    rows = [s for s in levels if s.warehouse_id in warehouses]
    return max(0, sum(s.on_hand for s in rows) - sum(s.reserved for s in rows))


def _share_allotments(available: int, share_rules: Sequence[ChannelRule]) -> dict[int, int]:
    """Floor of each share, then the rounding leftover one unit at a time by (priority, key)."""
    allotted = {r.key: _percent_of(available, r.share_percent, ROUND_FLOOR) for r in share_rules}
    ceiling = {r.key: _percent_of(available, r.share_percent, ROUND_CEILING) for r in share_rules}
    rest = _percent_of(available, _unshared_percent(share_rules), ROUND_FLOOR)
    leftover = available - sum(allotted.values()) - rest
    order = [r.key for r in sorted(share_rules, key=lambda r: (r.priority, r.key)) if r.share_percent > 0]
    while leftover > 0 and any(allotted[k] < ceiling[k] for k in order):
        for key in order:
            if leftover > 0 and allotted[key] < ceiling[key]:
                allotted[key] += 1
                leftover -= 1
    return allotted


def _before_cap(rule: ChannelRule, available: int, allotted: dict[int, int], pool: int) -> Sellable:
    """The channel's quantity after buffer and allocation, before its cap."""
    stopped = available <= rule.buffer
    end_offer = stopped and rule.buffer > 0 and rule.at_buffer == "end"
    if available == 0:
        return Sellable(0, "no_stock", end_offer)
    if stopped:
        return Sellable(0, "buffer", end_offer)
    if rule.share_percent is None:
        return Sellable(pool, "" if pool else "shared_pool_empty")
    quantity = allotted[rule.key]
    if quantity:
        return Sellable(quantity, "")
    return Sellable(0, "share_rounded_to_zero" if rule.share_percent > 0 else "zero_share")


def _apply_cap(rule: ChannelRule, sellable: Sellable) -> Sellable:
    if rule.cap is None or sellable.quantity is None or sellable.quantity <= rule.cap:
        return sellable
    return Sellable(rule.cap, "cap", sellable.end_offer)


def _group_result(available: int, rules: Sequence[ChannelRule]) -> dict[int, Sellable]:
    """All channels fed by the same warehouses, hence seeing the same `available`."""
    share_rules = [r for r in rules if r.share_percent is not None]
    allotted = _share_allotments(available, share_rules)
    pool = max(0, available - sum(allotted.values()))
    return {r.key: _apply_cap(r, _before_cap(r, available, allotted, pool)) for r in rules}


def sellable_by_channel(levels: Sequence[Stock], rules: Sequence[ChannelRule]) -> dict[int, Sellable]:
    """What each channel (by `ChannelRule.key`) may publish; see the module docstring for the rules."""
    check_rules(rules)
    present = frozenset(s.warehouse_id for s in levels)
    groups: dict[frozenset[int], list[ChannelRule]] = defaultdict(list)
    result: dict[int, Sellable] = {}
    for rule in rules:
        feeding = _feeding(rule, present)
        if feeding:
            groups[feeding].append(rule)
        else:
            result[rule.key] = Sellable(None, "unknown_stock")
    for warehouses, group in groups.items():
        result.update(_group_result(_available(levels, warehouses), group))
    return {r.key: result[r.key] for r in rules}


@dataclass(frozen=True)
class ReservationSplit:
    parts: tuple[tuple[int, int], ...]  # (warehouse id, units), every unit of the order placed somewhere
    short: int  # units the pool did not have: the order is oversold by this many


def split_reservation(quantity: int, levels: Sequence[Stock], warehouses: Iterable[int]) -> ReservationSplit:
    """Where to reserve `quantity` units of one variant for an order, among `warehouses` (in preference
    order when availability ties). The pool is counted as the sync engine counts it (on_hand − reserved over
    the warehouses together); the units are taken from the warehouses with the most available first. An
    order is never refused: what the pool lacks is placed on the warehouse holding the most (or the first)
    and reported as `short`."""
    order = list(dict.fromkeys(warehouses))
    if quantity <= 0 or not order:
        raise ValueError("a reservation needs a positive quantity and at least one warehouse")
    rank = {w: i for i, w in enumerate(order)}
    rows = [s for s in levels if s.warehouse_id in rank]
    pool = max(0, sum(s.on_hand for s in rows) - sum(s.reserved for s in rows))
    short = max(0, quantity - pool)
    parts: dict[int, int] = {}
    left = quantity - short
    for s in sorted(rows, key=lambda s: (-(s.on_hand - s.reserved), rank[s.warehouse_id])):
        take = min(left, max(0, s.on_hand - s.reserved))
        if take:
            parts[s.warehouse_id] = take
            left -= take
    # units still unplaced: the pool counted another warehouse's surplus, or the pool was short
    rest = left + short
    if rest:
        target = max(rows, key=lambda s: (s.on_hand, -rank[s.warehouse_id])).warehouse_id if rows else order[0]
        parts[target] = parts.get(target, 0) + rest
    return ReservationSplit(tuple(sorted(parts.items())), short)
