"""The panel's "Połącz z Allegro": authorization code flow with PKCE (S256) and a signed, expiring state.

The state sent to Allegro is signed with the installation's secret key and expires after STATE_MAX_AGE; it
carries a random nonce. The PKCE verifier and the client secret never leave the server: they wait in the
seller's session under that nonce. A callback whose state is forged, expired, replayed or from another
session is refused before anything is exchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _

from magazynier.channels.allegro.auth import new_pkce_pair
from magazynier.channels.allegro.hosts import Hosts, hosts_for
from magazynier.channels.connections import complete_connection, oauth_for
from magazynier.channels.models import ChannelAccount

STATE_SALT = "magazynier.allegro.oauth-state"
STATE_MAX_AGE = 600  # seconds the seller has to log in and confirm on Allegro
SESSION_KEY = "allegro_oauth_pending"


class FlowError(Exception):
    """The callback cannot be accepted; the message says what to do (start again)."""


@dataclass(frozen=True)
class ConnectRequest:
    name: str
    environment: str
    client_id: str
    client_secret: str
    emulator_url: str = ""
    account_id: int | None = None  # reconnecting an existing account

    def hosts(self) -> Hosts:
        return hosts_for(self.environment, self.emulator_url)


def start(session, request: ConnectRequest, redirect_uri: str) -> str:
    """Save the account as "not connected yet" (its secret encrypted), remember the flow in the session (only
    the account id and the PKCE verifier), and return the Allegro URL to send the browser to."""
    hosts = request.hosts()
    if request.account_id:
        account = ChannelAccount.objects.get(pk=request.account_id)
    else:
        account = ChannelAccount(kind=ChannelAccount.ALLEGRO, environment=request.environment,
                                 name=request.name or "Allegro", api_url=hosts.api, auth_url=hosts.web)
    account.client_id = request.client_id
    if request.client_secret:
        account.client_secret = request.client_secret
    account.save()
    nonce = secrets.token_urlsafe(16)
    verifier, challenge = new_pkce_pair()
    pending = session.get(SESSION_KEY, {})
    pending[nonce] = {"verifier": verifier, "account_id": account.pk, "redirect_uri": redirect_uri,
                      "named": bool(request.name or request.account_id)}
    session[SESSION_KEY] = dict(list(pending.items())[-5:])  # a few tabs at most
    state = signing.dumps({"n": nonce}, salt=STATE_SALT)
    return oauth_for(account).authorization_url(redirect_uri, state, challenge)


def finish(session, params) -> ChannelAccount:
    """Handle Allegro's redirect back (GET params code/state or error)."""
    try:
        nonce = signing.loads(params.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)["n"]
    except signing.SignatureExpired:
        raise FlowError(_("The connection took too long (over 10 minutes). Start connecting again.")) from None
    except (signing.BadSignature, KeyError, TypeError):
        raise FlowError(_("This link did not come from this panel's connection request. Start connecting again.")) from None
    pending = session.get(SESSION_KEY, {})
    data = pending.pop(nonce, None)
    session[SESSION_KEY] = pending
    if data is None:
        raise FlowError(_("This connection was already used or started in another browser. Start connecting again."))
    if params.get("error"):
        raise FlowError(_("Allegro did not grant access (%(error)s). Start connecting again if that was a "
                          "mistake.") % {"error": params.get("error")})
    code = params.get("code")
    if not code:
        raise FlowError(_("Allegro sent no authorization code. Start connecting again."))
    account = ChannelAccount.objects.filter(pk=data["account_id"]).first()
    if account is None:
        raise FlowError(_("The account being connected was deleted meanwhile. Start connecting again."))
    tokens = oauth_for(account).exchange_code(code, data["redirect_uri"], data["verifier"])
    account = complete_connection(account, tokens)
    if not data["named"] and account.login:
        account.name = account.login
        account.save(update_fields=["name"])
    return account
