"""The health page ("Zdrowie"): is the worker running, and per account is the connection alive, are orders
read and changes sent, how much is waiting, held, failing or set aside, how much of the Allegro budget is
spent, how quickly changes reach the channel, and do the shop's webhooks work.

Reads only: sync.status for the engine's per-account state, core.monitoring for the worker, core.metrics for
the shared Allegro budget. Seeing it needs the same permission as the sync pages (`sync.view_heldplan`).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.shortcuts import render

from magazynier.channels.models import ChannelAccount, Credential
from magazynier.core import metrics, monitoring
from magazynier.notifications.models import Alert
from magazynier.panel.views_channels import _webhook_health
from magazynier.panel.views_sync import _budget, duration, reads
from magazynier.sync.models import OrderFeed, SyncState
from magazynier.sync.status import account_status


def _row(account: ChannelAccount, *, state, feed, credential, alerts: list[Alert]) -> dict:
    status = account_status(account)
    row = {
        "account": account, "status": status, "sync_state": state, "feed": feed,
        "refresh_expires_at": credential.refresh_expires_at if credential else None,
        "alerts": sum(1 for a in alerts if a.account_id == account.pk),
        "p99": duration(status.latency_p99), "budgets": [], "webhooks": None,
    }
    if account.kind == ChannelAccount.ALLEGRO:
        spent = metrics.allegro_offer_budget(account)
        minute, hour = spent if spent is not None else (status.changes_last_minute, status.changes_last_hour)
        row["budgets"] = [_budget("1 min", minute, status.minute_limit), _budget("1 h", hour, status.hour_limit)]
    else:
        row["webhooks"] = _webhook_health(account, list(account.webhooks.all()), alerts)
    return row


@reads
def health(request):
    accounts = list(ChannelAccount.objects.order_by("name").prefetch_related("webhooks"))
    ids = [a.pk for a in accounts]
    states = {s.account_id: s for s in SyncState.objects.filter(account_id__in=ids)}
    feeds = {f.account_id: f for f in OrderFeed.objects.filter(account_id__in=ids)}
    credentials = {c.account_id: c for c in Credential.objects.filter(account_id__in=ids)}
    open_alerts = list(Alert.objects.filter(resolved_at__isnull=True))
    by_severity = dict(Alert.objects.filter(resolved_at__isnull=True).values("severity")
                       .annotate(n=Count("pk")).values_list("severity", "n"))
    age = monitoring.worker_heartbeat_age()
    pending = metrics._queue_pending(settings)
    return render(request, "panel/health.html", {
        "worker": {"alive": monitoring.worker_alive(age), "age": duration(age) if age is not None else None,
                   "last_beat": monitoring.last_beat(), "stale_after": duration(monitoring.stale_after())},
        "queue_pending": pending,
        "alerts_open": len(open_alerts),
        "alerts_by_severity": [(label, by_severity.get(code, 0), code) for code, label in Alert.SEVERITIES],
        "rows": [_row(a, state=states.get(a.pk), feed=feeds.get(a.pk), credential=credentials.get(a.pk),
                      alerts=open_alerts) for a in accounts],
    })
