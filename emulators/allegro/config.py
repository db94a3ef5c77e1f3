"""Configuration of one emulator instance (limits, retention, faults, latencies, seed)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Limits:
    """Rate limits; the defaults are Allegro's published numbers. Tests shrink them."""

    client_requests_per_minute: int = 9000
    client_block_seconds: float = 60.0
    seller_offer_changes_per_minute: int = 9000
    seller_offer_changes_per_hour: int = 250_000
    seller_price_changes_per_hour: int = 150_000
    product_offer_patch_per_minute: int = 2500
    product_offer_get_per_minute: int = 3500
    product_offer_parts_per_minute: int = 7000
    command_max_offers: int = 1000
    bulk_modification_max_items: int = 25
    offers_list_max_limit: int = 1000
    external_id_filter_max_values: int = 100
    invoice_max_bytes: int = 3 * 1024 * 1024
    invoices_per_order: int = 10
    offer_max_stock: int = 99_999
    offer_max_images: int = 16
    # Undisclosed on Allegro, so off (None / 0) unless a test or demo opts in:
    # the /sale/products leaky bucket: after this many calls per minute per seller, answers slow down
    products_fast_calls_per_minute: int | None = None
    products_slowdown_seconds: float = 0.0
    # per seller and client id: token issuances (code/device/refresh) per hour before 429
    tokens_per_user_per_hour: int | None = None


@dataclass
class Lifetimes:
    """Token and journal lifetimes in seconds."""

    access_token: float = 12 * 3600
    refresh_token: float = 90 * 24 * 3600
    refresh_token_grace: float = 60.0
    device_code: float = 3600.0
    device_poll_interval: int = 5
    authorization_code: float = 10.0
    offer_events_retention: float = 24 * 3600
    order_events_retention: float = 60 * 24 * 3600
    product_offer_operation_retention: float = 7 * 24 * 3600


@dataclass
class EmulatorConfig:
    limits: Limits = field(default_factory=Limits)
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    seed: int = 1
    fault_profile: str = "none"
    # Seconds after which commands (publication/price/quantity/bulk) complete.
    command_completion_seconds: float = 1.0
    # Share of product-offer creates/edits answered 202 + operation instead of 201/200.
    product_offer_async_share: float = 0.0
    product_offer_operation_seconds: float = 5.0
    # Refuse requests without a User-Agent ("present") or also ones not shaped like
    # "AppName/version (+https://url)" ("strict").
    user_agent_policy: str = "strict"
    # Public base URL used in Location headers and verification URIs (set by the server).
    public_base_url: str = "http://127.0.0.1:8765"
    issuer: str = "https://allegro.pl"
    # Seconds a "slow" fault delays a response, and how long a "timeout" fault hangs.
    slow_response_seconds: float = 2.0
    timeout_hang_seconds: float = 30.0
