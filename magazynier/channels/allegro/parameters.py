"""Fill an Allegro category's parameters from a catalog product's data (pure: no models, no network).

Input is the ``parameters`` list of ``GET /sale/categories/{id}/parameters`` (shapes:
``shared/reference/allegro-openapi.yaml`` ``*CategoryParameter``); output is the ``parameters`` array of a
product-offer request (``ParameterProductOfferRequest``) plus what a seller has to fix.

Where a parameter's value comes from, first found wins:

1. ``overrides[parameter id]`` — text the seller typed. Final: when it is invalid it is reported, never
   replaced by something automatic.
2. ``attribute_map[parameter id]`` — the catalog attribute the seller chose for this parameter. Final as
   well (when the product has that attribute; otherwise automatic matching takes over).
3. Automatic sources, in this order; the first one that gives a valid value is used, and only when none
   does is the first one's problem reported:

   * an attribute named like the parameter (or like one of its former names);
   * ``facts.brand`` for Brand/Marka/Producent parameters, ``facts.ean`` for EAN/GTIN parameters;
   * an attribute whose name is a synonym of the parameter's name (Color/Colour/Kolor, Size/Rozmiar,
     Material/Materiał, Brand/Marka/Producent, Weight/Waga/Masa, Model, Capacity/Pojemność,
     Length/Długość, Width/Szerokość, Height/Wysokość, Condition/Stan, EAN/GTIN). A parameter whose name
     only *starts* with such a word ("Materiał dominujący", "Waga produktu") is matched too, unless the
     category also has a parameter with exactly that name (then "Kolor oprawki" is not filled from
     "Color" because "Kolor" exists);
   * ``facts.weight_kg`` (converted to the parameter's unit) for numeric weight parameters;
   * the "new" value ("Nowy"/"New") of a Condition/Stan dictionary parameter.

Names are compared case-, diacritics- and punctuation-insensitively.

Values by parameter type:

* dictionary — the text is matched against ``dictionary[].value`` (and former values): exactly
  (ignoring case, diacritics and punctuation), then through English↔Polish synonyms (colours, condition),
  then through size spellings (``2XL`` = ``XXL``, ``Large`` = ``L``), then through Polish adjective endings
  (``Niebieska`` = ``niebieski``). With ``multipleChoices`` the text is split on ``,``, ``|``, ``/`` and
  ``;`` (unless it matches a value as a whole, e.g. ``3/4``). A text outside the dictionary becomes
  Allegro's "other" value (``options.ambiguousValueId`` + ``values: [text]``) when
  ``customValuesEnabled`` allows it, otherwise a problem listing some allowed values. Values restricted by
  ``dependsOnValueIds`` must fit the value chosen for ``options.dependsOnParameterId``.
* integer/float — Polish and English decimals (``0,5``, ``1 200,50``, ``12.5``); a single comma is the
  decimal separator, spaces are thousands separators, and a number with both ``,`` and ``.`` (or several
  of one) is refused as ambiguous. A unit after the number is converted to the parameter's ``unit``
  (g/kg/mg/dag, mm/cm/dm/m/inch, ml/cl/dl/l, W/kW, mAh/Ah); all arithmetic is ``Decimal``. Floats are
  rounded half-up to ``precision``; integers must be whole (never rounded); ``min``/``max`` are checked.
  ``range`` parameters take ``10-20``/``10–20``/``od 10 do 20`` (a single number gives from = to).
* string — ``minLength``/``maxLength`` are checked (nothing is cut); when ``allowedNumberOfValues`` is
  above 1 the text is split on ``|``, ``;`` and ``,``.

Parameters hidden by ``displayedIf`` are left out; ``requiredIf`` decides whether a parameter is required
when present. Optional parameters without a value are omitted; the output follows the category's order.
Nothing raises: everything wrong is a ``ParameterProblem`` that says what to do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

__all__ = ["ParameterFill", "ParameterProblem", "ProductFacts", "fill_parameters"]

_EMPTY: Mapping[str, str] = MappingProxyType({})
_ALLOWED_SHOWN = 8  # dictionary values quoted in a problem
_MAX_DIGITS = 30  # longer numbers are refused rather than silently rounded by the Decimal context
_DEFAULT_PLACES = 6  # float parameters without ``precision``: enough for any unit conversion


def _(message: str) -> str:
    """``gettext`` that still works (untranslated) when Django settings are not configured."""
    try:
        return gettext(message)
    except ImproperlyConfigured:
        return message


# ---- public types ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFacts:
    """What the catalog knows about one product (variant attributes already merged over the product's)."""

    brand: str = ""
    ean: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    weight_kg: Decimal | None = None


@dataclass(frozen=True)
class ParameterProblem:
    """A value that cannot be sent: which parameter, the offending text and what to do about it."""

    parameter_id: str
    parameter_name: str
    value: str
    reason: str


@dataclass(frozen=True)
class ParameterFill:
    """The offer's ``parameters`` payload and what is still missing or wrong."""

    values: tuple[dict, ...]
    missing_required: tuple[tuple[str, str], ...]
    problems: tuple[ParameterProblem, ...]
    sources: Mapping[str, str]

    @property
    def complete(self) -> bool:
        """True when no required parameter is left empty (problems of optional parameters do not count)."""
        return not self.missing_required

    def unfilled(self, supplied: frozenset[str] = frozenset()) -> dict[str, str]:
        """Required parameters (id → name) still empty once a linked catalog product supplies `supplied`."""
        return {pid: name for pid, name in self.missing_required if pid not in supplied}


# ---- text normalisation ---------------------------------------------------------------------------

_TRANSLITERATE = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss"})


def _norm(text: str) -> str:
    """Lower case, no diacritics (ł → l too), punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", stripped).split())


def _compact(text: str) -> str:
    """:func:`_norm` without spaces: ``T-shirt`` = ``tshirt``, ``EAN (GTIN)`` = ``ean gtin`` = ``EANGTIN``."""
    return _norm(text).replace(" ", "")


def _stem(normalized: str) -> str:
    """Drop Polish adjective endings word by word (niebieska/niebieskie/niebieski → niebiesk)."""
    words = []
    for word in normalized.split():
        if len(word) > 4 and word.endswith("ie"):
            word = word[:-2]
        elif len(word) > 3 and word[-1] in "yaei":
            word = word[:-1]
        words.append(word)
    return " ".join(words)


# ---- parameter names ------------------------------------------------------------------------------

_CONCEPT_WORDS: dict[str, tuple[str, ...]] = {
    "colour": ("color", "colour", "colors", "colours", "kolor", "kolory", "barwa"),
    "size": ("size", "rozmiar"),
    "material": ("material", "materials", "materiał", "materiały", "tworzywo", "fabric", "tkanina"),
    "brand": ("brand", "marka", "producent", "manufacturer", "producer"),
    "weight": ("weight", "waga", "masa", "ciężar"),
    "model": ("model",),
    "capacity": ("capacity", "pojemność", "volume", "objętość"),
    "length": ("length", "długość"),
    "width": ("width", "szerokość"),
    "height": ("height", "wysokość"),
    "condition": ("condition", "stan"),
    "ean": ("ean", "gtin", "ean gtin", "ean13", "ean 13", "gtin13", "kod ean", "barcode", "kod kreskowy",
            "ean upc"),
}
_CONCEPT_BY_NAME: dict[str, str] = {
    _norm(word): concept for concept, words in _CONCEPT_WORDS.items() for word in words
}
_WHOLE, _PREFIX = "whole", "prefix"


def _parameter_concept(name: str) -> tuple[str | None, str | None]:
    """The concept a parameter name stands for and how sure that is (whole name or first word only)."""
    normalized = _norm(name)
    if normalized in _CONCEPT_BY_NAME:
        return _CONCEPT_BY_NAME[normalized], _WHOLE
    words = normalized.split()
    if {"ean", "gtin"} & set(words):
        return "ean", _WHOLE
    if words and words[0] in _CONCEPT_BY_NAME:
        return _CONCEPT_BY_NAME[words[0]], _PREFIX
    return None, None


# ---- dictionary values ----------------------------------------------------------------------------

_VALUE_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("blue", "niebieski"),
    ("red", "czerwony"),
    ("black", "czarny"),
    ("white", "biały"),
    ("green", "zielony"),
    ("yellow", "żółty"),
    ("grey", "gray", "szary"),
    ("pink", "różowy"),
    ("purple", "violet", "fioletowy"),
    ("orange", "pomarańczowy"),
    ("brown", "brązowy"),
    ("beige", "beżowy"),
    ("navy", "navy blue", "granatowy"),
    ("multicolour", "multicolor", "multicoloured", "multicolored", "multi", "wielokolorowy", "wielobarwny"),
    ("gold", "golden", "złoty"),
    ("silver", "srebrny"),
    ("turquoise", "turkusowy"),
    ("burgundy", "maroon", "bordowy"),
    ("new", "brand new", "nowy"),
    ("used", "second hand", "używany"),
    ("damaged", "uszkodzony"),
    ("ex display", "powystawowy"),
    ("refurbished", "odnowiony"),
    ("cotton", "bawełna"),
    ("polyester", "poliester"),
    ("wool", "wełna"),
    ("linen", "len"),
    ("viscose", "wiskoza"),
    ("leather", "skóra naturalna"),
)
_SYNONYMS: dict[str, tuple[str, ...]] = {}
for _group in _VALUE_SYNONYMS:
    _normalized_group = tuple(_norm(word) for word in _group)
    for _word in _normalized_group:
        _SYNONYMS[_word] = _normalized_group
_NEW_VALUES = frozenset({"nowy", "new", "nowa", "nowe", "brand new"})

_SIZE_WORDS = {
    "extra small": "xs", "small": "s", "medium": "m", "large": "l", "extra large": "xl",
    "one size": "uniwersalny", "onesize": "uniwersalny", "uni": "uniwersalny", "universal": "uniwersalny",
    "uniwersalna": "uniwersalny", "uniwersalne": "uniwersalny",
}


def _size_key(normalized: str) -> str:
    """One spelling per size: ``rozmiar 2XL`` → ``xxl``, ``Large`` → ``l``, ``one size`` → ``uniwersalny``."""
    for prefix in ("rozmiar ", "size ", "rozm "):
        if normalized.startswith(prefix):
            normalized = normalized[len(prefix):]
    normalized = _SIZE_WORDS.get(normalized, normalized)
    counted = re.fullmatch(r"([2-6])\s?x([sl])", normalized)
    if counted:
        return "x" * int(counted.group(1)) + counted.group(2)
    return normalized


@dataclass(frozen=True)
class _Entry:
    id: str
    value: str
    norms: frozenset[str]
    size_keys: frozenset[str]
    stems: frozenset[str]
    depends_on: frozenset[str]


# ---- numbers and units ----------------------------------------------------------------------------

_UNIT_TABLE: dict[str, tuple[str, Decimal]] = {}
for _dimension, _units in {
    "mass": {("mg",): "0.001", ("g", "gr", "gram", "gramy", "gramow"): "1", ("dag", "dkg"): "10",
             ("kg", "kilo", "kilogram", "kilogramy", "kilogramow"): "1000"},
    "length": {("mm",): "1", ("cm",): "10", ("dm",): "100", ("m", "metr", "metry", "metrow"): "1000",
               ("in", "inch", "inches", "cal", "cala", "cale", "cali"): "25.4"},
    "volume": {("ml",): "1", ("cl",): "10", ("dl",): "100", ("l", "litr", "litry", "litrow", "ltr"): "1000"},
    "power": {("w", "wat", "waty", "watow"): "1", ("kw",): "1000"},
    "charge": {("mah",): "1", ("ah",): "1000"},
}.items():
    for _aliases, _factor in _units.items():
        for _alias in _aliases:
            _UNIT_TABLE[_alias] = (_dimension, Decimal(_factor))
_INCH_MARKS = frozenset({'"', "”", "“", "″", "''"})

_NUMBER = r"[+-]?[.,]?\d(?:[\d\s\u00a0\u202f.,']*\d)?"
_UNIT = r"[^\d\s+\-–—.,][^\d]*?"
_QUANTITY_RE = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT})?\s*$")
_RANGE_RE = re.compile(
    rf"^\s*(?:od\s+|from\s+)?(?P<a>{_NUMBER})\s*(?P<ua>{_UNIT})?\s*(?:-|–|—|\.\.\.?|do|to)\s*"
    rf"(?P<b>{_NUMBER})\s*(?P<ub>{_UNIT})?\s*$",
    re.IGNORECASE,
)


def _unit_key(unit: str | None) -> str:
    """A comparable unit spelling: ``"`` / ``cal`` → ``in``, ``kg.`` → ``kg``, ``°C`` → ``c``."""
    if not unit:
        return ""
    raw = unit.strip()
    if raw in _INCH_MARKS:
        return "in"
    return _compact(raw)


def _format_decimal(number: Decimal) -> str:
    """Plain notation, no exponent, no trailing zeros: ``500``, ``0.5``, ``12.35``."""
    if number == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 100
        return format(number.normalize(), "f")


# ---- the parsed category parameter ----------------------------------------------------------------


class _Invalid(Exception):
    """A value that cannot be used for a parameter; ``reason`` is the seller-facing text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Param:
    id: str
    name: str
    type: str
    required: bool
    unit: str | None
    restrictions: Mapping[str, Any]
    options: Mapping[str, Any]
    entries: tuple[_Entry, ...]
    former_names: tuple[str, ...]
    required_if: Mapping[str, Any] | None
    displayed_if: Mapping[str, Any] | None
    concept: str | None = None
    concept_tier: str | None = None

    @property
    def depends_on_parameter(self) -> str | None:
        parent = self.options.get("dependsOnParameterId")
        return str(parent) if parent not in (None, "") else None

    @property
    def ambiguous_entry(self) -> _Entry | None:
        """Allegro's "other" value — usable only when custom values are enabled and it is in the dictionary."""
        ambiguous = self.options.get("ambiguousValueId")
        if not self.options.get("customValuesEnabled") or ambiguous in (None, ""):
            return None
        return next((entry for entry in self.entries if entry.id == str(ambiguous)), None)

    def describe_unit(self) -> str:
        return f" {self.unit}" if self.unit else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value if _text(item))
    return str(value).strip()


