"""Reconciliation: read every offer of an account and repair what drifted (DESIGN.md §4.7).

Events are hints; the offer list is the truth. A sweep reads all offers page by page (one request per
1,000 offers), links them by SKU with the linking rules (channels.linking), and then:
* values that differ from what we last confirmed (edited in the Allegro panel, a sale, a change that never
  applied) become the confirmed values, and the listing goes back to the outbox: the planner sends the
  desired value if it differs;
* an offer that ended without us: when Allegro ended it for lack of stock it is ours to resume when stock
  returns; when the seller or Allegro's staff ended it, it stays ended and the listing says so;
* a listing whose offer is gone from the list becomes a "vanished" conflict; several live offers with one
  SKU become a "duplicate" conflict. A listing in conflict is never written to.

It runs every SWEEP_EVERY, and by itself before anything is sent when the last sweep is older than the
offer-event retention (24 h): after such downtime nothing short of a full read can be trusted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.catalog.models import Variant
from magazynier.channels.errors import ChannelError
from magazynier.channels.linking import apply_links, classify
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.sync.models import OutboxEntry, SyncState
from magazynier.sync.outbox import mark_listings

SWEEP_EVERY = timedelta(minutes=float(os.environ.get("MAGAZYNIER_SWEEP_MINUTES", "30")))
EVENT_RETENTION = timedelta(hours=24)  # Allegro keeps offer events this long
TRACKED = ("offer_id", "conflict", "offer_status", "confirmed_quantity", "confirmed_price")


@dataclass
class SweepReport:
    offers_read: int = 0
    drifted: int = 0
    ended_outside: int = 0
    resumable: int = 0
    vanished: int = 0
    duplicates: int = 0

    def __str__(self) -> str:
        return (f"read {self.offers_read} offers: {self.drifted} differed and are being corrected, "
                f"{self.ended_outside} ended on the channel, {self.vanished} gone, {self.duplicates} duplicated SKUs")


def last_sweep(account: ChannelAccount):
    return SyncState.objects.filter(account=account).values_list("last_full_sweep_at", flat=True).first()


def sweep_due(account: ChannelAccount) -> bool:
    last = last_sweep(account)
    return last is None or timezone.now() - last >= SWEEP_EVERY


def sweep_forced(account: ChannelAccount) -> bool:
    """The offer journal cannot cover the gap: read everything before trusting what we confirmed."""
    last = last_sweep(account)
    return last is None or timezone.now() - last > EVENT_RETENTION


def _snapshot(account: ChannelAccount) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in Listing.objects.filter(account=account, variant__isnull=False)
            .values_list("pk", *TRACKED)}


def sweep(account: ChannelAccount, connector) -> SweepReport:
    report = SweepReport()
    started = timezone.now()
    remote = list(connector.iter_listings())
    report.offers_read = len(remote)
    before = _snapshot(account)
    skus = {o.sku for o in remote if o.sku}
    catalog = set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    plan = classify(remote, catalog)
    apply_links(account, plan, full_scan=True)
    report.duplicates = len(plan.duplicate)

    seen = {o.offer_id for o in remote}
    gone = Listing.objects.filter(account=account, variant__isnull=False, pending_create_since__isnull=True) \
        .exclude(offer_id="").exclude(offer_id__in=seen)
    report.vanished = gone.update(conflict=Listing.VANISHED, conflict_offers=[], paused_by_sync=False)

    after = _snapshot(account)
    drifted = [pk for pk, values in after.items() if before.get(pk) != values]
    report.drifted = len(drifted)
    ended = Listing.objects.filter(pk__in=[pk for pk in drifted if before.get(pk)], offer_status="ENDED",
                                   paused_by_sync=False)
    for listing in ended if connector.capabilities.zero_ends_offer else ():  # a shop's trashed product stays so
        if before[listing.pk][2] in ("ACTIVE", "ACTIVATING"):
            _ended_outside(listing, connector, report)
    with transaction.atomic():
        mark_listings(drifted, OutboxEntry.RECONCILE)
        SyncState.objects.get_or_create(account=account)
        SyncState.objects.filter(account=account).update(last_full_sweep_at=started)
    return report


def _ended_outside(listing: Listing, connector, report: SweepReport) -> None:
    """Who ended it decides: Allegro for lack of stock (we resume it), or a person (we leave it)."""
    report.ended_outside += 1
    try:
        ended_by = ((connector.get_offer(listing.offer_id).get("publication") or {}).get("endedBy") or "")
    except ChannelError:
        ended_by = ""
    if ended_by == "EMPTY_STOCK":
        listing.paused_by_sync = True
        listing.last_error = ""
        report.resumable += 1
    else:
        listing.last_error = _("The offer was ended on the channel (%(by)s); Magazynier does not resume it. "
                               "Resume it there or send it again from the offers page.") % {"by": ended_by or "?"}
    listing.save(update_fields=["paused_by_sync", "last_error", "updated_at"])
