"""``/webhooks``, ``/webhooks/{id}``, ``/webhooks/batch``. Creating or activating a webhook pings its
delivery URL synchronously (outside the world lock); a failed ping refuses the write."""

from __future__ import annotations

import string
from typing import Any

from .batch import run_batch
from .params import field_enum, field_string
from .responses import RestResponse, WooError, invalid_id
from .rest import EDITABLE, Ctx, Handler, Router, created_response, paginate, sort_items
from .webhooks import WEBHOOK_STATUSES, Webhook, ping, valid_topic, valid_url, webhook_json

SECRET_ALPHABET = string.ascii_letters + string.digits + "!@#$%^&*()-_[]{}<>~`+=,.;:/?|"


def _invalid_topic() -> WooError:
    return WooError(400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid.")


def _invalid_url() -> WooError:
    return WooError(400, "woocommerce_rest_webhook_invalid_delivery_url",
                    "Webhook delivery URL must be a valid URL starting with http:// or https://.")


def list_webhooks(ctx: Ctx) -> RestResponse:
    world = ctx.world
    params = ctx.params
    status = params.enum("status", ("all", *WEBHOOK_STATUSES), "all")
    include = params.ids("include")
    exclude = params.ids("exclude")
    search = (params.string("search") or "").lower()
    orderby = params.enum("orderby", ("date", "id", "title"), "date") or "date"
    order = params.enum("order", ("asc", "desc"), "desc") or "desc"
    with world.lock:
        items = [w for w in world.webhooks.values()
                 if (status == "all" or w.status == status) and (include is None or w.id in include)
                 and not (exclude and w.id in exclude) and (not search or search in w.name.lower())]
        key = {"id": lambda w: w.id, "title": lambda w: (w.name.lower(), w.id)}.get(orderby, lambda w: (int(w.created), w.id))
        return paginate(ctx, sort_items(items, key, order), lambda w: webhook_json(world, w))


def create_webhook(ctx: Ctx, data: dict[str, Any]) -> Webhook:
    world = ctx.world
    if "id" in data:
        raise WooError(400, "woocommerce_rest_webhook_exists", "Cannot create existing webhook.")
    topic = data.get("topic")
    if not valid_topic(topic):
        raise _invalid_topic()
    url = data.get("delivery_url")
    if not valid_url(url):
        raise _invalid_url()
    status = field_enum(data, "status", WEBHOOK_STATUSES) or "active"
    name = field_string(data, "name")
    secret = field_string(data, "secret")
    with world.lock:
        webhook_id = world.next_webhook_id()
        now = world.now()
        if not name:
            name = f"Webhook utworzony {world.site_time.local(now).replace('T', ' ')}"
        if not secret:
            secret = "".join(world.rng.choice(SECRET_ALPHABET) for _ in range(50))
    if status == "active":
        ping(world, webhook_id, url)
    with world.lock:
        webhook = Webhook(webhook_id, name, status, topic, url, secret, now, now)
        world.webhooks[webhook_id] = webhook
        return webhook


def update_webhook(ctx: Ctx, webhook_id: int, data: dict[str, Any], status_code: int = 404) -> Webhook:
    world = ctx.world
    with world.lock:
        webhook = world.webhooks.get(webhook_id)
        if webhook is None:
            raise WooError(status_code, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        topic = data.get("topic", webhook.topic)
        if not valid_topic(topic):
            raise _invalid_topic()
        url = data.get("delivery_url", webhook.delivery_url)
        if not valid_url(url):
            raise _invalid_url()
        status = field_enum(data, "status", WEBHOOK_STATUSES) or webhook.status
        name = field_string(data, "name")
        secret = field_string(data, "secret")
        needs_ping = status == "active" and (webhook.status != "active" or url != webhook.delivery_url)
    if needs_ping:
        ping(world, webhook_id, url)
    with world.lock:
        webhook = world.webhooks.get(webhook_id)
        if webhook is None:
            raise WooError(status_code, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        if status == "active" and webhook.status != "active":
            webhook.failure_count = 0
        webhook.topic, webhook.delivery_url, webhook.status = topic, url, status
        if name is not None:
            webhook.name = name
        if secret:
            webhook.secret = secret
        webhook.modified = world.now()
        return webhook


def delete_webhook(ctx: Ctx, webhook_id: int, force: bool) -> dict[str, Any]:
    world = ctx.world
    with world.lock:
        webhook = world.webhooks.get(webhook_id)
        if webhook is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        if not force:
            raise WooError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
        before = webhook_json(world, webhook)
        del world.webhooks[webhook_id]
        return before


def create(ctx: Ctx) -> RestResponse:
    webhook = create_webhook(ctx, ctx.params.body)
    with ctx.world.lock:
        return created_response(webhook_json(ctx.world, webhook), f"{ctx.world.rest_root()}/webhooks/{webhook.id}")


def get(ctx: Ctx) -> dict[str, Any]:
    with ctx.world.lock:
        webhook = ctx.world.webhooks.get(ctx.id())
        if webhook is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return webhook_json(ctx.world, webhook)


def update(ctx: Ctx) -> dict[str, Any]:
    webhook = update_webhook(ctx, ctx.id(), ctx.params.body)
    with ctx.world.lock:
        return webhook_json(ctx.world, webhook)


def delete(ctx: Ctx) -> dict[str, Any]:
    return delete_webhook(ctx, ctx.id(), ctx.params.boolean("force", False))


def batch(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world

    def render(webhook: Webhook) -> dict[str, Any]:
        with world.lock:
            return webhook_json(world, webhook)

    return run_batch(ctx, lambda data: render(create_webhook(ctx, data)),
                     lambda webhook_id, data: render(update_webhook(ctx, webhook_id, data, 400)),
                     lambda webhook_id: delete_webhook(ctx, webhook_id, True), invalid_id("webhook", 400))


def register(router: Router) -> None:
    p = "/wc/v3/webhooks"
    router.add(f"{p}/batch", {",".join(EDITABLE): Handler(batch, "batch", locked=False)})
    router.add(p, {"GET": Handler(list_webhooks, "list", locked=False), "POST": Handler(create, "create", locked=False)})
    router.add(f"{p}/{{id}}", {"GET": Handler(get, "view", locked=False),
                               ",".join(EDITABLE): Handler(update, "edit", locked=False),
                               "DELETE": Handler(delete, "delete", locked=False)})
