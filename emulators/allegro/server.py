"""Command line entry: ``python -m emulators.allegro.server --port 8765`` (wired to
``magazynier emulator allegro``)."""

from __future__ import annotations

import argparse
import time

import uvicorn

from .app import create_app
from .clock import FakeClock
from .config import EmulatorConfig
from .faults import PROFILES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="allegro-emulator", description="Offline Allegro REST API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-profile", default="none", choices=sorted(PROFILES))
    parser.add_argument("--command-completion-seconds", type=float, default=1.0)
    parser.add_argument("--async-offer-share", type=float, default=0.0,
                        help="share of offer creates/edits answered 202 with an operation to poll")
    parser.add_argument("--fake-clock", action="store_true",
                        help="start a fake clock that only moves via POST /__admin__/clock/advance")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--http", default="auto", choices=("auto", "h11", "httptools"),
                        help="uvicorn HTTP implementation (httptools is much faster when installed)")
    parser.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"))
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    config = EmulatorConfig(seed=args.seed, fault_profile=args.fault_profile,
                            command_completion_seconds=args.command_completion_seconds,
                            product_offer_async_share=args.async_offer_share,
                            public_base_url=f"http://{args.host}:{args.port}")
    app = create_app(config, FakeClock(time.time()) if args.fake_clock else None)
    print(f"Allegro emulator on http://{args.host}:{args.port} (seed {args.seed}, faults {args.fault_profile})")
    print("Demo application 'magazynier-demo' and seller 'demo-seller': credentials in emulators/allegro/README.md")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                http=args.http, loop=args.loop)


if __name__ == "__main__":
    main()
