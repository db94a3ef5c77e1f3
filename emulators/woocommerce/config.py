"""Configuration of one emulated shop: keys, limits, webhook delivery, faults, seed."""

from __future__ import annotations

from dataclasses import dataclass

# Fixed demo credentials (documented in README.md). Keys look like WooCommerce's: ck_/cs_ + 40 hex digits.
DEMO_CONSUMER_KEY = "ck_ac966aa6a00ef1a42e493d19e67846918a6ae46e"
DEMO_CONSUMER_SECRET = "cs_90fe7c491da03129d12075f2d1300cfa33f13569"  # noqa: S105 - a public demo value
DEMO_READONLY_KEY = "ck_128b624132640f18ffa81915d5392e909ecb2d5a"
DEMO_READONLY_SECRET = "cs_6d67527b5f0564c528eb19886720a35813f96e85"  # noqa: S105 - a public demo value


@dataclass
class EmulatorConfig:
    seed: int = 1
    fault_profile: str = "none"
    # Site URL as the shop reports it (X-WC-Webhook-Source, system_status, links). None: base URL + "/".
    site_url: str | None = None
    # Where the shop is reachable (set by the server / running_emulator); used for REST links.
    public_base_url: str = "http://127.0.0.1:8766"
    shop_name: str = "Sklep Demo"
    shop_description: str = "Kolejny sklep na WordPressie"
    timezone: str = "Europe/Warsaw"
    wc_version: str = "9.4.3"
    wp_version: str = "6.7.1"
    consumer_key: str = DEMO_CONSUMER_KEY
    consumer_secret: str = DEMO_CONSUMER_SECRET
    readonly_key: str = DEMO_READONLY_KEY
    readonly_secret: str = DEMO_READONLY_SECRET
    # Batch endpoints: create+update+delete summed (filter woocommerce_rest_batch_items_limit).
    batch_limit: int = 100
    # Webhooks
    webhook_delay_seconds: float = 0.05
    webhook_timeout_seconds: float = 60.0
    ping_timeout_seconds: float = 5.0
    max_webhook_failures: int = 5
    # Catalog loaded by POST /__admin__/catalog/sample without a body (WooCommerce's sample CSV), and
    # the number of generated products when no CSV is configured.
    sample_catalog: str | None = None
    sample_products: int = 50
    vat_rate: str = "23"
    # Realism: added to every API answer; fault timings.
    request_latency_seconds: float = 0.0
    slow_response_seconds: float = 2.0
    timeout_hang_seconds: float = 30.0

    def site(self) -> str:
        """The site URL with a trailing slash."""
        url = self.site_url or self.public_base_url
        return url if url.endswith("/") else url + "/"
