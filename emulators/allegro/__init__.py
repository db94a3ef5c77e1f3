"""Offline emulator of Allegro's REST API (see README.md). Imports nothing from magazynier."""

from .app import create_app
from .clock import FakeClock, RealClock
from .config import EmulatorConfig, Lifetimes, Limits

__all__ = ["EmulatorConfig", "FakeClock", "Lifetimes", "Limits", "RealClock", "create_app"]
