"""Offer payloads from catalog data (pure). One function builds what POST /sale/product-offers gets; the
blockers it returns are the reasons an offer cannot be published yet, in words a seller can act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from magazynier.channels.allegro import limits
from magazynier.channels.allegro.descriptions import build_description
from magazynier.channels.allegro.parameters import ParameterFill
from magazynier.channels.allegro.titles import TitleParts, build_title

# The fields an offer edit compares and sends (stock and price after publication belong to the sync engine).
CONTENT_FIELDS = ("name", "category", "productSet", "parameters", "images", "description", "external")


@dataclass(frozen=True)
class OfferInput:
    sku: str
    title: TitleParts
    description_html: str
    short_description_html: str
    image_urls: tuple[str, ...]
    price: Decimal | None
    stock: int
    category_id: str
    parameters: ParameterFill | None
    describes_product: frozenset[str]  # ids of parameters that describe the product (not the offer)
    catalog_product_id: str = ""  # Allegro catalog product matched by EAN
    catalog_product_name: str = ""
    catalog_parameter_ids: frozenset[str] = frozenset()  # parameters the catalog product supplies
    producer: Mapping[str, str] | None = None  # {"name": ...} of the GPSR responsible producer
    safety_information: str = ""
    offer_defaults: Mapping = field(default_factory=dict)
    spec_lines: tuple[tuple[str, str], ...] = ()  # (label, value) shown in the description's specification


@dataclass(frozen=True)
class OfferDraft:
    sku: str
    payload: dict
    blockers: tuple[str, ...]  # why it cannot be published as is
    notes: tuple[str, ...]  # what the builders changed or dropped (shown in the dry run)
    parameter_blockers: tuple[str, ...] = ()  # the blockers that are about category parameters

    @property
    def publishable(self) -> bool:
        return not self.blockers


def money(amount: Decimal) -> dict:
    return {"amount": f"{amount.quantize(Decimal('0.01'))}", "currency": "PLN"}


def build_offer(data: OfferInput) -> OfferDraft:
    blockers: list[str] = []
    notes: list[str] = []

    title = build_title(data.title)
    if title.problems and data.catalog_product_name:
        # Our name is too thin for Allegro search ("Polo"); the catalog product's name is what buyers search.
        fallback = build_title(TitleParts(name=data.catalog_product_name, key_parameters=data.title.key_parameters))
        if not fallback.problems:
            notes.append(_("Title: the catalog name was too short; used the Allegro catalog product's name."))
            title = fallback
    blockers += title.problems
    if title.dropped:
        notes.append(_("Title: left out %(words)s to fit %(n)d characters.")
                     % {"words": ", ".join(title.dropped), "n": limits.TITLE_MAX_LENGTH})
    notes += title.changes

    images = list(dict.fromkeys(data.image_urls))[: limits.MAX_IMAGES]
    if not images and not data.catalog_product_id:
        blockers.append(_("No image: add at least one photo."))
    description = build_description(data.description_html or data.short_description_html,
                                    short_html=data.short_description_html if data.description_html else "",
                                    image_urls=images, parameters=data.spec_lines)
    has_text = any(i["type"] == "TEXT" for sec in description.payload["sections"] for i in sec["items"])
    (notes if has_text else blockers).extend(description.problems)  # trimmed to fit is a note; no text blocks
    if description.removed_tags:
        notes.append(_("Description: removed HTML that Allegro does not accept (%(tags)s).")
                     % {"tags": ", ".join(description.removed_tags)})

    if not data.category_id:
        blockers.append(_("No Allegro category: map the product's category first."))
    if data.price is None or data.price <= 0:
        blockers.append(_("No price."))

    parameter_blockers: list[str] = []
    offer_parameters: list[dict] = []
    product_parameters: list[dict] = []
    if data.parameters is not None:
        for value in data.parameters.values:
            (product_parameters if value["id"] in data.describes_product else offer_parameters).append(value)
        problems = {p.parameter_id: p for p in data.parameters.problems}
        missing = data.parameters.unfilled(data.catalog_parameter_ids)
        for pid, name in missing.items():
            if pid in problems:  # a value was given but is wrong: say why
                parameter_blockers.append(f"{name}: {problems[pid].reason}")
            else:
                parameter_blockers.append(_("Required parameter “%(name)s” has no value.") % {"name": name})
        blockers += parameter_blockers
        for problem in data.parameters.problems:
            if problem.parameter_id not in missing:  # optional parameter left out: worth knowing, not blocking
                notes.append(f"{problem.parameter_name or problem.parameter_id}: {problem.reason}")

    if data.catalog_product_id:
        product: dict = {"id": data.catalog_product_id}
    else:
        product = {"name": title.text, "category": {"id": data.category_id}, "parameters": product_parameters,
                   "images": images}
    element: dict = {"product": product, "quantity": {"value": 1}}
    if data.producer:
        element["responsibleProducer"] = {"type": "NAME", "name": data.producer["name"]}
    if data.safety_information:
        element["safetyInformation"] = {"type": "TEXT",
                                        "description": data.safety_information[: limits.SAFETY_INFORMATION_MAX_LENGTH]}
    if not data.catalog_product_id and not (data.producer and data.safety_information):
        blockers.append(_("GPSR: add the responsible producer and safety information."))

    payload: dict = {
        "name": title.text,
        "category": {"id": data.category_id},
        "productSet": [element],
        "parameters": offer_parameters,
        "sellingMode": {"format": "BUY_NOW", **({"price": money(data.price)} if data.price else {})},
        "stock": {"available": max(0, min(data.stock, limits.MAX_STOCK)), "unit": "UNIT"},
        "images": images,
        "description": description.payload,
        "external": {"id": data.sku},
        "publication": {"status": "INACTIVE"},
        "language": "pl-PL",
    }
    for key, value in data.offer_defaults.items():
        payload.setdefault(key, value)
    return OfferDraft(data.sku, payload, tuple(dict.fromkeys(blockers)), tuple(notes),
                      tuple(dict.fromkeys(parameter_blockers)))


def content_of(payload: Mapping) -> dict:
    return {k: payload[k] for k in CONTENT_FIELDS if k in payload}


def content_diff(old: Mapping | None, new: Mapping) -> list[tuple[str, object, object]]:
    """(field, old, new) for every content field that changed; everything when nothing was published."""
    old_content = content_of(old or {})
    new_content = content_of(new)
    return [(k, old_content.get(k), v) for k, v in new_content.items() if old_content.get(k) != v]


def describing_parameter_ids(category_parameters: Sequence[Mapping]) -> frozenset[str]:
    return frozenset(str(p["id"]) for p in category_parameters
                     if (p.get("options") or {}).get("describesProduct"))
