"""Magazynier — one catalog and one stock, sold on every channel."""

__version__ = "0.1.0"
