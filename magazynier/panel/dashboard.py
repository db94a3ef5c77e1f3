"""What the start page shows at a glance: today's orders per channel account, the stock each channel shows for
the products that matter now, the sync engine's health per account, and the open alerts.

Reads only, each section in a fixed number of queries (the sync health: a fixed number per account, through
sync.status). The functions return plain dataclasses; the view decides who sees which section and the
template only lays them out.

* "Today" is the calendar day in the panel's time zone (Europe/Warsaw); times are stored in UTC, so an order
  bought at 00:30 Polish time is on the previous day in UTC and still counted today.
* A cancelled order is not a sale: it is counted apart (`cancelled`) and not in the count or the total.
* A channel's quantity is what the channel last confirmed (Listing.confirmed_quantity). A listing with an
  outbox row that is not quarantined has a change on its way ("pending"); the quantity it is heading to is
  computed like the engine does (allocation and buffer), once for all shown variants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from magazynier.catalog.models import Variant
from magazynier.channels import types as t
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.inventory.availability import AllocationError, sellable_by_channel
from magazynier.inventory.models import StockLevel, available_expression
from magazynier.notifications.models import Alert
from magazynier.orders.models import Order, OrderLine
from magazynier.panel.views_orders import money
from magazynier.panel.views_sync import duration
from magazynier.sync.desired import channel_rules, stock_of
from magazynier.sync.status import AccountStatus, account_status

TOP_VARIANTS = 8  # rows of the channel stock table
SOLD_WINDOW = timedelta(days=7)  # "sold lately": units ordered in this window rank a variant first
NEWEST_ALERTS = 5
DEFAULT_CURRENCY = "PLN"
CENT = Decimal("0.01")  # SQLite sums decimals in floating point: round the total back to grosze


# ---------------------------------------------------------------- the accounts
def accounts() -> list[ChannelAccount]:
    """Every channel account, by name (each section shows them in this order)."""
    return list(ChannelAccount.objects.order_by("name", "pk"))


def selling_accounts(all_accounts: list[ChannelAccount]) -> list[ChannelAccount]:
    """The accounts that have been connected (a never-connected account has no offers to show)."""
    return [a for a in all_accounts if a.status != ChannelAccount.PENDING]


# ---------------------------------------------------------------- orders today
@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str

    @property
    def text(self) -> str:
        return money(self.value, self.currency)


@dataclass(frozen=True)
class AccountOrders:
    account: ChannelAccount
    count: int  # orders bought today, cancelled ones left out
    totals: tuple[Amount, ...]  # their gross total, one per currency (0 PLN when there are none)
    cancelled: int  # orders bought today and already cancelled


def day_bounds(day) -> tuple[datetime, datetime]:
    """The first instant of `day` and of the next one in the panel's time zone (a DST day has 23 or 25 h)."""
    return (timezone.make_aware(datetime.combine(day, time.min)),
            timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)))


def orders_today(all_accounts: list[ChannelAccount], now: datetime | None = None) -> list[AccountOrders]:
    """One entry per account (0 when it had no order today)."""
    start, end = day_bounds(timezone.localdate(now or timezone.now()))
    sale = ~Q(status=t.CANCELLED)
    rows = (Order.objects.filter(bought_at__gte=start, bought_at__lt=end)
            .values("account_id", "currency")
            .annotate(n=Count("pk", filter=sale), total=Sum("total", filter=sale),
                      cancelled=Count("pk", filter=Q(status=t.CANCELLED)))
            .order_by("account_id", "currency"))
    counts: dict[int, int] = defaultdict(int)
    cancelled: dict[int, int] = defaultdict(int)
    totals: dict[int, list[Amount]] = defaultdict(list)
    for row in rows:
        counts[row["account_id"]] += row["n"]
        cancelled[row["account_id"]] += row["cancelled"]
        if row["n"]:
            totals[row["account_id"]].append(Amount(row["total"].quantize(CENT), row["currency"]))
    return [AccountOrders(account=a, count=counts[a.pk],
                          totals=tuple(totals[a.pk]) or (Amount(Decimal(0).quantize(CENT), DEFAULT_CURRENCY),),
                          cancelled=cancelled[a.pk])
            for a in all_accounts]


# ---------------------------------------------------------------- stock per channel
@dataclass(frozen=True)
class ChannelQuantity:
    account: ChannelAccount
    listed: bool  # the variant has a listing (offer) on this account
    quantity: int | None  # what the channel last confirmed; None: not known (or not listed)
    pending: bool  # the engine has a change for this listing still to send or confirm
    desired: int | None  # where a pending change is heading, when it differs from `quantity`
    paused: bool  # the channel shows 0 while the warehouse has units available (buffer, share)
    quarantined: bool  # the change failed repeatedly and was set aside
    conflict: bool  # the listing is in conflict: the engine does not write to it


@dataclass(frozen=True)
class StockRow:
    variant: Variant  # with its product
    sold: int  # units ordered in the last SOLD_WINDOW
    on_hand: int
    reserved: int
    available: int
    channels: tuple[ChannelQuantity, ...]  # in the order of the accounts given


