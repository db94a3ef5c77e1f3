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
from django.db import DatabaseError, transaction
from django.utils import timezone

from magazynier.catalog.importing.rows import ProductRecord, RowProblem, VariantRecord
from magazynier.catalog.models import Category, Image, Product, Tag, Variant
from magazynier.core import changes
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

    def restore(self, snapshot: dict) -> None:
        """Undo the counting of an attempt the database rolled back."""
        self.__dict__.update(snapshot)

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["problems_by_code"] = dict(self.problems_by_code)
        return data


def default_warehouse(code: str | None = None, *, create: bool = True) -> Warehouse | None:
    """The warehouse stock goes to when a row names none: the given code, the first active one, or a new
    'glowny' (None instead when `create` is off, e.g. in a dry run, which writes nothing)."""
    if code:
        try:
            return Warehouse.objects.get(code=code)
        except Warehouse.DoesNotExist:
            raise StockError(f"warehouse {code!r} does not exist; create it first or pick another") from None
    existing = Warehouse.objects.filter(is_active=True).order_by("id").first()
    if existing or not create:
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


PRODUCT_FIELDS = ["kind", "name", "description", "short_description", "brand", "vat_rate", "attributes",
                  "weight_kg", "source_id", "category", "is_active", "is_virtual", "updated_at"]
VARIANT_FIELDS = ["product", "name", "ean", "price", "attributes", "weight_kg", "updated_at"]


