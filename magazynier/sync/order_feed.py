"""Orders in from a channel, and the seller's changes back out, one account at a time (under its feed lease).

* **Journal** (fast path): events after the stored cursor; the orders they name are read (one list request
  for a burst, one request each for a few) and stored. The cursor moves only past events whose orders were
  stored, so a failure mid-batch re-reads, and duplicated or reordered events do no harm (an order is
  stored by revision; reading it again changes nothing).
* **Sweep**: orders changed without an event (cancelled in the channel's own panel) are read by their
  update time every few minutes, from a watermark that only moves to the moment a complete read began.
* **Start and gaps**: a new account reads from "now" (the journal's head); `import_window` reads a past
  window on an operator's request. Not having read for longer than the journal keeps events raises an
  alert and the sweep covers the gap.
* **Shops without a journal** (WooCommerce): the shop's signed webhooks store orders the moment they happen
  (sync.webhooks); the feed polls the orders changed since the watermark as the fallback, every
  SHOP_POLL_SECONDS (more often while the webhooks are not working), and checks every few minutes that the
  webhooks are still switched on (channels.shop_connection).
* **Write-back**: statuses and tracking numbers the seller set (order_push).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.connections import connector_for, writers_active
from magazynier.channels.errors import ChannelError, NotFound, RateLimited
from magazynier.channels.models import ChannelAccount, Webhook
from magazynier.channels.shop_connection import ensure_webhooks
from magazynier.channels.types import RemoteOrder
from magazynier.core import leases
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert
from magazynier.sync.models import OrderFeed
from magazynier.sync.order_push import push_due
from magazynier.sync.order_store import feeding_warehouses, store_order

log = logging.getLogger(__name__)

POLL_SECONDS = float(os.environ.get("MAGAZYNIER_ORDER_POLL_SECONDS", "2"))
SHOP_POLL_SECONDS = float(os.environ.get("MAGAZYNIER_SHOP_POLL_SECONDS", "60"))  # a shop whose webhooks work
SHOP_POLL_WITHOUT_WEBHOOKS = min(SHOP_POLL_SECONDS, 10.0)
WEBHOOK_CHECK_EVERY = timedelta(minutes=float(os.environ.get("MAGAZYNIER_WEBHOOK_CHECK_MINUTES", "5")))
SWEEP_EVERY = timedelta(minutes=float(os.environ.get("MAGAZYNIER_ORDER_SWEEP_MINUTES", "10")))
SWEEP_OVERLAP = timedelta(minutes=5)  # clock differences between us and the channel
JOURNAL_RETENTION = timedelta(days=60)  # Allegro keeps order events this long
GAP_SETTLED = timedelta(minutes=30)  # a gap's alert is resolved after this long of reading again
FEED_LEASE = timedelta(seconds=60)
BATCHES_PER_RUN = 20
FETCH_ONE_BY_ONE = 5  # more orders than this in a batch are read with list requests (100 per request)
BACKOFF_SECONDS = (5, 15, 30, 60, 120, 300)


def gap_alert_key(account_id: int) -> str:
    return f"order-journal-gap:{account_id}"


def failing_alert_key(account_id: int) -> str:
    return f"order-feed-failing:{account_id}"


@dataclass
class FeedResult:
    events: int = 0
    created: int = 0
    updated: int = 0
    oversold: int = 0
    unmatched: int = 0
    swept: int = 0
    pushed: int = 0
    push_failed: int = 0
    more: bool = False
    retry_after: float | None = None
    error: str = ""
    skipped: str = ""
    poll_every: float = POLL_SECONDS

    @property
    def next_run_in(self) -> float | None:
        if self.skipped:
            return None
        if self.retry_after is not None:
            return self.retry_after
        return 0.0 if self.more else self.poll_every


class _Store:
    """Stores orders of one account and counts what happened."""

    def __init__(self, account: ChannelAccount, result: FeedResult):
        self.account, self.result = account, result
        self.warehouses = feeding_warehouses(account)

    def __call__(self, remote: RemoteOrder) -> None:
        done = store_order(self.account, remote, self.warehouses)
        if done.created:
            self.result.created += 1
        elif done.changed:
            self.result.updated += 1
        if done.created and done.order.oversold:
            self.result.oversold += 1
        if done.created and done.order.unmatched:
            self.result.unmatched += 1


# ---------------------------------------------------------------- the journal
def _fetch(connector, order_ids: list[str], since: datetime | None) -> dict[str, RemoteOrder]:
    """The named orders: a burst through the list (100 per request, from the first event's time), the rest
    (and whatever the list did not show) one by one. An order the channel no longer has is left out."""
    found: dict[str, RemoteOrder] = {}
    wanted = set(order_ids)
    if len(wanted) > FETCH_ONE_BY_ONE and since is not None:
        for remote in connector.iter_orders(updated_since=since - timedelta(seconds=1)):
            if remote.external_id in wanted:
                found[remote.external_id] = remote
                if len(found) == len(wanted):
                    break
    for order_id in order_ids:
        if order_id not in found:
            try:
                found[order_id] = connector.get_order(order_id)
            except NotFound:
                log.warning("order %s named by the journal of account %s is gone", order_id, connector)
    return found


def read_journal(connector, feed: OrderFeed, store: _Store, result: FeedResult, renew) -> None:
    for _batch in range(BATCHES_PER_RUN):
        changes = connector.fetch_order_changes(feed.cursor or None)
        if not changes.events:
            return
        result.events += len(changes.events)
        order_ids = list(dict.fromkeys(e.order_id for e in changes.events if e.order_id))
        times = [e.occurred_at for e in changes.events if e.occurred_at is not None]
        stored: set[str] = set()
        try:
            remotes = _fetch(connector, order_ids, min(times) if times else None)
            for order_id in order_ids:
                if order_id in remotes:
                    store(remotes[order_id])
                stored.add(order_id)
        finally:
            cursor = feed.cursor
            for event in changes.events:
                if event.order_id and event.order_id not in stored:
                    break
                cursor = event.event_id
            if cursor != feed.cursor:
                feed.cursor = cursor
                feed.last_event_at = timezone.now()
                OrderFeed.objects.filter(pk=feed.pk).update(cursor=cursor, last_event_at=feed.last_event_at)
        renew()
    result.more = True


# ---------------------------------------------------------------- the sweep and past windows
def sweep(connector, feed: OrderFeed, store: _Store, result: FeedResult, renew) -> None:
    """Read every order changed since the watermark (less an overlap); move the watermark to when we began."""
    began = timezone.now()
    since = (feed.sweep_from or began) - SWEEP_OVERLAP
    if feed.started_at is not None:
        since = max(since, feed.started_at)  # orders from before the account was connected are not ours to take
    for count, remote in enumerate(connector.iter_orders(updated_since=since), 1):
        store(remote)
        result.swept += 1
        if count % 500 == 0:
            renew()
    feed.sweep_from, feed.last_sweep_at = began, began
    OrderFeed.objects.filter(pk=feed.pk).update(sweep_from=began, last_sweep_at=began)


def sweep_due(feed: OrderFeed, now: datetime) -> bool:
    return feed.last_sweep_at is None or now - feed.last_sweep_at >= SWEEP_EVERY


def import_window(account: ChannelAccount, since: datetime, *, connector=None, progress=None) -> FeedResult:
    """An operator's import of orders bought since `since` (open ones reserve stock; ones already shipped or
    cancelled are stored without touching stock)."""
    result = FeedResult()
    connector = connector or connector_for(account)
    store = _Store(account, result)
    for remote in connector.iter_orders(bought_since=since):
        store(remote)
        if progress is not None:
            progress(remote)
    return result


# ---------------------------------------------------------------- one run
def _start(connector, feed: OrderFeed, now: datetime) -> None:
    """A new account reads from now on: the journal's head becomes the cursor."""
    feed.cursor = connector.order_journal_head() or ""
    feed.started_at = feed.sweep_from = feed.last_sweep_at = now
    feed.save(update_fields=["cursor", "started_at", "sweep_from", "last_sweep_at"])


