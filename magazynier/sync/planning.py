"""From desired and confirmed state to commands (pure: no database, no network).

Rules (../shared/DESIGN.md §4.4):
* Compare the desired value with the last value the channel confirmed; equal values are dropped (Allegro
  counts every offer change against the seller's budget, no-ops included).
* Unknown desired values (no stock level, no price) are never turned into 0: the listing is skipped with a
  reason.
* A listing with an unfinished command of a kind gets no second command of that kind: the change waits for
  the first one's report (that is what keeps one change from travelling under two command ids).
* Channels where 0 cannot be published on a live offer (Allegro ends it) get an END publication instead;
  when stock returns, the quantity is set first and the offer is activated once that is confirmed.
* Equal target values are grouped into one command of at most `max_offers` offers (Allegro's commands set
  one value); a channel whose batches carry a value per offer (WooCommerce) gets commands of one kind with
  mixed values. A command carries the most urgent priority of its offers and commands are ordered by
  priority (stock-outs and orders first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

QUANTITY, PRICE, PUBLICATION = "quantity", "price", "publication"
END, ACTIVATE = "END", "ACTIVATE"
URGENT = 0  # priority of stock-outs and order-driven changes

LIVE, PAUSED, DRAFT, ENDED = "live", "paused", "draft", "ended"  # offer states the planner distinguishes


@dataclass(frozen=True)
class ListingView:
    listing_id: int
    offer_id: str
    priority: int
    desired_quantity: int | None
    desired_price: Decimal | None
    confirmed_quantity: int | None
    confirmed_price: Decimal | None
    offer_state: str  # LIVE, PAUSED (ended by us for lack of stock), DRAFT, ENDED (by someone else)
    open_kinds: frozenset[str] = frozenset()
    skip_reason: str = ""  # set by the caller: conflict, unknown stock…
    zero_ends_offer: bool = True


@dataclass(frozen=True)
class Change:
    listing_id: int
    offer_id: str
    kind: str
    value: int | Decimal | str
    old: int | Decimal | str | None
    priority: int


MIXED = ""  # the value of a command whose offers each carry their own


@dataclass(frozen=True)
class PlannedCommand:
    kind: str
    value: int | Decimal | str  # MIXED when the offers carry different values
    priority: int
    changes: tuple[Change, ...]

    @property
    def offer_ids(self) -> list[str]:
        return [c.offer_id for c in self.changes]


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)  # listings with nothing to send and nothing open
    waiting: list[int] = field(default_factory=list)  # listings whose change waits for an open command
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _quantity_changes(view: ListingView) -> tuple[list[Change], bool]:
    """The stock/publication changes of one listing, and whether one waits for an open command."""
    wanted, priority = view.desired_quantity, view.priority
    if wanted is None:
        return [], False

    def change(kind: str, value, old, prio: int = priority) -> Change:
        return Change(view.listing_id, view.offer_id, kind, value, old, prio)

    if wanted == 0 and view.zero_ends_offer:
        if view.offer_state != LIVE:
            return [], False  # already ended (or a draft): nothing is for sale
        if PUBLICATION in view.open_kinds:
            return [], True
        return [change(PUBLICATION, END, view.offer_state, URGENT)], False
    if view.offer_state == ENDED:
        return [], False  # ended by the seller or Allegro's staff: not resumed behind their back
    if view.confirmed_quantity != wanted:
        if QUANTITY in view.open_kinds:
            return [], True
        prio = URGENT if view.confirmed_quantity is not None and wanted < view.confirmed_quantity else priority
        return [change(QUANTITY, wanted, view.confirmed_quantity, min(prio, priority))], False
    if view.offer_state == PAUSED and wanted > 0:
        if PUBLICATION in view.open_kinds or QUANTITY in view.open_kinds:
            return [], True
        return [change(PUBLICATION, ACTIVATE, view.offer_state)], False
    return [], False


def _price_changes(view: ListingView) -> tuple[list[Change], bool]:
    wanted = view.desired_price
    if wanted is None or view.offer_state == ENDED or wanted == view.confirmed_price:
        return [], False
    if PRICE in view.open_kinds:
        return [], True
    return [Change(view.listing_id, view.offer_id, PRICE, wanted, view.confirmed_price, view.priority)], False


def plan_changes(views: Iterable[ListingView]) -> Plan:
    plan = Plan()
    for view in views:
        if view.skip_reason:
            plan.skipped.append((view.listing_id, view.skip_reason))
            continue
        quantity, q_waits = _quantity_changes(view)
        price, p_waits = _price_changes(view)
        plan.changes += quantity + price
        if q_waits or p_waits:
            plan.waiting.append(view.listing_id)
        elif not quantity and not price and not view.open_kinds:
            plan.settled.append(view.listing_id)
    return plan


def group_commands(changes: Sequence[Change], max_offers: int = 1000, *,
                   one_value: bool = True) -> list[PlannedCommand]:
    """One command per (kind, value) — or per kind when the channel takes a value per offer (`one_value`
    False) — split into chunks of at most `max_offers`, most urgent first."""
    groups: dict[tuple[str, int | Decimal | str], list[Change]] = defaultdict(list)
    for change in changes:
        groups[(change.kind, change.value if one_value else MIXED)].append(change)
    commands: list[PlannedCommand] = []
    for (kind, value), members in groups.items():
        members.sort(key=lambda c: (c.priority, c.listing_id))
        for start in range(0, len(members), max_offers):
            chunk = tuple(members[start:start + max_offers])
            commands.append(PlannedCommand(kind, value, min(c.priority for c in chunk), chunk))
    commands.sort(key=lambda c: (c.priority, -len(c.changes), c.kind, str(c.value)))
    return commands


def lower_bound_commands(changes: Sequence[Change], max_offers: int = 1000) -> int:
    """The fewest commands that can carry these changes: distinct (kind, value) pairs, 1,000 offers each."""
    sizes: dict[tuple[str, int | Decimal | str], int] = defaultdict(int)
    for change in changes:
        sizes[(change.kind, change.value)] += 1
    return sum(-(-n // max_offers) for n in sizes.values())