class CatalogWriter:
    """Writes one batch at a time with a few set-based queries per table (not a query per row)."""

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

    def forget_created(self) -> None:
        """After a rollback: cached categories and tags created inside it no longer exist."""
        self._categories.clear()
        self._tags.clear()

    # ----- lookups with caches (bounded by the number of categories/tags/warehouses, not rows)
    def _category(self, path: tuple[str, ...]) -> Category | None:
        if not path:
            return None
        if path not in self._categories:
            parent = self._category(path[:-1])
            if self.dry_run:
                self._categories[path] = Category.objects.filter(path=" > ".join(path)).first()
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

    # ----- one batch
    def _valid_records(self, batch: list[Record], emit) -> tuple[list[ProductRecord], list[VariantRecord]]:
        """Drop records whose values the database would refuse (and variants of refused products)."""
        products: list[ProductRecord] = []
        variants: list[VariantRecord] = []
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
            if isinstance(rec, VariantRecord) and not problems and rec.stock is not None \
                    and self._warehouse_for(rec) is None:
                problems = [RowProblem(
                    row=rec.row, column=self.columns.get("warehouse", "warehouse"), code="unknown_warehouse",
                    value=rec.warehouse,
                    message=(f"Magazyn „{rec.warehouse}” nie istnieje — utwórz go w panelu (Magazyny) "
                             "albo popraw kolumnę magazynu."),
                )]
            if problems:
                for problem in problems:
                    if (problem.row, problem.column, problem.code) not in reported:
                        reported.add((problem.row, problem.column, problem.code))
                        emit(problem)
                if isinstance(rec, ProductRecord):
                    rejected[rec.key] = rec.row
                continue
            (products if isinstance(rec, ProductRecord) else variants).append(rec)
        return products, variants

    def _apply_products(self, records: list[ProductRecord]) -> dict[str, Product]:
        existing = {p.key: p for p in Product.objects.filter(key__in={r.key for r in records})
                    .select_related("category")}
        created, changed = [], []
        for rec in records:
            product = existing.get(rec.key)
            is_new = product is None
            if is_new:
                product = Product(key=rec.key)
                existing[rec.key] = product
            values = {
                "kind": rec.kind, "name": rec.name, "description": rec.description,
                "short_description": rec.short_description, "brand": rec.brand, "vat_rate": rec.vat_rate,
                "attributes": _attrs(rec.attributes), "weight_kg": rec.weight_kg, "source_id": rec.source_id,
                "category": self._category(tuple(rec.category_path)),
                "is_active": rec.is_active, "is_virtual": rec.is_virtual,
            }
            if is_new:
                _changed(product, values)
                product.is_active, product.is_virtual = rec.is_active, rec.is_virtual
                created.append(product)
            elif _changed(product, values) or _flags_changed(product, rec):
                changed.append(product)
        self.summary.products_created += len(created)
        if self.dry_run:
            self._virtual_products.update(p.key for p in created)
        else:
            _persist(Product, created, changed, PRODUCT_FIELDS)
        new_keys = {p.key for p in created}
        touched = {p.key for p in changed}
        touched |= self._apply_tags(records, existing)
        touched |= self._apply_images([(existing[r.key], None, r.images) for r in records
                                       if r.images and r.key not in new_keys])
        if not self.dry_run:
            self._apply_images([(existing[r.key], None, r.images) for r in records if r.images and r.key in new_keys])
        touched -= new_keys
        self.summary.products_updated += len(touched)
        self.summary.products_unchanged += len({r.key for r in records}) - len(new_keys) - len(touched)
        return existing

    def _apply_tags(self, records: list[ProductRecord], products: dict[str, Product]) -> set[str]:
        wanted = [(products[r.key], t) for r in records if r.tags for t in r.tags]
        if not wanted or self.dry_run:
            return set()
        through = Product.tags.through
        have = set(through.objects.filter(product_id__in={p.pk for p, _ in wanted})
                   .values_list("product_id", "tag__name"))
        missing = [(p, t) for p, t in wanted if (p.pk, t) not in have]
        through.objects.bulk_create([through(product_id=p.pk, tag_id=self._tag(t).pk) for p, t in missing],
                                    ignore_conflicts=True)
        return {p.key for p, _ in missing}

    def _apply_images(self, wanted: list[tuple[Product, Variant | None, tuple[str, ...]]]) -> set[str]:
        """Replace image lists that differ; returns the keys of products whose images changed."""
        saved = [(p, v, list(dict.fromkeys(urls))) for p, v, urls in wanted if p.pk is not None
                 and (v is None or v.pk is not None)]
        if not saved:
            return {p.key for p, _v, _u in wanted}  # dry run of new products: they would get images
        current: dict[tuple[int, int | None], list[str]] = {}
        for product_id, variant_id, url in (Image.objects.filter(product_id__in={p.pk for p, _, _ in saved})
                                            .order_by("position", "id").values_list("product_id", "variant_id", "url")):
            current.setdefault((product_id, variant_id), []).append(url)
        stale = [(p, v, urls) for p, v, urls in saved if current.get((p.pk, v.pk if v else None), []) != urls]
        if stale and not self.dry_run:
            for p, v, _urls in stale:
                Image.objects.filter(product=p, variant=v).delete()
            Image.objects.bulk_create([Image(product=p, variant=v, url=u, position=i)
                                       for p, v, urls in stale for i, u in enumerate(urls)])
        return {p.key for p, _v, _u in stale}

    def _apply_variants(self, records: list[VariantRecord], products: dict[str, Product], emit) -> list[StockChange]:
        existing = {v.sku: v for v in Variant.objects.filter(sku__in={r.sku for r in records})
                    .select_related("product")}
        missing_keys = {r.product_key for r in records if r.product_key not in products}
        if missing_keys:
            products.update({p.key: p for p in Product.objects.filter(key__in=missing_keys)})
        created, changed, with_stock, image_wants, repriced = [], [], [], [], []
        for rec in records:
            product = products.get(rec.product_key)
            if product is None and rec.product_key not in self._virtual_products:
                emit(RowProblem(
                    row=rec.row, column=None, code="parent_not_found", value=rec.product_key,
                    message=f"Produkt „{rec.product_key}” nie został zaimportowany, więc ten wariant też nie.",
                ))
                continue
            values = {"name": rec.name, "ean": rec.ean, "price": rec.price, "attributes": _attrs(rec.attributes),
                      "weight_kg": rec.weight_kg}
            variant = existing.get(rec.sku)
            if variant is None:
                variant = Variant(product=product, sku=rec.sku)
                _changed(variant, values)
                existing[rec.sku] = variant
                created.append(variant)
            else:
                moved = product is not None and variant.product_id != product.pk
                if moved:
                    variant.product = product
                old_price = variant.price
                if _changed(variant, values) or moved:
                    changed.append(variant)
                    if variant.price != old_price:
                        repriced.append(variant.pk)
            if rec.stock is not None:
                with_stock.append((variant, rec))
            if rec.images:
                image_wants.append((product, variant, rec.images))
        self.summary.variants_created += len(created)
        if not self.dry_run:
            _persist(Variant, created, changed, VARIANT_FIELDS)
            changes.changed(changes.PRICE, repriced)
        new_skus = {v.sku for v in created}
        old_images = [w for w in image_wants if w[1].sku not in new_skus]
        image_changed = self._apply_images(old_images)
        if not self.dry_run:
            self._apply_images([w for w in image_wants if w[1].sku in new_skus])
        updated = {v.sku for v in changed} | {v.sku for p, v, _u in old_images if p.key in image_changed}
        self.summary.variants_updated += len(updated)
        self.summary.variants_unchanged += len({r.sku for r in records if r.sku in existing}) - len(new_skus) \
            - len(updated)
        stock = []
        for variant, rec in with_stock:
            if variant.pk is not None:
                stock.append(StockChange(variant.pk, self._warehouse_for(rec).pk, MovementReason.IMPORT,
                                         set_to=rec.stock, reference=self.reference))
            elif rec.stock:
                self.summary.stock_changes += 1  # dry run of a new variant: its first count
        return stock

    def write_batch(self, batch: list[Record], emit: Callable[[RowProblem], None]) -> None:
        """Write one batch. Raises on database errors; the caller decides how to isolate them."""
        product_records, variant_records = self._valid_records(batch, emit)
        products = self._apply_products(product_records)
        stock = self._apply_variants(variant_records, products, emit)
        if stock:
            if self.dry_run:
                self.summary.stock_changes += _count_real_changes(stock)
            else:
                self.summary.stock_changes += len(apply_stock_changes(stock, user=self.user))