def _check_gap(account: ChannelAccount, feed: OrderFeed, now: datetime) -> None:
    last = feed.last_success_at or feed.started_at
    if last is None or now - last < JOURNAL_RETENTION - timedelta(days=1):
        return
    raise_alert(gap_alert_key(account.pk), kind="order-journal-gap", severity=Alert.CRITICAL, account=account,
                title=_("Orders of %(name)s were not read for %(days)s days") % {
                    "name": account.name, "days": (now - last).days},
                message=_("The channel keeps order events for 60 days, so some may be gone. Magazynier reads every "
                          "order changed since %(since)s now; check the order list for orders from that time.")
                % {"since": timezone.localtime(last).strftime("%Y-%m-%d")})
    feed.cursor = ""  # start the journal again from its oldest retained event; the sweep covers the rest
    feed.last_sweep_at = None


def run_feed(account_id: int, factory=None) -> FeedResult | None:
    """One run for an account: journal, sweep when due, write-backs. None when another worker holds it."""
    account = ChannelAccount.objects.get(pk=account_id)
    result = FeedResult()
    if not account.is_connected:
        result.skipped = "not connected"
        return result
    row = {"account_id": account_id}
    if not leases.claim(OrderFeed, row, FEED_LEASE):
        return None
    try:
        connector = (factory or connector_for)(account)
        feed = OrderFeed.objects.get(**row)
        now = timezone.now()
        if feed.started_at is None:
            _start(connector, feed, now)
        _check_gap(account, feed, now)
        store = _Store(account, result)

        def renew() -> None:
            leases.renew(OrderFeed, row, FEED_LEASE)

        if connector.capabilities.order_journal:
            read_journal(connector, feed, store, result, renew)
            if sweep_due(feed, now):
                sweep(connector, feed, store, result, renew)
        else:
            sweep(connector, feed, store, result, renew)  # the poll: webhooks are the fast path
            result.poll_every = SHOP_POLL_SECONDS if _webhooks_working(account, connector, now) \
                else SHOP_POLL_WITHOUT_WEBHOOKS
        if writers_active(account):
            push_due(account, connector, result)
    except RateLimited as exc:
        result.error, result.retry_after = str(exc), max(exc.retry_after or 1.0, 0.5)
        OrderFeed.objects.filter(**row).update(last_poll_at=timezone.now(), last_error=result.error[:1000])
    except ChannelError as exc:
        _failed(account, result, str(exc))
    else:
        now = timezone.now()
        OrderFeed.objects.filter(**row).update(last_poll_at=now, last_success_at=now, failures=0, last_error="")
        resolve_alert(failing_alert_key(account_id))
        if Alert.objects.filter(key=gap_alert_key(account_id), resolved_at__isnull=True,
                                created_at__lt=now - GAP_SETTLED).exists():
            resolve_alert(gap_alert_key(account_id))  # read again for a while: the seller is told it is over
    finally:
        leases.release(OrderFeed, row)
    return result


