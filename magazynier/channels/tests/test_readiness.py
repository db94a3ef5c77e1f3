"""The readiness audit knows Allegro once an account is connected: category mappings and required parameters."""

from __future__ import annotations

from magazynier.catalog.audit import CHECKS, audit_catalog, summarise
from magazynier.catalog.models import Product
from magazynier.channels.models import CategoryMapping, ProductMatch
from magazynier.channels.readiness import all_checks
from magazynier.channels.tests.test_offers import ready_account  # noqa: F401  (fixture)


def _codes(product_key: str) -> dict[str, set[str]]:
    audits = {a.key: a for a in audit_catalog(checks=all_checks())}
    by_code: dict[str, set[str]] = {}
    for blocker in audits[product_key].blockers:
        by_code.setdefault(blocker.code, set()).add(str(blocker.message))
    return by_code


def test_without_an_account_the_audit_has_no_allegro_checks(db):
    assert all_checks() == CHECKS


def test_unmapped_category_and_missing_parameters_block_the_product(ready_account):  # noqa: F811
    assert "allegro_category" not in _codes("woo-hoodie-with-pocket")
    CategoryMapping.objects.filter(category__path="Clothing > Hoodies").delete()
    ProductMatch.objects.filter(variant__product__key="woo-hoodie-with-pocket").delete()
    assert "allegro_category" in _codes("woo-hoodie-with-pocket")

    mapping = CategoryMapping.objects.get(category__path="Clothing > Tshirts")
    mapping.fixed_values = {}
    mapping.save()  # the seller has not chosen a brand for "Woo" yet
    ProductMatch.objects.filter(variant__product__key="woo-long-sleeve-tee").delete()
    blockers = _codes("woo-long-sleeve-tee")
    assert any("Marka" in m for m in blockers["allegro_parameters"])

    summary, _audits = summarise(audit_catalog(checks=all_checks()), all_checks())
    labels = {code: str(label) for code, label, _n in summary.top_blockers}
    assert "allegro_parameters" in labels and "allegro_category" in labels
    assert Product.objects.count() == summary.total
