"""Cell value parsers.  Pure functions; each failure raises ``ValueProblem``.

A ``ValueProblem`` carries a stable ``code`` and a Polish ``reason`` telling the
seller what is wrong and what to do.  The caller adds the row and the column.
XLSX cells arrive as int/float/datetime, CSV cells as str; every parser takes both.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from stdnum import ean as stdnum_ean

from .rows import shorten_for_display

MAX_SKU_LENGTH = 100  # Allegro offer external.id limit
POLISH_VAT_CODES = ("23", "8", "5", "0", "zw", "np", "oo")
KG = Decimal("0.001")


class ValueProblem(ValueError):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


# --- text -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def cell_text(value: object) -> str:
    """Any cell value as text: numbers from XLSX without a spurious '.0'."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def clean_text(value: object) -> str:
    """One-line text: trimmed, control characters and whitespace runs made one space."""
    text = cell_text(value)
    if text.isprintable() and "  " not in text and text.strip() == text:
        return text  # the common case, without the regular expression
    return _SPACES.sub(" ", text).strip()


def clean_multiline(value: object) -> str:
    """Text that may keep line breaks (descriptions): CRLF→LF, other controls removed."""
    text = cell_text(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.replace("\t", " "))
    return _BLANK_LINES.sub("\n\n", text).strip()


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_broken_encoding(text: str) -> bool:
    """True when decoding with errors='surrogateescape' left undecodable bytes in text."""
    return _SURROGATE.search(text) is not None


_FORMULA_AFTER_SIGN = re.compile(r"[(!=]")


def looks_like_formula(value: object) -> bool:
    """Would Excel/LibreOffice run this cell as a formula (CSV injection)?

    "=..." and "@..." always; "+..."/"-..." only when directly followed by something
    formula-like (a bracket, '!' or '='), so "-5" and "- bawełna" stay plain text.
    """
    if not isinstance(value, str):
        return False
    text = value.lstrip(" \t\r\n")
    if not text:
        return False
    if text[0] in "=@":
        return True
    if text[0] in "+-" and len(text) > 1 and not text[1].isspace():
        return bool(_FORMULA_AFTER_SIGN.search(text[1:]))
    return False


def parse_sku(value: object) -> str | None:
    """The SKU trimmed; None when empty.  Inner line breaks/tabs and >100 chars rejected."""
    text = cell_text(value).strip()
    if not text:
        return None
    if re.search(r"[\x00-\x1f\x7f]", text):
        raise ValueProblem(
            "sku_whitespace",
            "SKU zawiera znak nowej linii lub tabulator — wpisz SKU w jednej linii, bez tabulatorów.",
        )
    if len(text) > MAX_SKU_LENGTH:
        raise ValueProblem(
            "sku_too_long",
            f"SKU ma {len(text)} znaków, a może mieć najwyżej {MAX_SKU_LENGTH} (limit Allegro) — skróć je.",
        )
    return text


# --- numbers ------------------------------------------------------------------

_GROUP_SPACES = re.compile(r"[ \u00a0\u202f\u2007\u2009]+")
_CURRENCY = re.compile(r"^(?:pln\s*)?(.*?)\s*(?:zł|zl|pln)?\.?$", re.IGNORECASE)
_NUMBER = re.compile(r"([+\-\u2212]?)\s*([0-9., ]*[0-9][0-9., ]*|[.,][0-9]+)")
_INTEGER_GROUPS = re.compile(r"[0-9]{1,3}(?:G[0-9]{3})*")

MALFORMED = "malformed_number"


def _malformed(text: str, why: str) -> ValueProblem:
    return ValueProblem(
        MALFORMED,
        f"„{shorten_for_display(text)}” nie jest poprawną liczbą ({why}) — wpisz np. 1234,50 albo 1 234,50.",
    )


