"""Which products a staged rollout covers: tags, shop categories (with their subcategories), SKUs, a limit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from magazynier.catalog.models import PATH_SEPARATOR, Variant


@dataclass(frozen=True)
class Scope:
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # shop category paths, e.g. "Clothing > Tshirts"
    skus: tuple[str, ...] = ()
    limit: int | None = None

    @classmethod
    def parse(cls, items: list[str], limit: int | None = None) -> Scope:
        """From CLI words like "tag:lato", "category:Clothing > Tshirts", "sku:A,B"."""
        tags, categories, skus = [], [], []
        for item in items:
            kind, _, value = item.partition(":")
            values = [v.strip() for v in value.split(",") if v.strip()]
            if kind == "tag":
                tags += values
            elif kind == "category":
                categories.append(value.strip())
            elif kind == "sku":
                skus += values
            else:
                raise ValueError(f"Unknown scope {item!r}: use tag:NAME, category:PATH or sku:SKU1,SKU2.")
        return cls(tuple(tags), tuple(categories), tuple(skus), limit)

    def __str__(self) -> str:
        parts = [f"tag:{t}" for t in self.tags] + [f"category:{c}" for c in self.categories]
        parts += [f"sku:{','.join(self.skus)}"] if self.skus else []
        parts += [f"first {self.limit}"] if self.limit else []
        return ", ".join(parts) or "whole catalog"

    def variants(self) -> QuerySet[Variant]:
        qs = Variant.objects.filter(product__is_active=True)
        if self.tags:
            qs = qs.filter(product__tags__name__in=self.tags)
        if self.categories:
            condition = Q()
            for path in self.categories:
                condition |= Q(product__category__path=path) | Q(
                    product__category__path__startswith=path + PATH_SEPARATOR)
            qs = qs.filter(condition)
        if self.skus:
            qs = qs.filter(sku__in=self.skus)
        qs = qs.distinct().order_by("sku")
        if self.limit:
            qs = Variant.objects.filter(pk__in=list(qs.values_list("pk", flat=True)[: self.limit])).order_by("sku")
        return qs
