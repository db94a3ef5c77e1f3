"""Thin Huey tasks: run an account's cycles and its order feed, wake them after a commit, the periodic tick.

A task that finds the account busy (another worker holds its lease) simply ends: the holder keeps going
while work is due. The tick every minute picks up anything a lost task left behind and starts accounts
whose reconciliation sweep is due (the sweep runs inside the account's cycle, under its lease).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from magazynier.channels.connections import writers_active
from magazynier.channels.models import ChannelAccount
from magazynier.sync.models import OrderFeed, SyncState

log = logging.getLogger(__name__)

QUEUED_FOR = timedelta(seconds=30)  # a queued wake not started after this long is taken for lost


@db_task()
def sync_account(account_id: int) -> None:
    from magazynier.sync.dispatch import drive

    # started: a change committed from now on queues a new wake (wake_accounts), one before it is read below
    SyncState.objects.filter(account_id=account_id, wake_at__lte=timezone.now()).update(wake_at=None)
    result = drive(account_id)
    if result is None:  # busy: the holder may be just finishing, so look again shortly
        schedule_wake(account_id, 2.0)
    elif result.next_run_in is not None:
        schedule_wake(account_id, result.next_run_in)


def _schedule(model, task, account_id: int, delay: float) -> None:
    """Run `task` for the account in `delay` seconds, unless a run at or before then is already scheduled."""
    if getattr(settings.HUEY, "immediate", False):
        return  # tests drive the engine themselves
    now = timezone.now()
    at = now + timedelta(seconds=delay)
    pending = Q(wake_at__isnull=False, wake_at__gte=now, wake_at__lte=at)
    if model.objects.filter(account_id=account_id).exclude(pending).update(wake_at=at):
        task.schedule((account_id,), delay=max(delay, 0.1))


def schedule_wake(account_id: int, delay: float) -> None:
    _schedule(SyncState, sync_account, account_id, delay)


@db_task(priority=10)
def order_feed(account_id: int) -> None:
    """Read the account's new orders and send the seller's order changes; poll again shortly."""
    from magazynier.sync.order_feed import run_feed

    result = run_feed(account_id)
    if result is None:
        _schedule(OrderFeed, order_feed, account_id, 2.0)
    elif result.next_run_in is not None:
        _schedule(OrderFeed, order_feed, account_id, result.next_run_in)


def wake_accounts(account_ids) -> None:
    """Queue each account's cycle now, unless one is queued already and has not started (a wave of orders
    commits one reservation after another: one queued cycle reads them all)."""
    for account_id in account_ids:
        if getattr(settings.HUEY, "immediate", False):
            sync_account(account_id)
            continue
        now = timezone.now()
        queued = Q(wake_at__gt=now - QUEUED_FOR, wake_at__lte=now)
        if (SyncState.objects.filter(account_id=account_id).exclude(queued).update(wake_at=now)
                or not SyncState.objects.filter(account_id=account_id).exists()):
            sync_account(account_id)


@db_periodic_task(crontab(minute="*"))
def tick() -> None:
    """Every minute: the heartbeat and the stuck-sync check; accounts with due work get a cycle; sweeps that are
    due run."""
    from magazynier.core.monitoring import beat
    from magazynier.sync.outbox import has_due_work
    from magazynier.sync.reconcile import sweep_due
    from magazynier.sync.stuck import check_stuck

    beat()  # the worker is alive (core/monitoring.py: /healthz, the health page)
    try:
        check_stuck()
    except Exception:  # the tick's real work must go on; the log says what broke
        log.exception("the stuck-sync check failed")

    lost = timezone.now() - timedelta(seconds=30)
    for account in ChannelAccount.objects.filter(status=ChannelAccount.CONNECTED):
        if writers_active(account) and (has_due_work(account.pk) or sweep_due(account)):
            sync_account(account.pk)  # the cycle also runs a due sweep, under the account's lease
        feed = OrderFeed.objects.filter(account=account).first()
        if feed is None or feed.wake_at is None or feed.wake_at < lost:  # a poll chain that was lost
            order_feed(account.pk)
