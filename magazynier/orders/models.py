"""One order list for every channel (../shared/DESIGN.md §2): orders, their lines as snapshots, shipments
and the audit trail.

* Buyer personal data is only what fulfilment (`contact`) and invoicing (`invoice_details`) need, stored
  encrypted as two JSON documents, so a retention job can pseudonymise the contact (`pseudonymised_at`)
  while the invoice data stays for the tax period. None of it is ever logged or put in `repr`/events.
* Changes the seller makes are sent back to the channel through an outbox written in the same transaction:
  `push_status` on the order (the fulfilment status still to send) and `Shipment.state` (tracking still to
  send). Only orders/actions.py writes these models.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from magazynier.core.crypto import EncryptedTextField
from magazynier.core.money import MoneyField
from magazynier.orders.status import PAYMENT_CHOICES, STATUS_CHOICES


class Order(models.Model):
    # what stock the order holds
    STOCK_NONE, STOCK_RESERVED, STOCK_RELEASED, STOCK_SHIPPED = "none", "reserved", "released", "shipped"
    STOCK_STATES = [(STOCK_NONE, _("no stock taken")), (STOCK_RESERVED, _("reserved")),
                    (STOCK_RELEASED, _("released")), (STOCK_SHIPPED, _("shipped"))]

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.PROTECT, related_name="orders",
                                verbose_name=_("account"))
    channel = models.CharField(_("channel"), max_length=20)
    external_id = models.CharField(_("order ID on the channel"), max_length=100)
    revision = models.CharField(max_length=64, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=STATUS_CHOICES, db_index=True)
    channel_status = models.CharField(_("status on the channel"), max_length=60, blank=True)
    payment_status = models.CharField(_("payment"), max_length=20, choices=PAYMENT_CHOICES)
    payment_method = models.CharField(_("payment method"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    total = MoneyField(_("total"))
    delivery_cost = MoneyField(_("delivery cost"), default=0)
    paid_amount = MoneyField(_("paid"), null=True, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=200, blank=True)
    invoice_requested = models.BooleanField(_("invoice requested"), default=False)
    unmatched = models.BooleanField(_("has unmatched lines"), default=False, db_index=True)
    oversold = models.BooleanField(_("oversold"), default=False, db_index=True)
    channel_took_stock = models.BooleanField(default=False)  # the channel's own stock is down by this order
    stock_state = models.CharField(_("stock"), max_length=10, choices=STOCK_STATES, default=STOCK_NONE)
    contact = EncryptedTextField(blank=True)  # JSON: login, email, name, phone, delivery address, pickup point
    invoice_details = EncryptedTextField(blank=True)  # JSON: company, tax id, person, address
    pseudonymised_at = models.DateTimeField(null=True, blank=True)
    push_status = models.CharField(max_length=20, blank=True)  # fulfilment status still to send to the channel
    push_attempts = models.PositiveIntegerField(default=0)
    push_after = models.DateTimeField(null=True, blank=True)
    push_error = models.TextField(blank=True)
    bought_at = models.DateTimeField(_("bought"), db_index=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-bought_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="order_unique_per_account"),
        ]
        indexes = [models.Index(fields=["push_after"], condition=~Q(push_status=""), name="order_push_due")]

    def __str__(self) -> str:
        return f"{self.number} ({self.channel})"

    def __repr__(self) -> str:
        return f"<Order {self.pk} {self.channel}:{self.external_id} {self.status}>"

    @property
    def number(self) -> str:
        """Magazynier's own order number, the same style for every channel."""
        return f"{self.pk:06d}" if self.pk else "—"

    def contact_data(self) -> dict:
        return json.loads(self.contact) if self.contact else {}

    def invoice_data(self) -> dict:
        return json.loads(self.invoice_details) if self.invoice_details else {}

    @property
    def reservation_reference(self) -> str:
        return f"order:{self.pk}"


class OrderLine(models.Model):
    """A snapshot of what was bought: later catalog edits do not change it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    line_id = models.CharField(max_length=100)
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="order_lines", verbose_name=_("variant"))
    offer_id = models.CharField(_("offer ID"), max_length=100, blank=True)
    sku = models.CharField("SKU", max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price (gross)"))
    vat_rate = models.CharField(_("VAT rate"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["order", "line_id"], name="orderline_unique_line")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku or self.name}"

    @property
    def matched(self) -> bool:
        return self.variant_id is not None


class Shipment(models.Model):
    PENDING, SENT, FAILED = "pending", "sent", "failed"
    STATES = [(PENDING, _("waiting to be sent")), (SENT, _("on the channel")), (FAILED, _("failed"))]

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order"))
    carrier_id = models.CharField(_("carrier"), max_length=40)
    carrier_name = models.CharField(_("carrier name"), max_length=60, blank=True)
    waybill = models.CharField(_("tracking number"), max_length=64)
    remote_id = models.CharField(max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["order", "waybill"], name="shipment_unique_waybill")]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.waybill}"


class OrderEvent(models.Model):
    """The order's audit trail. Messages never contain personal data."""

    CHANNEL, SELLER, SYSTEM = "channel", "seller", "system"
    SOURCES = [(CHANNEL, _("channel")), (SELLER, _("seller")), (SYSTEM, _("Magazynier"))]

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    kind = models.CharField(_("event"), max_length=40)
    source = models.CharField(_("source"), max_length=10, choices=SOURCES, default=SYSTEM)
    message = models.TextField(_("message"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("user"))
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"
