"""Request arguments the way the WordPress REST server sees them: query string merged with a JSON (or
form) body, the body winning; values validated against simple schema types."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .responses import invalid_param

_PRICE = re.compile(r"^\d+(\.\d+)?$")
_MISSING = object()


def is_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.lower() in ("true", "false", "1", "0")
    return isinstance(value, int) and value in (0, 1)


def to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return False
        return number.is_integer()
    return False


class Params:
    """Merged arguments: body keys first, then the query string (``name`` or ``name[]`` for lists)."""

    def __init__(self, query: dict[str, list[str]], body: dict[str, Any] | None):
        self.query = query
        self.body = body or {}

    def raw(self, name: str, default: Any = None) -> Any:
        if name in self.body:
            return self.body[name]
        if name in self.query:
            return self.query[name][-1]
        if name + "[]" in self.query:
            return list(self.query[name + "[]"])
        return default

    def has(self, name: str) -> bool:
        return name in self.body or name in self.query or name + "[]" in self.query

    def integer(self, name: str, default: int | None = None, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self.raw(name, _MISSING)
        if value is _MISSING or value == "":
            return default
        if not is_integer(value):
            raise invalid_param(name, f"{name} is not of type integer.")
        number = int(float(value))
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            raise invalid_param(name, f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)")
        if minimum is not None and number < minimum:
            raise invalid_param(name, f"{name} must be greater than or equal to {minimum}")
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw(name, _MISSING)
        if value is _MISSING:
            return default
        if not is_boolean(value):
            raise invalid_param(name, f"{name} is not of type boolean.")
        return to_bool(value)

    def enum(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.raw(name, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or value not in choices:
            raise invalid_param(name, f"{name} is not one of {', '.join(choices)}.")
        return value

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise invalid_param(name, f"{name} is not of type string.")
        return value

    def strings(self, name: str) -> list[str] | None:
        """A list argument: a JSON array, ``name[]=a&name[]=b`` or a comma-separated string."""
        value = self.raw(name, _MISSING)
        if value is _MISSING:
            return None
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [str(part) for part in value]
        raise invalid_param(name, f"{name} is not of type array.")

    def ids(self, name: str) -> list[int] | None:
        values = self.strings(name)
        if values is None:
            return None
        if not all(is_integer(v) for v in values):
            raise invalid_param(name, f"{name}[0] is not of type integer.")
        return [int(float(v)) for v in values]

    def enums(self, name: str, choices: tuple[str, ...]) -> list[str] | None:
        values = self.strings(name)
        if values is None:
            return None
        for index, value in enumerate(values):
            if value not in choices:
                raise invalid_param(name, f"{name}[{index}] is not one of {', '.join(choices)}.")
        return values


# ---- body field checks (raise rest_invalid_param naming the field) ------------------------------
def field_string(data: dict, name: str) -> str | None:
    if name not in data:
        return None
    value = data[name]
    if not isinstance(value, str):
        raise invalid_param(name, f"{name} is not of type string.")
    return value


def field_bool(data: dict, name: str) -> bool | None:
    if name not in data:
        return None
    value = data[name]
    if not is_boolean(value):
        raise invalid_param(name, f"{name} is not of type boolean.")
    return to_bool(value)


def field_int(data: dict, name: str) -> int | None:
    if name not in data:
        return None
    value = data[name]
    if not is_integer(value):
        raise invalid_param(name, f"{name} is not of type integer.")
    return int(float(value))


def field_enum(data: dict, name: str, choices: tuple[str, ...]) -> str | None:
    if name not in data:
        return None
    value = data[name]
    if not isinstance(value, str) or value not in choices:
        raise invalid_param(name, f"{name} is not one of {', '.join(choices)}.")
    return value


def field_price(data: dict, name: str) -> str | None:
    """A price string. The shop's decimal separator is ``,`` so ``"12,50"`` is read as 12.50 (as
    ``wc_format_decimal`` does); numbers are refused (the schema type is string)."""
    value = field_string(data, name)
    if value is None:
        return None
    cleaned = value.strip().replace(" ", "").replace(",", ".")
    if cleaned == "":
        return ""
    if not _PRICE.match(cleaned):
        raise invalid_param(name, f"{name} is not a valid price (a non-negative decimal string).")
    return cleaned


def money(value: str | Decimal) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - stored prices are validated
        raise ValueError(value) from exc


def field_list(data: dict, name: str) -> list | None:
    if name not in data:
        return None
    value = data[name]
    if not isinstance(value, list):
        raise invalid_param(name, f"{name} is not of type array.")
    return value


def field_object(data: dict, name: str) -> dict | None:
    if name not in data:
        return None
    value = data[name]
    if not isinstance(value, dict):
        raise invalid_param(name, f"{name} is not of type object.")
    return value
