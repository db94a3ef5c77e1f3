"""A shop's products as catalog import records (pure: the REST JSON in, catalog.importing records out).

Simple products become one variant with the product's SKU; variable products become a product whose
variants are the variations. Stock is taken only where the shop counts it per item: a variation whose stock
the parent keeps ("parent") has no stock of its own, so its stock stays unknown rather than the parent's
number copied onto every variation (that would multiply the stock). Grouped and external products have no
stock and are skipped with a reason; a product or variation without SKU cannot be linked and is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from magazynier.catalog.importing.rows import ERROR, SKIPPED, ProductRecord, Record, RowProblem, VariantRecord
from magazynier.catalog.importing.values import ValueProblem, clean_text, parse_ean


def _price(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _stock(item: dict) -> int | None:
    if item.get("manage_stock") is True and item.get("stock_quantity") is not None:
        return max(0, int(item["stock_quantity"]))
    return None


def _ean(item: dict) -> str | None:
    try:
        return parse_ean(item.get("global_unique_id") or "")
    except ValueProblem:
        return None


def _weight(item: dict) -> Decimal | None:
    value = _price(item.get("weight"))
    return value if value is not None and value > 0 else None


def _images(item: dict) -> tuple[str, ...]:
    images = item.get("images") or ([item["image"]] if item.get("image") else [])
    return tuple(str(i.get("src")) for i in images if isinstance(i, dict) and i.get("src"))


def _where(product: dict, variation: dict | None = None) -> str:
    name = clean_text(product.get("name")) or f"#{product.get('id')}"
    return f"{name} (ID {product.get('id')}" + (f", wariant {variation.get('id')})" if variation else ")")


def records_from(products: Iterable[tuple[dict, list[dict]]]) -> Iterator[Record]:
    """Records in the order the catalog importer takes them (a product, then its variants); `row` counts
    the shop's items from 2, as a file's rows do, so reports read the same."""
    row = 1
    for product, variations in products:
        row += 1
        kind = product.get("type")
        if kind not in ("simple", "variable"):
            yield RowProblem(row, "type", f"{_where(product)}: produkt typu „{kind}” nie ma własnego stanu — "
                                          "pominięty.", str(kind), kind=SKIPPED, code="not_stocked")
            continue
        sku = clean_text(product.get("sku"))
        key = sku or (f"WOO-{product.get('id')}" if kind == "variable" else "")
        if not key:
            yield RowProblem(row, "sku", f"{_where(product)}: brak SKU — nadaj go w WooCommerce (Dane produktu → "
                                         "Magazyn) i zaimportuj ponownie.", kind=ERROR, code="missing_sku")
            continue
        categories = product.get("categories") or []
        parent = ProductRecord(
            row=row, key=key, kind=kind, name=clean_text(product.get("name")) or key,
            description=str(product.get("description") or ""),
            short_description=str(product.get("short_description") or ""),
            category_path=(clean_text(categories[0].get("name")),) if categories else (),
            tags=tuple(clean_text(t.get("name")) for t in product.get("tags") or [] if t.get("name")),
            images=_images(product),
            attributes=tuple((clean_text(a.get("name")), ", ".join(a.get("options") or []))
                             for a in product.get("attributes") or [] if not a.get("variation")),
            weight_kg=_weight(product), is_active=product.get("status") == "publish",
            is_virtual=bool(product.get("virtual")), source_id=str(product.get("id")))
        yield parent
        if kind == "simple":
            yield VariantRecord(row=row, product_key=key, sku=key, name=parent.name, ean=_ean(product),
                                price=_price(product.get("regular_price")),
                                sale_price=_price(product.get("sale_price")), stock=_stock(product),
                                images=parent.images, weight_kg=parent.weight_kg)
            continue
        for variation in variations:
            row += 1
            vsku = clean_text(variation.get("sku"))
            if not vsku:
                yield RowProblem(row, "sku", f"{_where(product, variation)}: wariant bez SKU — nadaj mu SKU w "
                                             "WooCommerce i zaimportuj ponownie.", kind=ERROR, code="missing_sku")
                continue
            options = tuple((clean_text(a.get("name")), clean_text(a.get("option")))
                            for a in variation.get("attributes") or [] if a.get("option"))
            name = f"{parent.name} — {' / '.join(v for _n, v in options)}" if options else parent.name
            yield VariantRecord(row=row, product_key=key, sku=vsku, name=name, ean=_ean(variation),
                                price=_price(variation.get("regular_price")),
                                sale_price=_price(variation.get("sale_price")), stock=_stock(variation),
                                attributes=options, images=_images(variation) or parent.images,
                                weight_kg=_weight(variation) or parent.weight_kg)