def parse_decimal(value: object) -> Decimal | None:
    """Polish and English number notations to Decimal; empty → None.

    With both ',' and '.' present the LAST one is the decimal separator and the
    other must form proper 3-digit groups; spaces (also NBSP) may group thousands;
    a trailing 'zł'/'PLN' is allowed.  A single separator is the decimal one.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _malformed(str(value), "wartość logiczna zamiast liczby")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _finite(Decimal(str(value)), str(value))
    if isinstance(value, Decimal):
        return _finite(value, str(value))
    original = clean_text(value)
    if not original:
        return None
    text = _CURRENCY.match(original).group(1)
    text = _GROUP_SPACES.sub(" ", text).strip()
    match = _NUMBER.fullmatch(text)
    if not match:
        raise _malformed(original, "niedozwolone znaki")
    sign, body = match.groups()
    number = _normalize_separators(body.strip(), original)
    return Decimal(("-" if sign in ("-", "\u2212") else "") + number)


def _finite(number: Decimal, text: str) -> Decimal:
    if not number.is_finite():
        raise _malformed(text, "to nie jest skończona liczba")
    return number


def _normalize_separators(body: str, original: str) -> str:
    separators = [ch for ch in body if ch in ",."]
    decimal_sep: str | None = None
    group_sep: str | None = None
    if len(set(separators)) == 2:
        decimal_sep = separators[-1]
        group_sep = "," if decimal_sep == "." else "."
        if body.count(decimal_sep) > 1:
            raise _malformed(original, f"separator dziesiętny „{decimal_sep}” występuje kilka razy")
    elif len(separators) == 1:
        decimal_sep = separators[0]
    elif separators:
        group_sep = separators[0]
    integer, fraction = body.rsplit(decimal_sep, 1) if decimal_sep else (body, "")
    integer = integer.strip()
    if decimal_sep and not fraction.isdigit():
        raise _malformed(original, "po separatorze dziesiętnym muszą być cyfry")
    if " " in integer:
        if group_sep:
            raise _malformed(original, "pomieszane separatory tysięcy")
        group_sep = " "
    if group_sep:
        if group_sep in fraction or not _INTEGER_GROUPS.fullmatch(integer.replace(group_sep, "G")):
            raise _malformed(original, "tysiące muszą być w grupach po 3 cyfry")
        integer = integer.replace(group_sep, "")
    if not integer:
        integer = "0"
    if not integer.isdigit():
        raise _malformed(original, "niedozwolone znaki")
    return f"{integer}.{fraction}" if fraction else integer


GROSZ = Decimal("0.01")


def parse_price(value: object) -> Decimal | None:
    """A non-negative price in złoty.  XLSX numbers are rounded to grosze (Excel shows them so);
    typed text with more than two decimals is refused, as "1,234" may mean 1234 zł."""
    price = parse_decimal(value)
    if price is None:
        return None
    if price < 0:
        raise ValueProblem("negative_price", "Cena jest ujemna — wpisz cenę równą 0 lub większą.")
    if isinstance(value, float):
        return price.quantize(GROSZ, rounding=ROUND_HALF_UP) if price.as_tuple().exponent < -2 else price
    if price.as_tuple().exponent < -2:
        raise ValueProblem(
            "price_precision",
            f"Cena „{shorten_for_display(cell_text(value))}” ma więcej niż 2 miejsca po przecinku — wpisz ją "
            "w złotych z groszami (np. 1234,50); jeśli to 1234 zł, wpisz ją bez separatora tysięcy.",
        )
    return price


def parse_stock(value: object) -> int | None:
    """Whole, non-negative quantity; '5,0' and '5.00' are fine; empty → None (unknown)."""
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueProblem(
            "stock_not_whole",
            f"Stan magazynowy „{shorten_for_display(cell_text(value))}” nie jest liczbą całkowitą — wpisz liczbę sztuk.",
        )
    if number < 0:
        raise ValueProblem(
            "negative_stock",
            "Stan magazynowy jest ujemny — wpisz 0 albo rzeczywistą liczbę sztuk na magazynie.",
        )
    return int(number)


_WEIGHT_UNITS_IN_KG = {
    "kg": Decimal(1),
    "g": Decimal("0.001"),
    "lbs": Decimal("0.45359237"),
    "lb": Decimal("0.45359237"),
    "oz": Decimal("0.028349523125"),
}


def parse_weight_kg(value: object, unit: str = "kg") -> Decimal | None:
    """A weight in the given unit (kg, g, lbs, oz) as kilograms, rounded to grams."""
    factor = _WEIGHT_UNITS_IN_KG.get(unit.lower())
    if factor is None:
        raise ValueProblem("unknown_unit", f"Nieznana jednostka wagi „{unit}” — użyj kg, g, lbs albo oz.")
    number = parse_decimal(value)
    if number is None:
        return None
    if number < 0:
        raise ValueProblem("negative_weight", "Waga jest ujemna — wpisz wagę w kilogramach, np. 0,25.")
    return (number * factor).quantize(KG, rounding=ROUND_HALF_UP)


# --- codes ----------------------------------------------------------------------

GTIN_LENGTHS = (8, 12, 13, 14)


def parse_ean(value: object) -> str | None:
    """An EAN/GTIN (8, 12, 13 or 14 digits) with a valid check digit; empty → None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s\u00a0]+", "", cell_text(value))
    if not text:
        return None
    if not text.isdigit() or not text.isascii():
        raise ValueProblem(
            "ean_format",
            "EAN może zawierać tylko cyfry — jeśli Excel pokazuje go jako 5,9E+12, "
            "ustaw kolumnie format Tekst i wpisz kod ponownie.",
        )
    if len(text) not in GTIN_LENGTHS:
        raise ValueProblem(
            "ean_length",
            f"EAN ma {len(text)} cyfr, a powinien mieć 8, 12, 13 lub 14 — sprawdź kod na opakowaniu.",
        )
    if not stdnum_ean.is_valid(text):
        raise ValueProblem(
            "ean_checksum",
            "Nieprawidłowa suma kontrolna EAN — sprawdź kod na opakowaniu albo zostaw pole puste.",
        )
    return text


