"""Raising and resolving alerts (the only code that writes them); each new or resolved alert is sent to its
recipients right after the commit (notifications.delivery)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from magazynier.notifications.models import Alert


def raise_alert(key: str, *, kind: str, title: str, message: str, severity: str = Alert.WARNING,
                account=None) -> Alert:
    """Open the alert `key`, or count one more occurrence of the open one (the text is refreshed)."""
    for _attempt in range(2):
        open_alert = Alert.objects.filter(key=key, resolved_at__isnull=True).first()
        if open_alert:
            Alert.objects.filter(pk=open_alert.pk).update(
                occurrences=F("occurrences") + 1, last_seen_at=timezone.now(), title=title, message=message,
                severity=severity, language=translation.get_language() or "",
            )
            open_alert.refresh_from_db()
            return open_alert
        try:
            with transaction.atomic():
                alert = Alert.objects.create(key=key, kind=kind, title=title, message=message, severity=severity,
                                             account=account, language=translation.get_language() or "")
            transaction.on_commit(_deliver, robust=True)
            return alert
        except IntegrityError:
            continue  # another process opened it at the same moment: count on that one
    raise RuntimeError(f"could not raise alert {key}")


def resolve_alert(key: str) -> int:
    resolved = Alert.objects.filter(key=key, resolved_at__isnull=True).update(resolved_at=timezone.now())
    if resolved:
        transaction.on_commit(_deliver, robust=True)
    return resolved


def _deliver() -> None:
    """New and resolved alerts go out at once (the worker's queue; inline in tests)."""
    from magazynier.notifications.tasks import deliver_alerts

    deliver_alerts()
