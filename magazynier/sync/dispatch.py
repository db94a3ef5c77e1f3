"""One account's engine cycle: read command reports, plan, guard, store commands, send them (DESIGN.md §4).

Every step is resumable from the database, so killing the process at any instant loses nothing and
duplicates nothing:
* a command and its items are committed (state PLANNED, attempts 0) before anything is sent; `attempts`
  is raised and committed *before* each PUT, so a command that may have reached the channel keeps its id
  and is resent under it (Allegro answers 409 for a known id: already accepted);
* a PLANNED command that was never attempted may still be changed: its items are dropped and planned again
  with the newest values when their listings change;
* a listing's confirmed values change only when the channel's task report says SUCCESS;
* a listing never has two unfinished items of one kind (a partial unique index), so one change cannot
  travel under two command ids.

One cycle per account runs at a time (a lease in SyncState, taken over when its holder is dead or late).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.connections import writers_active
from magazynier.channels.errors import AuthenticationError, ChannelError, RateLimited, TransientError
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.channels.types import CommandReport, OfferValue
from magazynier.core import leases
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert
from magazynier.sync import planning
from magazynier.sync.desired import desired_for, settings_of
from magazynier.sync.guard import GuardContext, GuardLimits, change_key, check_plan
from magazynier.sync.models import Command, CommandItem, HeldPlan, OutboxEntry, SyncState
from magazynier.sync.outbox import due_entries
from magazynier.sync.reconcile import sweep, sweep_due, sweep_forced

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=float(os.environ.get("MAGAZYNIER_SYNC_LEASE_SECONDS", "30")))
PARKED = timedelta(hours=1)  # a planned listing is looked at again after this even if no report wakes it
REJECTED_PARK = timedelta(hours=24)
DECISION_WINDOW = timedelta(hours=24)  # approvals and rejections apply to plans made this long after
ZERO_WINDOW = timedelta(hours=1)
UNREACHABLE_ALERT_AFTER = timedelta(seconds=float(os.environ.get("MAGAZYNIER_OUTAGE_ALERT_SECONDS", "30")))
STUCK_AFTER = timedelta(hours=1)  # Allegro: "processing can take up to an hour"
QUARANTINE_AFTER = 3  # failures of one listing in a row
BACKOFF_SECONDS = (15, 60, 120, 300, 600, 1800)
PLAN_LIMIT = 250_000  # listings planned in one cycle
REPORTS_PER_CYCLE = 50
COMMANDS_PER_CYCLE = 30
LIVE_STATUSES = ("ACTIVE", "ACTIVATING")


def held_alert_key(account_id: int) -> str:
    return f"sync-held:{account_id}"


def outage_alert_key(account_id: int) -> str:
    return f"sync-failing:{account_id}"


def unreachable_alert_key(account_id: int) -> str:
    return f"sync-unreachable:{account_id}"


def quarantine_alert_key(account_id: int) -> str:
    return f"sync-quarantine:{account_id}"


def backoff(failures: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(max(failures, 1), len(BACKOFF_SECONDS)) - 1])


# ---------------------------------------------------------------- the lease
def claim(account_id: int) -> bool:
    return leases.claim(SyncState, {"account_id": account_id}, LEASE)


def renew(account_id: int) -> bool:
    return leases.renew(SyncState, {"account_id": account_id}, LEASE)


def release(account_id: int) -> None:
    leases.release(SyncState, {"account_id": account_id})


# ---------------------------------------------------------------- results
@dataclass
class CycleResult:
    sent_commands: int = 0
    sent_offers: int = 0
    confirmed: int = 0
    failed: int = 0
    quarantined: int = 0
    settled: int = 0
    held: bool = False
    open_commands: int = 0
    more_due: bool = False
    retry_after: float | None = None
    error: str = ""
    skipped: str = ""  # why nothing ran: "busy", "writers off"

    @property
    def next_run_in(self) -> float | None:
        """Seconds until the account needs another cycle; None when it is idle."""
        if self.skipped == "writers off":
            return None
        if self.retry_after is not None:
            return self.retry_after
        if self.held:
            return 1.0 if self.open_commands else None
        if self.more_due:
            return 0.0
        if self.open_commands:
            return 0.5
        return None


# ---------------------------------------------------------------- confirming
def _confirm(listing: Listing, kind: str, value: str) -> None:
    if kind == planning.QUANTITY:
        listing.confirmed_quantity = int(value)
    elif kind == planning.PRICE:
        listing.confirmed_price = Decimal(value)
    elif value == planning.END:
        listing.offer_status, listing.paused_by_sync = "ENDED", True
    else:
        listing.offer_status, listing.paused_by_sync = "ACTIVE", False


def _finish(command: Command, report: CommandReport, message_if_missing: str, result: CycleResult,
            failed_entries: list[int]) -> None:
    """Record a finished command's outcomes; safe to call twice (the second call changes nothing)."""
    now = timezone.now()
    with transaction.atomic():
        if not Command.objects.filter(pk=command.pk, state=Command.SENT).update(
                state=Command.DONE, completed_at=now):
            return
        outcomes = {o.offer_id: o for o in report.outcomes}
        items = list(command.items.filter(outcome=CommandItem.PENDING).select_related("listing"))
        entries = {e.listing_id: e for e in OutboxEntry.objects.filter(listing_id__in=[i.listing_id for i in items])}
        listings = []
        for item in items:
            outcome = outcomes.get(item.offer_id)
            listing = item.listing
            entry = entries.get(item.listing_id) or OutboxEntry(
                listing_id=item.listing_id, account_id=command.account_id, changed_since=None, next_attempt_at=now)
            entries[item.listing_id] = entry
            if outcome is not None and outcome.ok:
                item.outcome, item.confirmed_at = CommandItem.OK, now
                _confirm(listing, command.kind, item.value or command.value)
                listing.last_error = ""
                entry.failures, entry.last_error, entry.next_attempt_at = 0, "", now
                result.confirmed += 1
            else:
                message = (outcome.message if outcome is not None else "") or message_if_missing
                item.outcome, item.message = CommandItem.FAILED, message[:2000]
                listing.last_error = message[:2000]
                entry.failures += 1
                entry.last_error = message[:2000]
                # the change still waits, since when it first did (stuck-sync alerts, latency)
                entry.changed_since = min(t for t in (entry.changed_since, item.changed_since, now) if t is not None)
                entry.next_attempt_at = now + backoff(entry.failures)
                failed_entries.append(item.listing_id)
                result.failed += 1
            listings.append(listing)
        CommandItem.objects.bulk_update(items, ["outcome", "message", "confirmed_at"], batch_size=1000)
        Listing.objects.bulk_update(listings, ["confirmed_quantity", "confirmed_price", "offer_status",
                                               "paused_by_sync", "last_error", "updated_at"], batch_size=1000)
        existing = [e for e in entries.values() if e.pk]
        OutboxEntry.objects.bulk_update(existing, ["failures", "last_error", "next_attempt_at", "changed_since"],
                                        batch_size=1000)
        OutboxEntry.objects.bulk_create([e for e in entries.values() if not e.pk], ignore_conflicts=True)


