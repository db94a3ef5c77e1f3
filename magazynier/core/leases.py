"""Leases: at most one worker does a given job at a time (a row with lease_owner / lease_until columns).

A lease is taken with one conditional UPDATE, so it works the same on SQLite and PostgreSQL and never holds
a transaction open across network calls. It expires by itself when its holder stops renewing; a holder on
this machine whose process is gone (killed) is taken over at once.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


def lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def holder_is_dead(owner: str) -> bool:
    """A holder on this machine whose process is gone need not be waited for."""
    try:
        host, pid, _thread = owner.rsplit(":", 2)
        pid = int(pid)
    except ValueError:
        return False
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim(model: type[models.Model], row: dict, duration: timedelta) -> bool:
    """Take the lease of the row selected by `row` (created when missing); True when we hold it now."""
    model.objects.get_or_create(**row)
    now, me = timezone.now(), lease_owner()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=me)
    if model.objects.filter(free, **row).update(lease_owner=me, lease_until=now + duration):
        return True
    holder = model.objects.filter(**row).values_list("lease_owner", flat=True).first()
    if holder and holder_is_dead(holder):
        return bool(model.objects.filter(lease_owner=holder, **row).update(lease_owner=me,
                                                                            lease_until=now + duration))
    return False


def renew(model: type[models.Model], row: dict, duration: timedelta) -> bool:
    return bool(model.objects.filter(lease_owner=lease_owner(), **row).update(
        lease_until=timezone.now() + duration))


def release(model: type[models.Model], row: dict) -> None:
    model.objects.filter(lease_owner=lease_owner(), **row).update(lease_owner="", lease_until=None)
