"""Allegro's category tree (cached per site), category parameters (cached), and shop → Allegro mappings.

Suggestions come from two places: Allegro's product catalog (the categories of products found by the
variants' EANs — strongest, since Allegro itself put those products there) and /sale/matching-categories
for the category's name and a few product names. A suggestion is never used for offers until the seller
accepts it (panel or `magazynier allegro categories accept`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from magazynier.catalog.models import Category, Product, Variant
from magazynier.channels.allegro.connector import AllegroConnector
from magazynier.channels.matching import match_variants
from magazynier.channels.models import (
    CategoryMapping,
    CategoryParameters,
    ChannelAccount,
    ProductMatch,
    SiteCategory,
)

PARAMETERS_MAX_AGE = timedelta(days=7)
EAN_SAMPLES = 5  # variants per shop category looked up in the catalog for a suggestion
NAME_SAMPLES = 3  # product names sent to matching-categories besides the category name


# ---------------------------------------------------------------- tree cache
def sync_category_tree(account: ChannelAccount, connector: AllegroConnector,
                       progress: Callable[[int], None] = lambda n: None) -> int:
    """Read the whole tree breadth-first and store it; returns the number of categories."""
    site = account.site
    rows: dict[str, SiteCategory] = {}
    queue: list[tuple[str | None, str]] = [(None, "")]
    while queue:
        parent_id, parent_path = queue.pop(0)
        for item in connector.categories(parent_id):
            path = f"{parent_path} > {item['name']}" if parent_path else item["name"]
            rows[str(item["id"])] = SiteCategory(site=site, category_id=str(item["id"]), name=item["name"],
                                                 parent_id=str(parent_id or ""), leaf=bool(item.get("leaf")),
                                                 path=path[:1000])
            if not item.get("leaf"):
                queue.append((str(item["id"]), path))
        progress(len(rows))
    with transaction.atomic():
        SiteCategory.objects.filter(site=site).exclude(category_id__in=list(rows)).delete()
        SiteCategory.objects.bulk_create(
            rows.values(), update_conflicts=True, unique_fields=["site", "category_id"],
            update_fields=["name", "parent_id", "leaf", "path", "fetched_at"], batch_size=500,
        )
    return len(rows)


def _path_from_nested(item: dict) -> str:
    names = []
    node: dict | None = item
    while node:
        names.append(node["name"])
        node = node.get("parent")
    return " > ".join(reversed(names))


def known_category(account: ChannelAccount, connector: AllegroConnector, category_id: str) -> SiteCategory:
    """The cached category, fetched (with its path) when the tree has not been read yet."""
    site = account.site
    cached = SiteCategory.objects.filter(site=site, category_id=category_id).first()
    if cached:
        return cached
    item = connector.category(category_id)
    names = [item["name"]]
    parent = (item.get("parent") or {}).get("id")
    while parent:
        parent_item = connector.category(parent)
        names.append(parent_item["name"])
        parent = (parent_item.get("parent") or {}).get("id")
    category, _created = SiteCategory.objects.update_or_create(
        site=site, category_id=category_id,
        defaults={"name": item["name"], "parent_id": str((item.get("parent") or {}).get("id") or ""),
                  "leaf": bool(item.get("leaf")), "path": " > ".join(reversed(names))[:1000]},
    )
    return category


# ---------------------------------------------------------------- parameters cache
def category_parameters(account: ChannelAccount, connector: AllegroConnector | None, category_id: str) -> list[dict]:
    """Parameter definitions of a category, from the cache when fresh (connector None: cache only)."""
    cached = CategoryParameters.objects.filter(site=account.site, category_id=category_id).first()
    if cached and (connector is None or timezone.now() - cached.fetched_at < PARAMETERS_MAX_AGE):
        return cached.parameters
    if connector is None:
        return []
    parameters = connector.category_parameters(category_id)
    CategoryParameters.objects.update_or_create(site=account.site, category_id=category_id,
                                                defaults={"parameters": parameters})
    return parameters


# ---------------------------------------------------------------- suggestions
@dataclass(frozen=True)
class Suggestion:
    category_id: str
    path: str
    source: str
    votes: int = 0


def categories_needing_mapping(account: ChannelAccount) -> Iterable[Category]:
    accepted = CategoryMapping.objects.filter(site=account.site, status=CategoryMapping.ACCEPTED)
    return (Category.objects.filter(products__is_active=True).exclude(pk__in=accepted.values("category_id"))
            .distinct().order_by("path"))


def suggest_for_category(account: ChannelAccount, connector: AllegroConnector, category: Category) -> CategoryMapping | None:
    suggestions: list[Suggestion] = []
    variants = list(Variant.objects.filter(product__category=category, product__is_active=True)
                    .exclude(ean="").order_by("sku")[:EAN_SAMPLES])
    match_variants(account, connector, variants)
    votes = Counter(ProductMatch.objects.filter(site=account.site, variant__in=variants, status=ProductMatch.MATCHED)
                    .exclude(category_id="").values_list("category_id", flat=True))
    for category_id, count in votes.most_common():
        known = known_category(account, connector, category_id)
        if known.leaf:
            suggestions.append(Suggestion(category_id, known.path, CategoryMapping.FROM_EAN, count))
    names = [category.name, *Product.objects.filter(category=category, is_active=True)
             .order_by("name").values_list("name", flat=True)[:NAME_SAMPLES]]
    for name in names:
        for item in connector.matching_categories(name)[:3]:
            suggestions.append(Suggestion(str(item["id"]), _path_from_nested(item), CategoryMapping.FROM_NAME))
    if not suggestions:
        return None
    unique = list({s.category_id: s for s in reversed(suggestions)}.values())[::-1]  # keep first of each id
    best = unique[0]
    alternatives = [{"id": s.category_id, "path": s.path, "source": s.source} for s in unique[1:6]]
    mapping, _created = CategoryMapping.objects.get_or_create(
        site=account.site, category=category,
        defaults={"channel_category_id": best.category_id, "channel_category_path": best.path,
                  "source": best.source, "alternatives": alternatives},
    )
    if mapping.status == CategoryMapping.SUGGESTED:
        mapping.channel_category_id, mapping.channel_category_path = best.category_id, best.path
        mapping.source, mapping.alternatives = best.source, alternatives
        mapping.save()
    return mapping


def suggest_mappings(account: ChannelAccount, connector: AllegroConnector,
                     progress: Callable[[Category], None] = lambda c: None) -> list[CategoryMapping]:
    made = []
    for category in categories_needing_mapping(account):
        mapping = suggest_for_category(account, connector, category)
        if mapping:
            made.append(mapping)
        progress(category)
    return made


def accept_mapping(mapping: CategoryMapping, channel_category: SiteCategory | None = None) -> CategoryMapping:
    """Accept the suggestion, or set another (leaf) category chosen by the seller."""
    if channel_category is not None:
        if not channel_category.leaf:
            raise ValueError(f"“{channel_category.path}” is not a leaf category: Allegro lists offers only in the "
                             "last level of the tree. Choose one of its subcategories.")
        mapping.channel_category_id = channel_category.category_id
        mapping.channel_category_path = channel_category.path
        mapping.source = CategoryMapping.MANUAL
    mapping.status = CategoryMapping.ACCEPTED
    mapping.save()
    return mapping


def map_category(account: ChannelAccount, category: Category, channel_category: SiteCategory) -> CategoryMapping:
    mapping, _created = CategoryMapping.objects.get_or_create(
        site=account.site, category=category,
        defaults={"channel_category_id": channel_category.category_id,
                  "channel_category_path": channel_category.path, "source": CategoryMapping.MANUAL},
    )
    return accept_mapping(mapping, channel_category)


def accepted_mappings(site: str) -> dict[int, CategoryMapping]:
    """shop category id → accepted mapping."""
    return {m.category_id: m for m in CategoryMapping.objects.filter(site=site, status=CategoryMapping.ACCEPTED)}
