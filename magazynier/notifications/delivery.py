"""Sending alerts to their recipients through Apprise (e-mail, SMS, Slack, Telegram, ntfy, webhooks…).

Each message is first recorded as a `Delivery` (unique per alert, recipient, kind and reminder number, so two
workers cannot send it twice), then sent: a recipient's addresses are tried in order and the first that
works carries it; when all fail, it is tried again after 30 s, 1, 2, 5, 15 and 30 minutes, and given up
after that with the error kept. `deliver_due` runs after every new or resolved alert and every minute.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import apprise
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from magazynier.notifications import schedule
from magazynier.notifications.models import Alert, Delivery, Recipient

log = logging.getLogger(__name__)

RETRY_AFTER = (30, 60, 120, 300, 900, 1800)  # seconds; after the last, the delivery is given up
CLAIM = timedelta(minutes=2)  # an attempt in progress keeps others away this long
TYPES = {Alert.INFO: apprise.NotifyType.INFO, Alert.WARNING: apprise.NotifyType.WARNING,
         Alert.CRITICAL: apprise.NotifyType.FAILURE}


def scheme(url: str) -> str:
    return url.split("://", 1)[0][:30] if "://" in url else "?"


def send(urls: list[str], title: str, body: str, notify_type: str) -> tuple[str, str]:
    """Try each address in order: (the scheme that carried it, "") or ("", why the last one failed)."""
    error = _("No address is configured.")
    for url in urls:
        sender = apprise.Apprise()
        if not sender.add(url):
            error = _("The address %(scheme)s://… is not one Apprise understands.") % {"scheme": scheme(url)}
            continue
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            ok = bool(sender.notify(title=title, body=body, notify_type=notify_type))
        if ok:
            return scheme(url), ""
        detail = captured.getvalue().strip().splitlines()
        error = _("%(scheme)s://… failed: %(why)s") % {"scheme": scheme(url),
                                                       "why": (detail[-1] if detail else "?")[:300]}
        error = _redact(error, url)
    return "", error


PHONE_LIKE = re.compile(r"\+?\d[\d \-]{5,}\d")


def _redact(text: str, url: str) -> str:
    """Apprise's own messages may quote the address (it holds secrets) or a phone number (personal data)."""
    text = text.replace(url, scheme(url) + "://…") if url else text
    return PHONE_LIKE.sub("…", text)


def _text(delivery: Delivery) -> tuple[str, str, str]:
    alert = delivery.alert
    with translation.override((alert.language if alert else "") or settings.LANGUAGE_CODE):
        if delivery.kind == Delivery.TEST:
            return (_("Magazynier: test message"),
                    _("If you can read this, Magazynier's alerts reach you here (%(name)s).") % {
                        "name": delivery.recipient.name}, apprise.NotifyType.INFO)
        where = f" — {alert.account.name}" if alert.account_id else ""
        severity = alert.get_severity_display()
        if delivery.kind == Delivery.RESOLVED:
            return (_("Resolved: %(title)s") % {"title": alert.title} + where,
                    _("The problem is over (since %(time)s). Nothing more to do.") % {
                        "time": timezone.localtime(alert.resolved_at).strftime("%Y-%m-%d %H:%M")},
                    apprise.NotifyType.SUCCESS)
        title = f"[{severity}] {alert.title}{where}"
        if delivery.kind == Delivery.REMINDER:
            title = _("Reminder: %(title)s") % {"title": title}
        body = alert.message
        if alert.occurrences > 1:
            body += "\n\n" + _("Seen %(count)d times since %(time)s.") % {
                "count": alert.occurrences, "time": timezone.localtime(alert.created_at).strftime("%Y-%m-%d %H:%M")}
        return title, body, TYPES.get(alert.severity, apprise.NotifyType.WARNING)


def _plan(now: datetime) -> None:
    """Record the messages due now (reminders included); a concurrent worker's identical record wins."""
    recipients = [r for r in Recipient.objects.filter(is_active=True)]
    if not recipients:
        return
    since = now - timedelta(days=7)
    alerts = Alert.objects.filter(resolved_at__isnull=True) | Alert.objects.filter(resolved_at__gte=since)
    sent: dict[tuple[int, int], list[schedule.Sent]] = {}
    for d in Delivery.objects.filter(alert__in=alerts).exclude(state=Delivery.FAILED).values(
            "alert_id", "recipient_id", "kind", "sequence", "sent_at", "state"):
        at = d["sent_at"] if d["state"] == Delivery.SENT else None
        sent.setdefault((d["alert_id"], d["recipient_id"]), []).append(schedule.Sent(d["kind"], d["sequence"], at))
    for alert in alerts.select_related("account"):
        for recipient in recipients:
            if not recipient.wants(alert):
                continue
            next_message = schedule.due(resolved=alert.resolved_at is not None,
                                        sent=sent.get((alert.pk, recipient.pk), []), now=now)
            if next_message is None:
                continue
            kind, sequence = next_message
            try:
                with transaction.atomic():
                    Delivery.objects.create(alert=alert, recipient=recipient, kind=kind, sequence=sequence,
                                            next_attempt_at=now)
            except IntegrityError:
                pass


def _attempt(delivery: Delivery, now: datetime) -> bool:
    """Send one recorded message if no one else is sending it; True when it went out."""
    if not Delivery.objects.filter(pk=delivery.pk, state=Delivery.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + CLAIM):
        return False
    title, body, notify_type = _text(delivery)
    via, error = send(delivery.recipient.url_list(), title, body, notify_type)
    attempts = delivery.attempts + 1
    if via:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.SENT, sent_at=now, via=via,
                                                       attempts=attempts, last_error="")
        return True
    log.warning("alert delivery %s to recipient %s failed (attempt %s): %s", delivery.pk, delivery.recipient_id,
                attempts, error)
    given_up = attempts > len(RETRY_AFTER) or delivery.kind == Delivery.TEST  # a test answers now, once
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_error=error[:2000], state=Delivery.FAILED if given_up else Delivery.PENDING,
        next_attempt_at=now + timedelta(seconds=RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]))
    return False


def deliver_due(now: datetime | None = None) -> int:
    """Record what is due and send everything whose time has come; returns the messages sent."""
    now = now or timezone.now()
    _plan(now)
    due = Delivery.objects.filter(state=Delivery.PENDING, next_attempt_at__lte=now).select_related(
        "alert__account", "recipient").order_by("created_at")
    return sum(_attempt(d, now) for d in list(due[:200]))


def send_test(recipients: list[Recipient] | None = None) -> list[Delivery]:
    """A test message to each (active) recipient now; returns the deliveries with their outcome."""
    now = timezone.now()
    done = []
    for recipient in recipients if recipients is not None else Recipient.objects.filter(is_active=True):
        delivery = Delivery.objects.create(recipient=recipient, kind=Delivery.TEST, next_attempt_at=now)
        _attempt(delivery, now)
        delivery.refresh_from_db()
        done.append(delivery)
    return done
