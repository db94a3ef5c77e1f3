"""Storing an order from a channel, and what that says about the channel's own offers (the sync engine's
confirmed quantities), in one transaction. Used by the order feed and by the write-back's re-read."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from magazynier.channels.models import ChannelAccount, Listing
from magazynier.channels.types import CANCELLED, RemoteOrder
from magazynier.orders.actions import Upserted, upsert_from_channel
from magazynier.sync.models import AccountSyncSettings, CommandItem, OutboxEntry
from magazynier.sync.outbox import mark_listings
from magazynier.sync.planning import QUANTITY


def feeding_warehouses(account: ChannelAccount) -> list[int] | None:
    """The warehouses an account sells from (its sync settings); None: every active warehouse."""
    found = AccountSyncSettings.objects.filter(account=account).prefetch_related("warehouses").first()
    ids = sorted(w.pk for w in found.warehouses.all()) if found else []
    return ids or None


SALE_CLOCK_MARGIN = timedelta(seconds=5)  # the channel's clock against ours


def store_order(account: ChannelAccount, remote: RemoteOrder, warehouse_ids: list[int] | None) -> Upserted:
    """Store the order (stock follows it) and, in the same transaction, what we know the channel's own offers
    now show: a sale took its units off the offer, a cancellation may have given them back."""
    with transaction.atomic():
        done = upsert_from_channel(account, remote, warehouse_ids=warehouse_ids)
        if not (done.created or done.changed):
            return done
        took = remote.channel_took_stock and remote.status != CANCELLED
        if took and not done.took_stock_before:
            _after_sale(account, remote, remote.bought_at if done.created else remote.updated_at)
        elif done.took_stock_before and not took:
            _unknown_quantity(account, [li.offer_id for li in remote.lines])
    return done


def _after_sale(account: ChannelAccount, remote: RemoteOrder, taken_at) -> None:
    """The channel took the sold units off its offer by itself (Allegro at purchase, WooCommerce once the
    order is paid or on hold): the confirmed quantity goes down with them, so the engine sends nothing the
    offer already shows (at 0 Allegro ended the offer). But when a quantity of ours reached the offer after
    that (or is on its way), it replaced that decrement: what the offer shows is then not known, and the
    engine sends the right quantity again."""
    unknown = []
    for line in remote.lines:
        listing = Listing.objects.filter(account=account, offer_id=line.offer_id).first() if line.offer_id else None
        if listing is None or listing.confirmed_quantity is None:
            continue
        ours_since = CommandItem.objects.filter(listing=listing, kind=QUANTITY).filter(
            Q(outcome=CommandItem.PENDING) | Q(confirmed_at__gte=taken_at - SALE_CLOCK_MARGIN))
        if ours_since.exists():
            unknown.append(line.offer_id)
            continue
        listing.confirmed_quantity = max(0, listing.confirmed_quantity - line.quantity)
        fields = ["confirmed_quantity", "updated_at"]
        if listing.confirmed_quantity == 0 and account.kind == ChannelAccount.ALLEGRO:
            listing.offer_status, listing.paused_by_sync = "ENDED", True
            fields += ["offer_status", "paused_by_sync"]
        listing.save(update_fields=fields)
    _unknown_quantity(account, unknown)


def _unknown_quantity(account: ChannelAccount, offer_ids: list[str]) -> None:
    """What these offers show is not known any more (e.g. a cancellation gave units back, unless the offer
    had ended): the engine sends the right quantity again."""
    listings = Listing.objects.filter(account=account, offer_id__in=[o for o in offer_ids if o])
    ids = list(listings.values_list("pk", flat=True))
    if ids:
        listings.update(confirmed_quantity=None, updated_at=timezone.now())
        mark_listings(ids, OutboxEntry.ORDER)
