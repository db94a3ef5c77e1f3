"""Link variants to Allegro's product catalog by EAN/GTIN. Several matching products is a conflict the seller
resolves — never a guess."""

from __future__ import annotations

from collections.abc import Iterable

from stdnum import ean as stdnum_ean

from magazynier.catalog.models import Variant
from magazynier.channels.allegro.connector import AllegroConnector
from magazynier.channels.models import ChannelAccount, ProductMatch


def match_variants(account: ChannelAccount, connector: AllegroConnector, variants: Iterable[Variant],
                   *, refresh: bool = False) -> dict[int, ProductMatch]:
    """Look up each variant's EAN once (cached per site; `refresh` looks again, keeping seller decisions)."""
    site = account.site
    variants = [v for v in variants if v.ean and stdnum_ean.is_valid(v.ean)]
    existing = {m.variant_id: m for m in ProductMatch.objects.filter(site=site, variant__in=variants)}
    result: dict[int, ProductMatch] = {}
    for variant in variants:
        match = existing.get(variant.pk)
        if match and match.ean == variant.ean and (match.resolved_by_seller or not refresh):
            result[variant.pk] = match
            continue
        products = connector.products_by_gtin(variant.ean)
        if len(products) == 1:
            status, chosen = ProductMatch.MATCHED, products[0]
        elif products:
            status, chosen = ProductMatch.AMBIGUOUS, None
        else:
            status, chosen = ProductMatch.NOT_FOUND, None
        match, _created = ProductMatch.objects.update_or_create(
            site=site, variant=variant,
            defaults={"ean": variant.ean, "status": status, "product_id": chosen.product_id if chosen else "",
                      "product_name": (chosen.name if chosen else "")[:300],
                      "category_id": chosen.category_id if chosen else "", "resolved_by_seller": False,
                      "parameter_ids": list(chosen.parameter_ids) if chosen else [],
                      "candidates": [{"id": p.product_id, "name": p.name, "category": p.category_id,
                                      "parameters": list(p.parameter_ids)}
                                     for p in products] if status == ProductMatch.AMBIGUOUS else []},
        )
        result[variant.pk] = match
    return result


def resolve_ambiguous(match: ProductMatch, product_id: str | None) -> ProductMatch:
    """The seller's choice among the candidates (None: none of them — list the offer without a catalog link)."""
    if product_id is not None:
        candidate = next((c for c in match.candidates if c["id"] == product_id), None)
        if candidate is None:
            raise ValueError("Choose one of the products Allegro found for this EAN.")
        match.product_id, match.product_name, match.category_id = product_id, candidate["name"], candidate["category"]
        match.parameter_ids = candidate.get("parameters", [])
        match.status = ProductMatch.MATCHED
    else:
        match.product_id = ""
        match.parameter_ids = []
        match.status = ProductMatch.NOT_FOUND
    match.resolved_by_seller = True
    match.save()
    return match
