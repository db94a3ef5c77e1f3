"""The sync engine's state (../shared/DESIGN.md §4): settings per account, the outbox, commands sent to a
channel with their per-offer items, plans held by the guard, and each account's engine state.

* `OutboxEntry` — one row per listing whose desired state may differ from what the channel confirmed. It
  is written in the same transaction as the change (stock, reservation, price, settings); later changes
  coalesce into it (`version` + 1). It is deleted only when planning finds nothing to send for the version
  it read.
* `Command` / `CommandItem` — one batched write with our UUID, stored before the HTTP call and resent under
  the same id until the channel has it. A listing has at most one unfinished item per kind.
* `HeldPlan` — a plan the guard stopped; nothing of the account is sent while one is open.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from magazynier.channels.models import ChannelAccount, Listing


class AccountSyncSettings(models.Model):
    """How much of the stock an account may sell (allocation, buffer) and when the guard holds a plan."""

    ZERO, END = "zero", "end"
    AT_BUFFER = [(ZERO, _("publish 0")), (END, _("end the offer"))]

    account = models.OneToOneField(ChannelAccount, on_delete=models.CASCADE, related_name="sync_settings",
                                   verbose_name=_("account"))
    share_percent = models.DecimalField(
        _("share of stock (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Empty: the account sells the common stock (what no share and no reserve takes). "
                    "Shares of all accounts add up to at most 100 %; the rest is a reserve."),
    )
    cap = models.PositiveIntegerField(_("at most (units)"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower first: the last units of a small stock go to this account."))
    buffer = models.PositiveIntegerField(
        _("safety buffer (units)"), default=0,
        help_text=_("At or below this many available units the account stops selling the product."))
    at_buffer = models.CharField(_("at the buffer"), max_length=10, choices=AT_BUFFER, default=ZERO)
    warehouses = models.ManyToManyField("inventory.Warehouse", blank=True, related_name="+",
                                        verbose_name=_("warehouses that feed it"),
                                        help_text=_("Empty: all active warehouses."))
    guard_zero_percent = models.PositiveSmallIntegerField(
        _("hold when more than this % of active offers would go to 0"), default=20,
        validators=[MaxValueValidator(100)])
    guard_zero_min = models.PositiveIntegerField(
        _("…and at least this many offers"), default=5)
    guard_price_drop_percent = models.PositiveSmallIntegerField(
        _("hold when a price would drop by more than (%)"), default=30, validators=[MaxValueValidator(100)])
    guard_max_changes = models.PositiveIntegerField(
        _("hold when one plan changes more than (offers)"), default=20_000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sync settings")
        verbose_name_plural = _("sync settings")

    def __str__(self) -> str:
        return f"sync settings of {self.account}"


class OutboxEntry(models.Model):
    """A listing to look at: its desired quantity or price may have changed since the channel confirmed."""

    ORDER, STOCK, CATALOG, RECONCILE = 0, 1, 2, 3
    PRIORITIES = [(ORDER, _("order / stock-out")), (STOCK, _("stock change")), (CATALOG, _("catalog edit")),
                  (RECONCILE, _("reconciliation"))]

    listing = models.OneToOneField(Listing, on_delete=models.CASCADE, related_name="outbox")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=PRIORITIES, default=STOCK)
    version = models.PositiveIntegerField(default=1)
    changed_since = models.DateTimeField(null=True)  # first change not yet planned (latency is measured from here)
    next_attempt_at = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"outbox {self.listing_id} v{self.version}"


class Command(models.Model):
    QUANTITY, PRICE, PUBLICATION = "quantity", "price", "publication"
    KINDS = [(QUANTITY, _("stock")), (PRICE, _("price")), (PUBLICATION, _("publication"))]
    PLANNED, SENT, DONE = "planned", "sent", "done"
    STATES = [(PLANNED, _("stored, not yet accepted")), (SENT, _("sent")), (DONE, _("finished"))]

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="sync_commands")
    kind = models.CharField(max_length=20, choices=KINDS)
    command_id = models.UUIDField(unique=True)
    value = models.CharField(max_length=40, blank=True)  # the one target: "7", "19.99", "END"; "" when per item
    priority = models.PositiveSmallIntegerField(default=OutboxEntry.STOCK)
    state = models.CharField(max_length=10, choices=STATES, default=PLANNED)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "state"], name="command_open")]
        ordering = ["priority", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.value} ({self.command_id})"


class CommandItem(models.Model):
    PENDING, OK, FAILED = "pending", "ok", "failed"
    OUTCOMES = [(PENDING, _("waiting")), (OK, _("confirmed")), (FAILED, _("failed"))]

    command = models.ForeignKey(Command, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="sync_items")
    offer_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Command.KINDS)
    value = models.CharField(max_length=40, blank=True)  # this offer's target (a batch may carry many values)
    outcome = models.CharField(max_length=10, choices=OUTCOMES, default=PENDING)
    message = models.TextField(blank=True)
    changed_since = models.DateTimeField()  # copied from the outbox entry when planned
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["listing", "kind"], condition=Q(outcome="pending"),
                                               name="one_open_item_per_listing_kind")]
        indexes = [models.Index(fields=["confirmed_at"], name="item_confirmed")]

    def __str__(self) -> str:
        return f"{self.kind} {self.offer_id}: {self.outcome}"

    @property
    def latency_seconds(self) -> float | None:
        if self.confirmed_at is None:
            return None
        return (self.confirmed_at - self.changed_since).total_seconds()


class HeldPlan(models.Model):
    HELD, APPROVED, REJECTED = "held", "approved", "rejected"
    STATES = [(HELD, _("held")), (APPROVED, _("approved")), (REJECTED, _("rejected"))]

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="held_plans",
                                verbose_name=_("account"))
    state = models.CharField(_("state"), max_length=10, choices=STATES, default=HELD)
    reasons = models.JSONField(default=list)  # [{"code", "message", "count"}]
    summary = models.JSONField(default=dict)  # {"changes", "to_zero", "active", "price_drops", "sample": [...]}
    changes = models.JSONField(default=list)  # [[listing_id, kind, value], …] exactly what was held
    created_at = models.DateTimeField(_("held at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_by_name = models.CharField(max_length=150, blank=True)  # e.g. the CLI user

    class Meta:
        verbose_name = _("held plan")
        verbose_name_plural = _("held plans")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account"], condition=Q(state="held"),
                                               name="one_held_plan_per_account")]

    def __str__(self) -> str:
        return f"held plan {self.pk} @ {self.account}"


class SyncState(models.Model):
    """One row per account: who is running its cycle (a lease), and when the channel was last read fully."""

    account = models.OneToOneField(ChannelAccount, on_delete=models.CASCADE, related_name="sync_state")
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)  # a delayed cycle is scheduled for then
    last_cycle_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_full_sweep_at = models.DateTimeField(null=True, blank=True)
    outage_since = models.DateTimeField(null=True, blank=True)
    unreachable_since = models.DateTimeField(null=True, blank=True)  # every request failing (5xx, 429, timeouts)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"sync state of {self.account}"


class OrderFeed(models.Model):
    """One row per account: where its order journal was read up to, the checkout-form sweep's watermark, and
    who is reading it now (a lease separate from the offer cycle's, so orders never wait behind offers)."""

    account = models.OneToOneField(ChannelAccount, on_delete=models.CASCADE, related_name="order_feed")
    cursor = models.CharField(max_length=300, blank=True)  # the last event id applied
    started_at = models.DateTimeField(null=True, blank=True)  # orders are read from this moment on
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)  # the next poll is scheduled for then
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    sweep_from = models.DateTimeField(null=True, blank=True)  # orders updated since then are read by the sweep
    last_sweep_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"order feed of {self.account}"