def _persist(model, created: list, changed: list, fields: list[str]) -> None:
    model.objects.bulk_create(created)
    now = timezone.now()
    for obj in changed:
        obj.updated_at = now
    model.objects.bulk_update(changed, fields)


def _flags_changed(product: Product, rec: ProductRecord) -> bool:
    changed = (product.is_active, product.is_virtual) != (rec.is_active, rec.is_virtual)
    product.is_active, product.is_virtual = rec.is_active, rec.is_virtual
    return changed


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
        if _attempt(writer, batch, emit) is not None:
            _write_row_by_row(writer, batch, emit)
    if on_progress:
        on_progress(summary.rows)
    return summary


def _attempt(writer: CatalogWriter, records: list[Record], emit) -> Exception | None:
    """Write records in one transaction. On a database refusal nothing is written, nothing is counted, no
    problem is reported and the refusal is returned; otherwise the records' problems are reported."""
    snapshot, held = writer.summary.as_dict(), []
    try:
        with transaction.atomic():
            writer.write_batch(records, held.append)
    except (DatabaseError, StockError) as exc:
        writer.summary.restore(snapshot)
        writer.forget_created()
        return exc
    for problem in held:
        emit(problem)
    return None


def _write_row_by_row(writer: CatalogWriter, batch: list[Record], emit) -> None:
    """A batch failed as a whole: write each product with its variants in its own transaction so that only
    the rows at fault are reported and everything else still imports."""
    groups: list[list[Record]] = []
    for rec in batch:
        if isinstance(rec, ProductRecord) or not groups:
            groups.append([rec])
        else:
            groups[-1].append(rec)
    for group in groups:
        refusal = _attempt(writer, group, emit)
        if refusal is not None:
            emit(RowProblem(
                row=group[0].row, column=None, code="database_rejected", value=None,
                message=f"Baza danych odrzuciła ten wiersz ({type(refusal).__name__}: {str(refusal)[:120]}); "
                        "popraw dane i zaimportuj plik ponownie.",
            ))
