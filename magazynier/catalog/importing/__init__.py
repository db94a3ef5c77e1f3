"""Catalog import, parsing layer: a product file in, a stream of typed records and row problems out.

Pure Python (no Django).  See ``parse.parse_file``.
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
