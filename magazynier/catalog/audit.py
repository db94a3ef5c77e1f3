"""Readiness audit: for each product, what blocks listing it on Allegro — before any integration starts.

Each check is a small pure function of a product (with its variants and images prefetched) returning the
blockers it finds; `audit_catalog` runs them all and summarises. Checks that need channel data (category
mapping, required category parameters) join this list when the Allegro connector brings mappings.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from stdnum import ean as stdnum_ean

from magazynier.catalog.models import Image, Product, Variant
from magazynier.channels.allegro import limits


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str  # what is wrong and what to do, in the panel's language
    sku: str | None = None  # the variant at fault, when it is one variant and not the whole product


@dataclass
class ProductAudit:
    product_id: int
    key: str
    name: str
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def codes(self) -> set[str]:
        return {b.code for b in self.blockers}


@dataclass
class AuditSummary:
    total: int
    ready: int
    blockers: Counter  # code -> number of products it blocks
    labels: dict = field(default_factory=dict)  # code -> label of the checks that ran

    @property
    def top_blockers(self) -> list[tuple[str, str, int]]:
        return [(code, self.labels.get(code, code), n) for code, n in self.blockers.most_common()]


def _offer_title(product: Product, variant: Variant) -> str:
    return variant.name or product.name


def check_ean(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    for v in variants:
        if not v.ean:
            yield Blocker("ean", _("No EAN/GTIN — add the barcode so the offer links to Allegro's product "
                                   "catalog."), v.sku)
        elif not stdnum_ean.is_valid(v.ean):
            yield Blocker("ean", _("EAN/GTIN %(ean)s has a wrong check digit — correct it.") % {"ean": v.ean},
                          v.sku)


def check_images(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    images = list(product.images.all())
    if not images:
        yield Blocker("images", _("No image — Allegro needs at least one photo."))
    elif len({i.url for i in images if i.variant_id is None}) > limits.MAX_IMAGES:
        yield Blocker("images", _("More than %(n)d images — Allegro accepts at most %(n)d.")
                      % {"n": limits.MAX_IMAGES})


def check_title(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    for v in variants:
        title = _offer_title(product, v)
        if len(title) > limits.TITLE_MAX_LENGTH:
            yield Blocker("title", _("Title has %(n)d characters — Allegro allows %(max)d; shorten the name.")
                          % {"n": len(title), "max": limits.TITLE_MAX_LENGTH}, v.sku)
        elif len(title) < limits.TITLE_MIN_LENGTH:
            yield Blocker("title", _("Title has %(n)d characters — Allegro needs at least %(min)d; add the "
                                     "brand, model or a key feature to the name.")
                          % {"n": len(title), "min": limits.TITLE_MIN_LENGTH}, v.sku)


def check_description(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    text = strip_tags(product.description or product.short_description or "").strip()
    if not text:
        yield Blocker("description", _("No description — write what the product is and what is in the box."))
    elif len((product.description or "").encode()) > limits.DESCRIPTION_MAX_BYTES:
        yield Blocker("description", _("Description is longer than Allegro's 40,000 bytes — shorten it."))


def check_category(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    if product.category_id is None:
        yield Blocker("category", _("No category — assign one so it can be mapped to an Allegro category."))


def check_gpsr(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    producer = product.responsible_producer
    if producer is None:
        yield Blocker("gpsr_producer", _("No responsible producer (GPSR) — add the manufacturer's name, "
                                         "address and e-mail or phone."))
    elif not producer.is_complete:
        yield Blocker("gpsr_producer", _("Responsible producer %(name)s lacks an address or a contact — "
                                         "complete it.") % {"name": producer.name})
    if not product.safety_information.strip():
        yield Blocker("gpsr_safety", _("No safety information (GPSR) — add warnings and instructions for "
                                       "safe use."))


def check_price(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    for v in variants:
        if v.price is None or v.price <= 0:
            yield Blocker("price", _("No price — set the gross price in PLN."), v.sku)


def check_vat(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    if not product.vat_rate:
        yield Blocker("vat", _("No VAT rate — choose 23%, 8%, 5%, 0% or exempt."))


def check_variants(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
    if not variants:
        yield Blocker("variants", _("No variant with a SKU — there is nothing to sell."))


Check = tuple[str, str, Callable[[Product, list[Variant]], Iterable[Blocker]] | None]

# The catalog's own checks. Channels add theirs (e.g. Allegro category mapping and required parameters, see
# channels.readiness) by passing `checks=CHECKS + their_checks` — the catalog never imports a channel.
CHECKS: list[Check] = [
    ("variants", _("Variant with SKU"), check_variants),
    ("ean", _("EAN/GTIN"), check_ean),
    ("images", _("Image"), check_images),
    ("title", _("Title length"), check_title),
    ("description", _("Description"), check_description),
    ("category", _("Category"), check_category),
    ("gpsr_producer", _("Responsible producer (GPSR)"), check_gpsr),
    ("gpsr_safety", _("Safety information (GPSR)"), None),  # reported by check_gpsr
    ("price", _("Price"), check_price),
    ("vat", _("VAT rate"), check_vat),
]
CHECK_LABELS = {code: label for code, label, _fn in CHECKS}


def audit_product(product: Product, checks: list[Check] = CHECKS) -> ProductAudit:
    variants = list(product.variants.all())
    result = ProductAudit(product.pk, product.key, product.name)
    for _code, _label, check in checks:
        if check is not None:
            result.blockers.extend(check(product, variants))
    return result


def audit_queryset(products: QuerySet[Product] | None = None) -> QuerySet[Product]:
    products = Product.objects.all() if products is None else products
    return products.select_related("responsible_producer", "category").prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("sku")),
        Prefetch("images", queryset=Image.objects.only("id", "url", "variant_id", "product_id")),
    ).order_by("name", "pk")


def audit_catalog(products: QuerySet[Product] | None = None, checks: list[Check] = CHECKS) -> Iterator[ProductAudit]:
    """Audit products one chunk at a time (flat memory on large catalogs)."""
    for product in audit_queryset(products).iterator(chunk_size=1000):
        yield audit_product(product, checks)


def summarise(audits: Iterable[ProductAudit], checks: list[Check] = CHECKS) -> tuple[AuditSummary, list[ProductAudit]]:
    audits = list(audits)
    counter: Counter = Counter()
    for a in audits:
        counter.update(a.codes)
    labels = {code: label for code, label, _fn in checks}
    return AuditSummary(len(audits), sum(1 for a in audits if a.ready), counter, labels), audits


_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


def csv_safe(value: str) -> str:
    """Keep a spreadsheet from executing a cell that starts like a formula."""
    return "'" + value if _FORMULA_START.match(value) else value


def write_csv(audits: Iterable[ProductAudit], stream, checks: list[Check] = CHECKS) -> int:
    """One row per product, one column per check ("OK" or the reasons), `;`-separated for Polish Excel."""
    writer = csv.writer(stream, delimiter=";")
    labels = [str(label) for _code, label, _fn in checks]
    writer.writerow([str(_("Product code")), str(_("Name")), str(_("Ready")), *labels])
    n = 0
    for a in audits:
        by_code: dict[str, list[str]] = {}
        for b in a.blockers:
            by_code.setdefault(b.code, []).append(f"{b.sku}: {b.message}" if b.sku else str(b.message))
        cells = [" | ".join(by_code[code]) if code in by_code else "OK" for code, _l, _f in checks]
        writer.writerow([csv_safe(a.key), csv_safe(a.name), str(_("yes")) if a.ready else str(_("no")),
                         *[csv_safe(c) for c in cells]])
        n += 1
    return n
