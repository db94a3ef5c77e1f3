"""The planner and the guard are pure: desired vs confirmed in, commands (or a hold) out."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from magazynier.sync.guard import (
    ABOVE_ON_HAND,
    PRICE_DROP,
    TOO_MANY_CHANGES,
    TOO_MANY_TO_ZERO,
    GuardContext,
    GuardLimits,
    change_key,
    check_plan,
)
from magazynier.sync.planning import (
    ACTIVATE,
    DRAFT,
    END,
    ENDED,
    LIVE,
    PAUSED,
    PRICE,
    PUBLICATION,
    QUANTITY,
    URGENT,
    ListingView,
    group_commands,
    lower_bound_commands,
    plan_changes,
)


def view(listing_id=1, *, want=5, have=5, price=Decimal("10.00"), confirmed_price=Decimal("10.00"), state=LIVE,
         open_kinds=(), skip="", priority=1, zero_ends=True):
    return ListingView(listing_id, f"offer-{listing_id}", priority, want, price, have, confirmed_price, state,
                       frozenset(open_kinds), skip, zero_ends)


def kinds(plan):
    return [(c.kind, c.value) for c in plan.changes]


def test_equal_values_are_no_ops_and_settle():
    plan = plan_changes([view()])
    assert plan.changes == [] and plan.settled == [1]


def test_a_quantity_change_and_a_price_change():
    plan = plan_changes([view(want=3, price=Decimal("12.50"))])
    assert kinds(plan) == [(QUANTITY, 3), (PRICE, Decimal("12.50"))]


def test_zero_ends_a_live_offer_on_allegro_and_shows_zero_elsewhere():
    assert kinds(plan_changes([view(want=0)])) == [(PUBLICATION, END)]
    assert plan_changes([view(want=0)]).changes[0].priority == URGENT
    assert kinds(plan_changes([view(want=0, zero_ends=False)])) == [(QUANTITY, 0)]
    assert kinds(plan_changes([view(want=0, state=PAUSED)])) == []  # already ended for lack of stock


def test_stock_returning_sets_the_quantity_first_then_activates():
    assert kinds(plan_changes([view(want=4, have=0, state=PAUSED)])) == [(QUANTITY, 4)]
    assert kinds(plan_changes([view(want=4, have=4, state=PAUSED)])) == [(PUBLICATION, ACTIVATE)]


def test_an_offer_ended_by_a_person_is_not_resumed_and_drafts_are_not_ended():
    assert kinds(plan_changes([view(want=4, have=0, state=ENDED)])) == []
    assert kinds(plan_changes([view(want=0, state=DRAFT)])) == []
    assert kinds(plan_changes([view(want=6, state=DRAFT)])) == [(QUANTITY, 6)]


def test_unknown_values_are_never_sent_as_zero():
    plan = plan_changes([view(want=None, price=None)])
    assert plan.changes == []


def test_an_open_command_of_a_kind_makes_the_next_change_of_that_kind_wait():
    plan = plan_changes([view(want=3, open_kinds=[QUANTITY], price=Decimal("11.00"))])
    assert kinds(plan) == [(PRICE, Decimal("11.00"))] and plan.waiting == [1]


def test_conflicts_are_skipped_with_their_reason():
    plan = plan_changes([view(want=0, skip="duplicate_sku")])
    assert plan.changes == [] and plan.skipped == [(1, "duplicate_sku")]


def test_decreases_are_urgent_increases_are_not():
    down, up = plan_changes([view(1, want=2, have=5), view(2, want=9, have=5, priority=1)]).changes
    assert down.priority == URGENT and up.priority == 1


def test_commands_group_equal_values_in_chunks_of_1000_most_urgent_first():
    views = [view(i, want=7, have=1) for i in range(2500)] + [view(9000 + i, want=0) for i in range(3)]
    commands = group_commands(plan_changes(views).changes)
    assert [(c.kind, c.value, len(c.changes)) for c in commands] == [
        (PUBLICATION, END, 3), (QUANTITY, 7, 1000), (QUANTITY, 7, 1000), (QUANTITY, 7, 500)]
    assert lower_bound_commands(plan_changes(views).changes) == 4


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=300))
def test_every_change_is_in_exactly_one_command_and_commands_are_uniform(pairs):
    views = [view(i, want=w, have=h) for i, (w, h) in enumerate(pairs)]
    changes = plan_changes(views).changes
    commands = group_commands(changes, max_offers=50)
    carried = [c for command in commands for c in command.changes]
    assert sorted(carried, key=lambda c: (c.listing_id, c.kind)) == sorted(changes, key=lambda c: (c.listing_id, c.kind))
    assert all(len(c.changes) <= 50 and {x.value for x in c.changes} == {c.value} for c in commands)
    assert len(commands) >= lower_bound_commands(changes, 50)
    assert all(c.kind != QUANTITY or c.value > 0 for c in changes), "Allegro cannot show 0: it ends the offer"


# ---------------------------------------------------------------- guard
LIMITS = GuardLimits(zero_percent=20, zero_min=5, price_drop_percent=30, max_changes=100)


def _guard(views, live=100, on_hand=None, recent=0, approved=()):
    changes = plan_changes(views).changes
    on_hand = on_hand if on_hand is not None else {v.listing_id: 1000 for v in views}
    return {v.code for v in check_plan(changes, LIMITS, GuardContext(live, on_hand, recent), approved)}, changes


def test_a_plan_zeroing_most_offers_is_held_a_few_stock_outs_are_not():
    assert _guard([view(i, want=0) for i in range(30)])[0] == {TOO_MANY_TO_ZERO}
    assert _guard([view(i, want=0) for i in range(3)])[0] == set()
    assert _guard([view(i, want=0) for i in range(3)], live=4)[0] == set(), "fewer than zero_min never trips"


def test_zeroing_is_counted_over_the_window_so_batches_cannot_slip_through():
    assert _guard([view(i, want=0) for i in range(10)])[0] == set()
    assert _guard([view(i, want=0) for i in range(10)], recent=15)[0] == {TOO_MANY_TO_ZERO}


def test_big_price_drops_more_than_on_hand_and_huge_plans_are_held():
    assert _guard([view(price=Decimal("6.99"))])[0] == {PRICE_DROP}
    assert _guard([view(price=Decimal("7.00"))])[0] == set()
    assert _guard([view(want=12)], on_hand={1: 10})[0] == {ABOVE_ON_HAND}
    assert _guard([view(want=12)], on_hand={1: None})[0] == {ABOVE_ON_HAND}
    assert _guard([view(i, want=9, have=1) for i in range(101)], on_hand={i: 50 for i in range(101)})[0] == {
        TOO_MANY_CHANGES}


def test_approved_changes_are_not_checked_again():
    codes, changes = _guard([view(i, want=0) for i in range(30)])
    assert codes == {TOO_MANY_TO_ZERO}
    assert _guard([view(i, want=0) for i in range(30)], approved={change_key(c) for c in changes})[0] == set()
