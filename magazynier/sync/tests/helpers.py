"""Driving the engine in tests: run cycles until the account is idle (real HTTP to the emulator)."""

from __future__ import annotations

import time

from magazynier.channels.connections import connector_for
from magazynier.sync.dispatch import drive


def settle(account, *, timeout: float = 30.0, connector=None):
    """Run the account's cycles until nothing is due or in flight; returns the last CycleResult."""
    connector = connector or connector_for(account, max_wait=2.0)
    deadline = time.monotonic() + timeout
    while True:
        result = drive(account.pk, lambda _account: connector, time_slice=timeout)
        assert result is not None, "the account's lease is held by someone else"
        if result.next_run_in is None or result.held:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"the account did not settle in {timeout} s: {result}")
        time.sleep(min(result.next_run_in or 0.1, 1.0))


def wait_until(condition, timeout: float = 10.0, what: str = "condition") -> float:
    """Poll `condition` until it holds; the seconds it took (fails after `timeout`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"not within {timeout} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def remote(emulator, listing):
    return emulator.world.offers.offers[listing.offer_id]
