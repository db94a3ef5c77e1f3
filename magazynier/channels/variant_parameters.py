"""Which Allegro category a variant is listed in and how its parameters fill — one rule for the offer
builder and the readiness audit: a linked catalog product decides the category and supplies its own
parameters; otherwise the shop category's accepted mapping decides, with the seller's fixed values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from magazynier.catalog.models import Product, Variant
from magazynier.channels.allegro.parameters import ParameterFill, ProductFacts, fill_parameters
from magazynier.channels.models import CategoryMapping, ProductMatch


@dataclass(frozen=True)
class VariantParameters:
    category_id: str  # "" when neither a catalog product nor a mapping says
    definitions: list[dict]
    fill: ParameterFill | None
    catalog_product: ProductMatch | None  # the matched catalog product, if any

    @property
    def supplied(self) -> frozenset[str]:
        return frozenset(self.catalog_product.parameter_ids) if self.catalog_product else frozenset()

    @property
    def unfilled(self) -> dict[str, str]:
        return self.fill.unfilled(self.supplied) if self.fill else {}


def variant_parameters(product: Product, variant: Variant, mapping: CategoryMapping | None,
                       match: ProductMatch | None, definitions_of: Callable[[str], list[dict]]) -> VariantParameters:
    linked = match if match is not None and match.status == ProductMatch.MATCHED and match.product_id else None
    category_id = (linked.category_id if linked and linked.category_id else
                   mapping.channel_category_id if mapping else "")
    if not category_id:
        return VariantParameters("", [], None, linked)
    definitions = definitions_of(category_id)
    fill = fill_parameters(
        definitions,
        ProductFacts(brand=product.brand, ean=variant.ean, attributes={**product.attributes, **variant.attributes},
                     weight_kg=variant.weight_kg or product.weight_kg),
        overrides=mapping.fixed_values if mapping else {}, attribute_map=mapping.attribute_map if mapping else {},
    )
    return VariantParameters(category_id, definitions, fill, linked)
