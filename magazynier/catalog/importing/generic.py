"""Any CSV/XLSX product list, read through a column mapping (field → header name)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from .readers import RowReader, SourceRow, fold_header
from .rows import ImportFileError, ProductRecord, Record, SkuRegistry, VariantRecord, shorten_for_display
from .values import (
    parse_attribute_pairs,
    parse_ean,
    parse_price,
    parse_sku,
    parse_stock,
    parse_vat_rate,
    parse_weight_kg,
    split_category_path,
    split_image_urls,
)

FIELD_LABELS = {
    "sku": "SKU",
    "name": "nazwa",
    "ean": "EAN",
    "price": "cena",
    "vat_rate": "stawka VAT",
    "stock": "stan",
    "warehouse": "magazyn",
    "category": "kategoria",
    "images": "zdjęcia",
    "description": "opis",
    "brand": "marka",
    "weight": "waga (kg)",
    "attributes": "atrybuty",
    "parent_sku": "SKU rodzica",
    "product_name": "nazwa produktu nadrzędnego",
}
REQUIRED_FIELDS = ("sku", "name")

# Header synonyms, already folded (lower case, no Polish accents, single spaces).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "kod", "symbol", "indeks", "index", "kod produktu", "kod towaru", "id produktu", "product code"),
    "name": ("nazwa", "name", "nazwa produktu", "nazwa towaru", "towar", "tytul", "title", "product name",
             "nazwa wariantu"),
    "ean": ("ean", "gtin", "kod kreskowy", "ean13", "ean 13", "kod ean", "barcode"),
    "price": ("cena", "cena brutto", "price", "cena sprzedazy", "cena sprzedazy brutto", "regular price"),
    "vat_rate": ("vat", "stawka vat", "podatek", "vat rate", "tax", "stawka"),
    "stock": ("stan", "ilosc", "stock", "stan magazynowy", "quantity", "qty", "ilosc sztuk"),
    "warehouse": ("magazyn", "warehouse"),
    "category": ("kategoria", "category", "kategorie", "categories"),
    "images": ("zdjecia", "obrazy", "images", "zdjecie", "image", "obrazki", "foto"),
    "description": ("opis", "description", "opis produktu"),
    "brand": ("marka", "producent", "brand", "manufacturer"),
    "weight": ("waga", "weight", "waga kg", "weight kg"),
    "attributes": ("atrybuty", "cechy", "parametry", "attributes"),
    "parent_sku": ("sku rodzica", "parent sku", "grupa", "parent", "rodzic", "grupa wariantow"),
    "product_name": ("nazwa rodzica", "parent name", "nazwa grupy", "nazwa produktu nadrzednego"),
}

_UNITS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@dataclass(frozen=True)
class ColumnMapping:
    """Which header holds which field (None = not in the file)."""

    sku: str | None = None
    name: str | None = None
    ean: str | None = None
    price: str | None = None
    vat_rate: str | None = None
    stock: str | None = None
    warehouse: str | None = None
    category: str | None = None
    images: str | None = None
    description: str | None = None
    brand: str | None = None
    weight: str | None = None
    attributes: str | None = None
    parent_sku: str | None = None
    product_name: str | None = None

    @classmethod
    def from_pairs(
        cls, pairs: Mapping[str, str | None], headers: Sequence[str] | None = None
    ) -> ColumnMapping:
        """An explicit mapping {field: header}; with headers given, each header must exist."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(pairs) - known)
        if unknown:
            raise ImportFileError(
                f"Nieznane pole mapowania: {', '.join(unknown)}. Dostępne pola: {', '.join(FIELD_LABELS)}."
            )
        mapping = cls(
            **{k: (v.strip() if isinstance(v, str) and v.strip() else None) for k, v in pairs.items()}
        )
        return mapping.resolved(headers) if headers is not None else mapping

    def pairs(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def resolved(self, headers: Sequence[str]) -> ColumnMapping:
        """The same mapping pointing at the file's exact header names (matched ignoring case/accents)."""
        by_fold = {fold_header(h): h for h in headers if h}
        exact = set(headers)
        changes = {}
        for field_name, header in self.pairs().items():
            if header in exact:
                continue
            actual = by_fold.get(fold_header(header))
            if actual is None:
                raise ImportFileError(
                    f"Mapowanie wskazuje kolumnę „{shorten_for_display(header)}” dla pola "
                    f"„{FIELD_LABELS[field_name]}”, ale w pliku jej nie ma. Dostępne kolumny: "
                    f"{_list_headers(headers)}."
                )
            changes[field_name] = actual
        return replace(self, **changes)

    def check_required(self, headers: Sequence[str]) -> None:
        for field_name in REQUIRED_FIELDS:
            if getattr(self, field_name) is None:
                synonyms = ", ".join(f"„{s}”" for s in SYNONYMS[field_name][:4])
                raise ImportFileError(
                    f"Nie znaleziono kolumny z polem „{FIELD_LABELS[field_name]}”. Nazwij kolumnę np. {synonyms} "
                    f"albo wskaż ją w mapowaniu kolumn. Kolumny w pliku: {_list_headers(headers)}."
                )


def _list_headers(headers: Iterable[str]) -> str:
    return ", ".join(f"„{shorten_for_display(h)}”" for h in headers if h) or "(brak)"


def detect_mapping(headers: Sequence[str]) -> ColumnMapping:
    """Guess the mapping from header names (Polish/English synonyms, case/accents ignored).

    Each header serves at most one field; the first matching header wins.
    """
    folded = [fold_header(_UNITS.sub(" ", h)) for h in headers]
    chosen: dict[str, str] = {}
    used: set[int] = set()
    for field_name, synonyms in SYNONYMS.items():
        for index, name in enumerate(folded):
            if index not in used and name and name in synonyms:
                chosen[field_name] = headers[index]
                used.add(index)
                break
    return ColumnMapping(**chosen)


class GenericRows:
    """Turns rows of a mapped sheet into records; rows sharing parent_sku form one variable product."""

    def __init__(self, headers: Sequence[str], mapping: ColumnMapping):
        self.mapping = mapping
        self._index = {h: i for i, h in enumerate(headers) if h}
        self._registry = SkuRegistry()

    def process(self, row: SourceRow) -> Iterator[Record]:
        m = self.mapping
        cells = RowReader(row, self._index)
        sku = cells.parse(m.sku, parse_sku, text_field=True)
        cells.require(
            m.sku, sku, "missing_sku", "Brak SKU — każdy produkt musi mieć unikalne SKU; uzupełnij je."
        )
        name = cells.text(m.name)
        cells.require(m.name, name, "missing_name", "Brak nazwy produktu — uzupełnij nazwę.")
        parent = cells.parse(m.parent_sku, parse_sku, text_field=True)
        variant = VariantRecord(
            row=row.number,
            product_key=parent or sku or "",
            sku=sku or "",
            name=name,
            ean=cells.parse(m.ean, parse_ean),
            price=cells.parse(m.price, parse_price),
            stock=cells.parse(m.stock, parse_stock),
            warehouse=cells.text(m.warehouse) or None,
            attributes=cells.parse(m.attributes, parse_attribute_pairs, text_field=True) or (),
            images=split_image_urls(cells.text(m.images)),
            weight_kg=cells.parse(m.weight, parse_weight_kg),
        )
        product = ProductRecord(
            row=row.number,
            key=variant.product_key,
            kind="variable" if parent else "simple",
            name=(cells.text(m.product_name) if parent else "") or name,
            description=cells.text(m.description, multiline=True),
            brand=cells.text(m.brand) or None,
            category_path=split_category_path(cells.text(m.category)),
            vat_rate=cells.parse(m.vat_rate, parse_vat_rate),
            images=variant.images,
            attributes=() if parent else variant.attributes,
            weight_kg=None if parent else variant.weight_kg,
        )
        new_parent = bool(parent) and self._check_parent(cells, parent, sku)
        cells.claim_unique(self._registry, m.sku, sku)
        if cells.has_error():
            yield from cells.outcome()
            return
        if new_parent:
            self._registry.claim(parent, row.number, SkuRegistry.PARENT)
            yield product
        yield from cells.outcome(product, variant) if not parent else cells.outcome(variant)

    def finish(self) -> Iterator[Record]:
        return iter(())

    def _check_parent(self, cells: RowReader, parent: str, sku: str | None) -> bool:
        """True when this row introduces a new variable product; an error if parent is a plain SKU."""
        if parent == sku:
            cells.error(
                self.mapping.parent_sku,
                "parent_is_self",
                "SKU rodzica jest takie samo jak SKU wariantu — SKU rodzica to wspólny kod grupy wariantów "
                "i musi się różnić od SKU każdego wariantu.",
                parent,
            )
            return False
        first = self._registry.lookup(parent)
        if first is None:
            return True
        if first[1] == SkuRegistry.SKU:
            cells.error(
                self.mapping.parent_sku,
                "parent_conflict",
                f"SKU rodzica jest już SKU zwykłego produktu z wiersza {first[0]} — użyj innego SKU rodzica "
                "albo usuń wiersz tego produktu.",
                parent,
            )
        return False
