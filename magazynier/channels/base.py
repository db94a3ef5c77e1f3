"""What every channel connector offers (../shared/DESIGN.md §3). Connectors are thin and stateless: plain
values in and out, only channels.errors raised, no retrying beyond one token refresh."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from magazynier.channels.types import AccountInfo, RemoteListing


@dataclass(frozen=True)
class Capabilities:
    max_stock_batch: int
    max_price_batch: int
    order_journal: bool
    webhooks: bool
    zero_ends_offer: bool = False  # the channel cannot show 0 units on a live offer (Allegro ends it)


class Connector(Protocol):
    capabilities: Capabilities

    def check_connection(self) -> AccountInfo: ...

    def iter_listings(self) -> Iterator[RemoteListing]: ...

    def get_listing(self, external_id: str) -> RemoteListing: ...

    def find_listings_by_sku(self, skus: Sequence[str]) -> list[RemoteListing]: ...
