"""Build connectors for stored accounts (the one place that wires hosts, HTTP, tokens and budgets)."""

from __future__ import annotations

import os

from magazynier.channels.allegro.auth import AllegroOAuth
from magazynier.channels.allegro.client import AllegroClient
from magazynier.channels.allegro.connector import AllegroConnector
from magazynier.channels.allegro.hosts import Hosts
from magazynier.channels.models import ChannelAccount
from magazynier.channels.tokens import StoredTokens
from magazynier.channels.woocommerce.client import WooClient
from magazynier.channels.woocommerce.connector import WooConnector
from magazynier.core.http import make_client
from magazynier.core.ratebudget import get_budget

KILL_SWITCH = "MAGAZYNIER_WRITERS_OFF"  # set to 1: nothing is written to any channel, whatever the settings


def writers_killed() -> bool:
    return os.environ.get(KILL_SWITCH, "").strip().lower() in {"1", "true", "yes", "on"}


def writers_active(account: ChannelAccount) -> bool:
    """Whether changes may be sent to this account now (the kill switch can only turn writers off)."""
    return account.writers_enabled and account.is_connected and not writers_killed()


def hosts_of(account: ChannelAccount) -> Hosts:
    return Hosts(api=account.api_url.rstrip("/"), web=account.auth_url.rstrip("/"))


def oauth_for(account: ChannelAccount, http=None) -> AllegroOAuth:
    return AllegroOAuth(hosts_of(account), account.client_id, account.client_secret,
                        http or make_client(channel="allegro-oauth"))


def allegro_connector(account: ChannelAccount, *, max_wait: float = 5.0) -> AllegroConnector:
    http = make_client(channel="allegro")
    client = AllegroClient(api_url=account.api_url, client_id=account.client_id,
                           seller_id=account.external_user_id or f"account-{account.pk}",
                           tokens=StoredTokens(account, oauth_for(account, http)), http=http, budget=get_budget(),
                           max_wait=max_wait)
    return AllegroConnector(client)


def woo_connector(account: ChannelAccount, *, max_wait: float = 5.0) -> WooConnector:
    def rejected(error) -> None:  # a shop's keys do not expire: a 401 means they were revoked
        from magazynier.channels.actions import mark_needs_reconnect

        mark_needs_reconnect(account, str(error))

    client = WooClient(shop_url=account.api_url, key=account.client_id, secret=account.client_secret,
                       http=make_client(channel="woocommerce"), budget=get_budget(), max_wait=max_wait,
                       query_auth=account.query_auth, on_rejected=rejected)
    return WooConnector(client)


def connector_for(account: ChannelAccount, *, max_wait: float = 5.0):
    """The connector of any stored account (the one place that knows which class serves which channel)."""
    if account.kind == ChannelAccount.ALLEGRO:
        return allegro_connector(account, max_wait=max_wait)
    if account.kind == ChannelAccount.WOOCOMMERCE:
        return woo_connector(account, max_wait=max_wait)
    raise NotImplementedError(f"no connector for channel {account.kind!r} yet")


class _FreshToken:
    """The token a flow has just issued, used once to ask who the seller is."""

    def __init__(self, token: str):
        self._token = token

    def __repr__(self) -> str:
        return "_FreshToken(<hidden>)"

    def access_token(self) -> str:
        return self._token

    def refresh_after_rejection(self, rejected: str) -> str:
        from magazynier.channels.errors import AuthenticationError

        raise AuthenticationError("Allegro rejected a token it had just issued; start the connection again.")


def complete_connection(account: ChannelAccount, tokens) -> ChannelAccount:
    """After a device or code flow: ask Allegro who the seller is, then store the account and its tokens."""
    from magazynier.channels.actions import save_connection

    http = make_client(channel="allegro")
    client = AllegroClient(api_url=account.api_url, client_id=account.client_id,
                           seller_id=tokens.user_id or "new-account", tokens=_FreshToken(tokens.access_token),
                           http=http, budget=get_budget())
    info = AllegroConnector(client).check_connection()
    return save_connection(account, tokens, info)
