"""Order notifications from shops (WooCommerce webhooks): checked, then stored like a polled order.

A delivery is accepted only when its X-WC-Webhook-Signature is the base64 HMAC-SHA256 of the raw body under
one of the account's webhook secrets (compared in constant time; the body is never parsed before that).
* unsigned form posts `webhook_id=N` are the shop's pings when a webhook is created or re-enabled: 200;
* a missing or wrong signature is forged: 401;
* a body that is not an order is malformed: 400;
* an order state we already hold, or an older one, is a repeat or a replay: 200 (so the shop does not count a
  failure and switch the webhook off), nothing is applied;
Rejections are logged with the account, topic, reason and size — never the body (it holds buyer data).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta

from django.db import DatabaseError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from magazynier.channels.connections import connector_for
from magazynier.channels.errors import ChannelError
from magazynier.channels.models import ChannelAccount, Webhook
from magazynier.channels.woocommerce import orders as order_json
from magazynier.orders.models import Order
from magazynier.sync.models import OrderFeed
from magazynier.sync.order_store import feeding_warehouses, store_order

log = logging.getLogger(__name__)

BEFORE_CONNECTION = timedelta(days=1)  # orders last changed this long before the shop was connected are not ours
SAME_SECOND = "same second"  # another state from the second we hold: which is newer only the shop can say


def signature(body: bytes, secret: str) -> bytes:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())


def _signed_by(body: bytes, given: str, hooks: list[Webhook]) -> Webhook | None:
    given_bytes = given.strip().encode("utf-8", "replace")
    found = None
    for hook in hooks:  # every secret is compared, so the time taken says nothing about which matched
        if hmac.compare_digest(signature(body, hook.secret), given_bytes):
            found = hook
    return found


def _is_ping(request: HttpRequest) -> bool:
    return request.content_type == "application/x-www-form-urlencoded" and "webhook_id" in request.POST


def _reject(account: ChannelAccount, request: HttpRequest, status: int, reason: str) -> HttpResponse:
    topic = request.headers.get("X-WC-Webhook-Topic", "")[:60]
    log.warning("rejected a webhook delivery for shop account %s: %s (topic %r, %d bytes)", account.pk, reason,
                topic, len(request.body))
    hooks = Webhook.objects.filter(account=account)
    hooks = hooks.filter(topic=topic) if hooks.filter(topic=topic).exists() else hooks
    hooks.update(rejected=F("rejected") + 1, last_rejected_at=timezone.now())
    return HttpResponse(reason, status=status, content_type="text/plain")


def _repeat(account: ChannelAccount, remote) -> str:
    """Why this order state is not new to us ("" when it is)."""
    held = Order.objects.filter(account=account, external_id=remote.external_id).values_list(
        "revision", "remote_updated_at").first()
    if held is None:
        started = OrderFeed.objects.filter(account=account).values_list("started_at", flat=True).first()
        since = started or account.connected_at
        if since is not None and remote.updated_at < since - BEFORE_CONNECTION:
            return "an order from before the shop was connected"
        return ""
    revision, updated_at = held
    if revision == remote.revision:
        return "a repeat of an order state already stored"
    if updated_at is not None and remote.updated_at < updated_at:
        return "an older order state than the one stored (replayed or late)"
    if updated_at is not None and remote.updated_at == updated_at:
        return SAME_SECOND
    return ""


@csrf_exempt
@require_POST
def woocommerce_delivery(request: HttpRequest, account_id: int) -> HttpResponse:
    account = ChannelAccount.objects.filter(pk=account_id, kind=ChannelAccount.WOOCOMMERCE).first()
    if account is None:
        log.warning("webhook delivery for unknown shop account %s (%d bytes)", account_id, len(request.body))
        return HttpResponse("unknown account", status=404, content_type="text/plain")
    given = request.headers.get("X-WC-Webhook-Signature", "")
    if not given:
        if _is_ping(request):
            return HttpResponse("pong", content_type="text/plain")
        return _reject(account, request, 401, "unsigned delivery")
    body = request.body
    hook = _signed_by(body, given, list(Webhook.objects.filter(account=account)))
    if hook is None:
        return _reject(account, request, 401, "signature does not match (forged or for another secret)")
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        if not topic.startswith("order.") or topic == "order.deleted" or not order_json.is_order(data):
            return HttpResponse("ignored", content_type="text/plain")
        remote = order_json.order_from_json(data)
    except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
        return _reject(account, request, 400, f"malformed order ({type(exc).__name__})")
    repeat = _repeat(account, remote)
    if repeat == SAME_SECOND:
        try:
            remote, repeat = connector_for(account).get_order(remote.external_id), ""
        except ChannelError as exc:
            log.warning("order %s of shop account %s could not be read back: %s", remote.external_id, account.pk,
                        exc)
            return HttpResponse("try later", status=503, content_type="text/plain")
    if repeat:
        log.info("webhook delivery for shop account %s ignored: %s (order %s)", account.pk, repeat,
                 remote.external_id)
        return HttpResponse("already known", content_type="text/plain")
    try:
        store_order(account, remote, feeding_warehouses(account))
    except DatabaseError:
        log.exception("storing order %s of shop account %s from a webhook failed; polling will catch it",
                      remote.external_id, account.pk)
        return HttpResponse("try later", status=503, content_type="text/plain")
    Webhook.objects.filter(pk=hook.pk).update(last_delivery_at=timezone.now())
    return HttpResponse("stored", content_type="text/plain")
