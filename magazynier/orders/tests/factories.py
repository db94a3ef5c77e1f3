"""Orders as channels report them, stored through the real import path (orders.actions.upsert_from_channel),
for tests that need orders without a channel emulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from magazynier.catalog.models import Product, Variant
from magazynier.channels import types as t
from magazynier.channels.models import ChannelAccount
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason, StockLevel, Warehouse
from magazynier.orders import actions
from magazynier.orders.models import Order

CONTACT = t.BuyerContact(
    login="jan_kupujacy",
    email="jan.kowalski@allegromail.pl",
    name="Jan Kowalski",
    phone="+48 600 100 200",
    delivery=t.PostalAddress(
        name="Jan Kowalski",
        street="ul. Długa 5/3",
        city="Kraków",
        postal_code="30-001",
        country="PL",
        phone="+48 600 100 201",
    ),
    pickup_point="KRA01M — Paczkomat KRA01M, ul. Krótka 1",
    message="Proszę o staranne zapakowanie",
)
INVOICE = t.InvoiceRequest(
    company="Kowalski Handel sp. z o.o.",
    tax_id="6762461659",
    address=t.PostalAddress(street="ul. Firmowa 9", city="Kraków", postal_code="30-002", country="PL"),
)
PERSONAL = [
    "jan_kupujacy",
    "jan.kowalski@allegromail.pl",
    "Jan Kowalski",
    "600 100 200",
    "ul. Długa",
    "KRA01M",
    "staranne zapakowanie",
]
INVOICE_TEXTS = ["Kowalski Handel", "6762461659", "ul. Firmowa"]
BOUGHT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def account(name: str = "Sklep Allegro") -> ChannelAccount:
    return ChannelAccount.objects.create(
        kind=ChannelAccount.ALLEGRO,
        name=name,
        environment=ChannelAccount.EMULATOR,
        api_url=f"http://127.0.0.1:9/{name}",
        auth_url="http://127.0.0.1:9",
        client_id="x",
    )


def variant(sku: str, on_hand: int = 10) -> Variant:
    warehouse = Warehouse.objects.get_or_create(code="glowny", defaults={"name": "Główny"})[0]
    product = Product.objects.create(key=sku, name=f"Produkt {sku}")
    variant = Variant.objects.create(product=product, sku=sku, name=f"Produkt {sku}", price=Decimal("12.50"))
    set_stock(variant.pk, warehouse.pk, on_hand, reason=MovementReason.STOCKTAKE)
    return variant


def reserved(variant: Variant) -> int:
    return sum(StockLevel.objects.filter(variant=variant).values_list("reserved", flat=True))


def order(account: ChannelAccount, external_id: str, **fields) -> Order:
    """An order as the channel reports it (`remote_order`'s fields), stored by the real import (stock is
    reserved at once)."""
    return actions.upsert_from_channel(account, remote_order(external_id, **fields)).order


def remote_order(
    external_id: str,
    *,
    lines=(("KUB-1", 2, "12.50"),),
    status: str = t.NEW,
    bought_at: datetime = BOUGHT,
    invoice: t.InvoiceRequest | None = None,
    total: str | None = None,
    contact: t.BuyerContact = CONTACT,
    payment: str = t.PAID,
    revision: str = "r1",
) -> t.RemoteOrder:
    remote_lines = tuple(
        t.RemoteOrderLine(
            line_id=f"{external_id}-{n}",
            offer_id=f"O-{sku}",
            sku=sku,
            name=f"Produkt {sku}",
            quantity=quantity,
            unit_price=Decimal(price),
            vat_rate="23",
        )
        for n, (sku, quantity, price) in enumerate(lines)
    )
    goods = sum(line.unit_price * line.quantity for line in remote_lines)
    return t.RemoteOrder(
        external_id=external_id,
        revision=revision,
        updated_at=bought_at,
        bought_at=bought_at,
        status=status,
        channel_status="READY_FOR_PROCESSING/NEW",
        payment_status=payment,
        payment_method="ONLINE",
        currency="PLN",
        total=Decimal(total) if total else goods + Decimal("9.99"),
        delivery_cost=Decimal("9.99"),
        delivery_method="Allegro Paczkomaty InPost",
        lines=remote_lines,
        invoice_required=invoice is not None,
        paid_amount=Decimal(total) if total else goods + Decimal("9.99"),
        contact=contact,
        invoice=invoice,
    )


def changed(remote: t.RemoteOrder, revision: str, **fields) -> t.RemoteOrder:
    """The same order after a change on the channel (a new revision, a later update time)."""
    from datetime import timedelta

    return replace(remote, revision=revision, updated_at=remote.updated_at + timedelta(minutes=1), **fields)
