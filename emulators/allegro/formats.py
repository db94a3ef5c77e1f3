"""Allegro's wire formats: ISO 8601 UTC with millis and Z, money as 2-decimal strings, ids."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

TWO_PLACES = Decimal("0.01")


def iso(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    """Parse an ISO 8601 timestamp (Z or offset); raises ValueError."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def money(amount: Decimal, currency: str = "PLN") -> dict[str, str]:
    return {"amount": str(amount.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)), "currency": currency}


def parse_amount(value: object) -> Decimal:
    """Decimal from an Allegro amount string; raises ValueError on garbage."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def new_uuid() -> str:
    return str(uuid.uuid4())


def b64_event_id(micros: int) -> str:
    """Offer/category event ids: opaque base64 of a microsecond timestamp, as on Allegro."""
    return base64.b64encode(str(micros).encode()).decode().rstrip("=")


def parse_b64_event_id(value: str) -> int:
    padded = value + "=" * (-len(value) % 4)
    return int(base64.b64decode(padded.encode(), validate=True).decode())
