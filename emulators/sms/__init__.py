"""Offline emulator of two Polish SMS gateways, SMSAPI.pl and SerwerSMS.pl (see README.md). Imports nothing
from magazynier."""

from .app import create_app
from .state import Gateway

__all__ = ["Gateway", "create_app"]
