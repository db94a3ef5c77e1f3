"""Offline emulator of the WooCommerce REST API v3 (see README.md). Imports nothing from magazynier."""

from .app import create_app
from .config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_app"]
