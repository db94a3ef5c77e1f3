import threading

import pytest
from django.db import connection

from magazynier.catalog.models import Product, Variant
from magazynier.inventory.actions import (
    StockChange,
    adjust_stock,
    apply_stock_changes,
    release,
    reserve,
    set_stock,
)
from magazynier.inventory.exceptions import NegativeStockError, StockError
from magazynier.inventory.models import AppendOnlyError, MovementReason, StockLevel, StockMovement, Warehouse


def make_variant(sku: str) -> Variant:
    product = Product.objects.create(key=sku, name=f"Produkt {sku}")
    return Variant.objects.create(product=product, sku=sku, name=f"Produkt {sku}")


@pytest.fixture
def main(db):
    return Warehouse.objects.create(code="glowny", name="Magazyn główny")


def level(variant, warehouse) -> StockLevel:
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def test_adjustments_write_the_ledger_and_the_level(main):
    v = make_variant("A-1")
    adjust_stock(v.pk, main.pk, 10, reason=MovementReason.DELIVERY, reference="PZ 1/2026")
    adjust_stock(v.pk, main.pk, -3, reason=MovementReason.DAMAGE, reference="protokół 7")
    set_stock(v.pk, main.pk, 5, reason=MovementReason.STOCKTAKE, reference="inwentaryzacja")

    assert level(v, main).on_hand == 5
    ledger = list(StockMovement.objects.filter(variant=v).order_by("id").values_list("delta", "on_hand_after",
                                                                                      "reason", "reference"))
    assert ledger == [
        (10, 10, "delivery", "PZ 1/2026"),
        (-3, 7, "damage", "protokół 7"),
        (-2, 5, "stocktake", "inwentaryzacja"),
    ]


def test_a_count_equal_to_the_level_writes_no_movement(main):
    v = make_variant("A-2")
    set_stock(v.pk, main.pk, 4, reason=MovementReason.STOCKTAKE)
    assert set_stock(v.pk, main.pk, 4, reason=MovementReason.STOCKTAKE) == []
    assert StockMovement.objects.filter(variant=v).count() == 1


def test_a_batch_that_would_go_negative_writes_nothing(main):
    a, b = make_variant("A-3"), make_variant("B-3")
    set_stock(a.pk, main.pk, 5, reason=MovementReason.STOCKTAKE)
    set_stock(b.pk, main.pk, 1, reason=MovementReason.STOCKTAKE)

    with pytest.raises(NegativeStockError) as err:
        apply_stock_changes([
            StockChange(a.pk, main.pk, MovementReason.ADJUSTMENT, delta=-2),
            StockChange(b.pk, main.pk, MovementReason.ADJUSTMENT, delta=-2),
        ])

    assert "B-3" in str(err.value) and "-2" in str(err.value)
    assert (level(a, main).on_hand, level(b, main).on_hand) == (5, 1)
    assert StockMovement.objects.count() == 2  # only the two counts above


def test_negative_counts_and_unknown_reasons_are_refused():
    with pytest.raises(StockError):
        StockChange(1, 1, MovementReason.STOCKTAKE, set_to=-1)
    with pytest.raises(StockError):
        StockChange(1, 1, "because", delta=1)


def test_the_ledger_is_append_only(main):
    v = make_variant("A-4")
    [movement] = adjust_stock(v.pk, main.pk, 2, reason=MovementReason.DELIVERY)
    movement = StockMovement.objects.get(pk=movement.pk)
    movement.delta = 200
    with pytest.raises(AppendOnlyError):
        movement.save()
    with pytest.raises(AppendOnlyError):
        movement.delete()
    assert StockMovement.objects.get(pk=movement.pk).delta == 2


def test_reservations_lower_available_but_never_below_zero(main):
    v = make_variant("A-5")
    set_stock(v.pk, main.pk, 3, reason=MovementReason.STOCKTAKE)
    reserve(v.pk, main.pk, 2, reference="allegro:zam-1")
    reserve(v.pk, main.pk, 2, reference="allegro:zam-1")  # the same order again: no double reservation
    assert (level(v, main).reserved, level(v, main).available) == (2, 1)

    reserve(v.pk, main.pk, 5, reference="sklep:zam-2")  # oversold: kept, available shows 0
    assert (level(v, main).reserved, level(v, main).available) == (7, 0)

    assert release("allegro:zam-1") == 2
    assert release("allegro:zam-1") == 0
    assert (level(v, main).reserved, level(v, main).available) == (5, 0)


def _hammer(variant_ids, warehouse_id, rounds, errors, barrier, reverse):
    try:
        barrier.wait()
        for i in range(rounds):
            ids = list(reversed(variant_ids)) if (reverse ^ (i % 2 == 0)) else list(variant_ids)
            apply_stock_changes([StockChange(v, warehouse_id, MovementReason.DELIVERY, delta=1) for v in ids])
    except Exception as exc:  # surfaced by the test
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_adjustments_never_lose_an_update():
    """Real concurrent transactions (threads, one connection each) adjust the same two rows, listed in
    opposite orders. Every increment must land, the ledger must explain the level, and no deadlock."""
    main = Warehouse.objects.create(code="glowny", name="Magazyn główny")
    a, b = make_variant("RACE-A"), make_variant("RACE-B")
    threads, rounds = 6, 20
    errors: list[Exception] = []
    barrier = threading.Barrier(threads)
    workers = [
        threading.Thread(target=_hammer, args=([a.pk, b.pk], main.pk, rounds, errors, barrier, n % 2 == 1))
        for n in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)

    assert errors == []
    expected = threads * rounds
    for v in (a, b):
        assert level(v, main).on_hand == expected
        after = sorted(StockMovement.objects.filter(variant=v).values_list("on_hand_after", flat=True))
        assert after == list(range(1, expected + 1))  # each change saw the one before it
