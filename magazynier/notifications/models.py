"""Alerts: a problem a person must hear about. Raised here; delivered (SMS, e-mail, chat) by the alerts issue.

One open alert per `key` (e.g. "account-needs-reconnect:7"): raising it again only bumps its counter and
`last_seen_at`; resolving it closes it, and a later occurrence opens a new one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
