"""Allegro's part of the readiness audit: is the product's category mapped, and can its required parameters be
filled? Uses only what is cached (accepted mappings, category parameters, catalog matches) — no network."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from magazynier.catalog.audit import CHECKS, Blocker, Check
from magazynier.catalog.models import Product, Variant
from magazynier.channels import categories
from magazynier.channels.models import CategoryParameters, ChannelAccount, ProductMatch
from magazynier.channels.variant_parameters import variant_parameters


def allegro_checks() -> list[Check]:
    """Checks for the Allegro site of the first connected account; none while no account is connected."""
    account = ChannelAccount.objects.filter(kind=ChannelAccount.ALLEGRO).exclude(
        status=ChannelAccount.PENDING).order_by("pk").first()
    if account is None:
        return []
    mappings = categories.accepted_mappings(account.site)
    parameters = {c.category_id: c.parameters for c in CategoryParameters.objects.filter(site=account.site)}
    matches = {m.variant_id: m for m in ProductMatch.objects.filter(site=account.site)}

    def check_allegro_category(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
        if product.category_id is not None and product.category_id not in mappings and not all(
                v.pk in matches and matches[v.pk].status == ProductMatch.MATCHED for v in variants):
            yield Blocker("allegro_category", _("Shop category “%(path)s” has no Allegro category — map it in "
                                                "Sales channels → Categories.") % {"path": product.category.path})

    def check_allegro_parameters(product: Product, variants: list[Variant]) -> Iterator[Blocker]:
        mapping = mappings.get(product.category_id)
        for variant in variants:
            placed = variant_parameters(product, variant, mapping, matches.get(variant.pk),
                                        lambda category_id: parameters.get(category_id, []))
            missing = list(placed.unfilled.values())  # nothing while the category's parameters are not fetched
            if missing:
                yield Blocker("allegro_parameters", _("Required Allegro parameters without a value: %(names)s — "
                                                      "add them as product attributes or set a value for the "
                                                      "category.") % {"names": ", ".join(missing)}, variant.sku)

    return [("allegro_category", gettext_lazy("Allegro category"), check_allegro_category),
            ("allegro_parameters", gettext_lazy("Allegro parameters"), check_allegro_parameters)]


def all_checks() -> list[Check]:
    return CHECKS + allegro_checks()