def _entry(raw: Mapping[str, Any]) -> _Entry | None:
    value_id, value = _text(raw.get("id")), _text(raw.get("value"))
    if not value_id:
        return None
    former = _mapping(raw.get("formerData")).get("values")
    labels = [value, *(_text(item) for item in former if _text(item))] if isinstance(former, list) else [value]
    norms = frozenset(_norm(label) for label in labels if _norm(label))
    depends = raw.get("dependsOnValueIds")
    return _Entry(
        id=value_id,
        value=value,
        norms=norms,
        size_keys=frozenset(_size_key(item) for item in norms),
        stems=frozenset(stem for stem in (_stem(item) for item in norms) if len(stem) >= 3),
        depends_on=frozenset(_text(item) for item in depends) if isinstance(depends, list) else frozenset(),
    )


def _parse_parameter(raw: Mapping[str, Any]) -> _Param:
    restrictions = _mapping(raw.get("restrictions"))
    dictionary = raw.get("dictionary")
    if not isinstance(dictionary, list):  # tolerate the dictionary nested in restrictions
        dictionary = restrictions.get("dictionary") if isinstance(restrictions.get("dictionary"), list) else []
    entries = tuple(e for e in (_entry(item) for item in dictionary if isinstance(item, Mapping)) if e)
    former_names = _mapping(raw.get("formerData")).get("names")
    required_if = raw.get("requiredIf") if isinstance(raw.get("requiredIf"), Mapping) else None
    displayed_if = raw.get("displayedIf") if isinstance(raw.get("displayedIf"), Mapping) else None
    name = _text(raw.get("name"))
    concept, tier = _parameter_concept(name)
    return _Param(
        id=_text(raw.get("id")),
        name=name,
        type=_text(raw.get("type")).lower(),
        required=raw.get("required") is True,
        unit=_text(raw.get("unit")) or None,
        restrictions=restrictions,
        options=_mapping(raw.get("options")),
        entries=entries,
        former_names=tuple(_text(n) for n in former_names if _text(n)) if isinstance(former_names, list) else (),
        required_if=required_if,
        displayed_if=displayed_if,
        concept=concept,
        concept_tier=tier,
    )


