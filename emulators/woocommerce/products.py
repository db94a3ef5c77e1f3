"""Products and variations: the stored model and the catalog's rules (SKU uniqueness, stock derivation,
prices, trash). Every change bumps ``date_modified`` and fires ``product.*`` webhooks through the world.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .responses import WooError

if TYPE_CHECKING:
    from .world import World

PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
STATUSES = ("draft", "pending", "private", "publish")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
BACKORDERS = ("no", "notify", "yes")

DEFAULT_CATEGORY_ID = 15  # "Bez kategorii" (Uncategorized), given to products saved without a category
_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_POLISH)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def sku_error(sku: str, owner_id: int) -> WooError:
    return WooError(400, "product_invalid_sku", "Invalid or duplicated SKU.", resource_id=owner_id,
                    unique_sku=f"{sku}-1")


@dataclass
class Category:
    id: int
    name: str
    slug: str
    parent: int = 0
    description: str = ""


@dataclass
class Product:
    """A product (``type`` simple/variable/grouped/external) or a variation (``type`` "variation",
    ``parent_id`` set). Prices are decimal strings ("" when unset)."""

    id: int
    type: str = "simple"
    parent_id: int = 0
    name: str = ""
    slug: str = ""
    status: str = "publish"
    featured: bool = False
    catalog_visibility: str = "visible"
    description: str = ""
    short_description: str = ""
    sku: str = ""
    regular_price: str = ""
    sale_price: str = ""
    virtual: bool = False
    downloadable: bool = False
    external_url: str = ""
    button_text: str = ""
    tax_status: str = "taxable"
    tax_class: str = ""
    manage_stock: bool = False
    stock_quantity: int | None = None
    stock_status: str = "instock"  # what is stored when stock is not managed
    backorders: str = "no"
    low_stock_amount: int | None = None
    sold_individually: bool = False
    weight: str = ""
    dimensions: dict[str, str] = field(default_factory=lambda: {"length": "", "width": "", "height": ""})
    reviews_allowed: bool = True
    purchase_note: str = ""
    categories: list[int] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    images: list[int] = field(default_factory=list)  # attachment ids (a variation uses the first one)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    default_attributes: list[dict[str, Any]] = field(default_factory=list)
    children: list[int] = field(default_factory=list)  # variation ids of a variable product
    grouped_products: list[int] = field(default_factory=list)
    menu_order: int = 0
    meta: list[dict[str, Any]] = field(default_factory=list)
    total_sales: int = 0
    created: float = 0.0
    modified: float = 0.0
    modified_seq: int = 0
    status_before_trash: str | None = None

    @property
    def is_variation(self) -> bool:
        return self.type == "variation"


def on_sale(item: Product) -> bool:
    if item.sale_price == "" or item.regular_price == "":
        return False
    return Decimal(item.sale_price) < Decimal(item.regular_price)


def derived_status(quantity: int | None, backorders: str) -> str:
    if (quantity or 0) > 0:
        return "instock"
    return "onbackorder" if backorders != "no" else "outofstock"


class Catalog:
    """All products, variations, categories and images of the shop (callers hold the world lock)."""

    def __init__(self, world: World):
        self.world = world
        self.items: dict[int, Product] = {}
        self.categories: dict[int, Category] = {}
        self.attachments: dict[int, dict[str, Any]] = {}
        self.by_sku: dict[str, int] = {}  # SKUs of items that are not in the trash
        self.created_count = 0

    # ---- lookups ----------------------------------------------------------------------------------
    def product(self, product_id: int, status: int = 404, *, allow_variation: bool = False) -> Product:
        item = self.items.get(product_id)
        if item is None or (item.is_variation and not allow_variation):
            raise WooError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return item

    def variation(self, parent_id: int, variation_id: int, status: int = 404) -> Product:
        item = self.items.get(variation_id)
        if item is None or not item.is_variation or item.parent_id != parent_id:
            raise WooError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        return item

    def parent_of(self, item: Product) -> Product | None:
        return self.items.get(item.parent_id) if item.is_variation else None

    def variations_of(self, product: Product) -> list[Product]:
        found = [self.items[i] for i in product.children if i in self.items]
        return sorted(found, key=lambda v: (v.menu_order, v.id))

    def find_sku(self, sku: str) -> Product | None:
        item_id = self.by_sku.get(sku)
        return self.items.get(item_id) if item_id is not None else None

    # ---- derived values ---------------------------------------------------------------------------
    def stock_owner(self, item: Product) -> Product | None:
        """The object whose quantity a sale of ``item`` changes: itself, its parent ("parent"), or none."""
        if item.manage_stock:
            return item
        parent = self.parent_of(item)
        if parent is not None and parent.manage_stock:
            return parent
        return None

    def stock_status(self, item: Product) -> str:
        owner = self.stock_owner(item)
        if owner is not None:
            return derived_status(owner.stock_quantity, owner.backorders)
        if item.type == "variable":
            statuses = {self.stock_status(v) for v in self.variations_of(item) if v.status == "publish"}
            if "instock" in statuses:
                return "instock"
            return "onbackorder" if "onbackorder" in statuses else "outofstock"
        return item.stock_status

    def price(self, item: Product) -> str:
        if item.type == "variable":
            prices = [Decimal(self.price(v)) for v in self.variations_of(item)
                      if v.status == "publish" and self.price(v) != ""]
            return format(min(prices), "f") if prices else ""
        if item.type == "grouped":
            return ""
        return item.sale_price if on_sale(item) else item.regular_price

    def purchasable(self, item: Product) -> bool:
        if item.type in ("external", "grouped"):
            return False
        if item.status != "publish" or self.price(item) == "":
            return False
        parent = self.parent_of(item)
        return parent is None or parent.status == "publish"

    def display_name(self, item: Product) -> str:
        if not item.is_variation:
            return item.name
        parent = self.parent_of(item)
        options = ", ".join(a["option"] for a in item.attributes if a.get("option"))
        base = parent.name if parent else item.name
        return f"{base} - {options}" if options else base

    # ---- writes -----------------------------------------------------------------------------------
    def add(self, item: Product) -> Product:
        now = self.world.now()
        item.created = item.created or now
        item.modified = now
        item.modified_seq = self.world.next_seq()
        if not item.is_variation:
            item.slug = self.unique_slug(item.slug or slugify(item.name) or str(item.id), item.id)
            if not item.categories and DEFAULT_CATEGORY_ID in self.categories:
                item.categories = [DEFAULT_CATEGORY_ID]
        self.items[item.id] = item
        if item.sku:
            self.by_sku[item.sku] = item.id
        if item.is_variation:
            parent = self.items[item.parent_id]
            parent.children.append(item.id)
        self.created_count += 1
        self.world.fire("product", "created", item.id)
        return item

    def touch(self, item: Product) -> None:
        """Record a save: ``date_modified`` moves and ``product.updated`` fires (even if nothing changed,
        as WooCommerce saves do)."""
        item.modified = self.world.now()
        item.modified_seq = self.world.next_seq()
        self.world.fire("product", "updated", item.id)

    def check_sku(self, sku: str, item_id: int | None) -> None:
        if sku == "":
            return
        owner = self.by_sku.get(sku)
        if owner is not None and owner != item_id:
            raise sku_error(sku, owner)

    def set_sku(self, item: Product, sku: str) -> None:
        if item.sku and self.by_sku.get(item.sku) == item.id:
            del self.by_sku[item.sku]
        item.sku = sku
        if sku and item.status != "trash":
            self.by_sku[sku] = item.id

    def unique_slug(self, slug: str, item_id: int) -> str:
        taken = {p.slug for p in self.items.values() if not p.is_variation and p.id != item_id}
        candidate, number = slug, 2
        while candidate in taken:
            candidate, number = f"{slug}-{number}", number + 1
        return candidate

    def adjust_stock(self, item: Product, delta: int) -> tuple[Product, int, int] | None:
        """Change the managed quantity behind ``item`` by ``delta`` (a sale: negative). Returns
        ``(owner, old, new)`` or None when nothing manages stock."""
        owner = self.stock_owner(item)
        if owner is None:
            return None
        old = owner.stock_quantity or 0
        self.set_quantity(owner, old + delta)
        return owner, old, old + delta

    def set_quantity(self, owner: Product, quantity: int) -> None:
        parent = self.parent_of(owner)
        parent_status = self.stock_status(parent) if parent is not None else None
        owner.stock_quantity = quantity
        self.touch(owner)
        if parent is not None and self.stock_status(parent) != parent_status:
            self.touch(parent)  # the variable product's synced stock status changed

    def trash(self, item: Product) -> None:
        item.status_before_trash = item.status
        item.status = "trash"
        if item.sku and self.by_sku.get(item.sku) == item.id:
            del self.by_sku[item.sku]
        item.modified = self.world.now()
        item.modified_seq = self.world.next_seq()
        self.world.fire("product", "deleted", item.id)

    def remove(self, item: Product) -> None:
        for child_id in list(item.children):
            child = self.items.get(child_id)
            if child is not None:
                self.remove(child)
        if item.sku and self.by_sku.get(item.sku) == item.id:
            del self.by_sku[item.sku]
        del self.items[item.id]
        parent = self.parent_of(item)
        if parent is not None and item.id in parent.children:
            parent.children.remove(item.id)
        self.world.fire("product", "deleted", item.id, deleted=True)

    # ---- categories and images --------------------------------------------------------------------
    def category_by_name(self, name: str, parent: int = 0, create: bool = True) -> Category | None:
        for category in self.categories.values():
            if category.name.lower() == name.lower() and category.parent == parent:
                return category
        if not create:
            return None
        category_id = self.world.next_term_id()
        slug = slugify(name) or str(category_id)
        taken = {c.slug for c in self.categories.values()}
        candidate, number = slug, 2
        while candidate in taken:
            candidate, number = f"{slug}-{number}", number + 1
        category = Category(category_id, name, candidate, parent)
        self.categories[category_id] = category
        return category

    def category_path(self, path: str) -> Category:
        """``"Clothing > Tshirts"`` → the leaf category, creating the chain."""
        parent = 0
        category = None
        for part in (p.strip() for p in path.split(">")):
            if part:
                category = self.category_by_name(part, parent)
                parent = category.id
        if category is None:
            raise ValueError(path)
        return category

    def add_image(self, src: str, name: str | None = None, alt: str = "", upload: bool = True) -> int:
        """An attachment. Like WooCommerce, an image given by URL is sideloaded into the media library, so
        its ``src`` becomes a URL under the site's ``wp-content/uploads``."""
        image_id = self.world.next_post_id()
        filename = src.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or f"image-{image_id}.jpg"
        if upload:
            when = self.world.site_time.local(self.world.now()) or ""
            src = f"{self.world.config.site()}wp-content/uploads/{when[:4]}/{when[5:7]}/{filename}"
        self.attachments[image_id] = {"src": src, "name": name or filename.rsplit(".", 1)[0], "alt": alt,
                                      "created": self.world.now()}
        return image_id

    def category_count(self, category_id: int) -> int:
        return sum(1 for p in self.items.values()
                   if not p.is_variation and p.status != "trash" and category_id in p.categories)
