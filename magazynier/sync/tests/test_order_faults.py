"""No order is lost under the emulator's faults: 5xx, timeouts, dropped connections, 429 bursts, duplicated and
reordered journal events, cancellations with and without events. The orders in the emulator and in
Magazynier are compared one by one, and the stock reserved equals what the open orders hold."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta

from django.utils import timezone

from magazynier.channels import types as t
from magazynier.channels.allegro import budgets
from magazynier.channels.models import Listing
from magazynier.inventory.models import Reservation
from magazynier.orders.models import Order
from magazynier.sync.models import OrderFeed
from magazynier.sync.order_feed import run_feed
from magazynier.sync.tests import recovery_world as rw
from magazynier.sync.tests.helpers import settle

EXPECTED = {"BOUGHT": t.AWAITING_PAYMENT, "FILLED_IN": t.AWAITING_PAYMENT, "READY_FOR_PROCESSING": t.NEW,
            "CANCELLED": t.CANCELLED}


def _buyers_act(emulator, rng: random.Random, offers: list[str]) -> None:
    """Some buyers buy (paid or not yet), some pay, some cancel; the seller cancels one in Allegro's panel."""
    world = emulator.world
    for _ in range(6):
        offer_id = rng.choice(offers)
        if world.offers.offers[offer_id].available >= 1:
            world.purchase(offer_id, 1, stage=rng.choice(["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"]))
    forms = sorted(world.orders.forms.values(), key=lambda f: f.id)
    unpaid = [f for f in forms if f.status in ("BOUGHT", "FILLED_IN")]
    for form in rng.sample(unpaid, min(2, len(unpaid))):
        world.advance_order(form.id, "READY_FOR_PROCESSING")
    open_forms = [f for f in forms if f.status != "CANCELLED"]
    if open_forms:
        world.buyer_cancel(rng.choice(open_forms).id)
    open_forms = [f for f in forms if f.status != "CANCELLED"]
    if open_forms:
        world.panel_cancel_order(rng.choice(open_forms).id)  # no event: only the sweep sees it


def test_under_faults_every_order_arrives_with_its_state_and_its_stock(live_account, emulator, monkeypatch):
    monkeypatch.setattr(budgets, "CLIENT_BLOCK_SECONDS", 0.5)  # the pause matters, not its length
    monkeypatch.setattr(budgets, "SELLER_BACKOFF_SECONDS", 0.5)
    settle(live_account)
    connector = rw.impatient_connector(live_account, read_timeout=0.5)
    assert run_feed(live_account.pk, lambda _a: connector) is not None  # the feed starts: orders from now on
    offers = list(Listing.objects.filter(account=live_account, conflict="").exclude(offer_id="")
                  .values_list("offer_id", flat=True))
    rng = random.Random(11)
    emulator.world.set_fault_profile({"error_share": 0.2, "slow_share": 0.05, "timeout_share": 0.05,
                                      "drop_share": 0.05, "burst_429_share": 0.05, "burst_429_length": 3,
                                      "journal_duplicate_share": 0.3, "journal_reorder_share": 0.3})
    errors = 0
    for _round in range(8):
        _buyers_act(emulator, rng, offers)
        for _poll in range(3):
            result = run_feed(live_account.pk, lambda _a: connector)
            errors += bool(result and result.error)
            time.sleep(0.05)
    injected = emulator.world.counters()["faultsInjected"]
    assert errors and injected.get("error500", 0) + injected.get("error503", 0) > 0, injected
    # keep polling under the same faults, with the sweep due, until Magazynier agrees with Allegro
    deadline = time.monotonic() + 60
    while True:
        OrderFeed.objects.filter(account=live_account).update(last_sweep_at=timezone.now() - timedelta(hours=1))
        result = run_feed(live_account.pk, lambda _a: connector)
        forms = {f.id: f for f in emulator.world.orders.forms.values()}
        ours = {o.external_id: o for o in Order.objects.filter(account=live_account)}
        if result and not result.error and set(ours) == set(forms) and all(
                ours[i].status == EXPECTED[f.status] for i, f in forms.items()):
            break
        assert time.monotonic() < deadline, (f"not converged: missing {sorted(set(forms) - set(ours))}, "
                                             f"last error {result.error if result else 'busy'}")
        time.sleep(0.1)
    emulator.world.set_fault_profile("none")
    assert len(forms) >= 30
    for form_id, form in forms.items():  # one by one: every order, its status and its lines
        order = ours[form_id]
        assert order.status == EXPECTED[form.status], form_id
        assert sorted((li.offer_id, li.quantity) for li in order.lines.all()) == sorted(
            (li["offer"]["id"], li["quantity"]) for li in form.line_items), form_id
    variant_of = dict(Listing.objects.filter(account=live_account).values_list("offer_id", "variant_id"))
    open_units = Counter()
    for form in forms.values():
        if form.status != "CANCELLED":
            for li in form.line_items:
                open_units[variant_of[li["offer"]["id"]]] += li["quantity"]
    reserved = Counter()
    for variant_id, quantity in Reservation.objects.filter(state=Reservation.ACTIVE).values_list(
            "variant_id", "quantity"):
        reserved[variant_id] += quantity
    assert reserved == open_units, "every open order holds its units, every cancelled one gave them back"
