"""Writes about channel accounts: connecting, reconnecting, status changes (with their alerts)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.allegro.auth import TokenSet
from magazynier.channels.models import ChannelAccount, Credential
from magazynier.channels.tokens import store_tokens
from magazynier.channels.types import AccountInfo
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert


def reconnect_alert_key(account: ChannelAccount) -> str:
    return f"account-needs-reconnect:{account.pk}"


@transaction.atomic
def save_connection(account: ChannelAccount, tokens: TokenSet, info: AccountInfo) -> ChannelAccount:
    """Store the tokens of a finished OAuth flow. Connecting a seller already known on this site updates that
    account (a reconnect) instead of creating a second one; a different seller on a reconnect is refused."""
    existing = ChannelAccount.objects.filter(kind=account.kind, api_url=account.api_url,
                                             external_user_id=info.user_id).exclude(pk=account.pk).first()
    if account.pk and account.external_user_id and account.external_user_id != info.user_id:
        raise ValueError(_("You signed in as %(login)s, but this account belongs to another seller. Sign in "
                           "as the account's seller.") % {"login": info.login})
    if existing is not None:
        existing.client_id, existing.client_secret = account.client_id, account.client_secret
        if account.pk:
            account.delete()
        account = existing
    account.external_user_id = info.user_id
    account.login = info.login
    account.status = ChannelAccount.CONNECTED
    account.status_reason = ""
    account.connected_at = timezone.now()
    account.save()
    credential, _created = Credential.objects.get_or_create(account=account)
    store_tokens(credential, tokens)
    resolve_alert(reconnect_alert_key(account))
    return account


def mark_needs_reconnect(account: ChannelAccount, reason: str) -> None:
    """The authorisation is gone: stop writing to the account and tell the seller."""
    ChannelAccount.objects.filter(pk=account.pk).update(status=ChannelAccount.NEEDS_RECONNECT,
                                                         status_reason=reason)
    if account.kind == ChannelAccount.WOOCOMMERCE:
        title = _("Shop %(name)s must be connected again") % {"name": account.name}
        message = _("The shop no longer accepts Magazynier's API keys for %(name)s (they were revoked or their "
                    "user lost its rights). Stock, prices and orders of this shop are not synchronised until you "
                    "give new keys: Sales channels → %(name)s → Connect again (or `magazynier woocommerce connect` "
                    "with the same address).") % {"name": account.name}
    else:
        title = _("Allegro account %(name)s must be connected again") % {"name": account.name}
        message = _("Allegro no longer accepts Magazynier's authorisation for %(name)s (it expired or was "
                    "revoked). Stock, prices and orders of this account are not synchronised until you connect "
                    "it again: Channels → %(name)s → Connect again.") % {"name": account.name}
    raise_alert(reconnect_alert_key(account), kind="account_needs_reconnect", severity=Alert.CRITICAL,
                account=account, title=title, message=message)


def set_writers(account: ChannelAccount, enabled: bool) -> None:
    ChannelAccount.objects.filter(pk=account.pk).update(writers_enabled=enabled)
    account.writers_enabled = enabled
