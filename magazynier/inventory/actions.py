"""The only writes of stock. Each call is one transaction; rows are locked in (variant, warehouse) order,
so concurrent callers never deadlock and never lose an update.

On PostgreSQL `select_for_update` takes row locks. On SQLite every write transaction starts with
BEGIN IMMEDIATE (settings), which serialises writers for the whole database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from magazynier.core import changes as data_changes
from magazynier.inventory.availability import ReservationSplit, Stock, split_reservation
from magazynier.inventory.exceptions import NegativeStockError, StockError
from magazynier.inventory.models import MovementReason, Reservation, StockLevel, StockMovement, Warehouse


@dataclass(frozen=True)
class StockChange:
    """Either a relative change (`delta`) or a count (`set_to`, e.g. a stocktake or an import)."""

    variant_id: int
    warehouse_id: int
    reason: str
    delta: int | None = None
    set_to: int | None = None
    reference: str = ""

    def __post_init__(self):
        if (self.delta is None) == (self.set_to is None):
            raise StockError("give exactly one of delta or set_to")
        if self.set_to is not None and self.set_to < 0:
            raise StockError(f"a stock count cannot be negative (got {self.set_to})")
        if self.reason not in MovementReason.values:
            raise StockError(f"unknown movement reason {self.reason!r}")


def _locked_levels(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Create missing levels, then lock all of them in a fixed order."""
    keys = sorted(set(keys))
    StockLevel.objects.bulk_create(
        [StockLevel(variant_id=v, warehouse_id=w) for v, w in keys], ignore_conflicts=True
    )
    by_variant: dict[int, set[int]] = {}
    for v, w in keys:
        by_variant.setdefault(v, set()).add(w)
    levels = (
        StockLevel.objects.select_for_update()
        .filter(variant_id__in=by_variant, warehouse_id__in={w for _, w in keys})
        .select_related("variant", "warehouse")
        .order_by("variant_id", "warehouse_id")
    )
    return {(lv.variant_id, lv.warehouse_id): lv for lv in levels if lv.warehouse_id in by_variant[lv.variant_id]}


def _save_on_hand(levels: list[StockLevel]) -> None:
    """One parameterised UPDATE run for many rows (bulk_update's CASE expressions are far slower)."""
    if not levels:
        return
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET on_hand = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                           [(lv.on_hand, now, lv.pk) for lv in levels])


def apply_stock_changes(changes: Iterable[StockChange], *, user=None) -> list[StockMovement]:
    """Apply all changes or none. Returns the movements written (no-op changes write nothing)."""
    changes = list(changes)
    if not changes:
        return []
    movements: list[StockMovement] = []
    with transaction.atomic():
        levels = _locked_levels((c.variant_id, c.warehouse_id) for c in changes)
        for change in changes:
            level = levels[(change.variant_id, change.warehouse_id)]
            delta = change.delta if change.delta is not None else change.set_to - level.on_hand
            if delta == 0:
                continue
            if level.on_hand + delta < 0:
                raise NegativeStockError(level.variant.sku, level.warehouse.code, level.on_hand, delta)
            level.on_hand += delta
            movements.append(
                StockMovement(
                    variant_id=change.variant_id, warehouse_id=change.warehouse_id, delta=delta,
                    on_hand_after=level.on_hand, reason=change.reason, reference=change.reference[:200], user=user,
                )
            )
        _save_on_hand([levels[key] for key in sorted({(m.variant_id, m.warehouse_id) for m in movements})])
        StockMovement.objects.bulk_create(movements, batch_size=500)
        data_changes.changed(data_changes.STOCK, {m.variant_id for m in movements})
    return movements


def adjust_stock(variant_id: int, warehouse_id: int, delta: int, *, reason: str, reference: str = "", user=None):
    return apply_stock_changes([StockChange(variant_id, warehouse_id, reason, delta=delta, reference=reference)], user=user)


def set_stock(variant_id: int, warehouse_id: int, quantity: int, *, reason: str, reference: str = "", user=None):
    return apply_stock_changes(
        [StockChange(variant_id, warehouse_id, reason, set_to=quantity, reference=reference)], user=user
    )


def reserve(variant_id: int, warehouse_id: int, quantity: int, *, reference: str) -> Reservation:
    """Promise units to an order. Idempotent per (reference, variant, warehouse). Reserving more than is
    available is allowed (an order is never dropped); availability then shows 0 and the order is oversold."""
    if quantity <= 0:
        raise StockError("a reservation needs a positive quantity")
    with transaction.atomic():
        level = _locked_levels([(variant_id, warehouse_id)])[(variant_id, warehouse_id)]
        existing = Reservation.objects.filter(
            reference=reference, variant_id=variant_id, warehouse_id=warehouse_id
        ).first()
        if existing is not None:
            return existing
        StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") + quantity, updated_at=timezone.now())
        reservation = Reservation.objects.create(
            variant_id=variant_id, warehouse_id=warehouse_id, quantity=quantity, reference=reference
        )
        data_changes.changed(data_changes.ORDER, {variant_id})
        return reservation