_VAT_WORDS = re.compile(r"\b(?:vat|stawka|ptu)\b|%", re.IGNORECASE)
_VAT_NUMERIC = {Decimal(23): "23", Decimal(8): "8", Decimal(5): "5", Decimal(0): "0"}
_VAT_CODES = {"zw": "zw", "np": "np", "oo": "oo"}


def parse_vat_rate(value: object) -> str | None:
    """Polish VAT rate as a code: "23", "8", "5", "0", "zw", "np", "oo"; empty → None.

    Accepts "23", "23%", "VAT 23 %", "0,23" (fraction) and the letter codes in any case.
    """
    original = clean_text(value)
    text = _VAT_WORDS.sub(" ", original).strip().lower().rstrip(".")
    if not text:
        if original:
            raise _unknown_vat(original)
        return None
    if text in _VAT_CODES:
        return _VAT_CODES[text]
    try:
        rate = parse_decimal(value if isinstance(value, int | float) else text)
    except ValueProblem:
        raise _unknown_vat(original) from None
    if rate is not None and 0 < rate < 1:
        rate *= 100
    code = _VAT_NUMERIC.get(rate) if rate is not None else None
    if code is None:
        raise _unknown_vat(original)
    return code


def _unknown_vat(text: str) -> ValueProblem:
    return ValueProblem(
        "vat_rate",
        f"Stawka VAT „{shorten_for_display(text)}” nie istnieje w Polsce — wpisz 23, 8, 5, 0, zw (zwolniona), "
        "np (nie podlega) albo oo (odwrotne obciążenie).",
    )


# --- lists ----------------------------------------------------------------------


def split_list(value: object, separators: str) -> tuple[str, ...]:
    """Split text on any of the separator characters, dropping empty parts."""
    text = cell_text(value)
    if not text.strip():
        return ()
    parts = re.split("[" + re.escape(separators) + "]", text)
    return tuple(part for part in (clean_text(p) for p in parts) if part)


def split_category_path(value: object, separators: str = ">/|") -> tuple[str, ...]:
    """'Odzież > Koszulki', 'Odzież/Koszulki' or 'Odzież|Koszulki' → ('Odzież', 'Koszulki')."""
    return split_list(value, separators)


def split_image_urls(value: object) -> tuple[str, ...]:
    """Image URLs separated by ',', '|', ';' or whitespace."""
    return split_list(value, ",|; \t\r\n")


def parse_attribute_pairs(value: object) -> tuple[tuple[str, str], ...]:
    """'Kolor=Czerwony; Rozmiar=M' or 'Kolor:Czerwony|Rozmiar:M' → (('Kolor','Czerwony'), ...)."""
    pairs: dict[str, str] = {}
    for part in split_list(value, ";|\n"):
        name, sep, attr_value = _split_pair(part)
        if not sep or not name or not attr_value:
            raise ValueProblem(
                "attribute_format",
                f"Nie rozumiem atrybutu „{shorten_for_display(part)}” — zapisz atrybuty jako Nazwa=Wartość, "
                "oddzielone średnikiem, np. Kolor=Czerwony; Rozmiar=M.",
            )
        pairs[name] = attr_value
    return tuple(pairs.items())


def _split_pair(part: str) -> tuple[str, str, str]:
    match = re.match(r"\s*([^=:]*?)\s*([=:])\s*(.*?)\s*$", part)
    if not match:
        return part, "", ""
    return match.group(1), match.group(2), match.group(3)
