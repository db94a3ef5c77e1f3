"""Write a parsed catalog file into the database: upsert products by key and variants by SKU, set stock
by an import movement, and report every row problem.

Guarantees:
- every valid row imports, every bad row is reported (row, column, reason) and writes nothing;
- rows are written in batches, each batch in one transaction; a database error inside a batch is
  isolated by re-running that batch row by row with savepoints, so one bad row never takes others down;
- re-running the same file changes nothing (updates in place, never duplicates; no-op stock counts write
  no movement);
- `dry_run=True` computes exactly the same plan and writes nothing.
Memory stays flat: only one batch, the category/tag caches and the parser's SKU digests are held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from magazynier.catalog.importing.rows import ProductRecord, RowProblem, VariantRecord
from magazynier.catalog.models import Category, Image, Product, Tag, Variant
from magazynier.inventory.actions import StockChange, apply_stock_changes
from magazynier.inventory.exceptions import StockError
from magazynier.inventory.models import MovementReason, Warehouse

DEFAULT_WAREHOUSE_CODE = "glowny"
DEFAULT_WAREHOUSE_NAME = "Magazyn główny"

Record = ProductRecord | VariantRecord | RowProblem


@dataclass
class ImportSummary:
    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    variants_unchanged: int = 0
    stock_changes: int = 0
    errors: int = 0
    skipped: int = 0
    warnings: int = 0
    dry_run: bool = False
    problems_by_code: dict[str, int] = field(default_factory=dict)

    def count_problem(self, problem: RowProblem) -> None:
        if problem.kind == "error":
            self.errors += 1
        elif problem.kind == "skipped":
            self.skipped += 1
        else:
            self.warnings += 1
        self.problems_by_code[problem.code] = self.problems_by_code.get(problem.code, 0) + 1

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["problems_by_code"] = dict(self.problems_by_code)
        return data


def default_warehouse(code: str | None = None) -> Warehouse:
    """The warehouse stock goes to when a row names none: the given code, the only one, or a new 'glowny'."""
    if code:
        try:
            return Warehouse.objects.get(code=code)
        except Warehouse.DoesNotExist:
            raise StockError(f"warehouse {code!r} does not exist; create it first or pick another") from None
    existing = Warehouse.objects.filter(is_active=True).order_by("id").first()
    if existing:
        return existing
    return Warehouse.objects.get_or_create(code=DEFAULT_WAREHOUSE_CODE, defaults={"name": DEFAULT_WAREHOUSE_NAME})[0]


def _attrs(value) -> dict[str, str]:
    return dict(value) if value else {}


def _changed(obj, values: dict) -> bool:
    """Apply `values` to obj; True when anything differs. None/"" in values means 'not in the file'."""
    changed = False
    for name, new in values.items():
        if new is None or new == "" or new == {}:
            continue
        if getattr(obj, name) != new:
            setattr(obj, name, new)
            changed = True
    return changed


# record attribute -> (model, field) whose validators (max length, digits) the value must pass
_VALIDATED = {
    ProductRecord: [("key", Product, "key"), ("name", Product, "name"), ("brand", Product, "brand"),
                    ("weight_kg", Product, "weight_kg"), ("source_id", Product, "source_id")],
    VariantRecord: [("sku", Variant, "sku"), ("name", Variant, "name"), ("ean", Variant, "ean"),
                    ("price", Variant, "price"), ("weight_kg", Variant, "weight_kg")],
}


def value_problems(rec: ProductRecord | VariantRecord, columns: dict[str, str]) -> list[RowProblem]:
    """Check values against the model's own limits before writing. SQLite would store a 400-character name
    that PostgreSQL refuses; both databases must accept or refuse the same rows."""
    problems = []
    for attr, model, field_name in _VALIDATED[type(rec)]:
        value = getattr(rec, attr)
        if value in (None, ""):
            continue
        field = model._meta.get_field(field_name)
        try:
            field.run_validators(value)
        except ValidationError as exc:
            problems.append(RowProblem(
                row=rec.row, column=columns.get(attr, attr), code="invalid_value", value=str(value),
                message=f"{field.verbose_name}: {' '.join(exc.messages)} Popraw wartość w pliku.",
            ))
    return problems


class CatalogWriter:
    def __init__(self, *, warehouse: Warehouse | None, dry_run: bool, reference: str, user=None,
                 columns: dict[str, str] | None = None):
        self.dry_run = dry_run
        self.columns = columns or {}  # record attribute -> the file's column header, for row reports
        self.reference = reference
        self.user = user
        self.warehouse = warehouse
        self.summary = ImportSummary(dry_run=dry_run)
        self._categories: dict[tuple[str, ...], Category | None] = {}
        self._tags: dict[str, Tag] = {}
        self._warehouses: dict[str, Warehouse | None] = {}
        self._virtual_products: set[str] = set()  # dry run: keys that would have been created

    # ----- lookups with caches (bounded by the number of categories/tags/warehouses, not rows)
    def _category(self, path: tuple[str, ...]) -> Category | None:
        if not path:
            return None
        if path not in self._categories:
            parent = self._category(path[:-1])
            if self.dry_run:
                found = Category.objects.filter(path=" > ".join(path)).first()
                self._categories[path] = found
            else:
                self._categories[path] = Category.objects.get_or_create(parent=parent, name=path[-1])[0]
        return self._categories[path]

    def _tag(self, name: str) -> Tag:
        if name not in self._tags:
            self._tags[name] = Tag.objects.get_or_create(name=name)[0]
        return self._tags[name]

    def _warehouse_for(self, record: VariantRecord) -> Warehouse | None:
        if not record.warehouse:
            return self.warehouse
        if record.warehouse not in self._warehouses:
            self._warehouses[record.warehouse] = Warehouse.objects.filter(code=record.warehouse).first()
        return self._warehouses[record.warehouse]

    # ----- writing one record
    def _write_product(self, rec: ProductRecord, existing: Product | None) -> Product | None:
        values = {
            "kind": rec.kind, "name": rec.name, "description": rec.description,
            "short_description": rec.short_description, "brand": rec.brand, "vat_rate": rec.vat_rate,
            "attributes": _attrs(rec.attributes), "weight_kg": rec.weight_kg, "source_id": rec.source_id,
        }
        category = self._category(tuple(rec.category_path))
        if existing is None:
            self.summary.products_created += 1
            if self.dry_run:
                self._virtual_products.add(rec.key)
                return None
            product = Product(key=rec.key, is_active=rec.is_active, is_virtual=rec.is_virtual, category=category)
            _changed(product, values)
            product.save()
            changed = True
        else:
            product = existing
            changed = _changed(product, values)
            if category is not None and product.category_id != category.pk:
                product.category = category
                changed = True
            for flag in ("is_active", "is_virtual"):
                if getattr(product, flag) != getattr(rec, flag):
                    setattr(product, flag, getattr(rec, flag))
                    changed = True
            if not self.dry_run and changed:
                product.save()
        if rec.tags and not self.dry_run:
            before = set(product.tags.values_list("name", flat=True))
            if not set(rec.tags) <= before:
                product.tags.add(*[self._tag(t) for t in rec.tags])
                changed = True
        if rec.images and self._set_images(product, None, rec.images):
            changed = True
        if existing is not None:
            if changed:
                self.summary.products_updated += 1
            else:
                self.summary.products_unchanged += 1
        return product

    def _set_images(self, product: Product | None, variant: Variant | None, urls: Iterable[str]) -> bool:
        urls = list(dict.fromkeys(urls))
        if product is None or product.pk is None:
            return bool(urls)
        current = list(
            Image.objects.filter(product=product, variant=variant).order_by("position", "id").values_list("url", flat=True)
        )
        if current == urls:
            return False
        if not self.dry_run:
            Image.objects.filter(product=product, variant=variant).delete()
            Image.objects.bulk_create(
                [Image(product=product, variant=variant, url=u, position=i) for i, u in enumerate(urls)]
            )
        return True

    def _write_variant(self, rec: VariantRecord, product: Product | None, existing: Variant | None,
                       stock: list[StockChange]) -> RowProblem | None:
        warehouse = self._warehouse_for(rec) if rec.stock is not None else None
        if rec.stock is not None and warehouse is None:
            return RowProblem(
                row=rec.row, column="warehouse", code="unknown_warehouse", value=rec.warehouse,
                message=(f"Magazyn „{rec.warehouse}” nie istnieje — utwórz go w panelu (Magazyny) "
                         "albo popraw kolumnę magazynu."),
            )
        values = {"name": rec.name, "ean": rec.ean, "price": rec.price, "attributes": _attrs(rec.attributes),
                  "weight_kg": rec.weight_kg}
        variant = existing
        if existing is None:
            self.summary.variants_created += 1
            if not self.dry_run:
                variant = Variant(product=product, sku=rec.sku)
                _changed(variant, values)
                variant.save()
        else:
            changed = _changed(existing, values)
            if product is not None and existing.product_id != product.pk:
                existing.product = product
                changed = True
            if changed and not self.dry_run:
                existing.save()
            if rec.images and product is not None and self._set_images(product, existing, rec.images):
                changed = True
            if changed:
                self.summary.variants_updated += 1
            else:
                self.summary.variants_unchanged += 1
        if existing is None and variant is not None and rec.images:
            self._set_images(product, variant, rec.images)
        if rec.stock is not None:
            if variant is not None:
                stock.append(StockChange(variant.pk, warehouse.pk, MovementReason.IMPORT, set_to=rec.stock,
                                         reference=self.reference))
            elif rec.stock:
                self.summary.stock_changes += 1  # dry run of a new variant: its first count
        return None

    def write_batch(self, batch: list[Record], emit: Callable[[RowProblem], None]) -> None:
        """Write one batch. Raises on database errors; the caller decides how to isolate them."""
        product_keys = {r.key for r in batch if isinstance(r, ProductRecord)}
        product_keys |= {r.product_key for r in batch if isinstance(r, VariantRecord)}
        skus = {r.sku for r in batch if isinstance(r, VariantRecord)}
        products = {p.key: p for p in Product.objects.filter(key__in=product_keys)}
        variants = {v.sku: v for v in Variant.objects.filter(sku__in=skus)}
        stock: list[StockChange] = []
        rejected: dict[str, int] = {}  # product key -> its row
        reported: set[tuple[int, str | None, str]] = set()
        for rec in batch:
            problems = value_problems(rec, self.columns)
            if isinstance(rec, VariantRecord) and rec.product_key in rejected and not problems:
                if rejected[rec.product_key] == rec.row:
                    continue  # a simple product's own variant: its row is already reported
                problems = [RowProblem(
                    row=rec.row, column=None, code="parent_rejected", value=rec.product_key,
                    message=f"Produkt „{rec.product_key}” ma błędy, więc jego warianty też nie są importowane.",
                )]
            if problems:
                for problem in problems:
                    if (problem.row, problem.column, problem.code) not in reported:
                        reported.add((problem.row, problem.column, problem.code))
                        emit(problem)
                if isinstance(rec, ProductRecord):
                    rejected[rec.key] = rec.row
                continue
            if isinstance(rec, ProductRecord):
                written = self._write_product(rec, products.get(rec.key))
                if written is not None:
                    products[rec.key] = written
                continue
            product = products.get(rec.product_key)
            if product is None and rec.product_key not in self._virtual_products:
                emit(RowProblem(
                    row=rec.row, column=None, code="parent_not_found", value=rec.product_key,
                    message=f"Produkt „{rec.product_key}” nie został zaimportowany, więc ten wariant też nie.",
                ))
                continue
            problem = self._write_variant(rec, product, variants.get(rec.sku), stock)
            if problem:
                emit(problem)
        if stock:
            if self.dry_run:
                self.summary.stock_changes += _count_real_changes(stock)
            else:
                self.summary.stock_changes += len(apply_stock_changes(stock, user=self.user))


def _count_real_changes(changes: list[StockChange]) -> int:
    from magazynier.inventory.models import StockLevel

    current = {
        (lv.variant_id, lv.warehouse_id): lv.on_hand
        for lv in StockLevel.objects.filter(variant_id__in={c.variant_id for c in changes})
    }
    return sum(1 for c in changes if current.get((c.variant_id, c.warehouse_id), 0) != c.set_to)


def _batches(records: Iterator[Record], size: int, on_problem: Callable[[RowProblem], None],
             on_row: Callable[[int], None]) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for rec in records:
        on_row(rec.row)
        if isinstance(rec, RowProblem):
            on_problem(rec)
            continue
        batch.append(rec)
        if len(batch) >= size and isinstance(rec, VariantRecord):
            yield batch
            batch = []
    if batch:
        yield batch


def import_catalog(
    records: Iterable[Record], *, warehouse: Warehouse | None = None, dry_run: bool = False, reference: str = "",
    user=None, batch_size: int = 500, on_problem: Callable[[RowProblem], None] | None = None,
    on_progress: Callable[[int], None] | None = None, columns: dict[str, str] | None = None,
) -> ImportSummary:
    """Import a stream of parsed records (see catalog.importing.parse_file(...).records()).
    `columns` names the file's header for each record attribute, so row problems name the column."""
    writer = CatalogWriter(warehouse=warehouse, dry_run=dry_run, reference=reference or "import", user=user,
                           columns=columns)
    summary = writer.summary
    seen_rows = 0

    def emit(problem: RowProblem) -> None:
        summary.count_problem(problem)
        if on_problem:
            on_problem(problem)

    def row_seen(row: int) -> None:
        nonlocal seen_rows
        if row > seen_rows:
            seen_rows = row
            summary.rows = row - 1  # header is row 1
            if on_progress and row % 200 == 0:
                on_progress(row - 1)

    for batch in _batches(iter(records), batch_size, emit, row_seen):
        if dry_run:
            writer.write_batch(batch, emit)
            continue
        counts, held = summary.as_dict(), []
        try:
            with transaction.atomic():
                writer.write_batch(batch, held.append)
        except (DatabaseError, StockError):
            summary.__dict__.update(counts)  # the failed attempt wrote nothing, so it counts nothing
            _write_row_by_row(writer, batch, emit)
        else:
            for problem in held:
                emit(problem)
    if on_progress:
        on_progress(summary.rows)
    return summary


def _write_row_by_row(writer: CatalogWriter, batch: list[Record], emit) -> None:
    """A batch failed as a whole: write each product with its variants in its own transaction so that only
    the rows at fault are reported and everything else still imports."""
    writer._categories.clear()  # ids created inside the rolled-back batch are gone
    writer._tags.clear()
    groups: list[list[Record]] = []
    for rec in batch:
        if isinstance(rec, ProductRecord) or not groups:
            groups.append([rec])
        else:
            groups[-1].append(rec)
    for group in groups:
        counts, held = writer.summary.as_dict(), []
        try:
            with transaction.atomic():
                writer.write_batch(group, held.append)
        except (IntegrityError, DatabaseError, StockError) as exc:
            writer.summary.__dict__.update(counts)
            first = group[0]
            emit(RowProblem(
                row=first.row, column=None, code="database_rejected", value=None,
                message=f"Baza danych odrzuciła ten wiersz ({type(exc).__name__}: {str(exc)[:120]}); "
                        "popraw dane i zaimportuj plik ponownie.",
            ))
        else:
            for problem in held:
                emit(problem)
