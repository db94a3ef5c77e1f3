"""Prometheus metrics (/metrics): a collector that reads the database at scrape time, including the channel
HTTP requests every process sent.

Everything lives on a private `CollectorRegistry` (`REGISTRY`), never the library's global one, so no
process/platform collectors or import-time side effects leak in. `render()` gives the text exposition.

Labels: `account` is the ChannelAccount id, `channel` its kind (allegro, woocommerce). Families:

  magazynier_channel_requests_total{channel,status_class}  responses to requests any process sent (2xx,
                                                          4xx, …); counted by a core.http response hook
  magazynier_channel_rate_limited_total{channel}          of which 429s
  magazynier_worker_heartbeat_age_seconds                 since the worker's last tick (absent: never beat)
  magazynier_queue_pending_tasks                          Huey tasks waiting (absent if the storage can't say)
  magazynier_account_info{account,channel,name}           1 per account (to join names onto ids)
  magazynier_account_connected{account,channel}           1 connected, 0 not connected / needs reconnecting
  magazynier_credential_refresh_expires_timestamp_seconds{account,channel}
  magazynier_sync_last_success_timestamp_seconds{account,channel}        last successful offer cycle
  magazynier_order_feed_last_success_timestamp_seconds{account,channel}  last successful order poll
  magazynier_order_feed_failures{account,channel}         consecutive failed polls
  magazynier_sync_outage{account,channel}                 1 while the account's writes are failing
  magazynier_outbox_due{account,channel}                  listings due for planning/sending now
  magazynier_outbox_failed{account,channel}               listings retrying after a failure
  magazynier_quarantined_listings{account,channel}
  magazynier_held_plans{account,channel}
  magazynier_commands_open{account,channel}               commands not finished (planned or sent)
  magazynier_allegro_offer_changes_used{account,channel,window}  offer changes spent from the seller's
                                                          shared budget in the last 60 s / 3600 s
  magazynier_allegro_offer_changes_limit{window}          what the budget admits in that window
  magazynier_propagation_latency_seconds{account,channel} histogram of change → channel confirmation of
                                                          items confirmed in the LAST HOUR (a sliding
                                                          window recomputed per scrape, not a cumulative
                                                          counter: read the buckets directly, no rate())
  magazynier_orders_imported_total{account,channel}       orders in the database
  magazynier_orders_oversold_open{account,channel}        open orders marked oversold
  magazynier_orders_unmatched_open{account,channel}       open orders with lines matching no variant
  magazynier_alerts_open{severity}                        unresolved alerts (info, warning, critical)

Request counts are kept in memory by each process and added to `core.RequestTally` after every background
task (at most every 2 s) and before every scrape, so the web process's /metrics includes what the worker
sent. Everything comes from the database and is the same whichever process is scraped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)
LATENCY_WINDOW = timedelta(hours=1)
HOOKED_CHANNELS = ("allegro", "woocommerce")
ACCOUNT_LABELS = ["account", "channel"]

# ---------------------------------------------------------------- channel requests (every process)
_unflushed: Counter = Counter()  # (channel, "2xx"… or "429") -> responses not yet added to RequestTally
_requests_lock = threading.Lock()
_installed: set[str] = set()
_last_flush = 0.0
FLUSH_EVERY = 2.0  # seconds: after a background task, counts are added at most this often


def record_response(channel: str, status_code: int) -> None:
    with _requests_lock:
        _unflushed[(channel, f"{status_code // 100}xx")] += 1
        if status_code == 429:
            _unflushed[(channel, "429")] += 1


def _hook_for(channel: str):
    def count(response) -> None:
        try:
            record_response(channel, response.status_code)
        except Exception:  # a metric must never break a channel call
            logger.exception("counting a %s response failed", channel)

    count.__qualname__ = f"count_{channel}_responses"
    return count


def install_response_hooks() -> None:
    """Count every response of the channel clients (called once from CoreConfig.ready; idempotent)."""
    from magazynier.core.http import add_response_hook

    for channel in HOOKED_CHANNELS:
        if channel not in _installed:
            add_response_hook(channel, _hook_for(channel))
            _installed.add(channel)


def flush_request_counts(*, force: bool = True) -> None:
    """Add this process's counts to the database (outside any transaction: after a task, before a scrape).
    When the database refuses, the counts stay in memory for the next flush."""
    global _last_flush
    from django.db import DatabaseError, IntegrityError, transaction
    from django.db.models import F

    from magazynier.core.models import RequestTally

    with _requests_lock:
        if not _unflushed or (not force and time.monotonic() - _last_flush < FLUSH_EVERY):
            return
        pending = dict(_unflushed)
        _unflushed.clear()
        _last_flush = time.monotonic()
    try:
        with transaction.atomic():
            for (channel, status), n in pending.items():
                row = RequestTally.objects.filter(channel=channel, status=status)
                if not row.update(count=F("count") + n):
                    try:
                        with transaction.atomic():
                            RequestTally.objects.create(channel=channel, status=status, count=n)
                    except IntegrityError:  # another process created it first
                        row.update(count=F("count") + n)
    except DatabaseError:
        logger.warning("channel request counts could not be saved; kept for the next try", exc_info=True)
        with _requests_lock:
            _unflushed.update(pending)


def request_counts() -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """(responses by (channel, status class), 429s by channel), summed over every process."""
    from magazynier.core.models import RequestTally

    flush_request_counts()
    counts: dict[tuple[str, str], int] = {}
    throttled: dict[str, int] = {}
    for channel, status, n in RequestTally.objects.values_list("channel", "status", "count"):
        if status == "429":
            throttled[channel] = n
        else:
            counts[(channel, status)] = n
    return counts, throttled


def allegro_offer_budget(account) -> tuple[int, int] | None:
    """Offer changes spent from the seller's shared budget in the last minute and hour, or None when the
    budget store cannot be read (it is optional for monitoring)."""
    from magazynier.channels.allegro.budgets import OFFER_CHANGES, seller_key
    from magazynier.core.ratebudget import get_budget

    seller = account.external_user_id or f"account-{account.pk}"  # as channels.connections names it
    try:
        minute, hour = get_budget().used(seller_key(seller, "offer-changes"), OFFER_CHANGES)
    except Exception:
        logger.warning("the rate budget of account %s cannot be read", account.pk, exc_info=True)
        return None
    return minute, hour


def offer_change_limits() -> tuple[int, int]:
    from magazynier.channels.allegro.budgets import OFFER_CHANGES

    return OFFER_CHANGES[0].count, OFFER_CHANGES[1].count


# ---------------------------------------------------------------- the collector
def _ts(value) -> float | None:
    return value.timestamp() if value is not None else None


def _gauge(name: str, doc: str, labels=ACCOUNT_LABELS) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


def latency_histogram(values: list[float]) -> tuple[list[tuple[str, float]], float]:
    """Cumulative buckets (le, count) including +Inf, and the sum, for HistogramMetricFamily."""
    buckets = [(floatToGoString(bound), float(sum(1 for v in values if v <= bound))) for bound in LATENCY_BUCKETS]
    buckets.append(("+Inf", float(len(values))))
    return buckets, float(sum(values))


class MagazynierCollector:
    """Reads the database on every scrape (a handful of grouped queries, one budget read per Allegro
    account)."""

    def describe(self):
        return []  # nothing at registration time: the database is only read when scraped

    def collect(self):
        from django.conf import settings
        from django.db.models import Count, Q
        from django.utils import timezone

        from magazynier.channels.models import ChannelAccount, Credential
        from magazynier.core.monitoring import worker_heartbeat_age
        from magazynier.notifications.models import Alert
        from magazynier.orders.models import Order
        from magazynier.orders.status import OPEN
        from magazynier.sync.models import Command, CommandItem, HeldPlan, OrderFeed, OutboxEntry, SyncState

        now = timezone.now()

        # channel requests of every process
        counts, throttled = request_counts()
        requests = CounterMetricFamily("magazynier_channel_requests",
                                       "Channel API responses received by this process, by status class",
                                       labels=["channel", "status_class"])
        for (channel, status_class), value in sorted(counts.items()):
            requests.add_metric([channel, status_class], value)
        yield requests
        limited = CounterMetricFamily("magazynier_channel_rate_limited",
                                      "Channel API 429 responses received by this process", labels=["channel"])
        for channel in HOOKED_CHANNELS:
            limited.add_metric([channel], throttled.get(channel, 0))
        yield limited

        # worker and queue
        age = worker_heartbeat_age(now)
        if age is not None:
            yield GaugeMetricFamily("magazynier_worker_heartbeat_age_seconds",
                                    "Seconds since the worker's periodic tick last ran", value=age)
        pending = _queue_pending(settings)
        if pending is not None:
            yield GaugeMetricFamily("magazynier_queue_pending_tasks", "Huey tasks waiting in the queue",
                                    value=pending)

        # accounts
        accounts = list(ChannelAccount.objects.order_by("pk"))
        labels = {a.pk: [str(a.pk), a.kind] for a in accounts}
        info = _gauge("magazynier_account_info", "One per channel account (its name)", ["account", "channel", "name"])
        connected = _gauge("magazynier_account_connected", "1 when the account is connected")
        for a in accounts:
            info.add_metric([*labels[a.pk], a.name], 1)
            connected.add_metric(labels[a.pk], 1 if a.is_connected else 0)
        yield info
        yield connected

        refresh = _gauge("magazynier_credential_refresh_expires_timestamp_seconds",
                         "When the account's refresh token expires (Unix time)")
        for account_id, expires in Credential.objects.filter(refresh_expires_at__isnull=False) \
                .values_list("account_id", "refresh_expires_at"):
            if account_id in labels:
                refresh.add_metric(labels[account_id], expires.timestamp())
        yield refresh

        sync_ok = _gauge("magazynier_sync_last_success_timestamp_seconds",
                         "Last successful offer sync cycle of the account (Unix time)")
        outage = _gauge("magazynier_sync_outage", "1 while the account's changes have been failing")
        states = {s.account_id: s for s in SyncState.objects.all()}
        for account_id, label in labels.items():
            state = states.get(account_id)
            if state is not None and state.last_success_at is not None:
                sync_ok.add_metric(label, state.last_success_at.timestamp())
            outage.add_metric(label, 1 if state is not None and state.outage_since else 0)
        yield sync_ok
        yield outage

        feed_ok = _gauge("magazynier_order_feed_last_success_timestamp_seconds",
                         "Last successful order poll of the account (Unix time)")
        feed_failures = _gauge("magazynier_order_feed_failures", "Consecutive failed order polls of the account")
        for feed in OrderFeed.objects.all():
            if feed.account_id not in labels:
                continue
            if feed.last_success_at is not None:
                feed_ok.add_metric(labels[feed.account_id], feed.last_success_at.timestamp())
            feed_failures.add_metric(labels[feed.account_id], feed.failures)
        yield feed_ok
        yield feed_failures

        # the sync engine's queues
        outbox = {row["account_id"]: row for row in OutboxEntry.objects.values("account_id").annotate(
            due=Count("pk", filter=Q(quarantined_at__isnull=True, next_attempt_at__lte=now)),
            failed=Count("pk", filter=Q(quarantined_at__isnull=True, failures__gt=0)),
            quarantined=Count("pk", filter=Q(quarantined_at__isnull=False)))}
        held = dict(HeldPlan.objects.filter(state=HeldPlan.HELD).values("account_id")
                    .annotate(n=Count("pk")).values_list("account_id", "n"))
        open_commands = dict(Command.objects.exclude(state=Command.DONE).values("account_id")
                             .annotate(n=Count("pk")).values_list("account_id", "n"))
        families = {
            "due": _gauge("magazynier_outbox_due", "Listings due for planning or sending now"),
            "failed": _gauge("magazynier_outbox_failed", "Listings retrying after a failed change"),
            "quarantined": _gauge("magazynier_quarantined_listings", "Listings set aside after repeated failures"),
        }
        held_family = _gauge("magazynier_held_plans", "Plans the guard held, waiting for a decision")
        commands_family = _gauge("magazynier_commands_open", "Commands not finished yet (stored or sent)")
        for account_id, label in labels.items():
            row = outbox.get(account_id, {})
            for key, family in families.items():
                family.add_metric(label, row.get(key, 0))
            held_family.add_metric(label, held.get(account_id, 0))
            commands_family.add_metric(label, open_commands.get(account_id, 0))
        yield from families.values()
        yield held_family
        yield commands_family

        # Allegro offer-change budget (shared with every process)
        used = _gauge("magazynier_allegro_offer_changes_used",
                      "Offer changes spent from the seller's shared Allegro budget in the window",
                      [*ACCOUNT_LABELS, "window"])
        for a in accounts:
            if a.kind != ChannelAccount.ALLEGRO:
                continue
            spent = allegro_offer_budget(a)
            if spent is not None:
                used.add_metric([*labels[a.pk], "60s"], spent[0])
                used.add_metric([*labels[a.pk], "3600s"], spent[1])
        yield used
        limit = _gauge("magazynier_allegro_offer_changes_limit",
                       "Offer changes the Allegro budget admits per seller in the window", ["window"])
        minute_limit, hour_limit = offer_change_limits()
        limit.add_metric(["60s"], minute_limit)
        limit.add_metric(["3600s"], hour_limit)
        yield limit

        # propagation latency (last hour)
        latencies: dict[int, list[float]] = {account_id: [] for account_id in labels}
        rows = CommandItem.objects.filter(outcome=CommandItem.OK, confirmed_at__gte=now - LATENCY_WINDOW) \
            .values_list("command__account_id", "changed_since", "confirmed_at")
        for account_id, start, done in rows:
            if account_id in latencies:
                latencies[account_id].append(max(0.0, (done - start).total_seconds()))
        histogram = HistogramMetricFamily(
            "magazynier_propagation_latency_seconds",
            "Seconds from a change to the channel's confirmation, items confirmed in the last hour",
            labels=ACCOUNT_LABELS)
        for account_id, values in latencies.items():
            buckets, total = latency_histogram(values)
            histogram.add_metric(labels[account_id], buckets, total)
        yield histogram

        # orders
        orders = {row["account_id"]: row for row in Order.objects.values("account_id").annotate(
            total=Count("pk"),
            oversold=Count("pk", filter=Q(oversold=True, status__in=OPEN)),
            unmatched=Count("pk", filter=Q(unmatched=True, status__in=OPEN)))}
        imported = CounterMetricFamily("magazynier_orders_imported", "Orders imported from the channel",
                                       labels=ACCOUNT_LABELS)
        oversold = _gauge("magazynier_orders_oversold_open", "Open orders the stock could not cover")
        unmatched = _gauge("magazynier_orders_unmatched_open", "Open orders with lines matching no variant")
        for account_id, label in labels.items():
            row = orders.get(account_id, {})
            imported.add_metric(label, row.get("total", 0))
            oversold.add_metric(label, row.get("oversold", 0))
            unmatched.add_metric(label, row.get("unmatched", 0))
        yield imported
        yield oversold
        yield unmatched

        # alerts
        open_alerts = dict(Alert.objects.filter(resolved_at__isnull=True).values("severity")
                           .annotate(n=Count("pk")).values_list("severity", "n"))
        alerts = _gauge("magazynier_alerts_open", "Unresolved alerts by severity", ["severity"])
        for severity, _label in Alert.SEVERITIES:
            alerts.add_metric([severity], open_alerts.pop(severity, 0))
        for severity, n in open_alerts.items():  # a severity added later still shows
            alerts.add_metric([severity], n)
        yield alerts


def _queue_pending(settings) -> int | None:
    huey = getattr(settings, "HUEY", None)
    if huey is None or not hasattr(huey, "pending_count"):
        return None
    try:
        return int(huey.pending_count())
    except Exception:  # the storage cannot count (or is unreachable): leave the metric out
        logger.warning("the queue's pending tasks cannot be counted", exc_info=True)
        return None


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(MagazynierCollector())


def render() -> bytes:
    """The metrics in Prometheus' text format (version 0.0.4)."""
    return generate_latest(REGISTRY)
