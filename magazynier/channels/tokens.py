"""Stored OAuth tokens: read, refreshed ahead of expiry, refreshed once after a 401 — safely across workers.

Allegro rotates refresh tokens (each refresh returns a new pair; the old refresh token dies 60 s after its
first use). Two workers refreshing with the same old token could each end up holding a different pair, and a
worker that kept an old refresh token in memory would log the account out. So a refresh happens only inside
a transaction that locks the credential row (SELECT … FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite),
re-reads it, and refreshes only if nobody else already did; the new pair is committed before it is used.
A refresh token that no longer works marks the account "needs reconnect", which pauses its writers, and
raises an alert.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from magazynier.channels.allegro.auth import REFRESH_TOKEN_LIFETIME, AllegroOAuth, TokenSet
from magazynier.channels.errors import AuthenticationError
from magazynier.channels.models import ChannelAccount, Credential

REFRESH_MARGIN = timedelta(minutes=10)  # refresh this long before the access token expires


def store_tokens(credential: Credential, tokens: TokenSet) -> None:
    credential.access_token = tokens.access_token
    credential.refresh_token = tokens.refresh_token or credential.refresh_token
    credential.access_expires_at = datetime.fromtimestamp(tokens.expires_at, UTC)
    credential.refresh_expires_at = datetime.fromtimestamp(tokens.received_at + REFRESH_TOKEN_LIFETIME, UTC)
    credential.scope = tokens.scope
    credential.generation += 1
    credential.refreshed_at = timezone.now()
    credential.save()


class StoredTokens:
    """TokenSource for AllegroClient backed by the account's Credential row."""

    def __init__(self, account: ChannelAccount, oauth: AllegroOAuth):
        self.account_id = account.pk
        self.oauth = oauth

    def __repr__(self) -> str:
        return f"StoredTokens(account={self.account_id})"

    def access_token(self) -> str:
        credential = Credential.objects.select_related("account").get(account_id=self.account_id)
        self._check_account(credential.account)
        if _fresh(credential):
            return credential.access_token
        return self._refresh(rejected=None)

    def refresh_after_rejection(self, rejected: str) -> str:
        return self._refresh(rejected=rejected)

    def renew_before(self, deadline: datetime) -> None:
        """Refresh now unless the refresh token outlives `deadline` (an idle account's authorisation would
        otherwise lapse). Raises AuthenticationError (the account is marked "needs reconnect") or another
        ChannelError when the channel cannot be reached."""
        self._refresh(rejected=None, renew_before=deadline)

    def _refresh(self, rejected: str | None, renew_before: datetime | None = None) -> str:
        failure: AuthenticationError | None = None
        with transaction.atomic():
            credential = Credential.objects.select_for_update().get(account_id=self.account_id)
            account = ChannelAccount.objects.get(pk=self.account_id)
            self._check_account(account)
            if renew_before is not None:
                if credential.refresh_expires_at and credential.refresh_expires_at >= renew_before:
                    return credential.access_token  # another worker renewed it while we waited for the lock
            elif _fresh(credential) and (rejected is None or credential.access_token != rejected):
                return credential.access_token  # another worker refreshed while we waited for the lock
            try:
                tokens = self.oauth.refresh(credential.refresh_token)
            except AuthenticationError as exc:
                failure = exc
            else:
                store_tokens(credential, tokens)
                return credential.access_token
        from magazynier.channels.actions import mark_needs_reconnect

        mark_needs_reconnect(account, str(failure))
        raise failure

    @staticmethod
    def _check_account(account: ChannelAccount) -> None:
        if account.status == ChannelAccount.NEEDS_RECONNECT:
            raise AuthenticationError(f"The account {account.name} must be connected again before it can be used.")


def _fresh(credential: Credential) -> bool:
    return bool(credential.access_token and credential.access_expires_at
                and credential.access_expires_at - timezone.now() > REFRESH_MARGIN)
