"""Where each Allegro environment lives (../shared/research/allegro-api.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

PRODUCTION = ("https://api.allegro.pl", "https://allegro.pl")
SANDBOX = ("https://api.allegro.pl.allegrosandbox.pl", "https://allegro.pl.allegrosandbox.pl")


@dataclass(frozen=True)
class Hosts:
    api: str  # REST API
    web: str  # OAuth pages and token endpoint

    @property
    def token_url(self) -> str:
        return f"{self.web}/auth/oauth/token"

    @property
    def device_url(self) -> str:
        return f"{self.web}/auth/oauth/device"

    @property
    def authorize_url(self) -> str:
        return f"{self.web}/auth/oauth/authorize"


def hosts_for(environment: str, emulator_url: str = "") -> Hosts:
    if environment == "production":
        return Hosts(*PRODUCTION)
    if environment == "sandbox":
        return Hosts(*SANDBOX)
    if environment == "emulator":
        if not emulator_url:
            raise ValueError("The emulator environment needs the emulator's address (e.g. http://127.0.0.1:8765).")
        url = emulator_url.rstrip("/")
        return Hosts(url, url)  # the emulator serves the API and the OAuth pages on one port
    raise ValueError(f"Unknown Allegro environment {environment!r}: use production, sandbox or emulator.")
