"""What every channel connector offers (../shared/DESIGN.md §3). Connectors are thin and stateless: plain
values in and out, only channels.errors raised, no retrying beyond one token refresh."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from magazynier.channels.types import (
    AccountInfo,
    CommandReport,
    OfferValue,
    OrderChanges,
    RemoteListing,
    RemoteOrder,
    RemoteShipment,
)


@dataclass(frozen=True)
class Capabilities:
    max_stock_batch: int
    max_price_batch: int
    order_journal: bool
    webhooks: bool
    zero_ends_offer: bool = False  # the channel cannot show 0 units on a live offer (Allegro ends it)
    value_per_offer: bool = False  # one request may set a different value on each offer (WooCommerce batches)


class Connector(Protocol):
    capabilities: Capabilities

    def check_connection(self) -> AccountInfo: ...

    def iter_listings(self) -> Iterator[RemoteListing]: ...

    def get_listing(self, external_id: str) -> RemoteListing: ...

    def find_listings_by_sku(self, skus: Sequence[str]) -> list[RemoteListing]: ...

    def push_stock(self, command_id: str, updates: Sequence[OfferValue]) -> CommandReport: ...

    def push_prices(self, command_id: str, updates: Sequence[OfferValue]) -> CommandReport: ...

    def command_report(self, kind: str, command_id: str) -> CommandReport: ...

    def fetch_order_changes(self, cursor: str | None) -> OrderChanges: ...

    def get_order(self, external_id: str) -> RemoteOrder: ...

    def iter_orders(self, *, updated_since: datetime | None = None,
                    bought_since: datetime | None = None) -> Iterator[RemoteOrder]: ...

    def push_fulfillment(self, external_id: str, status: str, revision: str | None = None) -> None: ...

    def shipments(self, external_id: str) -> list[RemoteShipment]: ...

    def add_shipment(self, external_id: str, carrier_id: str, waybill: str, *, carrier_name: str = "",
                     line_ids: Sequence[str] = ()) -> RemoteShipment: ...
