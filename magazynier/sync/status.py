"""What the engine is doing, for `magazynier sync status` and the panel's sync page (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from magazynier.channels.allegro.budgets import OFFER_CHANGES, PRICE_CHANGES
from magazynier.channels.connections import writers_active
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.sync.models import Command, CommandItem, HeldPlan, OutboxEntry, SyncState


@dataclass(frozen=True)
class AccountStatus:
    account: ChannelAccount
    writers_on: bool
    pending: int  # listings waiting to be planned or confirmed
    in_flight: int  # offers in commands not yet reported
    failed: int  # listings retrying after a failure
    quarantined: int
    held: HeldPlan | None
    conflicts: int
    changes_last_minute: int
    changes_last_hour: int
    price_changes_last_hour: int
    minute_limit: int
    hour_limit: int
    price_hour_limit: int
    latency_p50: float | None  # seconds from a change to the channel's confirmation, last hour
    latency_p99: float | None
    last_cycle_at: datetime | None
    last_full_sweep_at: datetime | None
    last_error: str
    outage_since: datetime | None


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def latencies(account: ChannelAccount, since: datetime) -> list[float]:
    rows = CommandItem.objects.filter(command__account=account, outcome=CommandItem.OK, confirmed_at__gte=since) \
        .values_list("changed_since", "confirmed_at")
    return [(done - start).total_seconds() for start, done in rows]


def _sent_offers(account: ChannelAccount, since: datetime, kind: str | None = None) -> int:
    items = CommandItem.objects.filter(command__account=account, command__sent_at__gte=since)
    if kind:
        items = items.filter(kind=kind)
    return items.count()


def account_status(account: ChannelAccount) -> AccountStatus:
    now = timezone.now()
    entries = OutboxEntry.objects.filter(account=account)
    counts = entries.aggregate(
        pending=Count("pk", filter=Q(quarantined_at__isnull=True)),
        failed=Count("pk", filter=Q(quarantined_at__isnull=True, failures__gt=0)),
        quarantined=Count("pk", filter=Q(quarantined_at__isnull=False)))
    state = SyncState.objects.filter(account=account).first()
    hour = latencies(account, now - timedelta(hours=1))
    return AccountStatus(
        account=account, writers_on=writers_active(account), pending=counts["pending"],
        in_flight=CommandItem.objects.filter(command__account=account, outcome=CommandItem.PENDING).count(),
        failed=counts["failed"], quarantined=counts["quarantined"],
        held=HeldPlan.objects.filter(account=account, state=HeldPlan.HELD).first(),
        conflicts=Listing.objects.filter(account=account).exclude(conflict="").count(),
        changes_last_minute=_sent_offers(account, now - timedelta(minutes=1)),
        changes_last_hour=_sent_offers(account, now - timedelta(hours=1)),
        price_changes_last_hour=_sent_offers(account, now - timedelta(hours=1), Command.PRICE),
        minute_limit=OFFER_CHANGES[0].count, hour_limit=OFFER_CHANGES[1].count,
        price_hour_limit=PRICE_CHANGES[0].count,
        latency_p50=_percentile(hour, 0.5), latency_p99=_percentile(hour, 0.99),
        last_cycle_at=state.last_cycle_at if state else None,
        last_full_sweep_at=state.last_full_sweep_at if state else None,
        last_error=state.last_error if state else "", outage_since=state.outage_since if state else None)


def all_statuses() -> list[AccountStatus]:
    return [account_status(a) for a in ChannelAccount.objects.order_by("name")]


def listing_rows(account: ChannelAccount, *, problems_only: bool = False, limit: int = 200):
    """Listings with their last confirmation latency, error, conflict and outbox state."""
    last_item = CommandItem.objects.filter(listing=OuterRef("pk"), outcome=CommandItem.OK).order_by("-confirmed_at")
    rows = (Listing.objects.filter(account=account, variant__isnull=False)
            .select_related("outbox")
            .annotate(last_confirmed_at=Subquery(last_item.values("confirmed_at")[:1]),
                      last_changed_since=Subquery(last_item.values("changed_since")[:1]))
            .order_by("sku"))
    if problems_only:
        rows = rows.filter(Q(conflict__gt="") | ~Q(last_error="") | Q(outbox__failures__gt=0)
                           | Q(outbox__quarantined_at__isnull=False))
    result = []
    for listing in rows[:limit]:
        latency = None
        if listing.last_confirmed_at and listing.last_changed_since:
            latency = (listing.last_confirmed_at - listing.last_changed_since).total_seconds()
        entry = getattr(listing, "outbox", None)
        result.append({"listing": listing, "latency": latency, "entry": entry,
                       "quarantined": bool(entry and entry.quarantined_at)})
    return result
