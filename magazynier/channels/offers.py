"""Offers from the catalog: gather each variant's data, plan (offer_plan), apply to Allegro.

Apply order per run: link SKUs that already have offers (read before create) → create drafts → edit changed
offers → activate with publication commands (≤ 1,000 offers each) and read their task reports. A create that
timed out is looked up by SKU before it is ever sent again, so no duplicate offer appears.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from magazynier.catalog.models import Image, Variant
from magazynier.channels import categories as category_cache
from magazynier.channels.allegro.connector import COMMAND_MAX_OFFERS, AllegroConnector
from magazynier.channels.allegro.payloads import (
    OfferDraft,
    OfferInput,
    build_offer,
    content_of,
    describing_parameter_ids,
)
from magazynier.channels.allegro.titles import TitleParts
from magazynier.channels.connections import writers_killed
from magazynier.channels.errors import (
    AuthenticationError,
    ChannelError,
    Conflict,
    RateLimited,
    TransientError,
)
from magazynier.channels.linking import link_by_sku
from magazynier.channels.models import ChannelAccount, Listing, ProductMatch
from magazynier.channels.offer_plan import CREATE, UPDATE, ListingState, Plan, PlanItem, plan_offers
from magazynier.channels.scope import Scope
from magazynier.channels.variant_parameters import variant_parameters
from magazynier.inventory.models import StockLevel, available_expression

MODEL_KEYS = ("model", "Model", "MPN", "Kod producenta")


# ---------------------------------------------------------------- gathering
def _available(variant_ids: list[int]) -> dict[int, int]:
    rows = (StockLevel.objects.filter(variant_id__in=variant_ids).values("variant_id")
            .annotate(n=Sum(available_expression())))
    return {r["variant_id"]: r["n"] or 0 for r in rows}


SellableSource = Callable[[ChannelAccount, list[int]], dict[int, "int | None"]]
_sellable_source: SellableSource | None = None


def use_sellable_source(source: SellableSource) -> None:
    """The sync engine supplies what an account may sell (allocation and buffer); a new offer starts with it.
    Without it (or for unknown stock) a new offer gets what is available and, with 0, stays unpublished."""
    global _sellable_source
    _sellable_source = source


def drafts_for(account: ChannelAccount, connector: AllegroConnector | None, variants: Iterable[Variant]) -> list[OfferDraft]:
    """One draft per variant. With connector None only cached category parameters are used (no network)."""
    variants = list(variants.select_related("product", "product__category", "product__responsible_producer")
                    if hasattr(variants, "select_related") else variants)
    ids = [v.pk for v in variants]
    stock = _available(ids) if _sellable_source is None else {
        k: v or 0 for k, v in _sellable_source(account, ids).items()}
    mappings = category_cache.accepted_mappings(account.site)
    matches = {m.variant_id: m for m in ProductMatch.objects.filter(site=account.site, variant_id__in=ids)}
    images: dict[int, list[Image]] = {}
    for image in Image.objects.filter(product__in={v.product_id for v in variants}).order_by("position", "id"):
        images.setdefault(image.product_id, []).append(image)
    definitions: dict[str, list[dict]] = {}  # one cache read (or fetch) per category, not per variant

    def definitions_of(category_id: str) -> list[dict]:
        if category_id not in definitions:
            definitions[category_id] = category_cache.category_parameters(account, connector, category_id)
        return definitions[category_id]

    drafts = []
    for variant in variants:
        product = variant.product
        match = matches.get(variant.pk)
        placed = variant_parameters(product, variant, mappings.get(product.category_id), match, definitions_of)
        linked = placed.catalog_product
        attributes = {**product.attributes, **variant.attributes}
        own = [i.url for i in images.get(product.pk, []) if i.variant_id == variant.pk]
        shared = [i.url for i in images.get(product.pk, []) if i.variant_id is None]
        producer = product.responsible_producer
        data = OfferInput(
            sku=variant.sku,
            title=TitleParts(name=variant.name or product.name, brand=product.brand,
                             model=next((str(attributes[k]) for k in MODEL_KEYS if attributes.get(k)), ""),
                             key_parameters=tuple(str(v) for v in variant.attributes.values() if v)),
            description_html=product.description, short_description_html=product.short_description,
            image_urls=tuple(own + shared), price=variant.price, stock=stock.get(variant.pk, 0),
            category_id=placed.category_id, parameters=placed.fill,
            describes_product=describing_parameter_ids(placed.definitions),
            catalog_product_id=linked.product_id if linked else "",
            catalog_product_name=linked.product_name if linked else "",
            catalog_parameter_ids=placed.supplied,
            producer={"name": producer.name} if producer else None,
            safety_information=product.safety_information,
            offer_defaults=account.offer_defaults or {},
            spec_lines=tuple((str(k), str(v)) for k, v in attributes.items() if v),
        )
        draft = build_offer(data)
        if match and match.status == ProductMatch.AMBIGUOUS:
            draft = dataclasses.replace(draft, blockers=(*draft.blockers, _ambiguous(variant)))
        drafts.append(draft)
    return drafts


def _ambiguous(variant: Variant) -> str:
    from django.utils.translation import gettext as _

    return _("Several Allegro catalog products have EAN %(ean)s: choose the right one (Allegro → Catalog "
             "conflicts).") % {"ean": variant.ean}


def listing_states(account: ChannelAccount, skus: Iterable[str]) -> dict[str, ListingState]:
    return {li.sku: ListingState(li.offer_id, li.offer_status, li.conflict, li.published_payload)
            for li in Listing.objects.filter(account=account, sku__in=list(skus), variant__isnull=False)}


def make_plan(account: ChannelAccount, connector: AllegroConnector | None, scope: Scope,
              *, look_up_existing: bool = True) -> Plan:
    """The dry run: reads the channel (existing offers by SKU, category parameters) and writes nothing to it."""
    variants = list(scope.variants().select_related("product", "product__category",
                                                    "product__responsible_producer"))
    if connector is not None and look_up_existing:
        known = set(Listing.objects.filter(account=account, variant__in=variants).exclude(offer_id="")
                    .values_list("sku", flat=True))
        link_by_sku(account, connector, [v.sku for v in variants if v.sku not in known])
    drafts = drafts_for(account, connector, variants)
    return plan_offers(drafts, listing_states(account, [d.sku for d in drafts]))


# ---------------------------------------------------------------- applying
@dataclass
class ApplyReport:
    created: int = 0
    updated: int = 0
    activated: int = 0
    adopted: int = 0  # creates that turned out to exist already (found by SKU) and were linked instead
    failed: list[tuple[str, str]] = field(default_factory=list)  # (sku, message)
    stopped: str = ""  # why the run stopped early (rate limit, lost authorisation); run again later


class Stop(Exception):
    pass


def _listing(account: ChannelAccount, item: PlanItem) -> Listing:
    variant = Variant.objects.get(sku=item.sku)
    listing, _created = Listing.objects.get_or_create(account=account, variant=variant, defaults={"sku": item.sku})
    return listing


def _record_offer(listing: Listing, payload: dict, result) -> None:
    listing.offer_id = result.offer_id
    listing.offer_status = result.status
    listing.title = payload.get("name", "")[:300]
    listing.published_payload = content_of(payload)
    listing.pending_create_since = None
    listing.last_error = "; ".join(result.validation_errors)
    listing.save()


def _fail(report: ApplyReport, listing: Listing, message: str) -> None:
    listing.last_error = message[:2000]
    listing.save(update_fields=["last_error", "pending_create_since", "updated_at"])
    report.failed.append((listing.sku, message))


def _adopt_existing(account: ChannelAccount, connector: AllegroConnector, listing: Listing) -> bool:
    """After an unanswered create: did it happen? Link the offer if Allegro has it."""
    link_by_sku(account, connector, [listing.sku])
    listing.refresh_from_db()
    return bool(listing.offer_id or listing.conflict)


def _create(account, connector, item: PlanItem, report: ApplyReport) -> Listing | None:
    listing = _listing(account, item)
    if listing.pending_create_since and _adopt_existing(account, connector, listing):
        report.adopted += 1
        return listing
    listing.pending_create_since = timezone.now()
    listing.save(update_fields=["pending_create_since", "updated_at"])  # committed before the request
    try:
        result = connector.create_offer(item.draft.payload)
    except RateLimited as exc:  # refused before it was processed: nothing was created
        listing.pending_create_since = None
        _fail(report, listing, str(exc))
        raise Stop(str(exc)) from None
    except TransientError as exc:
        if not exc.maybe_applied:  # never reached Allegro
            listing.pending_create_since = None
            _fail(report, listing, str(exc))
            return None
        try:
            if _adopt_existing(account, connector, listing):
                report.adopted += 1
                return listing
        except ChannelError:
            pass
        _fail(report, listing, f"{exc} — not found on Allegro afterwards; it will be looked up again before "
                               "the next attempt.")
        return None
    except AuthenticationError as exc:
        raise Stop(str(exc)) from None
    except ChannelError as exc:
        listing.pending_create_since = None
        _fail(report, listing, str(exc))
        return None
    _record_offer(listing, item.draft.payload, result)
    listing.confirmed_quantity = item.draft.payload["stock"]["available"]  # what the created offer holds
    price = (item.draft.payload["sellingMode"].get("price") or {}).get("amount")
    listing.confirmed_price = Decimal(price) if price is not None else None
    listing.save(update_fields=["confirmed_quantity", "confirmed_price", "updated_at"])
    if result.pending_operation:
        _wait_for_operation(connector, result.pending_operation)
        _refresh_offer(connector, listing)
    report.created += 1
    return listing


def _update(account, connector, item: PlanItem, report: ApplyReport) -> Listing | None:
    listing = _listing(account, item)
    patch = {f: item.draft.payload[f] for f in item.changed_fields}
    try:
        result = connector.edit_offer(item.offer_id, patch)
    except RateLimited as exc:
        _fail(report, listing, str(exc))
        raise Stop(str(exc)) from None
    except AuthenticationError as exc:
        raise Stop(str(exc)) from None
    except Conflict as exc:
        _fail(report, listing, f"{exc} — Allegro is still processing an earlier change; run again later.")
        return None
    except ChannelError as exc:
        _fail(report, listing, str(exc))
        return None
    _record_offer(listing, item.draft.payload, result)  # changed fields sent, the others were already equal
    if result.pending_operation:
        _wait_for_operation(connector, result.pending_operation)
        _refresh_offer(connector, listing)
    report.updated += 1
    return listing


def _wait_for_operation(connector: AllegroConnector, location: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if connector.operation_done(location):
            return
        time.sleep(1.0)


def _refresh_offer(connector: AllegroConnector, listing: Listing) -> None:
    offer = connector.get_offer(listing.offer_id)
    listing.offer_status = (offer.get("publication") or {}).get("status", listing.offer_status)
    errors = [(e.get("userMessage") or e.get("message") or "") for e in (offer.get("validation") or {}).get("errors", [])]
    listing.last_error = "; ".join(errors)
    listing.save(update_fields=["offer_status", "last_error", "updated_at"])


def _activate(connector: AllegroConnector, listings: list[Listing], report: ApplyReport,
              poll_interval: float, timeout: float) -> None:
    ready = [li for li in listings if li.offer_id and not li.last_error]
    by_offer = {li.offer_id: li for li in ready}
    for start in range(0, len(ready), COMMAND_MAX_OFFERS):
        chunk = [li.offer_id for li in ready[start:start + COMMAND_MAX_OFFERS]]
        command_id = str(uuid.uuid4())
        for attempt in range(3):
            try:
                connector.publish(command_id, chunk, "ACTIVATE")
                break
            except RateLimited as exc:
                raise Stop(str(exc)) from None
            except TransientError:
                if attempt == 2:
                    raise
                time.sleep(poll_interval)  # the same command id again: Allegro answers 409 if it got through
        deadline = time.monotonic() + timeout
        while True:
            command = connector.command_report("publication", command_id)
            if command.done or time.monotonic() > deadline:
                break
            time.sleep(poll_interval)
        for outcome in command.outcomes:
            listing = by_offer.get(outcome.offer_id)
            if listing is None:
                continue
            if outcome.ok:
                listing.offer_status = "ACTIVE"
                listing.last_error = ""
                report.activated += 1
            else:
                listing.last_error = outcome.message or "activation failed"
                report.failed.append((listing.sku, listing.last_error))
            listing.save(update_fields=["offer_status", "last_error", "updated_at"])


def apply_plan(account: ChannelAccount, connector: AllegroConnector, plan: Plan, *,
               progress: Callable[[PlanItem], None] = lambda item: None, poll_interval: float = 1.0,
               command_timeout: float = 300.0) -> ApplyReport:
    if writers_killed():
        raise RuntimeError("Writing to channels is switched off (MAGAZYNIER_WRITERS_OFF): nothing was sent.")
    if not account.is_connected:
        raise RuntimeError(f"The account {account.name} is not connected: connect it first.")
    report = ApplyReport()
    to_activate: list[Listing] = []
    try:
        for item in plan.items:
            listing = None
            if item.action == CREATE:
                listing = _create(account, connector, item, report)
            elif item.action == UPDATE:
                listing = _update(account, connector, item, report)
            elif item.activate:
                listing = _listing(account, item)
            if listing is not None and item.activate and listing.offer_status not in ("ACTIVE", "ACTIVATING"):
                to_activate.append(listing)
            progress(item)
        _activate(connector, to_activate, report, poll_interval, command_timeout)
    except Stop as stop:
        report.stopped = str(stop)
    return report
