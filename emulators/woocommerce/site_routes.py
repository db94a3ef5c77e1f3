"""The WordPress REST index (``/wp-json/``), the ``wc/v3`` namespace index and ``/system_status``."""

from __future__ import annotations

from typing import Any

from .rest import Ctx, Handler, Router

NAMESPACES = ["oembed/1.0", "wc/v3", "wc/v2", "wc/v1", "wc/store/v1", "wc-admin", "wc-analytics", "wp/v2",
              "wp-site-health/v1"]


def index(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    config = world.config
    site = config.site().rstrip("/")
    now = world.now()
    return {
        "name": config.shop_name,
        "description": config.shop_description,
        "url": site,
        "home": site,
        "gmt_offset": world.site_time.gmt_offset_hours(now),
        "timezone_string": config.timezone,
        "namespaces": list(NAMESPACES),
        "authentication": {},
        "routes": {},
        "site_logo": 0, "site_icon": 0, "site_icon_url": "",
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


def namespace_index(ctx: Ctx) -> dict[str, Any]:
    root = f"{ctx.world.config.public_base_url}/wp-json"
    routes = {}
    for template, methods in ctx.world.router.templates:
        path = template.replace("{", "(?P<").replace("}", ">[\\d]+)")
        routes[path] = {"namespace": "wc/v3", "methods": methods,
                        "_links": {"self": [{"href": f"{root}{template}"}]} if "{" not in template else {}}
    return {"namespace": "wc/v3", "routes": routes}


def system_status(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    config = world.config
    site = config.site().rstrip("/")
    counts = {"product": sum(1 for p in world.catalog.items.values() if not p.is_variation),
              "product_variation": sum(1 for p in world.catalog.items.values() if p.is_variation),
              "shop_order": len(world.orders.orders)}
    return {
        "environment": {
            "home_url": site, "site_url": site, "store_id": "8c1b0a52-0d3e-4b4e-9d55-5e2f2c6b7a10",
            "version": config.wc_version, "log_directory": "/var/www/html/wp-content/uploads/wc-logs/",
            "log_directory_writable": True, "wp_version": config.wp_version, "wp_multisite": False,
            "wp_memory_limit": 268435456, "wp_debug_mode": False, "wp_cron": True, "language": "pl_PL",
            "external_object_cache": None, "server_info": "nginx/1.24.0", "php_version": "8.2.26",
            "php_post_max_size": 67108864, "php_max_execution_time": 30, "php_max_input_vars": 1000,
            "curl_version": "8.5.0, OpenSSL/3.0.13", "suhosin_installed": False, "max_upload_size": 67108864,
            "mysql_version": "8.0.40", "mysql_version_string": "8.0.40", "default_timezone": "UTC",
            "fsockopen_or_curl_enabled": True, "soapclient_enabled": True, "domdocument_enabled": True,
            "gzip_enabled": True, "mbstring_enabled": True, "remote_post_successful": True,
            "remote_post_response": 200, "remote_get_successful": True, "remote_get_response": 200,
        },
        "database": {"wc_database_version": config.wc_version, "database_prefix": "wp_"},
        "active_plugins": [
            {"plugin": "woocommerce/woocommerce.php", "name": "WooCommerce", "version": config.wc_version,
             "version_latest": config.wc_version, "url": "https://woocommerce.com/", "author_name": "Automattic",
             "author_url": "https://woocommerce.com", "network_activated": False},
        ],
        "inactive_plugins": [],
        "theme": {"name": "Storefront", "version": "4.6.0", "is_child_theme": False, "has_woocommerce_support": True},
        "settings": {
            "api_enabled": True, "force_ssl": False, "currency": "PLN", "currency_symbol": "zł",
            "currency_position": "right_space", "thousand_separator": " ", "decimal_separator": ",",
            "number_of_decimals": 2, "geolocation_enabled": False,
            "taxonomies": {"external": "external", "grouped": "grouped", "simple": "simple", "variable": "variable"},
            "product_visibility_terms": {"exclude-from-catalog": "exclude-from-catalog",
                                         "exclude-from-search": "exclude-from-search", "featured": "featured",
                                         "outofstock": "outofstock"},
            "woocommerce_com_connected": "no", "enforce_approved_download_dirs": True, "order_datastore":
                "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\OrdersTableDataStore",
            "HPOS_enabled": True, "HPOS_sync_enabled": False,
        },
        "security": {"secure_connection": site.startswith("https"), "hide_errors": True},
        "pages": [],
        "post_type_counts": [{"type": k, "count": str(v)} for k, v in counts.items()],
    }


def register(router: Router) -> None:
    router.add("/", {"GET": Handler(index, "view")}, auth=False)
    router.add("/wc/v3", {"GET": Handler(namespace_index, "view")}, auth=False)
    router.add("/wc/v3/system_status", {"GET": Handler(system_status, "view")})
