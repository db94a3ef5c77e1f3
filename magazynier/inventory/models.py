"""Stock: warehouses, levels per variant and warehouse, the append-only movement ledger, reservations.

All writes go through inventory/actions.py, which locks rows in a fixed order; nothing else updates
StockLevel, and nothing updates or deletes a StockMovement.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from magazynier.catalog.models import Variant


class Warehouse(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_levels", verbose_name=_("variant"))
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("warehouse")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["variant__sku", "warehouse__code"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stocklevel_one_per_variant_warehouse"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.variant.sku} @ {self.warehouse.code}: {self.on_hand}"

    @property
    def available(self) -> int:
        """on_hand − reserved, never negative (an oversold order can reserve more than is on hand)."""
        return max(0, self.on_hand - self.reserved)


def available_expression() -> models.Case:
    """on_hand − reserved, never below 0, as a database expression (for filters, sorting and sums)."""
    return models.Case(
        models.When(on_hand__gt=F("reserved"), then=F("on_hand") - F("reserved")), default=0,
        output_field=models.IntegerField(),
    )


class MovementReason(models.TextChoices):
    IMPORT = "import", _("catalog import")
    ADJUSTMENT = "adjustment", _("manual adjustment")
    STOCKTAKE = "stocktake", _("stocktake")
    DELIVERY = "delivery", _("delivery")
    SALE = "sale", _("sale shipped")
    RETURN = "return", _("return")
    DAMAGE = "damage", _("damage or loss")
    TRANSFER = "transfer", _("transfer between warehouses")


class AppendOnlyError(Exception):
    pass


class StockMovement(models.Model):
    """One change of on-hand stock. Append-only: the ledger is the history that explains every level."""

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="movements", verbose_name=_("variant"))
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="movements", verbose_name=_("warehouse")
    )
    delta = models.IntegerField(_("change"))
    on_hand_after = models.IntegerField(_("on hand after"))
    reason = models.CharField(_("reason"), max_length=20, choices=MovementReason.choices)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="stockmovement_delta_not_zero"),
            models.CheckConstraint(condition=Q(on_hand_after__gte=0), name="stockmovement_after_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id} {self.delta:+d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("stock movements are append-only; record a correcting movement instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("stock movements are append-only; record a correcting movement instead")


class Reservation(models.Model):
    """Units promised to an order that has not shipped yet."""

    ACTIVE = "active"
    RELEASED = "released"
    CONSUMED = "consumed"
    STATES = [(ACTIVE, _("active")), (RELEASED, _("released")), (CONSUMED, _("shipped"))]

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("variant"))
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("warehouse")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    reference = models.CharField(_("reference"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default=ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive"),
            models.UniqueConstraint(
                fields=["reference", "variant", "warehouse"], name="reservation_unique_per_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} × {self.variant_id}"
