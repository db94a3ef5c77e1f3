"""Plain values passed in and out of connectors (frozen dataclasses; money is Decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class AccountInfo:
    user_id: str
    login: str
    company_name: str = ""


@dataclass(frozen=True)
class RemoteListing:
    offer_id: str
    sku: str  # external.id; "" when the offer has none
    title: str
    status: str  # INACTIVE | ACTIVATING | ACTIVE | ENDED
    quantity: int | None
    price: Decimal | None
    category_id: str = ""
    product_id: str = ""


@dataclass(frozen=True)
class CatalogProduct:
    product_id: str
    name: str
    category_id: str
    category_path: str = ""
    parameter_ids: tuple[str, ...] = ()  # parameters the catalog product already supplies


@dataclass(frozen=True)
class OfferResult:
    """What the channel said about one offer after a create or edit."""

    offer_id: str
    status: str
    validation_errors: tuple[str, ...] = ()
    pending_operation: str = ""  # the channel is still processing (async edit); "" when done


@dataclass(frozen=True)
class TaskOutcome:
    offer_id: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class CommandReport:
    command_id: str
    done: bool
    outcomes: tuple[TaskOutcome, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[TaskOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)
