"""Alerts: a problem a person must hear about. Raised here; delivered (SMS, e-mail, chat) by the alerts issue.

One open alert per `key` (e.g. "account-needs-reconnect:7"): raising it again only bumps its counter and
`last_seen_at`; resolving it closes it, and a later occurrence opens a new one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from magazynier.core.crypto import EncryptedTextField


class Alert(models.Model):
    INFO, WARNING, CRITICAL = "info", "warning", "critical"
    SEVERITIES = [(INFO, _("information")), (WARNING, _("warning")), (CRITICAL, _("critical"))]

    key = models.CharField(_("key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=50)
    severity = models.CharField(_("severity"), max_length=10, choices=SEVERITIES, default=WARNING)
    account = models.ForeignKey(
        "channels.ChannelAccount", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts",
        verbose_name=_("channel account"),
    )
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"))  # what happened, what it affects, what to do — no personal data
    language = models.CharField(max_length=10, blank=True)  # the title's and message's; the envelope follows it
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(resolved_at__isnull=True), name="alert_one_open_per_key"),
        ]

    def __str__(self) -> str:
        return self.title


SEVERITY_RANK = {Alert.INFO: 0, Alert.WARNING: 1, Alert.CRITICAL: 2}


class Recipient(models.Model):
    """Who hears about alerts, and how: Apprise URLs (e-mail, SMS, Slack, Telegram, ntfy, a webhook…), one per
    line. The first is used; when it fails, the next one. The URLs hold passwords and tokens: encrypted, and
    never shown in full."""

    name = models.CharField(_("name"), max_length=100)
    urls = EncryptedTextField(_("addresses (Apprise URLs, one per line)"))
    min_severity = models.CharField(_("from severity"), max_length=10, choices=Alert.SEVERITIES,
                                    default=Alert.WARNING)
    account = models.ForeignKey(
        "channels.ChannelAccount", null=True, blank=True, on_delete=models.CASCADE, related_name="recipients",
        verbose_name=_("channel account"),
        help_text=_("Empty: every alert of the installation. Set: only this account's alerts."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert recipient")
        verbose_name_plural = _("alert recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Recipient({self.pk}, {self.name!r}, <{len(self.url_list())} addresses>)"

    def url_list(self) -> list[str]:
        return [line.strip() for line in (self.urls or "").splitlines() if line.strip()]

    def wants(self, alert: Alert) -> bool:
        if not self.is_active or SEVERITY_RANK[alert.severity] < SEVERITY_RANK[self.min_severity]:
            return False
        return self.account_id is None or self.account_id == alert.account_id


class Delivery(models.Model):
    """One message to one recipient (the outbox of notifications): written before it is sent, retried with
    growing pauses, recorded with the transport that carried it."""

    NEW, REMINDER, RESOLVED, TEST = "new", "reminder", "resolved", "test"
    KINDS = [(NEW, _("new problem")), (REMINDER, _("reminder")), (RESOLVED, _("resolved")), (TEST, _("test"))]
    PENDING, SENT, FAILED = "pending", "sent", "failed"
    STATES = [(PENDING, _("waiting")), (SENT, _("sent")), (FAILED, _("failed"))]

    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    sequence = models.PositiveIntegerField(default=0)  # the reminder's number
    state = models.CharField(_("state"), max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    via = models.CharField(_("sent through"), max_length=30, blank=True)  # the URL's scheme, never the URL
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "recipient", "kind", "sequence"],
                                               condition=Q(alert__isnull=False), name="delivery_once")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}: {self.state}"
