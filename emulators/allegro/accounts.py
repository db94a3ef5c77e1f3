"""Registered applications (client ids) and seller accounts, with the default demo credentials."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_SCOPES = (
    "allegro:api:profile:read", "allegro:api:profile:write",
    "allegro:api:sale:offers:read", "allegro:api:sale:offers:write",
    "allegro:api:sale:settings:read", "allegro:api:sale:settings:write",
    "allegro:api:orders:read", "allegro:api:orders:write",
    "allegro:api:shipments:read", "allegro:api:shipments:write",
    "allegro:api:fulfillment:read", "allegro:api:fulfillment:write",
    "allegro:api:payments:read", "allegro:api:payments:write",
    "allegro:api:billing:read", "allegro:api:ratings", "allegro:api:disputes", "allegro:api:messaging",
    "allegro:api:campaigns", "allegro:api:bids", "allegro:api:ads", "allegro:api:affiliate:read",
)


@dataclass
class Application:
    client_id: str
    client_secret: str = field(repr=False)
    name: str
    # Exact redirect URIs, or prefixes ending with "*" (a simplification for local development).
    redirect_uris: list[str] = field(default_factory=list)
    scopes: tuple[str, ...] = ALL_SCOPES
    device_flow: bool = True

    def redirect_allowed(self, uri: str) -> bool:
        for allowed in self.redirect_uris:
            if allowed.endswith("*") and uri.startswith(allowed[:-1]):
                return True
            if uri == allowed:
                return True
        return False


@dataclass
class Seller:
    id: str
    login: str
    password: str = field(repr=False)
    email: str
    first_name: str
    last_name: str
    company_name: str | None = None
    tax_id: str | None = None

    def to_me_json(self) -> dict:
        return {
            "id": self.id,
            "login": self.login,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "baseMarketplace": {"id": "allegro-pl"},
            "company": {"name": self.company_name, "taxId": self.tax_id},
            "features": [],
        }


LOCAL_REDIRECTS = ["http://localhost*", "http://127.0.0.1*", "https://localhost*"]


def default_applications() -> list[Application]:
    return [
        Application("magazynier-demo", "magazynier-demo-secret", "Magazynier", LOCAL_REDIRECTS),
        Application("magazynier-second", "magazynier-second-secret", "Magazynier-Second", LOCAL_REDIRECTS),
        Application("browser-only-app", "browser-only-secret", "Browser-Only", LOCAL_REDIRECTS,
                    device_flow=False),
    ]


def default_sellers() -> list[Seller]:
    return [
        Seller("46968690", "demo-seller", "demo-password", "demo-seller@example.com", "Anna", "Nowak",
               "Demo Sklep Sp. z o.o.", "5260001246"),
        Seller("46968691", "second-seller", "second-password", "second-seller@example.com", "Jan",
               "Kowalski"),
    ]
