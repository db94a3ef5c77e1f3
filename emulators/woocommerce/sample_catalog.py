"""Demo catalogs: WooCommerce's sample product CSV (read with the csv module) or a generated Polish one.

Loading goes through the same catalog methods as the REST API, so ``product.created`` webhooks fire."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .products import Product

if TYPE_CHECKING:
    from .world import World


def _price(text: str) -> str:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return ""
    try:
        Decimal(text)
    except ArithmeticError:
        return ""
    return text


def _attributes(row: dict[str, str], variation: bool) -> list[dict[str, Any]]:
    result = []
    for number in (1, 2, 3):
        name = (row.get(f"Attribute {number} name") or "").strip()
        if not name:
            continue
        values = (row.get(f"Attribute {number} value(s)") or "").strip()
        is_global = (row.get(f"Attribute {number} global") or "") == "1"
        if variation:
            result.append({"id": 0, "name": name, "option": values})
        else:
            result.append({"id": 0, "name": name, "slug": f"pa_{name.lower()}" if is_global else name.lower(),
                           "position": number - 1, "visible": (row.get(f"Attribute {number} visible") or "1") == "1",
                           "variation": False, "options": [v.strip() for v in values.split(",") if v.strip()]})
    return result


def load_csv(world: World, path: str | Path) -> list[int]:
    """Load WooCommerce's sample CSV (UTF-8 with BOM). Rows whose SKU exists already are skipped.
    Returns the ids created. Caller holds the world lock."""
    catalog = world.catalog
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    created: list[int] = []
    by_csv_id: dict[str, Product] = {}
    grouped: list[tuple[Product, str]] = []
    for row in rows:
        types = [t.strip() for t in (row.get("Type") or "simple").split(",")]
        if "variation" in types:
            continue
        sku = (row.get("SKU") or "").strip()
        if sku and catalog.find_sku(sku):
            continue
        kind = next((t for t in types if t in ("simple", "variable", "grouped", "external")), "simple")
        item = Product(id=world.next_post_id(), type=kind, name=row.get("Name", ""),
                       status="publish" if row.get("Published") == "1" else "draft",
                       featured=row.get("Is featured?") == "1",
                       catalog_visibility=row.get("Visibility in catalog") or "visible",
                       short_description=row.get("Short description", ""), description=row.get("Description", ""),
                       sku=sku, virtual="virtual" in types, downloadable="downloadable" in types,
                       external_url=row.get("External URL", ""), button_text=row.get("Button text", ""),
                       weight=row.get("Weight (lbs)", ""),
                       dimensions={"length": row.get("Length (in)", ""), "width": row.get("Width (in)", ""),
                                   "height": row.get("Height (in)", "")},
                       attributes=_attributes(row, False))
        _stock_and_price(item, row)
        for path_text in (row.get("Categories") or "").split(","):
            if path_text.strip():
                item.categories.append(catalog.category_path(path_text).id)
        item.images = [catalog.add_image(url.strip(), upload=False)
                       for url in (row.get("Images") or "").split(",") if url.strip()]
        if kind == "grouped" and row.get("Grouped products"):
            grouped.append((item, row["Grouped products"]))
        catalog.add(item)
        created.append(item.id)
        by_csv_id[(row.get("ID") or "").strip()] = item
    for item, members in grouped:
        item.grouped_products = [p.id for p in (catalog.find_sku(s.strip()) for s in members.split(",")) if p]
    for row in rows:
        if "variation" not in (row.get("Type") or ""):
            continue
        sku = (row.get("SKU") or "").strip()
        parent_ref = (row.get("Parent") or "").strip()
        parent = by_csv_id.get(parent_ref[3:]) if parent_ref.startswith("id:") else catalog.find_sku(parent_ref)
        if parent is None or parent.type != "variable" or (sku and catalog.find_sku(sku)):
            continue
        variation = Product(id=world.next_post_id(), type="variation", parent_id=parent.id, sku=sku,
                            status="publish" if row.get("Published") == "1" else "private",
                            description=row.get("Description", ""), attributes=_attributes(row, True),
                            weight=row.get("Weight (lbs)", ""))
        _stock_and_price(variation, row)
        images = [u.strip() for u in (row.get("Images") or "").split(",") if u.strip()]
        if images:
            variation.images = [catalog.add_image(images[0], upload=False)]
        variation.slug = f"{parent.slug}-{variation.id}"
        catalog.add(variation)
        variation.name = catalog.display_name(variation)
        created.append(variation.id)
    for item_id in created:  # variable parents: their "variation" attributes
        item = catalog.items[item_id]
        if item.type == "variable":
            for attribute in item.attributes:
                attribute["variation"] = True
    return created


def _stock_and_price(item: Product, row: dict[str, str]) -> None:
    item.regular_price = _price(row.get("Regular price", ""))
    item.sale_price = _price(row.get("Sale price", ""))
    stock = (row.get("Stock") or "").strip()
    backorders = (row.get("Backorders allowed?") or "0").strip()
    if stock:
        item.manage_stock = True
        item.stock_quantity = int(float(stock))
        item.backorders = {"1": "yes", "notify": "notify"}.get(backorders, "no")
    else:
        in_stock = (row.get("In stock?") or "1").strip()
        item.stock_status = {"1": "instock", "0": "outofstock", "backorder": "onbackorder"}.get(in_stock, "instock")


# ---- generated catalog ---------------------------------------------------------------------------------
CATEGORIES = (("Odzież", "Koszulki"), ("Odzież", "Bluzy"), ("Odzież", "Spodnie"), ("Akcesoria", "Czapki"),
              ("Akcesoria", "Torby"), ("Dom i ogród", "Kuchnia"), ("Dom i ogród", "Narzędzia"),
              ("Elektronika", "Kable i ładowarki"), ("Sport", "Rowery"), ("Zabawki", "Klocki"))
NOUNS = {"Koszulki": "Koszulka", "Bluzy": "Bluza", "Spodnie": "Spodnie", "Czapki": "Czapka", "Torby": "Torba",
         "Kuchnia": "Kubek", "Narzędzia": "Klucz", "Kable i ładowarki": "Kabel USB-C", "Rowery": "Dzwonek rowerowy",
         "Klocki": "Zestaw klocków"}
ADJECTIVES = ("bawełniana", "klasyczna", "sportowa", "premium", "ekologiczna", "miejska", "codzienna", "zimowa",
              "letnia", "wzmocniona")
SIZES = ("S", "M", "L", "XL")
COLOURS = ("czarny", "biały", "czerwony", "niebieski", "zielony")


def generate(world: World, count: int) -> list[int]:
    """``count`` products with SKUs WOO-0001… (continuing after existing ones): mostly simple with
    managed stock; every 8th variable with 2–4 variations (SKU-S, SKU-M …); every 12th without stock
    management; the first variable product manages stock on the parent (its variations report "parent").
    Caller holds the world lock."""
    catalog = world.catalog
    rng = world.catalog_rng
    created: list[int] = []
    number = 1
    parent_managed_done = any(p.type == "variable" and p.manage_stock for p in catalog.items.values())
    made = 0
    while made < count:
        sku = f"WOO-{number:04d}"
        number += 1
        if catalog.find_sku(sku):
            continue
        made += 1
        top, leaf = rng.choice(CATEGORIES)
        category = catalog.category_path(f"{top} > {leaf}")
        name = f"{NOUNS[leaf]} {rng.choice(ADJECTIVES)} {sku[-4:]}"
        regular = Decimal(rng.randint(1999, 49999)) / 100
        sale = (regular * Decimal("0.8")).quantize(Decimal("0.01")) if rng.random() < 0.15 else None
        item = Product(id=world.next_post_id(), name=name, sku=sku, categories=[category.id],
                       description=f"<p>{name} – produkt demonstracyjny.</p>", short_description=name,
                       weight=f"{rng.randint(1, 30) / 10}")
        if made % 8 == 0:
            item.type = "variable"
            options = list(SIZES[: rng.randint(2, 4)])
            item.attributes = [{"id": 0, "name": "Rozmiar", "slug": "rozmiar", "position": 0, "visible": True,
                                "variation": True, "options": options}]
            if not parent_managed_done:
                item.manage_stock, item.stock_quantity = True, rng.randint(5, 40)
                parent_managed_done = True
            catalog.add(item)
            created.append(item.id)
            for option in options:
                variation = Product(id=world.next_post_id(), type="variation", parent_id=item.id,
                                    sku=f"{sku}-{option}", regular_price=str(regular),
                                    attributes=[{"id": 0, "name": "Rozmiar", "option": option}])
                if not item.manage_stock:
                    variation.manage_stock, variation.stock_quantity = True, rng.randint(0, 25)
                variation.slug = f"{item.slug}-{variation.id}"
                catalog.add(variation)
                variation.name = catalog.display_name(variation)
                created.append(variation.id)
            continue
        item.regular_price = str(regular)
        item.sale_price = str(sale) if sale is not None else ""
        if made % 12 == 0:
            item.stock_status = "instock"
        else:
            item.manage_stock = True
            item.stock_quantity = rng.choice((0, 1, 2, 3, 5, 8, 10, 15, 20, 30, 50))
            item.backorders = "notify" if rng.random() < 0.05 else "no"
        catalog.add(item)
        created.append(item.id)
    return created
