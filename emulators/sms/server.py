"""Command line entry: ``python -m emulators.sms --port 8767`` (also ``magazynier emulator sms``)."""

from __future__ import annotations

import argparse

import uvicorn

from .app import create_app
from .state import DEFAULT_SENDERS, DEMO_TOKEN, DEMO_USERS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sms-emulator",
                                     description="Offline SMS gateway emulator: SMSAPI.pl and SerwerSMS.pl")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--token", action="append", default=None,
                        help=f"a valid SMSAPI.pl token (repeatable; default {DEMO_TOKEN})")
    parser.add_argument("--serwersms-user", action="append", default=None, metavar="LOGIN:PASSWORD",
                        help="a SerwerSMS.pl login (repeatable; default demo:demo-haslo)")
    parser.add_argument("--sender", action="append", default=None,
                        help=f"an approved SMSAPI.pl sender name (repeatable; default {', '.join(DEFAULT_SENDERS)})")
    parser.add_argument("--points", default="100", help="SMSAPI.pl points balance (default 100)")
    parser.add_argument("--serwersms-limit", type=int, default=1000, help="SerwerSMS.pl messages left")
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    users = dict(u.split(":", 1) for u in args.serwersms_user) if args.serwersms_user else dict(DEMO_USERS)
    app = create_app(tokens=args.token, serwersms_users=users, points=args.points, senders=args.sender,
                     serwersms_limit=args.serwersms_limit)
    base = f"http://{args.host}:{args.port}"
    print(f"SMS gateway emulator on {base}")
    print(f"  SMSAPI.pl:   smsapi://TOKEN@48500100200?from=Sklep&domain={base}/   "
          f"(tokens: {', '.join(sorted(app.state.gateway.tokens))})")
    print(f"  SerwerSMS:   POST {base}/messages/send_sms   (logins: {', '.join(sorted(users))})")
    print(f"  admin:       GET {base}/_admin/messages, POST {base}/_admin/reset, POST {base}/_admin/fault")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
