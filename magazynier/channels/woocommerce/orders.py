"""WooCommerce orders as plain values (pure: the REST/webhook JSON in, channels.types out).

WooCommerce has one status per order; it maps onto Magazynier's vocabulary here and only here:

    pending → awaiting payment        on-hold → awaiting payment (e.g. a bank transfer to confirm)
    processing → new (paid, or cash on delivery)    completed → sent
    cancelled, failed → cancelled     refunded → returned

The shop lowers its own stock once an order is processing, on hold or completed, and gives it back on
cancelled, failed, refunded or pending again (`channel_took_stock`). Drafts of the block checkout are not
orders yet and are left out (`is_order`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

from magazynier.channels import types as t

STATUS_FROM_SHOP = {
    "pending": t.AWAITING_PAYMENT, "on-hold": t.AWAITING_PAYMENT, "processing": t.NEW, "completed": t.SENT,
    "cancelled": t.CANCELLED, "failed": t.CANCELLED, "refunded": t.RETURNED,
}
# What a seller's status becomes in the shop (the shop has no finer steps between paid and completed).
STATUS_TO_SHOP = {
    t.NEW: "processing", t.PROCESSING: "processing", t.READY_FOR_SHIPMENT: "processing",
    t.READY_FOR_PICKUP: "processing", t.SENT: "completed", t.PICKED_UP: "completed", t.CANCELLED: "cancelled",
    t.SUSPENDED: "on-hold",
}
STOCK_TAKEN = {"processing", "on-hold", "completed"}


def also_means(shop_status: str) -> tuple[str, ...]:
    """Magazynier's statuses that this shop status also stands for (the seller's finer steps are kept)."""
    return tuple(s for s, name in STATUS_TO_SHOP.items() if name == shop_status)

DRAFTS = {"checkout-draft", "draft", "auto-draft", "trash"}
NIP_KEYS = ("_billing_nip", "billing_nip", "_billing_vat_number", "vat_number", "nip", "_nip")
TRACKING_KEY = "magazynier_tracking"
CENT = Decimal("0.01")


def is_order(data: dict) -> bool:
    return str(data.get("status", "")) not in DRAFTS


def parse_gmt(value: str | None) -> datetime | None:
    """WooCommerce's `*_gmt` fields: UTC without an offset."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def shop_time(moment: datetime) -> str:
    """A moment as the shop's `*_gmt` filters take it (with dates_are_gmt=true)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def money(value) -> Decimal:
    return Decimal(str(value or "0"))


def revision_of(data: dict) -> str:
    """Any change of the order gives another revision (the shop's modification time has whole seconds)."""
    content = {k: v for k, v in data.items() if k != "_links"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:32]


def offer_id_of(product_id, variation_id) -> str:
    """The listing id of a simple product ("17") or a variation ("12:34", parent and variation)."""
    return f"{product_id}:{variation_id}" if variation_id else str(product_id)


def _vat(net: Decimal, tax: Decimal) -> str:
    if net <= 0:
        return ""
    rate = (tax * 100 / net).quantize(Decimal(1))
    return str(rate) if rate in (23, 8, 5, 0) else ""


def _line(item: dict) -> t.RemoteOrderLine:
    quantity = int(item.get("quantity") or 0)
    net, tax = money(item.get("total")), money(item.get("total_tax"))
    unit = ((net + tax) / quantity).quantize(CENT) if quantity else Decimal(0)
    return t.RemoteOrderLine(
        line_id=str(item.get("id", "")), offer_id=offer_id_of(item.get("product_id"), item.get("variation_id")),
        sku=str(item.get("sku") or ""), name=str(item.get("name") or ""), quantity=quantity, unit_price=unit,
        vat_rate=_vat(net, tax))


def _meta(data: dict) -> dict[str, object]:
    return {str(m.get("key")): m.get("value") for m in data.get("meta_data") or [] if isinstance(m, dict)}


def _address(part: dict) -> t.PostalAddress:
    street = " ".join(x for x in (part.get("address_1", ""), part.get("address_2", "")) if x)
    return t.PostalAddress(
        name=" ".join(x for x in (part.get("first_name", ""), part.get("last_name", "")) if x),
        company=part.get("company", "") or "", street=street, city=part.get("city", "") or "",
        postal_code=part.get("postcode", "") or "", country=part.get("country", "") or "",
        phone=part.get("phone", "") or "")


def _contact(data: dict) -> t.BuyerContact:
    billing, shipping = data.get("billing") or {}, data.get("shipping") or {}
    delivery = _address(shipping if shipping.get("address_1") else billing)
    return t.BuyerContact(email=billing.get("email", "") or "", name=_address(billing).name,
                          phone=billing.get("phone", "") or shipping.get("phone", "") or "", delivery=delivery,
                          message=data.get("customer_note", "") or "")


def _invoice(data: dict) -> t.InvoiceRequest | None:
    meta = _meta(data)
    nip = next((str(meta[k]).strip() for k in NIP_KEYS if str(meta.get(k) or "").strip()), "")
    if not nip:
        return None
    billing = data.get("billing") or {}
    address = _address(billing)
    return t.InvoiceRequest(company=billing.get("company", "") or "", tax_id=nip, person=address.name,
                            address=address)


def _payment(data: dict) -> str:
    status = data.get("status", "")
    if status == "refunded":
        return t.REFUNDED
    if data.get("payment_method") == "cod":  # the shop marks it paid on processing; the money comes on delivery
        return t.CASH_ON_DELIVERY
    if data.get("date_paid_gmt") or data.get("date_paid"):
        return t.PAID
    return t.UNPAID


def order_from_json(data: dict) -> t.RemoteOrder:
    """One order as the REST API and webhooks give it. Raises KeyError/ValueError on a malformed one."""
    status = str(data["status"])
    invoice = _invoice(data)
    updated = parse_gmt(data.get("date_modified_gmt")) or parse_gmt(data.get("date_created_gmt"))
    created = parse_gmt(data.get("date_created_gmt")) or updated
    if updated is None or created is None:
        raise ValueError("the order has no dates")
    paid = _payment(data)
    shipping_lines = data.get("shipping_lines") or []
    return t.RemoteOrder(
        external_id=str(int(data["id"])), revision=revision_of(data), updated_at=updated, bought_at=created,
        status=STATUS_FROM_SHOP.get(status, t.AWAITING_PAYMENT), channel_status=status,
        payment_status=paid, payment_method=str(data.get("payment_method_title") or data.get("payment_method")
                                                or "")[:40],
        currency=str(data.get("currency") or "PLN"), total=money(data.get("total")),
        delivery_cost=money(data.get("shipping_total")) + money(data.get("shipping_tax")),
        delivery_method=", ".join(str(s.get("method_title", "")) for s in shipping_lines if s.get("method_title")),
        lines=tuple(_line(item) for item in data.get("line_items") or []),
        invoice_required=invoice is not None,
        paid_amount=money(data.get("total")) if paid == t.PAID else None,
        contact=_contact(data), invoice=invoice, channel_took_stock=status in STOCK_TAKEN,
        also_means=also_means(status))


def shipments_from(data: dict) -> list[t.RemoteShipment]:
    """Tracking numbers Magazynier stored on the order (a meta field; WooCommerce core has no shipments)."""
    items = _meta(data).get(TRACKING_KEY) or []
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except ValueError:
            items = []
    return [t.RemoteShipment(shipment_id=str(i.get("id", "")), carrier_id=str(i.get("carrier", "")),
                             waybill=str(i.get("waybill", "")), carrier_name=str(i.get("carrier_name", "")))
            for i in items if isinstance(i, dict)]
