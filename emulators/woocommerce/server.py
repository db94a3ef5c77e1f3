"""Command line entry: ``python -m emulators.woocommerce --port 8766`` (also ``magazynier emulator
woocommerce``)."""

from __future__ import annotations

import argparse

import uvicorn

from .app import create_app
from .config import EmulatorConfig
from .faults import PROFILES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="woocommerce-emulator", description="Offline WooCommerce REST API v3 emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-profile", default="none", choices=sorted(PROFILES))
    parser.add_argument("--site-url", default=None, help="site URL the shop reports (default: its own base URL)")
    parser.add_argument("--sample-catalog", default=None,
                        help="WooCommerce sample CSV loaded by POST /__admin__/catalog/sample")
    parser.add_argument("--load-catalog", action="store_true", help="load the sample catalog at start")
    parser.add_argument("--consumer-key", default=None, help="the read/write REST key (ck_…) the shop accepts")
    parser.add_argument("--consumer-secret", default=None, help="its secret (cs_…)")
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    base = f"http://{args.host}:{args.port}"
    config = EmulatorConfig(seed=args.seed, fault_profile=args.fault_profile, site_url=args.site_url,
                            public_base_url=base, sample_catalog=args.sample_catalog)
    if args.consumer_key or args.consumer_secret:
        if not (args.consumer_key or "").startswith("ck_") or not (args.consumer_secret or "").startswith("cs_"):
            raise SystemExit("--consumer-key ck_… and --consumer-secret cs_… go together")
        config.consumer_key, config.consumer_secret = args.consumer_key, args.consumer_secret
    app = create_app(config)
    world = app.state.world
    if args.load_catalog:
        world.load_sample_catalog()
    print(f"WooCommerce emulator on {base} (REST root {base}/wp-json/wc/v3, seed {args.seed}, "
          f"faults {args.fault_profile})")
    print(f"Consumer key {config.consumer_key}  secret {config.consumer_secret}  (read-only key: "
          f"{config.readonly_key} / {config.readonly_secret})")
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    finally:
        world.close()


if __name__ == "__main__":
    main()