def _active_reservations(reference: str) -> tuple[list[Reservation], dict[tuple[int, int], StockLevel]]:
    """The active reservations of `reference` and their stock levels, locked (inside a transaction)."""
    active = list(Reservation.objects.filter(reference=reference, state=Reservation.ACTIVE))
    return active, (_locked_levels((r.variant_id, r.warehouse_id) for r in active) if active else {})


def release(reference: str) -> int:
    """Give back the active reservations of `reference` (e.g. a cancelled order). Returns units released."""
    with transaction.atomic():
        active, levels = _active_reservations(reference)
        if not active:
            return 0
        now = timezone.now()
        for r in active:
            StockLevel.objects.filter(pk=levels[(r.variant_id, r.warehouse_id)].pk).update(
                reserved=F("reserved") - r.quantity, updated_at=now
            )
        Reservation.objects.filter(pk__in=[r.pk for r in active]).update(state=Reservation.RELEASED, closed_at=now)
        data_changes.changed(data_changes.ORDER, {r.variant_id for r in active})
        return sum(r.quantity for r in active)


def reserve_across(variant_id: int, quantity: int, *, reference: str,
                   warehouse_ids: Iterable[int] | None = None) -> ReservationSplit:
    """Reserve `quantity` units for an order line from the warehouses that feed its channel (None: every
    active warehouse), most available first, in one transaction. Never refuses: units the pool lacks are
    reserved anyway and reported as `short` (the order is oversold). Idempotent per reference: a second
    call returns what the first reserved, with short 0."""
    with transaction.atomic():
        candidates = list(warehouse_ids) if warehouse_ids is not None else []
        if not candidates:
            candidates = list(Warehouse.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        if not candidates:
            raise StockError("no active warehouse to reserve stock in: add one first")
        existing = list(Reservation.objects.filter(reference=reference, variant_id=variant_id))
        if existing:
            return ReservationSplit(tuple(sorted((r.warehouse_id, r.quantity) for r in existing)), 0)
        rows = StockLevel.objects.filter(variant_id=variant_id, warehouse_id__in=candidates)
        present = [w for w in candidates if w in set(rows.values_list("warehouse_id", flat=True))]
        levels = _locked_levels([(variant_id, w) for w in present]) if present else {}
        split = split_reservation(quantity, [Stock(w, lv.on_hand, lv.reserved) for (_v, w), lv in levels.items()],
                                  candidates)
        locked = _locked_levels([(variant_id, w) for w, _n in split.parts])
        now = timezone.now()
        for warehouse_id, units in split.parts:
            StockLevel.objects.filter(pk=locked[(variant_id, warehouse_id)].pk).update(
                reserved=F("reserved") + units, updated_at=now)
        Reservation.objects.bulk_create([Reservation(variant_id=variant_id, warehouse_id=w, quantity=n,
                                                     reference=reference) for w, n in split.parts])
        data_changes.changed(data_changes.ORDER, {variant_id})
        return split


def consume(reference: str, *, user=None) -> int:
    """The order shipped: its active reservations leave the warehouse as SALE movements (on hand and
    reserved both go down). A reservation larger than what is on hand (an oversold order that shipped
    anyway) takes the level to 0. Returns the units that left."""
    with transaction.atomic():
        active, levels = _active_reservations(reference)
        if not active:
            return 0
        now = timezone.now()
        movements = []
        for r in active:
            level = levels[(r.variant_id, r.warehouse_id)]
            leaving = min(r.quantity, level.on_hand)
            level.on_hand -= leaving
            StockLevel.objects.filter(pk=level.pk).update(on_hand=level.on_hand,
                                                          reserved=F("reserved") - r.quantity, updated_at=now)
            if leaving:
                movements.append(StockMovement(variant_id=r.variant_id, warehouse_id=r.warehouse_id, delta=-leaving,
                                               on_hand_after=level.on_hand, reason=MovementReason.SALE,
                                               reference=reference[:200], user=user))
        StockMovement.objects.bulk_create(movements)
        Reservation.objects.filter(pk__in=[r.pk for r in active]).update(state=Reservation.CONSUMED, closed_at=now)
        data_changes.changed(data_changes.ORDER, {r.variant_id for r in active})
        return sum(m.delta for m in movements) * -1
