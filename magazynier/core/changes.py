"""Tell other apps, inside the writing transaction, that data they derive something from has changed.

The sync engine must write its outbox row in the same transaction as the stock or price change it follows
(../shared/DESIGN.md §4.3), but inventory and catalog must not import the engine (layering goes one way). So
the writers call `changed(topic, ids)` explicitly at the one place each change is made, and the engine
registers what to do (`listen`) when its app loads. Unlike Django signals nothing is implicit: every call
site is a line in an `actions` module, and a listener that fails rolls the whole change back.

Topics: STOCK (variant ids whose on-hand or reservations changed), ORDER (the same, caused by an order),
PRICE (variant ids whose price changed), FULFILMENT (channel account ids with an order status or a tracking
number waiting to be sent back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

STOCK, ORDER, PRICE, FULFILMENT = "stock", "order", "price", "fulfilment"

Listener = Callable[[str, set[int]], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def changed(topic: str, ids: Iterable[int]) -> None:
    ids = set(ids)
    if not ids:
        return
    for listener in list(_listeners):
        listener(topic, ids)