def _check_reports(account: ChannelAccount, connector, result: CycleResult, failed_entries: list[int]) -> None:
    now = timezone.now()
    due = list(Command.objects.filter(account=account, state=Command.SENT, next_check_at__lte=now)
               .order_by("next_check_at")[:REPORTS_PER_CYCLE])
    for command in due:
        report = connector.command_report(command.kind, str(command.command_id))
        if report.done:
            _finish(command, report, _("The channel did not report this offer."), result, failed_entries)
        elif now - (command.sent_at or now) > STUCK_AFTER:
            _finish(command, CommandReport(str(command.command_id), True),
                    _("No report from the channel for an hour: the change is planned again."), result, failed_entries)
        else:
            waited = (now - (command.sent_at or now)).total_seconds()
            command.next_check_at = now + timedelta(seconds=min(max(0.5, waited / 4), 60))
            command.save(update_fields=["next_check_at"])


def _judge_outcomes(account: ChannelAccount, result: CycleResult, failed_entries: list[int]) -> None:
    """After a cycle's outcomes: offers failing while others went through are set aside; everything failing
    is an outage (alert, nothing set aside); any success ends an outage."""
    if result.confirmed and failed_entries:
        _quarantine(account, failed_entries, result)
    if result.failed and not result.confirmed:
        _outage(account, result)
    elif result.confirmed:
        resolve_alert(outage_alert_key(account.pk))
        SyncState.objects.filter(account=account).update(outage_since=None)


