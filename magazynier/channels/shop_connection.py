"""Connecting a WooCommerce shop: check the keys, store the account, and keep the shop's order webhooks alive.

The shop tells Magazynier about orders through webhooks (order.created, order.updated) that it signs with a
secret Magazynier chose; polling is the fallback. A shop switches a webhook off after more than five failed
deliveries in a row (e.g. while Magazynier was down), so `ensure_webhooks` runs at connection time and then
every few minutes from the order feed: it re-enables a switched-off webhook, recreates a deleted one, and
raises an alert in both cases (and when the shop cannot reach Magazynier at all).
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.channels.actions import reconnect_alert_key
from magazynier.channels.errors import ChannelError
from magazynier.channels.models import ChannelAccount, Webhook
from magazynier.channels.woocommerce.client import WooClient, shop_url_problem
from magazynier.channels.woocommerce.connector import ORDER_TOPICS, WooConnector
from magazynier.core.http import make_client
from magazynier.core.ratebudget import get_budget
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert

log = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


class ShopConnectionError(Exception):
    """The shop cannot be connected; the message says why and what to do."""


def public_url() -> str:
    """Where the shop can reach Magazynier's web server (MAGAZYNIER_PUBLIC_URL)."""
    return (os.environ.get("MAGAZYNIER_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


def delivery_url(account: ChannelAccount) -> str:
    return f"{public_url()}/hooks/woocommerce/{account.pk}/"


def disabled_alert_key(account: ChannelAccount) -> str:
    return f"shop-webhook-disabled:{account.pk}"


def unreachable_alert_key(account: ChannelAccount) -> str:
    return f"shop-webhook-failing:{account.pk}"


@dataclass
class WebhookReport:
    created: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)  # switched off, or deleted, in the shop: restored
    failed: dict[str, str] = field(default_factory=dict)  # topic -> why

    @property
    def healthy(self) -> bool:
        return not self.failed


@dataclass
class ShopConnection:
    account: ChannelAccount
    created: bool
    currency: str
    webhooks: WebhookReport


def probe_connector(url: str, key: str, secret: str, *, query_auth: bool = False) -> WooConnector:
    """A connector for keys not stored yet (nothing is marked when the shop rejects them)."""
    try:
        return WooConnector(WooClient(shop_url=url, key=key, secret=secret, http=make_client(channel="woocommerce"),
                                      budget=get_budget(), query_auth=query_auth))
    except ChannelError as exc:
        raise ShopConnectionError(str(exc)) from None


def connect_shop(*, name: str, url: str, key: str, secret: str, query_auth: bool = False,
                 connector: WooConnector | None = None) -> ShopConnection:
    """Check the keys against the shop and store (or update) its account; then register the webhooks.
    Reconnecting the same shop (by its address, or the site address the shop reports) updates its account
    and keeps its listings and orders."""
    url = url.strip().rstrip("/")
    problem = shop_url_problem(url)
    if problem:
        raise ShopConnectionError(problem)
    if not key.startswith("ck_") or not secret.startswith("cs_"):
        raise ShopConnectionError(_("WooCommerce keys start with ck_ (consumer key) and cs_ (consumer secret): "
                                    "create them in WooCommerce → Settings → Advanced → REST API, with read/write "
                                    "permission."))
    connector = connector or probe_connector(url, key, secret, query_auth=query_auth)
    try:
        info = connector.check_connection()
        currency = connector.currency()
    except ChannelError as exc:
        raise ShopConnectionError(_("The shop did not accept the connection: %(error)s") % {"error": exc}) from None
    with transaction.atomic():
        shops = ChannelAccount.objects.filter(kind=ChannelAccount.WOOCOMMERCE)
        # the same shop under another address (www or not, http or https) is the same account, not a second
        # one writing the same stock
        account = shops.filter(api_url=url).first() or shops.filter(external_user_id=info.user_id).first()
        created = account is None
        account = account or ChannelAccount(kind=ChannelAccount.WOOCOMMERCE, api_url=url)
        account.name = name or account.name or info.login
        account.auth_url = url
        account.client_id, account.client_secret, account.query_auth = key, secret, query_auth
        account.environment = ChannelAccount.PRODUCTION
        account.external_user_id, account.login = info.user_id, info.login
        account.status, account.status_reason = ChannelAccount.CONNECTED, ""
        account.connected_at = timezone.now()
        account.save()
    resolve_alert(reconnect_alert_key(account))
    report = ensure_webhooks(account, connector)
    return ShopConnection(account, created, currency, report)


def _create(account: ChannelAccount, connector: WooConnector, topic: str, url: str) -> Webhook:
    secret = secrets.token_urlsafe(32)
    remote = connector.create_webhook(name=f"Magazynier: {topic}", topic=topic, delivery_url=url, secret=secret)
    hook, _created = Webhook.objects.update_or_create(
        account=account, topic=topic,
        defaults={"remote_id": str(remote["id"]), "secret": secret, "delivery_url": url,
                  "status": str(remote.get("status") or "active"), "checked_at": timezone.now(), "last_error": ""})
    return hook


def ensure_webhooks(account: ChannelAccount, connector: WooConnector) -> WebhookReport:
    """Make the shop's order webhooks exist, point here and be active; alert about what was wrong."""
    report = WebhookReport()
    url = delivery_url(account)
    try:
        remote = {str(w.get("id")): w for w in connector.webhooks()}
    except ChannelError as exc:
        report.failed = {topic: str(exc) for topic in ORDER_TOPICS}
        _alert(account, report)
        return report
    now = timezone.now()
    for topic in ORDER_TOPICS:
        local = Webhook.objects.filter(account=account, topic=topic).first()
        found = remote.get(local.remote_id) if local and local.remote_id else None
        try:
            if found is None or found.get("delivery_url") != url:
                _create(account, connector, topic, url)
                report.created.append(topic)
                if local is not None and local.remote_id and found is None:
                    report.reactivated.append(topic)  # it was ours and is gone from the shop: restored
                if found is not None:
                    connector.delete_webhook(str(found["id"]))
            elif found.get("status") != "active":
                connector.activate_webhook(local.remote_id)
                Webhook.objects.filter(pk=local.pk).update(status="active", checked_at=now, last_error="")
                report.reactivated.append(topic)
            else:
                Webhook.objects.filter(pk=local.pk).update(status="active", checked_at=now, last_error="")
        except ChannelError as exc:
            report.failed[topic] = str(exc)
            Webhook.objects.filter(account=account, topic=topic).update(checked_at=now, last_error=str(exc)[:1000])
            log.warning("webhook %s of shop account %s: %s", topic, account.pk, exc)
    _alert(account, report)
    return report


def _alert(account: ChannelAccount, report: WebhookReport) -> None:
    if report.failed:
        raise_alert(unreachable_alert_key(account), kind="shop-webhook-failing", severity=Alert.CRITICAL,
                    account=account,
                    title=_("Shop %(name)s cannot notify Magazynier about orders") % {"name": account.name},
                    message=_("The shop's order webhooks could not be set up (%(error)s). Check that the shop can "
                              "reach Magazynier at %(url)s (MAGAZYNIER_PUBLIC_URL). Meanwhile orders are read "
                              "by polling, which is slower.") % {
                        "error": next(iter(report.failed.values())), "url": delivery_url(account)})
        return
    resolve_alert(unreachable_alert_key(account))
    if report.reactivated:
        raise_alert(disabled_alert_key(account), kind="shop-webhook-disabled", severity=Alert.WARNING,
                    account=account,
                    title=_("Shop %(name)s had switched off Magazynier's order notifications") % {
                        "name": account.name},
                    message=_("WooCommerce switches a webhook off after more than five failed deliveries in a row "
                              "(e.g. while Magazynier was unreachable), or it was deleted. Magazynier switched "
                              "it back on; orders from the gap were read by polling. If this repeats, check that "
                              "the shop can reach %(url)s.") % {"url": delivery_url(account)})
    else:  # a check later, every webhook still active: the seller hears that it held
        resolve_alert(disabled_alert_key(account))


def import_products(account: ChannelAccount, connector: WooConnector, *, warehouse=None, dry_run: bool = False,
                    on_problem=None, user=None, link: bool = True):
    """The shop's products and variations into the catalog (stock into `warehouse`, by default the main one),
    then every shop product linked to its variant by SKU. Everything is read before anything is written, so a
    shop failing mid-read changes nothing. Returns (ImportSummary, LinkReport or None)."""
    from magazynier.catalog.importers import default_warehouse, import_catalog
    from magazynier.channels.linking import link_offers
    from magazynier.channels.woocommerce.catalog import records_from

    products = list(connector.iter_products())
    summary = import_catalog(records_from(products), warehouse=warehouse or default_warehouse(), dry_run=dry_run,
                             reference=f"woocommerce:{account.pk}", on_problem=on_problem, user=user)
    return summary, (link_offers(account, connector) if link and not dry_run else None)
