"""The demo catalog: WooCommerce's sample export made sellable, deterministically.

The sample has no EANs and no stock. `enrich_sample` writes a copy of the file with what a real seller's export
would carry — an EAN (GTIN) for every product and variation without one, a stock level, an image where a row has
none, the brand, a model for one-word names — and the copy goes through the ordinary import. The values depend only on the SKU, so every demo run starts
from the same catalog. The same writer, given other stock levels, makes the demo's faulty export (every level
0) and the right one that follows it.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

EAN_COLUMN = "GTIN, UPC, EAN, or ISBN"  # the column WooCommerce's own exporter writes
EAN_PREFIX = "590"  # GS1 Poland
STOCK_RANGE = (3, 12)  # units per variant: small, so the buyers bring offers down to the buffer in minutes
SELLABLE_TYPES = {"simple", "variation"}
BRAND = "WooCommerce"  # the sample's maker; Allegro titles read "brand + name + model"
MODEL = "Classic"  # for one-word names, so the title has the three words Allegro asks for
ATTRIBUTE_FIELDS = ("name", "value(s)", "visible", "global")


def _digest(sku: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{sku}".encode()).digest()[:8], "big")


def ean_check_digit(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def ean_for(sku: str) -> str:
    """A valid EAN-13 under the Polish prefix, the same for the same SKU."""
    body = f"{EAN_PREFIX}{_digest(sku, 'ean') % 10**9:09d}"
    return body + ean_check_digit(body)


def stock_for(sku: str) -> int:
    low, high = STOCK_RANGE
    return low + _digest(sku, "stock") % (high - low + 1)


def image_for(sku: str) -> str:
    return f"https://picsum.photos/seed/{sku}/800/800"


def _row_types(row: dict[str, str]) -> set[str]:
    return {t.strip().lower() for t in (row.get("Type") or "").split(",")}


def _add_model(row: dict[str, str], headers: list[str]) -> None:
    """The Model as the row's first free "Attribute N" (a seller's own attributes stay as they are)."""
    number = 1
    while (row.get(f"Attribute {number} name") or "").strip():
        number += 1
    for field, value in zip(ATTRIBUTE_FIELDS, ("Model", MODEL, "1", "0"), strict=True):
        header = f"Attribute {number} {field}"
        if header not in headers:
            headers.append(header)
        row[header] = value


def enrich_sample(source: Path, target: Path, stock: dict[str, int] | None = None) -> dict[str, int]:
    """Write `target`: `source` with EAN, stock and image filled where missing; with `stock`, those levels
    replace every row's (the demo's faulty export, and the right one after it). Returns {sku: units}."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        headers = list(reader.fieldnames or [])
        rows = list(reader)
    headers += [h for h in (EAN_COLUMN, "Brands") if h not in headers]
    used: set[str] = {r[EAN_COLUMN] for r in rows if r.get(EAN_COLUMN)}
    written: dict[str, int] = {}
    for row in rows:
        sku = (row.get("SKU") or "").strip()
        if not sku:
            continue
        if not (row.get("Brands") or "").strip():
            row["Brands"] = BRAND
        if not _row_types(row) & SELLABLE_TYPES:
            continue
        if len((row.get("Name") or "").split()) < 2 and not (row.get("Parent") or "").strip():
            _add_model(row, headers)
        if not (row.get(EAN_COLUMN) or "").strip():
            ean, salt = ean_for(sku), 0
            while ean in used:  # two SKUs hashing alike: the next one, still deterministic
                salt += 1
                ean = ean_for(f"{sku}#{salt}")
            row[EAN_COLUMN] = ean
            used.add(ean)
        if stock is not None and sku in stock:
            row["Stock"] = str(stock[sku])
        elif not (row.get("Stock") or "").strip():
            row["Stock"] = str(stock_for(sku))
        row["In stock?"] = "1" if int(row["Stock"]) > 0 else "0"
        if not (row.get("Images") or "").strip():
            row["Images"] = image_for(sku)
        written[sku] = int(row["Stock"])
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return written
