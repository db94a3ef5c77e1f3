"""Double-check a plan before anything is sent (pure). A plan that trips any rule is held as a whole.

The rules catch the failures that hurt sellers most: a faulty import or feed that zeroes the stock (offers
end, positions in Allegro's search are lost), a price typo (a 99 % drop sells the stock at a loss), a bug
that publishes more than is on the shelves (oversold orders), and a runaway plan changing everything.

Zeroing is counted over a window (`recent_to_zero`: offers the engine ended in the last hour), so an
import committed in batches cannot slip through one small plan at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from magazynier.sync.planning import END, PRICE, PUBLICATION, QUANTITY, Change

TOO_MANY_TO_ZERO, PRICE_DROP, ABOVE_ON_HAND, TOO_MANY_CHANGES = (
    "too_many_to_zero", "price_drop", "above_on_hand", "too_many_changes")


@dataclass(frozen=True)
class GuardLimits:
    zero_percent: int = 20  # of the account's live offers
    zero_min: int = 5  # offers: fewer never trip the zero rule (a shop of 3 offers may sell out)
    price_drop_percent: int = 30
    max_changes: int = 20_000


@dataclass(frozen=True)
class GuardContext:
    live_offers: int  # offers of the account for sale now
    on_hand: Mapping[int, int | None]  # listing id -> units physically held for its variant (all warehouses)
    recent_to_zero: int = 0  # offers ended by the engine in the window before this plan


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    listing_ids: tuple[int, ...]


def change_key(change: Change) -> tuple[int, str, str]:
    """How an operator's approval names one change: listing, kind, target value."""
    return (change.listing_id, change.kind, str(change.value))


def _to_zero(changes: Sequence[Change]) -> list[Change]:
    return [c for c in changes if (c.kind == PUBLICATION and c.value == END) or (c.kind == QUANTITY and c.value == 0)]


def _price_drops(changes: Sequence[Change], limit_percent: int) -> list[Change]:
    floor = Decimal(100 - limit_percent) / 100
    return [c for c in changes if c.kind == PRICE and c.old is not None and Decimal(c.old) > 0
            and Decimal(c.value) < Decimal(c.old) * floor]


def check_plan(changes: Sequence[Change], limits: GuardLimits, context: GuardContext,
               approved: Collection[tuple[int, str, str]] = ()) -> list[Violation]:
    """The rules this plan breaks; empty means it may be sent. Approved changes are not counted again."""
    changes = [c for c in changes if change_key(c) not in approved] if approved else list(changes)
    violations: list[Violation] = []

    zeroing = _to_zero(changes)
    total_zero = len(zeroing) + context.recent_to_zero
    base = max(context.live_offers, 1)
    if zeroing and total_zero >= limits.zero_min and total_zero * 100 > limits.zero_percent * base:
        violations.append(Violation(TOO_MANY_TO_ZERO, _(
            "%(count)d of %(live)d offers for sale would drop to 0 (the limit is %(limit)d %%). A faulty import "
            "or feed often looks like this: check the stock, then approve or reject.") % {
                "count": total_zero, "live": context.live_offers, "limit": limits.zero_percent},
            tuple(c.listing_id for c in zeroing)))

    drops = _price_drops(changes, limits.price_drop_percent)
    if drops:
        violations.append(Violation(PRICE_DROP, ngettext(
            "%(count)d price would drop by more than %(limit)d %%, e.g. %(old)s → %(new)s zł.",
            "%(count)d prices would drop by more than %(limit)d %%, e.g. %(old)s → %(new)s zł.", len(drops)) % {
                "count": len(drops), "limit": limits.price_drop_percent, "old": drops[0].old, "new": drops[0].value},
            tuple(c.listing_id for c in drops)))

    above = [c for c in changes if c.kind == QUANTITY and isinstance(c.value, int)
             and (context.on_hand.get(c.listing_id) is None or c.value > context.on_hand[c.listing_id])]
    if above:
        violations.append(Violation(ABOVE_ON_HAND, ngettext(
            "%(count)d offer would show more units than the warehouses hold.",
            "%(count)d offers would show more units than the warehouses hold.", len(above)) % {"count": len(above)},
            tuple(c.listing_id for c in above)))

    if len(changes) > limits.max_changes:
        violations.append(Violation(TOO_MANY_CHANGES, _(
            "The plan changes %(count)d offers at once (the limit is %(limit)d).") % {
                "count": len(changes), "limit": limits.max_changes}, ()))
    return violations
