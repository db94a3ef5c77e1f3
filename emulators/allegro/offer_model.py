"""The stored offer, its async operation, and the rules for parameter values (no HTTP here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .formats import iso, money
from .pipeline import require_dict


def ref_id(reference: Any) -> str | None:
    if not isinstance(reference, dict):
        return None
    if reference.get("id"):
        return str(reference["id"])
    if reference.get("name"):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "emulator:" + str(reference["name"])))
    return None


def ref(reference: Any) -> dict | None:
    """``{"id": …}`` for a request reference given by id or by name (names map to stable uuids)."""
    found = ref_id(reference)
    return {"id": found} if found else None


def _without_none(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Drop optional keys whose value is None (the spec does not allow null there)."""
    for key in keys:
        if data.get(key) is None:
            data.pop(key, None)
    return data


@dataclass
class Operation:
    id: str
    offer_id: str
    started_at: float
    completes_at: float
    activate: bool
    done: bool = False


@dataclass
class Offer:
    id: str
    seller_id: str
    name: str
    category_id: str
    created_at: float
    updated_at: float
    price: Decimal | None = None
    currency: str = "PLN"
    selling_format: str = "BUY_NOW"
    available: int = 0
    unit: str = "UNIT"
    sold: int = 0
    status: str = "INACTIVE"
    ended_by: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    external_id: str | None = None
    images: list[str] = field(default_factory=list)
    parameters: list[dict] = field(default_factory=list)
    product_set: list[dict] = field(default_factory=list)
    product_ids: list[str | None] = field(default_factory=list)
    product_images: list[str] = field(default_factory=list)
    delivery: dict = field(default_factory=dict)
    after_sales: dict | None = None
    extras: dict = field(default_factory=dict)
    additional_marketplaces: dict = field(default_factory=dict)
    validation_errors: list[dict] = field(default_factory=list)
    validated_at: float = 0.0
    pending_operation: str | None = None
    ever_published: bool = False

    @property
    def is_live(self) -> bool:
        return self.status in ("ACTIVE", "ACTIVATING")

    def selling_mode(self) -> dict:
        mode: dict[str, Any] = {"format": self.selling_format}
        if self.price is not None:
            mode["price"] = money(self.price, self.currency)
        return mode

    def to_json(self) -> dict[str, Any]:
        publication: dict[str, Any] = {
            "status": self.status,
            "republish": False,
            "marketplaces": {"base": {"id": "allegro-pl"}, "additional": []},
        }
        if self.ended_by is not None:
            publication["endedBy"] = self.ended_by
        if self.started_at is not None:
            publication["startingAt"] = iso(self.started_at)
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "category": {"id": self.category_id},
            "productSet": self.product_set,
            "parameters": self.parameters,
            "sellingMode": self.selling_mode(),
            "stock": {"available": self.available, "unit": self.unit},
            "publication": publication,
            "delivery": self.delivery,
            "afterSalesServices": self.after_sales,
            "images": self.images,
            "external": {"id": self.external_id} if self.external_id is not None else None,
            "additionalMarketplaces": self.additional_marketplaces,
            "validation": {"errors": self.validation_errors, "warnings": [],
                           "validatedAt": iso(self.validated_at)},
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }
        data.update(self.extras)
        return _without_none(data, "external")

    def listing_json(self) -> dict[str, Any]:
        publication: dict[str, Any] = {"status": self.status,
                                       "marketplaces": {"base": {"id": "allegro-pl"}, "additional": []}}
        if self.started_at is not None:
            publication["startedAt"] = iso(self.started_at)
        if self.ended_at is not None:
            publication["endedAt"] = iso(self.ended_at)
        item: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "category": {"id": self.category_id},
            "primaryImage": {"url": self.images[0]} if self.images else None,
            "sellingMode": self.selling_mode(),
            "saleInfo": {"biddersCount": 0},
            "stock": {"available": self.available, "sold": self.sold},
            "stats": {"watchersCount": 0, "visitsCount": 0},
            "publication": publication,
            "external": {"id": self.external_id} if self.external_id is not None else None,
            "delivery": {"shippingRates": {"id": self.delivery["shippingRates"]["id"]}}
            if self.delivery.get("shippingRates") else None,
            "isFulfillment": False,
        }
        return _without_none(item, "primaryImage", "external", "delivery")


def without_volatile(data: dict) -> dict:
    return {k: v for k, v in data.items()
            if k not in ("updatedAt", "validation", "stock", "sellingMode", "publication")}


def param_response(param: Any) -> dict:
    param = require_dict(param, "parameters[]")
    out: dict[str, Any] = {"id": str(param.get("id", ""))}
    if param.get("name"):
        out["name"] = param["name"]
    out["values"] = [str(v) for v in param.get("values") or []]
    out["valuesIds"] = [str(v) for v in param.get("valuesIds") or []]
    if isinstance(param.get("rangeValue"), dict):
        out["rangeValue"] = {"from": str(param["rangeValue"].get("from")), "to": str(param["rangeValue"].get("to"))}
    return out


def check_parameter_value(definition, given: dict) -> str | None:
    if definition.type == "dictionary":
        allowed = {value_id for value_id, _ in definition.values}
        ids = given.get("valuesIds") or []
        if not ids and not definition.custom_values:
            return f"Parameter {definition.id} needs valuesIds from its dictionary"
        bad = [v for v in ids if v not in allowed]
        return f"Unknown dictionary value(s) {bad} for parameter {definition.id}" if bad else None
    if definition.type in ("integer", "float"):
        raw = list(given.get("values") or [])
        if given.get("rangeValue"):
            if not definition.range:
                return f"Parameter {definition.id} is not a range parameter"
            raw += [given["rangeValue"]["from"], given["rangeValue"]["to"]]
        for item in raw:
            try:
                number = Decimal(str(item).replace(",", "."))
            except ArithmeticError:
                return f"'{item}' is not a number (parameter {definition.id})"
            if definition.type == "integer" and number != number.to_integral_value():
                return f"'{item}' is not an integer (parameter {definition.id})"
            if not Decimal(str(definition.minimum)) <= number <= Decimal(str(definition.maximum)):
                return (f"Value {item} of parameter {definition.id} must be between "
                        f"{definition.minimum} and {definition.maximum}")
        return None
    for item in given.get("values") or []:
        if len(str(item)) > definition.max_length:
            return f"Value of parameter {definition.id} is longer than {definition.max_length} characters"
    return None
