"""Installation-wide state shared by every process: the pauses of the rate budgets (see core/ratebudget.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RatePause(models.Model):
    """A budget key that nobody may spend from until `until` (UTC), e.g. the whole Allegro client id for a
    minute after a 429 – calls made during Allegro's block extend it, so every process must stop at once.

    The key itself is not stored: `key_hash` is the sha256 hex of it (keys carry the client id), `label` is the
    redacted form from ratebudget.key_label() for people reading the admin. One row per key; a later pause
    only ever moves `until` forward. Write it through ratebudget.Budget.pause(), never directly.
    """

    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    label = models.CharField(_("budget"), max_length=200, blank=True, editable=False)
    until = models.DateTimeField(_("paused until"))

    class Meta:
        verbose_name = _("rate limit pause")
        verbose_name_plural = _("rate limit pauses")
        ordering = ["-until"]

    def __str__(self) -> str:
        return f"{self.label or self.key_hash[:12]} → {self.until:%Y-%m-%d %H:%M:%S} UTC"


class Heartbeat(models.Model):
    """The last time a long-running process showed it is alive (core/monitoring.py): one row per `name`,
    e.g. "worker", written by the worker's periodic tick every minute and read by /healthz and the panel."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S} UTC"


class RequestTally(models.Model):
    """Responses to channel requests, summed over every process (core/metrics.py): each process counts in
    memory and adds its counts here after each background task and before each /metrics scrape."""

    channel = models.CharField(max_length=30)
    status = models.CharField(max_length=5)  # a class ("2xx", "5xx"…) or "429"
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "status"], name="request_tally_once")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}: {self.count}"
