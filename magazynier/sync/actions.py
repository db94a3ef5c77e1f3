"""The operator's decisions and settings (panel and CLI call these; nothing else writes them)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from magazynier.channels.models import ChannelAccount
from magazynier.inventory.availability import check_rules
from magazynier.notifications.actions import resolve_alert
from magazynier.sync.desired import channel_rules
from magazynier.sync.dispatch import held_alert_key, quarantine_alert_key
from magazynier.sync.models import AccountSyncSettings, HeldPlan, OutboxEntry
from magazynier.sync.outbox import mark_accounts


class DecisionError(Exception):
    pass


def decide(plan_id: int, approve: bool, *, user=None, name: str = "") -> HeldPlan:
    """Approve (send what is pending now; the held changes are not checked again) or reject (keep the
    channel as it is: the held changes are not sent; a listing is planned again when its data changes)."""
    with transaction.atomic():
        plan = HeldPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None:
            raise DecisionError(f"There is no held plan {plan_id}.")
        if plan.state != HeldPlan.HELD:
            raise DecisionError(f"Plan {plan_id} was already {plan.get_state_display()}.")
        plan.state = HeldPlan.APPROVED if approve else HeldPlan.REJECTED
        plan.decided_at = timezone.now()
        plan.decided_by = user
        plan.decided_by_name = (getattr(user, "username", "") or name)[:150]
        plan.save()
        OutboxEntry.objects.filter(account=plan.account).update(next_attempt_at=timezone.now())
        transaction.on_commit(lambda: _wake(plan.account_id))
    resolve_alert(held_alert_key(plan.account_id))
    return plan


def retry_quarantined(account: ChannelAccount, listing_ids=None) -> int:
    entries = OutboxEntry.objects.filter(account=account, quarantined_at__isnull=False)
    if listing_ids is not None:
        entries = entries.filter(listing_id__in=listing_ids)
    with transaction.atomic():
        count = entries.update(quarantined_at=None, failures=0, next_attempt_at=timezone.now())
        transaction.on_commit(lambda: _wake(account.pk))
    if not OutboxEntry.objects.filter(account=account, quarantined_at__isnull=False).exists():
        resolve_alert(quarantine_alert_key(account.pk))
    return count


def save_settings(settings: AccountSyncSettings, warehouses=None) -> AccountSyncSettings:
    """Store allocation, buffer and guard settings; every listing of every account is looked at again
    (one account's share changes what the shared pool of the others holds)."""
    new = settings.pk is None
    try:
        with transaction.atomic():
            settings.full_clean()
            settings.save()
            if warehouses is not None:
                settings.warehouses.set(warehouses)
            check_rules(channel_rules())  # raises AllocationError (rolls back) e.g. when shares exceed 100 %
            mark_accounts(ChannelAccount.objects.values_list("pk", flat=True), OutboxEntry.CATALOG)
    except Exception:
        if new:
            settings.pk = None  # the row was rolled back: a later save creates it again
        raise
    return settings


def _wake(account_id: int) -> None:
    from magazynier.sync.tasks import wake_accounts

    wake_accounts([account_id])