# ---- conversion of one text into one payload entry ------------------------------------------------


def _allowed_values(param: _Param) -> str:
    shown = ", ".join(f"“{entry.value}”" for entry in param.entries[:_ALLOWED_SHOWN])
    more = len(param.entries) - _ALLOWED_SHOWN
    if more > 0:
        shown += " " + _("and %(count)d more") % {"count": more}
    return shown or _("(the category lists none)")


def _match_entries(param: _Param, text: str) -> list[_Entry]:
    """Dictionary entries the text names, from the most certain way of matching to the least."""
    normalized = _norm(text)
    if not normalized:
        return []
    synonyms = _SYNONYMS.get(normalized, ())
    size_key = _size_key(normalized)
    stems = {stem for stem in (_stem(item) for item in (normalized, *synonyms)) if len(stem) >= 3}
    tiers: tuple[Callable[[_Entry], bool], ...] = (
        lambda entry: normalized in entry.norms,
        lambda entry: any(synonym in entry.norms for synonym in synonyms),
        lambda entry: size_key in entry.size_keys,
        lambda entry: bool(stems & entry.stems),
    )
    for matches_entry in tiers:
        found = [entry for entry in param.entries if matches_entry(entry)]
        if found:
            return found
    return []


def _pick(param: _Param, text: str, candidates: list[_Entry], parent_ids: frozenset[str],
          parent_name: str) -> _Entry:
    """Of equally good matches, the first that fits the value chosen for the parameter this one depends on."""
    for entry in candidates:
        if not entry.depends_on or entry.depends_on & parent_ids:
            return entry
    raise _Invalid(
        _("“%(value)s” of “%(name)s” can only be used together with a matching “%(parent)s” value; "
          "set “%(parent)s” first (or choose another value).")
        % {"value": text, "name": param.name, "parent": parent_name or _("the parameter it depends on")},
    )


