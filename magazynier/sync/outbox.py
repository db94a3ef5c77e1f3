"""The outbox: one row per listing whose channel state may be behind, written in the changing transaction.

`mark_*` must be called inside the transaction that makes the change (the catalog and inventory writers do
it through `core.changes`, registered in `apps.SyncConfig.ready`). A burst of changes coalesces into the
same row (`version` goes up, the earliest unconfirmed change time is kept for latency). After the commit a
Huey task runs the account's cycle; if that task is lost (a crash between commit and enqueue), the periodic
tick finds the row anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from magazynier.channels.models import Listing
from magazynier.core import changes
from magazynier.sync.models import Command, OutboxEntry

PRIORITY_OF_TOPIC = {changes.ORDER: OutboxEntry.ORDER, changes.STOCK: OutboxEntry.STOCK,
                     changes.PRICE: OutboxEntry.CATALOG}


def _mark(listings: Iterable[tuple[int, int]], priority: int) -> set[int]:
    """(listing id, account id) pairs → outbox rows; returns the accounts touched."""
    pairs = dict(listings)
    if not pairs:
        return set()
    now = timezone.now()
    ids = list(pairs)
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        OutboxEntry.objects.filter(listing_id__in=chunk).update(
            version=F("version") + 1, next_attempt_at=now, priority=Least(F("priority"), Value(priority)),
            changed_since=Coalesce(F("changed_since"), Value(now)))
        OutboxEntry.objects.bulk_create(
            [OutboxEntry(listing_id=i, account_id=pairs[i], priority=priority, changed_since=now,
                         next_attempt_at=now) for i in chunk],
            ignore_conflicts=True, batch_size=1000)
    accounts = set(pairs.values())
    transaction.on_commit(lambda: _wake(accounts))
    return accounts


def _syncable(queryset):
    return queryset.filter(conflict=Listing.NO_CONFLICT).exclude(offer_id="").values_list("pk", "account_id")


def mark_variants(variant_ids: Iterable[int], priority: int = OutboxEntry.STOCK) -> set[int]:
    variant_ids = list(variant_ids)
    touched: set[int] = set()
    for start in range(0, len(variant_ids), 5000):
        touched |= _mark(_syncable(Listing.objects.filter(variant_id__in=variant_ids[start:start + 5000])),
                         priority)
    return touched


def mark_listings(listing_ids: Iterable[int], priority: int = OutboxEntry.RECONCILE) -> set[int]:
    return _mark(Listing.objects.filter(pk__in=list(listing_ids)).values_list("pk", "account_id"), priority)


def mark_accounts(account_ids: Iterable[int], priority: int = OutboxEntry.CATALOG) -> set[int]:
    """Every listing of these accounts (an allocation or buffer setting changed)."""
    return _mark(_syncable(Listing.objects.filter(account_id__in=list(account_ids))), priority)


def on_data_changed(topic: str, ids: set[int]) -> None:
    if topic == changes.FULFILMENT:  # ids are accounts: their order feed sends the change after the commit
        accounts = set(ids)
        transaction.on_commit(lambda: _wake_feeds(accounts))
        return
    mark_variants(ids, PRIORITY_OF_TOPIC.get(topic, OutboxEntry.STOCK))


def _wake_feeds(account_ids: set[int]) -> None:
    from magazynier.sync.tasks import order_feed

    for account_id in account_ids:
        order_feed(account_id)


def _wake(account_ids: set[int]) -> None:
    from magazynier.sync.tasks import wake_accounts

    wake_accounts(account_ids)


def due_entries(account_id: int, now=None):
    now = now or timezone.now()
    return OutboxEntry.objects.filter(account_id=account_id, quarantined_at__isnull=True, next_attempt_at__lte=now)


def has_due_work(account_id: int) -> bool:
    return due_entries(account_id).exists() or Command.objects.filter(
        Q(state=Command.SENT) | Q(state=Command.PLANNED, attempts__gt=0), account_id=account_id).exists()
