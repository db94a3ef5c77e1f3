"""WooCommerce's own product export CSV (Products → Export), English column names.

Simple (also downloadable/virtual) and variable products are imported, variations
become variants of their parent; grouped and external products are skipped.
A variation whose parent comes later in the file is held back and emitted at the
end; that buffer is the only per-file memory besides the SKU digests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from .readers import RowReader, SourceRow
from .rows import SKIPPED, ProductRecord, Record, RowProblem, SkuRegistry, VariantRecord
from .values import (
    ValueProblem,
    clean_text,
    parse_ean,
    parse_price,
    parse_sku,
    parse_stock,
    parse_vat_rate,
    parse_weight_kg,
    split_category_path,
)

REQUIRED_HEADERS = ("ID", "Type", "SKU", "Name", "Regular price")
EAN_HEADERS = (
    "GTIN, UPC, EAN, or ISBN",
    "Meta: _ean",
    "Meta: _alg_ean",
    "Meta: hwp_product_gtin",
    "Meta: _wpm_gtin_code",
    "EAN",
)
BRAND_ATTRIBUTE_NAMES = {"brand", "marka", "producent"}
STANDARD_VAT = "23"
_ATTRIBUTE_NAME = re.compile(r"^Attribute (\d+) name$")
_WEIGHT = re.compile(r"^Weight \((\w+)\)$")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")

SKIP_REASONS = {
    "grouped": "Produkt grupowy (grouped) nie jest importowany — to tylko zestaw odnośników do innych "
    "produktów, które importujemy osobno.",
    "external": "Produkt zewnętrzny (external/affiliate) nie jest importowany — sprzedaje go inny sklep, "
    "więc nie ma tu stanu ani oferty do wystawienia.",
}


def is_woocommerce_export(headers: Sequence[str]) -> bool:
    return set(REQUIRED_HEADERS) <= set(headers)


def split_woo_list(value: str) -> tuple[str, ...]:
    """WooCommerce joins lists with ', ' and escapes commas inside items as '\\,'."""
    parts = (part.replace("\\,", ",").strip() for part in _UNESCAPED_COMMA.split(value))
    return tuple(part for part in parts if part)


def unescape_description(value: str) -> str:
    """WooCommerce writes line breaks in descriptions as the two characters '\\n'."""
    return "\\n".join(part.replace("\\n", "\n") for part in value.split("\\\\n"))


@dataclass(frozen=True)
class _PendingVariation:
    """A valid variation waiting for its parent row, which may come later in the file."""

    parent_ref: str
    variant: VariantRecord
    warnings: tuple[RowProblem, ...]


class WooCommerceRows:
    def __init__(self, headers: Sequence[str]):
        self._index = {h: i for i, h in enumerate(headers) if h}
        self._attribute_columns = [
            (name, f"Attribute {m.group(1)} value(s)")
            for name in headers
            if (m := _ATTRIBUTE_NAME.match(name))
        ]
        weight = next(((h, m.group(1)) for h in headers if (m := _WEIGHT.match(h))), (None, "kg"))
        self._weight_column, self._weight_unit = weight
        self._ean_columns = [h for h in EAN_HEADERS if h in self._index]
        self._registry = SkuRegistry()
        self._variable_parent_by_id: dict[str, str | None] = {}  # None: the parent row was rejected
        self._pending: list[_PendingVariation] = []

    # --- dispatch ---------------------------------------------------------------

    def process(self, row: SourceRow) -> Iterator[Record]:
        cells = RowReader(row, self._index)
        type_text = clean_text(cells.raw("Type")).lower()
        types = {t.strip() for t in type_text.split(",") if t.strip()}
        skipped = types & set(SKIP_REASONS)
        if skipped:
            kind = sorted(skipped)[0]
            yield RowProblem(row.number, "Type", SKIP_REASONS[kind], type_text, SKIPPED, f"{kind}_product")
        elif "variation" in types:
            yield from self._variation(cells)
        elif "variable" in types:
            yield from self._variable(cells)
        elif "simple" in types:
            yield from self._simple(cells)
        else:
            cells.error(
                "Type",
                "unsupported_type",
                "Nieznany typ produktu WooCommerce — obsługujemy simple, variable i variation; "
                "sprawdź kolumnę Type.",
                type_text,
            )
            yield from cells.outcome()

    def finish(self) -> Iterator[Record]:
        for pending in self._pending:
            key, problem = self._resolve_parent(pending.parent_ref, pending.variant.row, final=True)
            if problem is not None:
                yield problem
            else:
                yield replace(pending.variant, product_key=key)
                yield from pending.warnings
        self._pending.clear()

    # --- row kinds ----------------------------------------------------------------

    def _simple(self, cells: RowReader) -> Iterator[Record]:
        product = self._product(cells, "simple")
        variant = self._variant(cells, product)
        cells.claim_unique(self._registry, "SKU", product.key)
        yield from cells.outcome(product, variant)

    def _variable(self, cells: RowReader) -> Iterator[Record]:
        product = self._product(cells, "variable")
        kind = SkuRegistry.REJECTED_PARENT if cells.has_error() else SkuRegistry.PARENT
        cells.claim_unique(self._registry, "SKU", product.key, kind)
        if product.source_id:
            self._variable_parent_by_id.setdefault(
                product.source_id, None if cells.has_error() else product.key
            )
        yield from cells.outcome(product)

    def _variation(self, cells: RowReader) -> Iterator[Record]:
        parent_ref = clean_text(cells.raw("Parent"))
        variant = self._variant(cells)
        cells.claim_unique(self._registry, "SKU", variant.sku)
        key, problem = self._resolve_parent(parent_ref, cells.number, final=False)
        if problem is not None:
            cells.problems.append(problem)
        if cells.has_error():
            yield from cells.outcome()
        elif key is None:
            self._pending.append(_PendingVariation(parent_ref, variant, tuple(cells.problems)))
        else:
            yield from cells.outcome(replace(variant, product_key=key))

    # --- building records -----------------------------------------------------------

    def _product(self, cells: RowReader, kind: str) -> ProductRecord:
        sku = self._sku(cells)
        name = self._name(cells)
        attributes = self._attributes(cells)
        categories = split_woo_list(cells.text("Categories"))
        return ProductRecord(
            row=cells.number,
            key=sku or "",
            kind=kind,
            name=name,
            description=unescape_description(cells.text("Description", multiline=True)),
            short_description=unescape_description(cells.text("Short description", multiline=True)),
            brand=self._brand(cells, attributes),
            category_path=split_category_path(categories[0], ">") if categories else (),
            vat_rate=self._vat_rate(cells),
            tags=split_woo_list(cells.text("Tags")),
            images=split_woo_list(cells.text("Images")),
            attributes=attributes,
            weight_kg=self._weight(cells),
            is_active=clean_text(cells.raw("Published")) == "1",
            is_virtual="virtual" in clean_text(cells.raw("Type")).lower(),
            source_id=clean_text(cells.raw("ID")) or None,
        )

    def _variant(self, cells: RowReader, product: ProductRecord | None = None) -> VariantRecord:
        """The sellable part of a row: of a simple product (given) or of a variation."""
        common = {
            "row": cells.number,
            "ean": self._ean(cells),
            "price": cells.parse("Regular price", parse_price),
            "sale_price": cells.parse("Sale price", parse_price),
            "stock": cells.parse("Stock", parse_stock),
        }
        if product is not None:
            return VariantRecord(
                product_key=product.key,
                sku=product.key,
                name=product.name,
                images=product.images,
                weight_kg=product.weight_kg,
                **common,
            )
        return VariantRecord(
            product_key="",
            sku=self._sku(cells) or "",
            name=self._name(cells),
            attributes=self._attributes(cells),
            images=split_woo_list(cells.text("Images")),
            weight_kg=self._weight(cells),
            **common,
        )

    def _sku(self, cells: RowReader) -> str | None:
        sku = cells.parse("SKU", parse_sku, text_field=True)
        cells.require(
            "SKU",
            sku,
            "missing_sku",
            "Brak SKU — nadaj produktowi SKU w WooCommerce (Dane produktu → Magazyn) i wyeksportuj ponownie.",
        )
        return sku

    def _name(self, cells: RowReader) -> str:
        name = cells.text("Name")
        cells.require("Name", name, "missing_name", "Brak nazwy produktu — uzupełnij kolumnę Name.")
        return name

    def _ean(self, cells: RowReader) -> str | None:
        for column in self._ean_columns:
            if clean_text(cells.raw(column)):
                return cells.parse(column, parse_ean)
        return None

    def _weight(self, cells: RowReader):
        return cells.parse(self._weight_column, parse_weight_kg, self._weight_unit)

    def _attributes(self, cells: RowReader) -> tuple[tuple[str, str], ...]:
        pairs: dict[str, str] = {}
        for name_column, value_column in self._attribute_columns:
            name = cells.text(name_column)
            values = split_woo_list(cells.text(value_column))
            if name and values:
                pairs[name] = ", ".join(values)
        return tuple(pairs.items())

    def _brand(self, cells: RowReader, attributes: tuple[tuple[str, str], ...]) -> str | None:
        brands = split_woo_list(cells.text("Brands"))
        if brands:
            return brands[0]
        for name, value in attributes:
            if name.strip().lower() in BRAND_ATTRIBUTE_NAMES:
                return split_woo_list(value)[0]
        return None

    def _vat_rate(self, cells: RowReader) -> str | None:
        status = clean_text(cells.raw("Tax status")).lower()
        tax_class = clean_text(cells.raw("Tax class"))
        if status in ("none", "shipping"):
            cells.warn(
                "Tax status",
                "vat_unknown",
                "Produkt w WooCommerce nie jest opodatkowany (Tax status: none) — ustaw mu stawkę VAT "
                "w katalogu przed wystawieniem ofert.",
                status,
            )
            return None
        slug = tax_class.lower()
        if slug in ("", "standard"):
            return STANDARD_VAT
        if slug == "zero-rate":
            return "0"
        if slug == "reduced-rate":
            rate = "8"
        else:
            try:
                rate = parse_vat_rate(re.sub(r"[-_]|rate", " ", slug))
            except ValueProblem:
                rate = None
        if rate is None:
            cells.warn(
                "Tax class",
                "vat_unknown",
                f"Nie wiem, jakiej stawce VAT odpowiada klasa podatkowa „{tax_class}” — ustaw stawkę VAT "
                "produktu w katalogu.",
                tax_class,
            )
            return None
        cells.warn(
            "Tax class",
            "vat_mapped",
            f"Klasa podatkowa „{tax_class}” przypisana do stawki {rate} % — sprawdź, czy to właściwa stawka.",
            tax_class,
        )
        return rate

    # --- SKU uniqueness and parents -------------------------------------------------------

    def _resolve_parent(
        self, parent_ref: str, row: int, *, final: bool
    ) -> tuple[str | None, RowProblem | None]:
        """(parent key, None) when found; (None, None) when it may still come; else a problem."""
        if not parent_ref:
            return None, self._parent_problem(
                row, "parent_not_found", "kolumna Parent jest pusta", parent_ref
            )
        if parent_ref.lower().startswith("id:"):
            parent_id = parent_ref[3:].strip()
            if parent_id in self._variable_parent_by_id:
                key = self._variable_parent_by_id[parent_id]
                if key is None:
                    return None, self._parent_rejected(row, parent_ref)
                return key, None
            found = None
        else:
            found = self._registry.lookup(parent_ref)
        if found is None:
            if not final:
                return None, None
            return None, self._parent_problem(
                row, "parent_not_found", "w pliku nie ma produktu zmiennego o tym SKU/ID", parent_ref
            )
        if found[1] == SkuRegistry.REJECTED_PARENT:
            return None, self._parent_rejected(row, parent_ref)
        if found[1] != SkuRegistry.PARENT:
            return None, self._parent_problem(
                row,
                "parent_not_variable",
                f"produkt z wiersza {found[0]} nie jest produktem zmiennym",
                parent_ref,
            )
        return parent_ref, None

    def _parent_rejected(self, row: int, parent_ref: str) -> RowProblem:
        return self._parent_problem(
            row,
            "parent_rejected",
            "wiersz produktu nadrzędnego ma błędy i nie został zaimportowany",
            parent_ref,
        )

    @staticmethod
    def _parent_problem(row: int, code: str, why: str, parent_ref: str) -> RowProblem:
        return RowProblem(
            row,
            "Parent",
            f"Nie można przypisać wariantu do produktu nadrzędnego ({why}) — popraw kolumnę Parent "
            "albo wiersz produktu nadrzędnego i zaimportuj plik ponownie.",
            parent_ref or None,
            code=code,
        )