def _split_choices(text: str) -> list[str]:
    parts: list[str] = []
    for part in re.split(r"\s*[,|/;]\s*", text):
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    return parts


def _dictionary_value(param: _Param, text: str, parent_ids: frozenset[str], parent_name: str) -> dict:
    if not param.entries:
        raise _Invalid(_("“%(name)s” has no values in the category data; refresh the category parameters "
                         "or set the parameter in Allegro.") % {"name": param.name})
    whole = _match_entries(param, text)
    if whole:
        return {"id": param.id, "valuesIds": [_pick(param, text, whole, parent_ids, parent_name).id]}
    multiple = _mapping(param.restrictions).get("multipleChoices") is True
    parts = _split_choices(text) if multiple else [text]
    ids: list[str] = []
    unknown: list[str] = []
    for part in parts:
        found = _match_entries(param, part)
        if found:
            chosen = _pick(param, part, found, parent_ids, parent_name).id
            if chosen not in ids:
                ids.append(chosen)
        else:
            unknown.append(part)
    if not unknown:
        return {"id": param.id, "valuesIds": ids}
    ambiguous = param.ambiguous_entry
    if ambiguous is not None:
        if ambiguous.id not in ids:
            ids.append(ambiguous.id)
        return {"id": param.id, "valuesIds": ids, "values": unknown}
    if not multiple and len(_split_choices(text)) > 1:
        raise _Invalid(
            _("“%(name)s” takes a single value, but “%(value)s” looks like several. Keep one of the allowed "
              "values (%(allowed)s) in the attribute or set an override.")
            % {"name": param.name, "value": text, "allowed": _allowed_values(param)},
        )
    raise _Invalid(
        _("“%(value)s” is not an allowed value of “%(name)s”. Allowed values include %(allowed)s; set an "
          "override with one of them or correct the product's attribute.")
        % {"value": ", ".join(unknown), "name": param.name, "allowed": _allowed_values(param)},
    )


