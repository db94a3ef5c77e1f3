"""What `offers apply` would do for each variant (pure): create, update, activate, nothing — or why not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from magazynier.channels.allegro.payloads import OfferDraft, content_diff

CREATE, UPDATE, UNCHANGED, BLOCKED, CONFLICT = "create", "update", "unchanged", "blocked", "conflict"


@dataclass(frozen=True)
class ListingState:
    offer_id: str
    offer_status: str
    conflict: str
    published_payload: Mapping | None


@dataclass(frozen=True)
class PlanItem:
    sku: str
    action: str
    draft: OfferDraft
    offer_id: str = ""
    diff: tuple[tuple[str, object, object], ...] = ()
    activate: bool = False  # publish after the create/update (stock available, offer not live)
    reasons: tuple[str, ...] = ()

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(f for f, _old, _new in self.diff)


@dataclass
class Plan:
    items: list[PlanItem] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for i in self.items if i.action == action)

    @property
    def to_activate(self) -> int:
        return sum(1 for i in self.items if i.activate)


LIVE = {"ACTIVE", "ACTIVATING"}


def plan_offers(drafts: Iterable[OfferDraft], listings: Mapping[str, ListingState]) -> Plan:
    plan = Plan()
    for draft in drafts:
        state = listings.get(draft.sku)
        stock = draft.payload["stock"]["available"]
        if state is not None and state.conflict:
            plan.items.append(PlanItem(draft.sku, CONFLICT, draft, state.offer_id, reasons=(state.conflict,)))
            continue
        if state is None or not state.offer_id:
            if draft.blockers:
                plan.items.append(PlanItem(draft.sku, BLOCKED, draft, reasons=draft.blockers))
            else:
                plan.items.append(PlanItem(draft.sku, CREATE, draft, diff=tuple(content_diff(None, draft.payload)),
                                           activate=stock > 0))
            continue
        diff = tuple(content_diff(state.published_payload, draft.payload))
        activate = stock > 0 and state.offer_status not in LIVE
        if draft.blockers and (diff or activate):
            plan.items.append(PlanItem(draft.sku, BLOCKED, draft, state.offer_id, diff, reasons=draft.blockers))
        elif diff:
            plan.items.append(PlanItem(draft.sku, UPDATE, draft, state.offer_id, diff, activate=activate))
        else:
            plan.items.append(PlanItem(draft.sku, UNCHANGED, draft, state.offer_id, activate=activate))
    return plan
