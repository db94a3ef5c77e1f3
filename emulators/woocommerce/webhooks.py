"""Webhooks: the stored model, topics, the synchronous ping and the REST representation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .responses import WooError

if TYPE_CHECKING:
    from .world import World

WEBHOOK_STATUSES = ("active", "paused", "disabled")
RESOURCES = ("coupon", "customer", "order", "product")
EVENTS = ("created", "updated", "deleted", "restored")
HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order", "woocommerce_delete_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": ["woocommerce_process_product_meta", "woocommerce_new_product",
                        "woocommerce_new_product_variation"],
    "product.updated": ["woocommerce_process_product_meta", "woocommerce_update_product",
                        "woocommerce_update_product_variation"],
    "product.deleted": ["wp_trash_post", "woocommerce_delete_product", "woocommerce_delete_product_variation"],
    "product.restored": ["untrashed_post"],
    "customer.created": ["user_register", "woocommerce_created_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
}


def valid_topic(topic: Any) -> bool:
    if not isinstance(topic, str) or "." not in topic:
        return False
    resource, event = topic.split(".", 1)
    if resource == "action":
        return bool(event.strip())
    if resource not in RESOURCES or event not in EVENTS:
        return False
    return not (resource == "customer" and event == "restored")


def valid_url(url: Any) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) > len("https://")


@dataclass
class Webhook:
    id: int
    name: str
    status: str
    topic: str
    delivery_url: str
    secret: str
    created: float
    modified: float
    failure_count: int = 0

    @property
    def resource(self) -> str:
        return self.topic.split(".", 1)[0]

    @property
    def event(self) -> str:
        return self.topic.split(".", 1)[1]


def webhook_json(world: World, webhook: Webhook) -> dict[str, Any]:
    root = world.rest_root()
    hooks = HOOKS.get(webhook.topic, [webhook.event] if webhook.resource == "action" else [])
    return {
        "id": webhook.id, "name": webhook.name, "status": webhook.status, "topic": webhook.topic,
        "resource": webhook.resource, "event": webhook.event, "hooks": list(hooks),
        "delivery_url": webhook.delivery_url,
        **world.site_time.pair("date_created", webhook.created),
        **world.site_time.pair("date_modified", webhook.modified),
        "api_version": "wp_api_v3",
        "_links": {"self": [{"href": f"{root}/webhooks/{webhook.id}"}], "collection": [{"href": f"{root}/webhooks"}]},
    }


def delivery_succeeded(status_code: int) -> bool:
    return 200 <= status_code < 300 or status_code in (301, 302)


def ping(world: World, webhook_id: int, url: str) -> None:
    """POST ``webhook_id=<id>`` as a form, unsigned; anything but 2xx/301/302 (or no answer) fails the
    create/activation with 400 ``woocommerce_rest_webhook_delivery_failed``. Call without the world lock."""
    config = world.config
    headers = {"User-Agent": f"WordPress/{config.wp_version}; {config.site().rstrip('/')}"}
    world.count("webhook_pings")
    try:
        response = httpx.post(url, data={"webhook_id": str(webhook_id)}, headers=headers,
                              timeout=config.ping_timeout_seconds, follow_redirects=False)
    except httpx.HTTPError as exc:
        world.count("webhook_pings_failed")
        raise WooError(400, "woocommerce_rest_webhook_delivery_failed",
                       f"Error: Delivery URL cannot be reached: {exc or type(exc).__name__}") from exc
    if not delivery_succeeded(response.status_code):
        world.count("webhook_pings_failed")
        raise WooError(400, "woocommerce_rest_webhook_delivery_failed",
                       f"Error: Delivery URL returned response code: {response.status_code}")