def _channel_failing(account: ChannelAccount, error: ChannelError) -> None:
    """The channel did not answer (5xx, 429, timeouts): after UNREACHABLE_ALERT_AFTER of nothing but failures,
    one critical alert (deduplicated by its key until the channel answers again)."""
    now = timezone.now()
    SyncState.objects.filter(account=account, unreachable_since__isnull=True).update(unreachable_since=now)
    since = SyncState.objects.filter(account=account).values_list("unreachable_since", flat=True).first() or now
    if now - since < UNREACHABLE_ALERT_AFTER:
        return
    raise_alert(unreachable_alert_key(account.pk), kind="sync-unreachable", severity=Alert.CRITICAL, account=account,
                title=_("%(name)s is not answering") % {"name": account.name},
                message=_("Since %(since)s every request to the channel failed (%(error)s). Stock and price changes "
                          "wait and are sent when it answers again; Magazynier keeps trying. If the channel works "
                          "for you, check the account's connection.") % {
                    "since": timezone.localtime(since).strftime("%H:%M"), "error": error.message})


def _channel_answered(account: ChannelAccount) -> None:
    if SyncState.objects.filter(account=account, unreachable_since__isnull=False).update(unreachable_since=None):
        resolve_alert(unreachable_alert_key(account.pk))


def _quarantine(account: ChannelAccount, listing_ids: list[int], result: CycleResult) -> None:
    """Items that keep failing while others succeed: the fault is the offer's, stop retrying it."""
    repeat = OutboxEntry.objects.filter(listing_id__in=listing_ids, failures__gte=QUARANTINE_AFTER,
                                        quarantined_at__isnull=True)
    result.quarantined = repeat.update(quarantined_at=timezone.now())
    if result.quarantined:
        total = OutboxEntry.objects.filter(account=account, quarantined_at__isnull=False).count()
        raise_alert(quarantine_alert_key(account.pk), kind="sync-quarantine", severity=Alert.WARNING,
                    account=account, title=_("Some offers on %(name)s are not being updated") % {"name": account.name},
                    message=_("%(count)d offers failed %(times)d times in a row while other changes went through, so "
                              "they are set aside. Their errors are on the sync page; fix them and retry.")
                    % {"count": total, "times": QUARANTINE_AFTER})


def _outage(account: ChannelAccount, result: CycleResult) -> None:
    now = timezone.now()
    SyncState.objects.filter(account=account, outage_since__isnull=True).update(outage_since=now)
    raise_alert(outage_alert_key(account.pk), kind="sync-failing", severity=Alert.CRITICAL, account=account,
                title=_("Changes to %(name)s are failing") % {"name": account.name},
                message=_("The channel refused every change in the last run (%(count)d). Nothing is set aside; "
                          "Magazynier retries with growing pauses. Check the account and the channel's status.")
                % {"count": result.failed})


# ---------------------------------------------------------------- planning
def _offer_state(listing: Listing) -> str:
    if listing.paused_by_sync:
        return planning.PAUSED
    if listing.offer_status in LIVE_STATUSES:
        return planning.LIVE
    if listing.offer_status == "ENDED":
        return planning.ENDED
    return planning.DRAFT


def _decisions(account: ChannelAccount, state: str) -> set[tuple[int, str, str]]:
    since = timezone.now() - DECISION_WINDOW
    keys: set[tuple[int, str, str]] = set()
    for changes in HeldPlan.objects.filter(account=account, state=state, decided_at__gte=since).values_list(
            "changes", flat=True):
        keys.update((int(i), k, str(v)) for i, k, v in changes)
    return keys


def _drop_unsent_items(listing_ids: list[int]) -> dict:
    """Items of commands never attempted are planned again with the newest values; returns each dropped
    listing's oldest unsent change, which the new item keeps (its place in the queue and its latency)."""
    stale = CommandItem.objects.filter(listing_id__in=listing_ids, outcome=CommandItem.PENDING,
                                       command__state=Command.PLANNED, command__attempts=0)
    kept = dict(stale.values_list("listing_id", "changed_since"))
    commands = set(stale.values_list("command_id", flat=True))
    if not commands:
        return kept
    stale.delete()
    Command.objects.filter(pk__in=commands, attempts=0).annotate(n=Count("items")).filter(n=0).delete()
    return kept