def _webhooks_working(account: ChannelAccount, connector, now: datetime) -> bool:
    """Whether the shop's order webhooks work; checked with the shop (and repaired) every few minutes."""
    hooks = list(Webhook.objects.filter(account=account))
    due = not hooks or any(h.checked_at is None or now - h.checked_at >= WEBHOOK_CHECK_EVERY for h in hooks)
    if due:
        return ensure_webhooks(account, connector).healthy
    return all(h.status == "active" and not h.last_error for h in hooks)


def _failed(account: ChannelAccount, result: FeedResult, message: str) -> None:
    feed = OrderFeed.objects.get(account=account)
    failures = feed.failures + 1
    result.error = message
    result.retry_after = float(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])
    OrderFeed.objects.filter(pk=feed.pk).update(failures=failures, last_poll_at=timezone.now(),
                                                last_error=message[:1000])
    log.warning("order feed of account %s failed (%s in a row): %s", account.pk, failures, message)
    if failures >= 5:
        raise_alert(failing_alert_key(account.pk), kind="order-feed-failing", severity=Alert.CRITICAL,
                    account=account,
                    title=_("Orders from %(name)s cannot be read") % {"name": account.name},
                    message=_("The last %(count)s attempts failed: %(error)s. New orders wait on the channel and "
                              "their stock is not reserved here; Magazynier keeps trying. If it persists, check "
                              "the account's connection.") % {"count": failures, "error": message})
