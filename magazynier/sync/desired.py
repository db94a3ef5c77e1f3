"""What each listing should show (database reads; the arithmetic is inventory.availability's, pure).

desired quantity = the account's sellable units of the variant (allocation across every account, buffer);
desired price = the variant's gross price. A deactivated product sells nothing. Unknown stock or price
stays unknown (None) and is never sent as 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from magazynier.channels.models import ChannelAccount, Listing
from magazynier.inventory.availability import ChannelRule, Sellable, Stock, sellable_by_channel
from magazynier.inventory.models import StockLevel, Warehouse
from magazynier.sync.models import AccountSyncSettings

PRODUCT_INACTIVE = "product_inactive"


@dataclass(frozen=True)
class Desired:
    quantity: int | None
    price: Decimal | None
    reason: str  # availability's reason code, PRODUCT_INACTIVE, or ""
    on_hand: int | None  # units physically held in the warehouses that feed the account (the guard's ceiling)


def settings_of(account: ChannelAccount) -> AccountSyncSettings:
    found = AccountSyncSettings.objects.filter(account=account).first()
    return found or AccountSyncSettings(account=account)


def channel_rules() -> list[ChannelRule]:
    """One allocation rule per account that sells stock (connected or not: shares are promises)."""
    stored = {s.account_id: s for s in AccountSyncSettings.objects.prefetch_related("warehouses")}
    rules = []
    for account_id in ChannelAccount.objects.values_list("pk", flat=True):
        s = stored.get(account_id)
        if s is None:
            rules.append(ChannelRule(key=account_id))
            continue
        warehouses = frozenset(w.pk for w in s.warehouses.all()) or None
        rules.append(ChannelRule(key=account_id, share_percent=s.share_percent, cap=s.cap, priority=s.priority,
                                 buffer=s.buffer, at_buffer=s.at_buffer, warehouses=warehouses))
    return rules


def stock_of(variant_ids: Sequence[int]) -> dict[int, list[Stock]]:
    active = set(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True))
    levels: dict[int, list[Stock]] = defaultdict(list)
    for start in range(0, len(variant_ids), 5000):
        rows = StockLevel.objects.filter(variant_id__in=variant_ids[start:start + 5000]).values_list(
            "variant_id", "warehouse_id", "on_hand", "reserved")
        for variant_id, warehouse_id, on_hand, reserved in rows:
            if warehouse_id in active:
                levels[variant_id].append(Stock(warehouse_id, on_hand, reserved))
    return levels


def desired_for(account: ChannelAccount, listings: Iterable[Listing]) -> dict[int, Desired]:
    """Listings need `variant` and `variant.product` loaded (select_related)."""
    listings = [li for li in listings if li.variant_id is not None]
    rules = channel_rules()
    own = next(r for r in rules if r.key == account.pk)
    levels = stock_of(sorted({li.variant_id for li in listings}))
    result: dict[int, Desired] = {}
    cache: dict[int, Sellable] = {}
    for listing in listings:
        variant = listing.variant
        stock = levels.get(variant.pk, [])
        feeding = [s for s in stock if own.warehouses is None or s.warehouse_id in own.warehouses]
        on_hand = sum(s.on_hand for s in feeding) if feeding else None
        if not variant.product.is_active:
            result[listing.pk] = Desired(0, variant.price, PRODUCT_INACTIVE, on_hand)
            continue
        if variant.pk not in cache:
            cache[variant.pk] = sellable_by_channel(stock, rules)[account.pk]
        sellable = cache[variant.pk]
        result[listing.pk] = Desired(sellable.quantity, variant.price, sellable.reason, on_hand)
    return result


def sellable_quantities(account: ChannelAccount, variant_ids: Sequence[int]) -> dict[int, int | None]:
    """Units each variant may be offered with on this account now (new offers start with this)."""
    rules = channel_rules()
    levels = stock_of(list(variant_ids))
    return {v: sellable_by_channel(levels.get(v, []), rules)[account.pk].quantity for v in variant_ids}