def _views(account: ChannelAccount, connector, entries: list[OutboxEntry]):
    ids = [e.listing_id for e in entries]
    listings = {li.pk: li for li in Listing.objects.filter(pk__in=ids).select_related("variant__product")}
    open_kinds: dict[int, set[str]] = {}
    for listing_id, kind in CommandItem.objects.filter(listing_id__in=ids, outcome=CommandItem.PENDING).values_list(
            "listing_id", "kind"):
        open_kinds.setdefault(listing_id, set()).add(kind)
    desired = desired_for(account, listings.values())
    zero_ends = getattr(connector.capabilities, "zero_ends_offer", False)
    views = []
    for entry in entries:
        listing = listings.get(entry.listing_id)
        if listing is None:
            continue
        want = desired.get(listing.pk)
        skip = ""
        if listing.conflict or not listing.offer_id or want is None:
            skip = listing.conflict or "not linked"
        views.append(planning.ListingView(
            listing_id=listing.pk, offer_id=listing.offer_id, priority=entry.priority,
            desired_quantity=want.quantity if want else None, desired_price=want.price if want else None,
            confirmed_quantity=listing.confirmed_quantity, confirmed_price=listing.confirmed_price,
            offer_state=_offer_state(listing), open_kinds=frozenset(open_kinds.get(listing.pk, ())),
            skip_reason=skip, zero_ends_offer=zero_ends))
    return listings, desired, views


def _hold(account: ChannelAccount, violations, changes, listings) -> None:
    sample = [{"sku": listings[c.listing_id].sku, "kind": c.kind, "old": str(c.old) if c.old is not None else "",
               "new": str(c.value)} for c in changes[:20]]
    with transaction.atomic():
        if HeldPlan.objects.filter(account=account, state=HeldPlan.HELD).exists():
            return
        HeldPlan.objects.create(
            account=account,
            reasons=[{"code": v.code, "message": v.message, "count": len(v.listing_ids)} for v in violations],
            summary={"changes": len(changes), "sample": sample},
            changes=[list(change_key(c)) for c in changes])
    raise_alert(held_alert_key(account.pk), kind="sync-held", severity=Alert.CRITICAL, account=account,
                title=_("Changes to %(name)s are held for your decision") % {"name": account.name},
                message=" ".join(v.message for v in violations)
                + " " + _("Nothing was sent. Approve or reject the plan on the sync page or with "
                          "`magazynier sync held`."))


def _guard(account: ChannelAccount, changes: list[planning.Change], desired, listings) -> bool:
    """True when the plan may go; otherwise it is held (nothing sent, alert raised)."""
    settings = settings_of(account)
    limits = GuardLimits(zero_percent=settings.guard_zero_percent, zero_min=settings.guard_zero_min,
                         price_drop_percent=settings.guard_price_drop_percent, max_changes=settings.guard_max_changes)
    since = timezone.now() - ZERO_WINDOW
    recent_to_zero = CommandItem.objects.filter(
        Q(kind=planning.PUBLICATION, value=planning.END) | Q(kind=planning.QUANTITY, value="0"),
        command__account=account, command__created_at__gte=since).exclude(outcome=CommandItem.FAILED).count()
    live = Listing.objects.filter(account=account, conflict="", offer_status__in=LIVE_STATUSES,
                                  paused_by_sync=False).count()
    context = GuardContext(live_offers=live, recent_to_zero=recent_to_zero,
                           on_hand={i: d.on_hand for i, d in desired.items()})
    violations = check_plan(changes, limits, context, approved=_decisions(account, HeldPlan.APPROVED))
    if violations:
        _hold(account, violations, changes, listings)
        return False
    return True


