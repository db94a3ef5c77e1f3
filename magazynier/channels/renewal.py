"""Keeping idle Allegro accounts authorised: a refresh token lives 3 months and every refresh replaces it, so
an account in daily use never gets near the end. One that sits idle does; this renews it a week ahead.

When the renewal cannot reach Allegro the seller is warned (critical in the last day) with the date the
connection ends; when Allegro refuses the token the account is marked "needs reconnecting" (its own alert).
Runs every hour from the worker (`channels.tasks.renew_authorisations`) and from `magazynier alerts check`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.connections import oauth_for
from magazynier.channels.errors import AuthenticationError, ChannelError
from magazynier.channels.models import ChannelAccount, Credential
from magazynier.channels.tokens import StoredTokens
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert

log = logging.getLogger(__name__)

RENEW_AHEAD = timedelta(days=7)
LAST_DAY = timedelta(days=1)


def expiring_alert_key(account_id: int) -> str:
    return f"account-expiring:{account_id}"


def renew_expiring(now=None) -> dict[str, int]:
    """Renew every connected account whose refresh token ends within a week; counts by outcome."""
    now = now or timezone.now()
    counts = {"renewed": 0, "failed": 0, "refused": 0}
    expiring = Credential.objects.filter(
        account__status=ChannelAccount.CONNECTED, account__kind=ChannelAccount.ALLEGRO,
        refresh_expires_at__lt=now + RENEW_AHEAD).select_related("account")
    for credential in expiring:
        account = credential.account
        try:
            StoredTokens(account, oauth_for(account)).renew_before(now + RENEW_AHEAD)
        except AuthenticationError:
            counts["refused"] += 1  # marked "needs reconnecting", which alerts on its own
            resolve_alert(expiring_alert_key(account.pk))
        except ChannelError as exc:
            counts["failed"] += 1
            log.warning("account %s: its authorisation could not be renewed: %s", account.pk, exc)
            _warn(account, credential.refresh_expires_at, now, exc)
        else:
            counts["renewed"] += 1
            log.info("account %s: authorisation renewed ahead of its end", account.pk)
            resolve_alert(expiring_alert_key(account.pk))
    for account_id in Alert.objects.filter(kind="account-expiring", resolved_at__isnull=True).exclude(
            account__credential__refresh_expires_at__lt=now + RENEW_AHEAD).values_list("account_id", flat=True):
        resolve_alert(expiring_alert_key(account_id))  # reconnected by hand in the meantime
    return counts


def _warn(account: ChannelAccount, ends_at, now, error: ChannelError) -> None:
    ends = timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M")
    raise_alert(
        expiring_alert_key(account.pk), kind="account-expiring", account=account,
        severity=Alert.CRITICAL if ends_at - now < LAST_DAY else Alert.WARNING,
        title=_("The connection of %(name)s ends on %(date)s") % {"name": account.name, "date": ends},
        message=_("Allegro's authorisation of %(name)s ends on %(date)s and Magazynier could not renew it "
                  "(%(error)s); it tries again every hour. If it still fails, connect the account again before "
                  "then (Sales channels → %(name)s → Connect again), or stock, prices and orders of this account "
                  "stop being synchronised.") % {"name": account.name, "date": ends, "error": error.message})