def _decimal_of(raw: str, text: str, param: _Param) -> Decimal:
    """``1 200,50`` → 1200.50; a number with both ``,`` and ``.`` (or several of either) is ambiguous."""
    digits = re.sub(r"[\s\u00a0\u202f']", "", raw)
    if digits.count(",") + digits.count(".") > 1:
        raise _Invalid(
            _("“%(value)s” for “%(name)s” is ambiguous: it is unclear which mark separates the decimals. "
              "Write it without thousands separators, e.g. 1200,5.") % {"value": text, "name": param.name},
        )
    if sum(ch.isdigit() for ch in digits) > _MAX_DIGITS:
        raise _Invalid(_("“%(value)s” is too long a number for “%(name)s”; check the value.")
                       % {"value": text, "name": param.name})
    try:
        return Decimal(digits.replace(",", "."))
    except InvalidOperation as error:
        raise _Invalid(_not_a_number(param, text)) from error


def _not_a_number(param: _Param, text: str) -> str:
    return (_("“%(value)s” is not a number, but “%(name)s” needs one (e.g. 12,5%(unit)s). Correct the "
              "attribute or set an override.")
            % {"value": text, "name": param.name, "unit": param.describe_unit()})


def _in_parameter_unit(param: _Param, number: Decimal, unit: str | None, text: str) -> Decimal:
    """Convert ``number unit`` to the parameter's unit; no unit on the value means the parameter's unit."""
    given, wanted = _unit_key(unit), _unit_key(param.unit)
    if not given or not wanted or given == wanted:
        return number
    source, target = _UNIT_TABLE.get(given), _UNIT_TABLE.get(wanted)
    if source is None or target is None or source[0] != target[0]:
        raise _Invalid(
            _("“%(value)s” is given in %(unit)s, which cannot be converted to %(wanted)s for “%(name)s”. "
              "Give the value in %(wanted)s.")
            % {"value": text, "unit": (unit or "").strip(), "wanted": param.unit, "name": param.name},
        )
    with localcontext() as ctx:
        ctx.prec = 60
        return number * source[1] / target[1]


def _bound(restrictions: Mapping[str, Any], key: str) -> Decimal | None:
    value = restrictions.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        bound = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return bound if bound.is_finite() else None