def _plan(account: ChannelAccount, connector, result: CycleResult) -> None:
    now = timezone.now()
    entries = list(due_entries(account.pk, now).order_by("priority", "changed_since", "listing_id")[:PLAN_LIMIT])
    if not entries:
        return
    dropped = _drop_unsent_items([e.listing_id for e in entries])
    listings, desired, views = _views(account, connector, entries)
    plan = planning.plan_changes(views)
    rejected = _decisions(account, HeldPlan.REJECTED)
    refused = {c.listing_id for c in plan.changes if change_key(c) in rejected}
    changes = [c for c in plan.changes if c.listing_id not in refused]
    if changes and not _guard(account, changes, desired, listings):
        result.held = True
        return
    capabilities = connector.capabilities
    commands = planning.group_commands(changes, capabilities.max_stock_batch,
                                       one_value=not capabilities.value_per_offer)
    version = {e.listing_id: e.version for e in entries}
    since = {e.listing_id: min(t for t in (e.changed_since, dropped.get(e.listing_id), now) if t is not None)
             for e in entries}
    with transaction.atomic():
        for planned in commands:
            command = Command.objects.create(
                account=account, kind=planned.kind, command_id=uuid.uuid4(), value=str(planned.value),
                priority=planned.priority, created_at=now)
            CommandItem.objects.bulk_create([
                CommandItem(command=command, listing_id=c.listing_id, offer_id=c.offer_id, kind=c.kind,
                            value=str(c.value), changed_since=since[c.listing_id]) for c in planned.changes],
                batch_size=1000)
        planned_ids = {c.listing_id for c in changes}
        settle = [*plan.settled, *(i for i, _reason in plan.skipped)]
        for v, ids in _by_version(settle, version):
            result.settled += OutboxEntry.objects.filter(listing_id__in=ids, version=v).delete()[0]
        parks = ((planned_ids, now + PARKED, {"changed_since": None}),
                 (set(plan.waiting) - planned_ids, now + PARKED, {}), (refused, now + REJECTED_PARK, {}))
        for group, until, extra in parks:
            for v, ids in _by_version(group, version):
                OutboxEntry.objects.filter(listing_id__in=ids, version=v).update(next_attempt_at=until, **extra)
        notes = [li for li in listings.values() if li.pk in desired and li.sync_note != desired[li.pk].reason]
        for listing in notes:
            listing.sync_note = desired[listing.pk].reason
        Listing.objects.bulk_update(notes, ["sync_note"], batch_size=1000)


def _by_version(listing_ids, version: dict[int, int], chunk: int = 5000):
    """(version, listing ids) groups: the outbox is written with one statement per group, not per listing
    (a long write transaction on SQLite stops every other writer)."""
    groups: dict[int, list[int]] = {}
    for listing_id in listing_ids:
        groups.setdefault(version[listing_id], []).append(listing_id)
    for v, ids in groups.items():
        for start in range(0, len(ids), chunk):
            yield v, ids[start:start + chunk]


# ---------------------------------------------------------------- sending
def _push(connector, command: Command, items: list[tuple[str, str]]) -> CommandReport | None:
    """Send one command; the channel's outcome per offer when it answers with it at once (else None: the
    report is read later)."""
    command_id = str(command.command_id)
    if command.kind == planning.QUANTITY:
        return connector.push_stock(command_id, [OfferValue(o, int(v or command.value)) for o, v in items])
    if command.kind == planning.PRICE:
        return connector.push_prices(command_id, [OfferValue(o, Decimal(v or command.value)) for o, v in items])
    connector.publish(command_id, [o for o, _v in items], command.value)
    return None


def _send(connector, command: Command, result: CycleResult, failed_entries: list[int]) -> None:
    items = list(command.items.order_by("pk").values_list("offer_id", "value"))
    if not items:
        command.delete()
        return
    Command.objects.filter(pk=command.pk).update(attempts=F("attempts") + 1)  # committed before the request
    try:
        report = _push(connector, command, items)
    except (RateLimited, TransientError, AuthenticationError) as exc:
        # refused by our own budget or never connected: it did not reach the channel, so the command stays
        # open to newer values (an attempt means "may have reached the channel")
        undo = {"attempts": F("attempts") - 1} if not getattr(exc, "maybe_applied", True) else {}
        Command.objects.filter(pk=command.pk).update(last_error=str(exc)[:2000], **undo)
        raise
    except ChannelError as exc:  # refused as a whole (422, 403, 404): nothing of it applies
        now = timezone.now()
        Command.objects.filter(pk=command.pk).update(state=Command.SENT, sent_at=now, last_error=str(exc)[:2000])
        _finish(command, CommandReport(str(command.command_id), True), str(exc), result, [])
        return
    now = timezone.now()
    Command.objects.filter(pk=command.pk).update(state=Command.SENT, sent_at=now, next_check_at=now, last_error="")
    result.sent_commands += 1
    result.sent_offers += len(items)
    if report is not None and report.done:  # the channel answered with its outcomes: nothing to wait for
        _finish(command, report, _("The channel did not report this offer."), result, failed_entries)


