"""Link existing Allegro offers to catalog variants by SKU (external.id), with explicit conflict states.

Rules (pure, in `classify`): offers that ended are history and never conflict with a live one; one live
offer per SKU links; several live offers with one SKU is a conflict (the seller ends the extra ones); an offer
without SKU, or with a SKU the catalog does not have, is recorded so the seller sees it — and none of them is
ever written to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from magazynier.catalog.models import Variant
from magazynier.channels.allegro.connector import AllegroConnector
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.channels.types import RemoteListing

ENDED = "ENDED"


@dataclass
class LinkPlan:
    link: dict[str, RemoteListing] = field(default_factory=dict)  # sku -> the one offer
    duplicate: dict[str, list[RemoteListing]] = field(default_factory=dict)
    unknown_sku: list[RemoteListing] = field(default_factory=list)
    no_sku: list[RemoteListing] = field(default_factory=list)
    ended_only: dict[str, RemoteListing] = field(default_factory=dict)  # sku whose offers all ended: newest


def classify(remote: Iterable[RemoteListing], catalog_skus: set[str]) -> LinkPlan:
    plan = LinkPlan()
    by_sku: dict[str, list[RemoteListing]] = defaultdict(list)
    for offer in remote:
        if not offer.sku.strip():
            if offer.status != ENDED:
                plan.no_sku.append(offer)
        elif offer.sku not in catalog_skus:
            if offer.status != ENDED:
                plan.unknown_sku.append(offer)
        else:
            by_sku[offer.sku].append(offer)
    for sku, offers in by_sku.items():
        live = [o for o in offers if o.status != ENDED]
        if len(live) == 1:
            plan.link[sku] = live[0]
        elif len(live) > 1:
            plan.duplicate[sku] = sorted(live, key=lambda o: o.offer_id)
        else:
            plan.ended_only[sku] = max(offers, key=lambda o: o.offer_id)
    return plan


@dataclass
class LinkReport:
    linked: int = 0
    duplicate: int = 0
    unknown_sku: int = 0
    no_sku: int = 0


def _remote_fields(offer: RemoteListing) -> dict:
    return {"offer_status": offer.status, "title": offer.title[:300], "confirmed_quantity": offer.quantity,
            "confirmed_price": offer.price}


@transaction.atomic
def apply_links(account: ChannelAccount, plan: LinkPlan, *, full_scan: bool) -> LinkReport:
    """Record the plan. With `full_scan` (every offer was read) offers no longer present are forgotten."""
    report = LinkReport()
    variants = {v.sku: v for v in Variant.objects.filter(
        sku__in=[*plan.link, *plan.duplicate, *plan.ended_only])}
    listings = Listing.objects.filter(account=account)
    for sku, offer in [*plan.link.items(), *plan.ended_only.items()]:
        variant = variants[sku]
        listings.filter(offer_id=offer.offer_id).exclude(variant=variant).delete()
        Listing.objects.update_or_create(
            account=account, variant=variant,
            defaults={"sku": sku, "offer_id": offer.offer_id, "conflict": Listing.NO_CONFLICT,
                      "conflict_offers": [], "pending_create_since": None, **_remote_fields(offer)},
        )
        report.linked += sku in plan.link
    for sku, offers in plan.duplicate.items():
        listings.filter(offer_id__in=[o.offer_id for o in offers]).exclude(variant=variants[sku]).delete()
        Listing.objects.update_or_create(
            account=account, variant=variants[sku],
            defaults={"sku": sku, "offer_id": "", "conflict": Listing.DUPLICATE_SKU, "offer_status": "",
                      "conflict_offers": [o.offer_id for o in offers], "pending_create_since": None},
        )
        report.duplicate += 1
    for conflict, offers in ((Listing.UNKNOWN_SKU, plan.unknown_sku), (Listing.NO_SKU, plan.no_sku)):
        for offer in offers:
            Listing.objects.update_or_create(
                account=account, offer_id=offer.offer_id,
                defaults={"variant": None, "sku": offer.sku[:100], "conflict": conflict,
                          "conflict_offers": [offer.offer_id], **_remote_fields(offer)},
            )
        if conflict == Listing.UNKNOWN_SKU:
            report.unknown_sku = len(offers)
        else:
            report.no_sku = len(offers)
    if full_scan:
        seen = {o.offer_id for o in [*plan.link.values(), *plan.ended_only.values(), *plan.unknown_sku,
                                     *plan.no_sku]}
        listings.filter(variant__isnull=True).exclude(offer_id__in=seen).delete()
    return report


def link_offers(account: ChannelAccount, connector: AllegroConnector,
                progress: Callable[[int], None] = lambda n: None) -> LinkReport:
    """Read every offer of the account and link them by SKU."""
    remote = []
    for offer in connector.iter_listings():
        remote.append(offer)
        if len(remote) % 1000 == 0:
            progress(len(remote))
    progress(len(remote))
    skus = {o.sku for o in remote if o.sku}
    catalog = set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    return apply_links(account, classify(remote, catalog), full_scan=True)


def link_by_sku(account: ChannelAccount, connector: AllegroConnector, skus: Iterable[str]) -> LinkReport:
    """Look up only these SKUs (read-before-create): offers that already exist get linked, not created again."""
    skus = sorted(set(skus))
    if not skus:
        return LinkReport()
    remote = connector.find_listings_by_sku(skus)
    wanted = set(skus)
    plan = classify([o for o in remote if o.sku in wanted], wanted)
    return apply_links(account, plan, full_scan=False)