def _checked_number(param: _Param, number: Decimal, text: str) -> Decimal:
    """Round floats to ``precision`` (half-up), refuse fractions for integers, check ``min``/``max``."""
    restrictions = param.restrictions
    if param.type == "float":
        precision = restrictions.get("precision")
        if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 20:
            precision = _DEFAULT_PLACES if number.as_tuple().exponent < -_DEFAULT_PLACES else None
        if precision is not None:
            with localcontext() as ctx:
                ctx.prec = 60
                number = number.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
    elif number != number.to_integral_value():
        raise _Invalid(
            _("“%(name)s” needs a whole number, but “%(value)s” gives %(number)s%(unit)s. Enter a whole "
              "number (it is not rounded automatically).")
            % {"name": param.name, "value": text, "number": _format_decimal(number),
               "unit": param.describe_unit()},
        )
    low, high = _bound(restrictions, "min"), _bound(restrictions, "max")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _Invalid(
            _("%(number)s%(unit)s (from “%(value)s”) is outside the range allowed for “%(name)s”: min "
              "%(min)s%(unit)s, max %(max)s%(unit)s. Check the value and its unit.")
            % {"number": _format_decimal(number), "unit": param.describe_unit(), "value": text,
               "name": param.name, "min": "—" if low is None else _format_decimal(low),
               "max": "—" if high is None else _format_decimal(high)},
        )
    return number


def _number_value(param: _Param, text: str) -> dict:
    is_range = _mapping(param.restrictions).get("range") is True
    ranged = _RANGE_RE.match(text)
    if ranged:
        if not is_range:
            raise _Invalid(_("“%(name)s” takes a single number, not a range like “%(value)s”; enter one "
                             "number.") % {"name": param.name, "value": text})
        unit_a, unit_b = ranged.group("ua"), ranged.group("ub")
        low = _in_parameter_unit(param, _decimal_of(ranged.group("a"), text, param), unit_a or unit_b, text)
        high = _in_parameter_unit(param, _decimal_of(ranged.group("b"), text, param), unit_b or unit_a, text)
        low, high = _checked_number(param, low, text), _checked_number(param, high, text)
        if low > high:
            raise _Invalid(_("The range “%(value)s” of “%(name)s” starts above its end; enter it as "
                             "from–to.") % {"value": text, "name": param.name})
        return {"id": param.id, "rangeValue": {"from": _format_decimal(low), "to": _format_decimal(high)}}
    single = _QUANTITY_RE.match(text)
    if not single:
        raise _Invalid(_not_a_number(param, text))
    number = _in_parameter_unit(param, _decimal_of(single.group("num"), text, param), single.group("unit"), text)
    number = _checked_number(param, number, text)
    if is_range:
        return {"id": param.id, "rangeValue": {"from": _format_decimal(number), "to": _format_decimal(number)}}
    return {"id": param.id, "values": [_format_decimal(number)]}


def _non_negative_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)


def _string_value(param: _Param, text: str) -> dict:
    restrictions = param.restrictions
    allowed = _non_negative_int(restrictions.get("allowedNumberOfValues")) or 1
    parts: list[str] = []
    for part in re.split(r"\s*[|;,]\s*", text) if allowed > 1 else [text]:
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    if len(parts) > allowed:
        raise _Invalid(
            _("“%(name)s” accepts at most %(max)d values, but “%(value)s” has %(count)d. Remove some of them.")
            % {"name": param.name, "max": allowed, "value": text, "count": len(parts)},
        )
    min_length = _non_negative_int(restrictions.get("minLength"))
    max_length = _non_negative_int(restrictions.get("maxLength"))
    for part in parts:
        if max_length is not None and len(part) > max_length:
            raise _Invalid(
                _("“%(name)s” allows at most %(max)d characters, but “%(value)s” has %(count)d. Shorten it "
                  "(it is not cut automatically).")
                % {"name": param.name, "max": max_length, "value": part, "count": len(part)},
            )
        if min_length is not None and len(part) < min_length:
            raise _Invalid(
                _("“%(name)s” needs at least %(min)d characters, but “%(value)s” has %(count)d. Enter a longer "
                  "value.") % {"name": param.name, "min": min_length, "value": part, "count": len(part)},
            )
    return {"id": param.id, "values": parts}


def _convert(param: _Param, text: str, parent_ids: frozenset[str], parent_name: str) -> dict:
    if param.type == "dictionary":
        return _dictionary_value(param, text, parent_ids, parent_name)
    if param.type in ("integer", "float"):
        return _number_value(param, text)
    if param.type == "string":
        return _string_value(param, text)
    raise _Invalid(_("“%(name)s” has a type (“%(type)s”) that magazynier cannot fill; set it in Allegro.")
                   % {"name": param.name, "type": param.type or "?"})


# ---- sources --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attribute:
    name: str
    value: str
    compact: str
    concept: str | None


@dataclass(frozen=True)
class _Candidate:
    text: str
    source: str
    explicit: bool = False