def _send_planned(account: ChannelAccount, connector, result: CycleResult, failed_entries: list[int], *,
                  new: bool) -> None:
    """Commands that may have reached the channel go first (same id), then new ones by priority."""
    pending = Command.objects.filter(account=account, state=Command.PLANNED)
    for command in list(pending.filter(attempts__gt=0).order_by("created_at", "pk")):
        _send(connector, command, result, failed_entries)
    if new:
        oldest_first = pending.filter(attempts=0).annotate(oldest=Min("items__changed_since"))
        for command in list(oldest_first.order_by("priority", "oldest", "pk")[:COMMANDS_PER_CYCLE]):
            _send(connector, command, result, failed_entries)


# ---------------------------------------------------------------- the cycle
def run_cycle(account: ChannelAccount, connector) -> CycleResult:
    """One pass for an account whose lease the caller holds."""
    result = CycleResult()
    account.refresh_from_db()
    if not writers_active(account):
        result.skipped = "writers off"
        return result
    failed_entries: list[int] = []
    try:
        _check_reports(account, connector, result, failed_entries)
        result.held = HeldPlan.objects.filter(account=account, state=HeldPlan.HELD).exists()
        if not result.held:
            _plan(account, connector, result)
        _send_planned(account, connector, result, failed_entries, new=not result.held)
        SyncState.objects.filter(account=account).update(last_success_at=timezone.now(), last_error="")
        if not result.failed:
            _channel_answered(account)
    except RateLimited as exc:
        result.retry_after = max(1.0, exc.retry_after or 60.0)
        result.error = str(exc)
        if exc.status == 429:  # the channel's own limit, not our budget
            _channel_failing(account, exc)
    except TransientError as exc:
        result.retry_after = 5.0
        result.error = str(exc)
        _channel_failing(account, exc)
    except AuthenticationError as exc:
        result.error = str(exc)  # the account is marked "needs reconnecting"; writers stop
    _judge_outcomes(account, result, failed_entries)
    if result.error:
        SyncState.objects.filter(account=account).update(last_error=result.error[:2000])
        log.warning("sync of account %s: %s", account.pk, result.error)
    SyncState.objects.filter(account=account).update(last_cycle_at=timezone.now())
    result.open_commands = Command.objects.filter(account=account, state=Command.SENT).count()
    result.more_due = result.retry_after is None and not result.held and (
        due_entries(account.pk).exists()
        or Command.objects.filter(account=account, state=Command.PLANNED).exists())
    return result


def _sweep(account: ChannelAccount, connector) -> CycleResult | None:
    """A full read; when the channel fails it, a failed cycle's result (retry later) instead of an exception:
    the caller (a Huey task, `sync run`) must not die of a 503."""
    result = CycleResult()
    try:
        sweep(account, connector)
        return None
    except RateLimited as exc:
        result.retry_after, result.error = max(1.0, exc.retry_after or 60.0), str(exc)
    except TransientError as exc:
        result.retry_after, result.error = 5.0, str(exc)
    except AuthenticationError as exc:
        result.error = str(exc)
    SyncState.objects.filter(account=account).update(last_error=result.error[:2000], last_cycle_at=timezone.now())
    log.warning("full read of account %s: %s", account.pk, result.error)
    return result


def drive(account_id: int, connector_factory=None, *, time_slice: float = 4.0) -> CycleResult | None:
    """Run cycles for one account until it is idle, waits longer than the slice, or the slice is used up.
    Returns the last result, or None when another process holds the account."""
    from magazynier.channels.connections import connector_for

    # A spent budget is not waited for in the worker's thread: the cycle ends with retry_after and the task is
    # scheduled again, so the thread serves other sellers meanwhile (fairness).
    factory = connector_factory or (lambda account: connector_for(account, max_wait=0.2))
    if not claim(account_id):
        return None
    deadline = time.monotonic() + time_slice
    result = CycleResult()
    try:
        account = ChannelAccount.objects.get(pk=account_id)
        connector = None
        while True:
            if not renew(account_id):
                break  # the lease was taken over (we were too slow): stop, the new holder goes on
            if connector is None and writers_active(account):
                connector = factory(account)
                if sweep_forced(account):  # first run, or down longer than the offer journal reaches
                    failed = _sweep(account, connector)
                    if failed is not None:
                        result = failed
                        break
            result = run_cycle(account, connector)
            wait = result.next_run_in
            if wait is None or time.monotonic() + wait > deadline:
                break
            if wait:
                time.sleep(wait)
        if connector is not None and not result.error and result.next_run_in is None and sweep_due(account):
            # the periodic full read, while nothing else is waiting; then send what it found
            result = _sweep(account, connector) or run_cycle(account, connector)
    finally:
        release(account_id)
    return result
