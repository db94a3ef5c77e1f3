"""A stuck sync: a stock or price change has waited longer than MAGAZYNIER_STUCK_SYNC_MINUTES (default 15) to
reach its channel, while the account is connected, its writers are on and nothing else explains it.

Waiting counts from the change's first moment, through every failed retry, until the channel confirms it.
An account with a held plan, an outage, an unreachable channel or a lost connection already has its own
alert for the cause, so it gets no second one. Checked every minute by the worker's tick; the alert resolves
itself when nothing has waited that long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.actions import reconnect_alert_key
from magazynier.channels.connections import writers_active
from magazynier.channels.models import ChannelAccount
from magazynier.config import positive_number
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert
from magazynier.sync.dispatch import held_alert_key, outage_alert_key, unreachable_alert_key
from magazynier.sync.models import Command, CommandItem, OutboxEntry, SyncState


def stuck_after() -> timedelta:
    return timedelta(minutes=positive_number("MAGAZYNIER_STUCK_SYNC_MINUTES", 15.0))


def stuck_alert_key(account_id: int) -> str:
    return f"sync-stuck:{account_id}"


def waiting_since(account_id: int) -> tuple[datetime | None, int]:
    """When the oldest change still on its way to the channel was made, and how many listings wait."""
    entries = OutboxEntry.objects.filter(account_id=account_id, quarantined_at__isnull=True,
                                         changed_since__isnull=False)
    in_flight = CommandItem.objects.filter(command__account_id=account_id, outcome=CommandItem.PENDING,
                                           command__state__in=[Command.PLANNED, Command.SENT],
                                           changed_since__isnull=False)
    oldest = [t for t in (entries.aggregate(t=Min("changed_since"))["t"],
                          in_flight.aggregate(t=Min("changed_since"))["t"]) if t is not None]
    waiting = set(entries.values_list("listing_id", flat=True)) | set(in_flight.values_list("listing_id", flat=True))
    return (min(oldest) if oldest else None), len(waiting)


def check_stuck(now: datetime | None = None) -> list[int]:
    """Raise or resolve each account's stuck-sync alert; returns the stuck accounts."""
    now = now or timezone.now()
    limit = stuck_after()
    explained = set(Alert.objects.filter(resolved_at__isnull=True, kind__in=[
        "sync-held", "sync-failing", "sync-unreachable", "account_needs_reconnect"]).values_list("key", flat=True))
    stuck = []
    for account in ChannelAccount.objects.all():
        since, count = waiting_since(account.pk)
        causes = {held_alert_key(account.pk), outage_alert_key(account.pk), unreachable_alert_key(account.pk),
                  reconnect_alert_key(account)}
        if (since is None or now - since < limit or not writers_active(account) or causes & explained):
            resolve_alert(stuck_alert_key(account.pk))
            continue
        stuck.append(account.pk)
        last = SyncState.objects.filter(account=account).values_list("last_success_at", flat=True).first()
        raise_alert(
            stuck_alert_key(account.pk), kind="sync-stuck", severity=Alert.CRITICAL, account=account,
            title=_("Changes to %(name)s have waited %(minutes)d minutes") % {
                "name": account.name, "minutes": (now - since).total_seconds() // 60},
            message=_("%(count)d offers on %(name)s still show old stock or prices: the oldest change is from "
                      "%(since)s and the last completed run was %(last)s. Buyers may order what is no longer "
                      "there. Check that the worker is running (the Health page) and the account's errors on the "
                      "sync page; if it does not recover, restart Magazynier.") % {
                "count": count, "name": account.name, "since": timezone.localtime(since).strftime("%H:%M"),
                "last": timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else _("never")})
    return stuck
