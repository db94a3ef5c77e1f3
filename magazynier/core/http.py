"""One place that makes HTTP clients: explicit timeouts, our User-Agent, no automatic redirects.

Channels that want the application's registered name in the User-Agent (Allegro requires
`AppName/version (+https://url)`, the name matching the registered application) read it from
MAGAZYNIER_APP_NAME (default "Magazynier") and MAGAZYNIER_APP_URL.
"""

from __future__ import annotations

import os
import re

import httpx

from magazynier import __version__

DEFAULT_APP_URL = "https://github.com/magazynier/magazynier"
TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)


def user_agent() -> str:
    name = re.sub(r"\s+", "-", os.environ.get("MAGAZYNIER_APP_NAME", "").strip() or "Magazynier")
    url = os.environ.get("MAGAZYNIER_APP_URL", "").strip() or DEFAULT_APP_URL
    return f"{name}/{__version__} (+{url})"


_response_hooks: dict[str, list] = {}


def add_response_hook(channel: str, hook) -> None:
    """Run `hook(response)` on every response of clients made for `channel` (the test suite checks every
    Allegro exchange against the OpenAPI spec this way)."""
    _response_hooks.setdefault(channel, []).append(hook)


def remove_response_hook(channel: str, hook) -> None:
    _response_hooks.get(channel, []).remove(hook)


def make_client(*, channel: str = "", base_url: str = "", timeout: httpx.Timeout = TIMEOUT,
                transport: httpx.BaseTransport | None = None) -> httpx.Client:
    hooks = _response_hooks.get(channel, [])
    return httpx.Client(
        base_url=base_url, timeout=timeout, follow_redirects=False, headers={"User-Agent": user_agent()},
        event_hooks={"response": [lambda r: [h(r) for h in list(hooks)]]}, transport=transport,
    )