def _attributes(raw: Any) -> list[_Attribute]:
    if not isinstance(raw, Mapping):
        return []
    found = []
    for key, value in raw.items():
        name, text = _text(key), _text(value)
        if name and text:
            found.append(_Attribute(name, text, _compact(name), _CONCEPT_BY_NAME.get(_norm(name))))
    return found


def _text_map(raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {_text(key): _text(value) for key, value in raw.items() if _text(key) and _text(value)}


def _weight_text(raw: Any) -> str:
    if raw is None or isinstance(raw, bool):
        return ""
    try:
        weight = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return ""
    return f"{_format_decimal(weight)} kg" if weight.is_finite() and weight > 0 else ""


@dataclass
class _Context:
    attributes: list[_Attribute]
    overrides: dict[str, str]
    attribute_map: dict[str, str]
    brand: str
    ean: str
    weight: str
    whole_concepts: frozenset[str]

    def attribute_named(self, name: str) -> _Attribute | None:
        exact = next((a for a in self.attributes if a.name == name), None)
        return exact or next((a for a in self.attributes if a.compact == _compact(name)), None)

    def candidates(self, param: _Param) -> list[_Candidate]:
        """Where this parameter's value may come from, most wanted first (see the module docstring)."""
        if param.id in self.overrides:
            return [_Candidate(self.overrides[param.id], "override", explicit=True)]
        mapped = self.attribute_map.get(param.id)
        attribute = self.attribute_named(mapped) if mapped else None
        if attribute is not None:
            return [_Candidate(attribute.value, f"attribute:{attribute.name}", explicit=True)]
        names = {_compact(param.name), *(_compact(name) for name in param.former_names)} - {""}
        same_name = [a for a in self.attributes if a.compact in names]
        found = [_Candidate(a.value, f"attribute:{a.name}") for a in same_name]
        concept = param.concept
        if concept is None or (param.concept_tier == _PREFIX and concept in self.whole_concepts):
            return found
        if concept == "brand" and self.brand:
            found.append(_Candidate(self.brand, "brand"))
        if concept == "ean" and self.ean:
            found.append(_Candidate(self.ean, "ean"))
        found += [_Candidate(a.value, f"attribute:{a.name}")
                  for a in self.attributes if a.concept == concept and a not in same_name]
        if concept == "weight" and param.type in ("integer", "float") and self.weight:
            found.append(_Candidate(self.weight, "weight"))
        if concept == "condition" and param.type == "dictionary":
            new = next((entry for entry in param.entries if entry.norms & _NEW_VALUES), None)
            if new is not None:
                found.append(_Candidate(new.value, "default"))
        return found


# ---- conditions (requiredIf / displayedIf) --------------------------------------------------------


def _with_value_met(conditions: Any, chosen: Mapping[str, dict]) -> bool:
    for condition in conditions if isinstance(conditions, list) else []:
        condition = _mapping(condition)
        wanted = {_text(v) for v in condition.get("oneOfValueIds") or [] if _text(v)}
        given = set(chosen.get(_text(condition.get("id")), {}).get("valuesIds") or [])
        if not wanted & given:
            return False
    return True


def _without_value_met(conditions: Any, chosen: Mapping[str, dict]) -> bool:
    return all(_text(_mapping(c).get("id")) not in chosen for c in (conditions if isinstance(conditions, list) else []))


def _has_conditions(block: Mapping[str, Any] | None) -> bool:
    return block is not None and any(
        isinstance(block.get(key), list) and block.get(key) for key in ("parametersWithValue", "parametersWithoutValue")
    )


def _evaluation_order(params: Sequence[_Param]) -> list[_Param]:
    """Parameters other parameters depend on (``dependsOnParameterId``) first; cycles in category order."""
    ids = {param.id for param in params}
    done: set[str] = set()
    order: list[_Param] = []
    remaining = list(params)
    while remaining:
        ready = [p for p in remaining
                 if p.depends_on_parameter is None or p.depends_on_parameter not in ids
                 or p.depends_on_parameter in done]
        if not ready:
            ready = remaining[:1]
        for param in ready:
            order.append(param)
            done.add(param.id)
        remaining = [p for p in remaining if p.id not in done]
    return order


# ---- the entry point ------------------------------------------------------------------------------


def _category_list(raw: Any) -> list[Any]:
    if isinstance(raw, Mapping):  # the whole response body was passed
        raw = raw.get("parameters")
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        return []
    return list(raw)


def fill_parameters(
    category_parameters: Sequence[Mapping],
    facts: ProductFacts,
    overrides: Mapping[str, str] = _EMPTY,
    attribute_map: Mapping[str, str] = _EMPTY,
) -> ParameterFill:
    """Fill the category's parameters from ``facts``; ``overrides`` (id → text) win, then ``attribute_map``.

    See the module docstring for the rules. Never raises: odd input becomes a ``ParameterProblem``.
    """
    problems_by_param: dict[str, list[ParameterProblem]] = {}
    general_problems: list[ParameterProblem] = []
    params: list[_Param] = []
    seen: set[str] = set()
    for raw in _category_list(category_parameters):
        try:
            param = _parse_parameter(raw) if isinstance(raw, Mapping) else None
        except Exception:  # malformed category data is reported below, never raised
            param = None
        if param is None or not param.id:
            general_problems.append(ParameterProblem(
                "", _text(_mapping(raw).get("name")), "",
                _("The category data contains a parameter without an id; refresh the category's parameters "
                  "from Allegro.")))
            continue
        if param.id not in seen:
            seen.add(param.id)
            params.append(param)

    context = _Context(
        attributes=_attributes(getattr(facts, "attributes", None)),
        overrides=_text_map(overrides),
        attribute_map=_text_map(attribute_map),
        brand=_text(getattr(facts, "brand", "")),
        ean=_text(getattr(facts, "ean", "")),
        weight=_weight_text(getattr(facts, "weight_kg", None)),
        whole_concepts=frozenset(p.concept for p in params if p.concept and p.concept_tier == _WHOLE),
    )
    by_id = {param.id: param for param in params}
    chosen: dict[str, dict] = {}
    sources: dict[str, str] = {}
    for param in _evaluation_order(params):
        parent_id = param.depends_on_parameter
        parent_ids = frozenset(chosen.get(parent_id, {}).get("valuesIds") or []) if parent_id else frozenset()
        parent_name = by_id[parent_id].name if parent_id in by_id else ""
        first_failure: ParameterProblem | None = None
        try:
            candidates = context.candidates(param)
        except Exception:
            candidates = []
        for candidate in candidates:
            try:
                chosen[param.id] = _convert(param, candidate.text, parent_ids, parent_name)
            except _Invalid as invalid:
                failure = ParameterProblem(param.id, param.name, candidate.text, invalid.reason)
            except Exception:  # odd category data: report it, never let it escape
                failure = ParameterProblem(
                    param.id, param.name, candidate.text,
                    _("“%(value)s” could not be processed for “%(name)s”; set the value by hand in an "
                      "override.") % {"value": candidate.text, "name": param.name})
            else:
                sources[param.id] = candidate.source
                break
            first_failure = first_failure or failure
            if candidate.explicit:
                break
        if param.id not in chosen and first_failure is not None:
            problems_by_param[param.id] = [first_failure]

    for param in params:  # displayedIf: a hidden parameter is not sent
        if not _has_conditions(param.displayed_if) or _with_value_met(
                _mapping(param.displayed_if).get("parametersWithValue"), chosen):
            continue
        chosen.pop(param.id, None)
        sources.pop(param.id, None)
        problems_by_param.pop(param.id, None)
        if param.id in context.overrides:
            problems_by_param[param.id] = [ParameterProblem(
                param.id, param.name, context.overrides[param.id],
                _("“%(name)s” does not apply with the other values chosen for this offer, so the override is "
                  "not sent; remove it or change the parameters it depends on.") % {"name": param.name})]

    missing: list[tuple[str, str]] = []
    for param in params:
        if param.id in chosen:
            continue
        hidden = _has_conditions(param.displayed_if) and not _with_value_met(
            _mapping(param.displayed_if).get("parametersWithValue"), chosen)
        if _has_conditions(param.required_if):
            conditions = _mapping(param.required_if)
            required = _with_value_met(conditions.get("parametersWithValue"), chosen) and _without_value_met(
                conditions.get("parametersWithoutValue"), chosen)
        else:
            required = param.required
        if required and not hidden:
            missing.append((param.id, param.name))

    for key, value in context.overrides.items():
        if key not in by_id:
            general_problems.append(ParameterProblem(
                key, "", value, _("This category has no parameter %(id)s; remove the override (the category may "
                                  "have changed).") % {"id": key}))
    for key, value in context.attribute_map.items():
        if key not in by_id:
            general_problems.append(ParameterProblem(
                key, "", value, _("This category has no parameter %(id)s; remove its attribute mapping (the "
                                  "category may have changed).") % {"id": key}))

    return ParameterFill(
        values=tuple(chosen[param.id] for param in params if param.id in chosen),
        missing_required=tuple(missing),
        problems=tuple(
            [problem for param in params for problem in problems_by_param.get(param.id, [])] + general_problems
        ),
        sources=MappingProxyType({param.id: sources[param.id] for param in params if param.id in sources}),
    )