def top_variant_ids(now: datetime | None = None, limit: int = TOP_VARIANTS) -> list[tuple[int, int]]:
    """(variant id, units sold lately): the best sellers of the window, then the variants with the most units
    on hand."""
    since = (now or timezone.now()) - SOLD_WINDOW
    sold = list(OrderLine.objects.filter(order__bought_at__gte=since, variant__isnull=False)
                .exclude(order__status=t.CANCELLED)
                .values("variant_id").annotate(units=Sum("quantity"))
                .order_by("-units", "variant_id").values_list("variant_id", "units")[:limit])
    if len(sold) < limit:
        chosen = [v for v, _units in sold]
        stocked = (StockLevel.objects.exclude(variant_id__in=chosen).values("variant_id")
                   .annotate(units=Sum("on_hand")).filter(units__gt=0)
                   .order_by("-units", "variant_id").values_list("variant_id", flat=True)[:limit - len(sold)])
        sold += [(v, 0) for v in stocked]
    return sold


def _heading_to(variant_ids: list[int], variants: dict[int, Variant]) -> dict[tuple[int, int], int | None]:
    """(variant id, account id) → the quantity the engine will publish, computed as sync.desired does."""
    if not variant_ids:
        return {}
    rules = channel_rules()
    levels = stock_of(variant_ids)
    result: dict[tuple[int, int], int | None] = {}
    for variant_id in variant_ids:
        try:
            by_account = sellable_by_channel(levels.get(variant_id, []), rules)
        except AllocationError:  # inconsistent settings: the engine sends nothing either
            continue
        active = variants[variant_id].product.is_active
        for account_id, sellable in by_account.items():
            result[(variant_id, account_id)] = sellable.quantity if active else 0
    return result


def channel_stock(columns: list[ChannelAccount], now: datetime | None = None,
                  limit: int = TOP_VARIANTS) -> list[StockRow]:
    """The top variants with their stock and, per account in `columns`, what its offer shows."""
    top = top_variant_ids(now, limit)
    ids = [v for v, _units in top]
    variants = Variant.objects.select_related("product").in_bulk(ids)
    stock = {row["variant_id"]: row for row in StockLevel.objects.filter(variant_id__in=ids).values("variant_id")
             .annotate(units=Sum("on_hand"), held=Sum("reserved"), free=Sum(available_expression()))}
    listings = {(li.variant_id, li.account_id): li for li in Listing.objects.filter(
        variant_id__in=ids, account_id__in=[a.pk for a in columns]).select_related("outbox")}

    def pending(listing: Listing) -> bool:
        entry = getattr(listing, "outbox", None)
        return entry is not None and entry.quarantined_at is None

    heading = _heading_to(sorted({v for (v, _a), li in listings.items() if pending(li)}), variants)
    rows = []
    for variant_id, sold in top:
        levels = stock.get(variant_id, {})
        available = levels.get("free") or 0
        cells = []
        for account in columns:
            listing = listings.get((variant_id, account.pk))
            if listing is None:
                cells.append(ChannelQuantity(account=account, listed=False, quantity=None, pending=False, desired=None,
                                             paused=False, quarantined=False, conflict=False))
                continue
            entry = getattr(listing, "outbox", None)
            is_pending = pending(listing)
            desired = heading.get((variant_id, account.pk)) if is_pending else None
            quantity = listing.confirmed_quantity
            cells.append(ChannelQuantity(
                account=account, listed=True, quantity=quantity, pending=is_pending,
                desired=desired if desired != quantity else None,
                paused=(quantity == 0 or listing.paused_by_sync) and available > 0,
                quarantined=entry is not None and entry.quarantined_at is not None,
                conflict=bool(listing.conflict)))
        rows.append(StockRow(variant=variants[variant_id], sold=sold, on_hand=levels.get("units") or 0,
                             reserved=levels.get("held") or 0, available=available, channels=tuple(cells)))
    return rows


# ---------------------------------------------------------------- sync health
@dataclass(frozen=True)
class SyncHealth:
    status: AccountStatus

    @property
    def account(self) -> ChannelAccount:
        return self.status.account

    @property
    def p99(self) -> str:
        return duration(self.status.latency_p99)


def sync_health(all_accounts: list[ChannelAccount]) -> list[SyncHealth]:
    return [SyncHealth(account_status(a)) for a in all_accounts]


# ---------------------------------------------------------------- open alerts
@dataclass(frozen=True)
class SeverityCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class OpenAlerts:
    total: int
    by_severity: tuple[SeverityCount, ...]  # the most severe first, every severity (0 included)
    newest: tuple[Alert, ...]


def open_alerts(newest: int = NEWEST_ALERTS) -> OpenAlerts:
    unresolved = Alert.objects.filter(resolved_at__isnull=True)
    counts = dict(unresolved.values("severity").annotate(n=Count("pk")).values_list("severity", "n"))
    by_severity = tuple(SeverityCount(code, str(label), counts.get(code, 0))
                        for code, label in reversed(Alert.SEVERITIES))
    latest = tuple(unresolved.select_related("account").order_by("-created_at", "-pk")[:newest])
    return OpenAlerts(total=sum(counts.values()), by_severity=by_severity, newest=latest)
