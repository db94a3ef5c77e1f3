"""Allegro's checkout forms and order events as plain values (pure: JSON in, channels.types out).

Allegro keeps two states per order: the checkout form's (BOUGHT, FILLED_IN, READY_FOR_PROCESSING, CANCELLED)
and the seller's fulfilment (NEW, PROCESSING, …). Magazynier shows one status; the mapping is here and only
here, in both directions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from magazynier.channels import types as t

FULFILLMENT_TO_STATUS = {
    "NEW": t.NEW, "PROCESSING": t.PROCESSING, "READY_FOR_SHIPMENT": t.READY_FOR_SHIPMENT,
    "READY_FOR_PICKUP": t.READY_FOR_PICKUP, "SENT": t.SENT, "PICKED_UP": t.PICKED_UP,
    "SUSPENDED": t.SUSPENDED, "CANCELLED": t.CANCELLED, "RETURNED": t.RETURNED,
}
STATUS_TO_FULFILLMENT = {status: name for name, status in FULFILLMENT_TO_STATUS.items()
                         if status != t.RETURNED}  # only Allegro sets RETURNED


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _amount(price: dict | None) -> Decimal | None:
    if not price or price.get("amount") is None:
        return None
    return Decimal(str(price["amount"]))


def status_of(form: dict) -> str:
    checkout = form.get("status", "")
    fulfillment = (form.get("fulfillment") or {}).get("status", "NEW")
    if checkout == "CANCELLED":
        return t.CANCELLED
    if checkout in ("BOUGHT", "FILLED_IN"):
        return t.CANCELLED if fulfillment == "CANCELLED" else t.AWAITING_PAYMENT
    return FULFILLMENT_TO_STATUS.get(fulfillment, t.NEW)


def payment_of(form: dict) -> tuple[str, str, Decimal | None]:
    payment = form.get("payment") or {}
    kind = payment.get("type", "")
    paid = _amount(payment.get("paidAmount"))
    if kind == "CASH_ON_DELIVERY":
        status = t.CASH_ON_DELIVERY
    elif payment.get("finishedAt"):
        status = t.PAID
    else:
        status = t.UNPAID
    return status, kind, paid


def _vat(tax: dict | None) -> str:
    rate = (tax or {}).get("rate")
    if rate in (None, ""):
        return "zw" if (tax or {}).get("exemption") else ""
    value = Decimal(str(rate))
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


def _line(item: dict) -> t.RemoteOrderLine:
    offer = item.get("offer") or {}
    return t.RemoteOrderLine(
        line_id=str(item["id"]), offer_id=str(offer.get("id", "")),
        sku=str((offer.get("external") or {}).get("id") or ""), name=str(offer.get("name", "")),
        quantity=int(item["quantity"]), unit_price=_amount(item.get("price")) or Decimal(0),
        original_unit_price=_amount(item.get("originalPrice")), vat_rate=_vat(item.get("tax")),
    )


def _person(data: dict) -> str:
    return " ".join(p for p in (data.get("firstName", ""), data.get("lastName", "")) if p)


def _contact(form: dict) -> t.BuyerContact:
    buyer = form.get("buyer") or {}
    delivery = form.get("delivery") or {}
    address = delivery.get("address")
    postal = None
    if address:
        postal = t.PostalAddress(name=_person(address), company=address.get("companyName") or "",
                                 street=address.get("street", ""), city=address.get("city", ""),
                                 postal_code=address.get("zipCode", ""), country=address.get("countryCode", ""),
                                 phone=address.get("phoneNumber") or "")
    point = delivery.get("pickupPoint") or {}
    pickup = ""
    if point:
        where = point.get("address") or {}
        place = ", ".join(x for x in (where.get("street", ""), f"{where.get('zipCode', '')} {where.get('city', '')}"
                                      .strip()) if x)
        pickup = " — ".join(x for x in (point.get("id", ""), point.get("name", ""), place) if x)
    return t.BuyerContact(login=buyer.get("login", ""), email=buyer.get("email", ""), name=_person(buyer),
                          phone=buyer.get("phoneNumber") or "", delivery=postal, pickup_point=pickup,
                          message=form.get("messageToSeller") or "")


def _invoice(form: dict) -> t.InvoiceRequest | None:
    info = form.get("invoice") or {}
    address = info.get("address")
    if not info.get("required") or not address:
        return None
    company = address.get("company") or {}
    ids = company.get("ids") or []
    nip = next((i["value"] for i in ids if i.get("type") == "PL_NIP"), "") or (ids[0]["value"] if ids else "")
    postal = t.PostalAddress(street=address.get("street", ""), city=address.get("city", ""),
                             postal_code=address.get("zipCode", ""), country=address.get("countryCode", ""))
    return t.InvoiceRequest(company=company.get("name", ""), tax_id=nip or company.get("taxId") or "",
                            person=_person(address.get("naturalPerson") or {}), address=postal)


def order_from_form(form: dict) -> t.RemoteOrder:
    lines = tuple(_line(item) for item in form.get("lineItems") or [])
    payment_status, payment_method, paid = payment_of(form)
    delivery = form.get("delivery") or {}
    summary = (form.get("summary") or {}).get("totalToPay") or {}
    bought = min((parse_time(i.get("boughtAt")) for i in form.get("lineItems") or [] if i.get("boughtAt")),
                 default=None)
    updated = parse_time(form.get("updatedAt"))
    fulfillment = form.get("fulfillment") or {}
    return t.RemoteOrder(
        external_id=str(form["id"]), revision=str(form.get("revision", "")),
        updated_at=updated or bought, bought_at=bought or updated,
        status=status_of(form),
        channel_status=f"{form.get('status', '')}/{fulfillment.get('status', '')}",
        payment_status=payment_status, payment_method=payment_method, paid_amount=paid,
        currency=summary.get("currency", "PLN"), total=_amount(summary) or Decimal(0),
        delivery_cost=_amount(delivery.get("cost")) or Decimal(0),
        delivery_method=(delivery.get("method") or {}).get("name", ""),
        lines=lines, invoice_required=bool((form.get("invoice") or {}).get("required")),
        lines_sent=(fulfillment.get("shipmentSummary") or {}).get("lineItemsSent", ""),
        contact=_contact(form), invoice=_invoice(form),
    )


def event_ref(event: dict) -> t.OrderEventRef:
    order = event.get("order") or {}
    return t.OrderEventRef(event_id=str(event["id"]), kind=str(event.get("type", "")),
                           order_id=str((order.get("checkoutForm") or {}).get("id", "")),
                           occurred_at=parse_time(event.get("occurredAt")))


def shipment_from(data: dict) -> t.RemoteShipment:
    return t.RemoteShipment(shipment_id=str(data.get("id", "")), carrier_id=str(data.get("carrierId", "")),
                            waybill=str(data.get("waybill", "")), carrier_name=str(data.get("carrierName") or ""),
                            line_ids=tuple(str(li.get("id")) for li in data.get("lineItems") or []))
