"""Catalog import, parsing layer: a product file in, a stream of typed records and row problems out.

Pure Python (no Django, no database)::

    parsed = parse_file(path)                # ImportFileError for a file that cannot be imported
    parsed.format, parsed.encoding, parsed.notices
    for item in parsed.records():            # generator, flat memory; re-reads the file per call
        ...                                  # ProductRecord | VariantRecord | RowProblem

Order: file order, per row the errors (row rejected, no record) or the records followed by
warnings; WooCommerce variations whose parent row comes later are yielded at the very end.
A simple product yields ProductRecord + VariantRecord (same SKU); a variable product yields its
ProductRecord once, before its first variant.  Row numbers are Excel's (header = 1); for CSV
the record index + 1, so a multi-line quoted cell does not shift them.

RowProblem codes.  error: broken_encoding, extra_cells, formula, missing_sku, missing_name,
duplicate_sku, sku_whitespace, sku_too_long, malformed_number, negative_price, price_precision,
stock_not_whole, negative_stock, negative_weight, unknown_unit, ean_format, ean_length, ean_checksum, vat_rate,
attribute_format, unsupported_type, parent_not_found, parent_rejected, parent_not_variable,
parent_conflict, parent_is_self.  skipped: grouped_product, external_product.
warning: vat_mapped, vat_unknown.
"""

from .generic import ColumnMapping, detect_mapping
from .parse import ParsedFile, parse_file
from .rows import ImportFileError, ProductRecord, RowProblem, VariantRecord
from .woocommerce import is_woocommerce_export

__all__ = [
    "ColumnMapping",
    "ImportFileError",
    "ParsedFile",
    "ProductRecord",
    "RowProblem",
    "VariantRecord",
    "detect_mapping",
    "is_woocommerce_export",
    "parse_file",
]
