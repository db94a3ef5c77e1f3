"""Allegro offer titles built from catalog data (pure: no models, no I/O).

Allegro wants a title of 12–75 characters and at least three words that only describes the item:
no shouting, no promotional slogans, no decoration. :func:`build_title` assembles such a title from
the catalog's name, brand, model and key parameters and explains what it changed or left out, so
the panel can show the seller why the offer title differs from the catalog name.

Rules, in the order they are applied:

1. Text clean-up of every part: HTML entities are decoded; emoji, "!", "*", "#" (except after a
   letter, as in "C#"), brackets, currency and other decorative symbols are removed; whitespace is
   collapsed.
2. Promotional words and phrases (:data:`PROMOTIONAL_PHRASES`, Polish and English) are removed as
   whole words, ignoring case and Polish diacritics.
3. Order: brand (unless the name already contains it), name, model (unless already present), then
   the key parameters that are not already present (compared ignoring case and diacritics).
4. Repeated words are removed, keeping the first occurrence. Short function words ("z", "do",
   "and" …) and plain numbers are exempt, so "2 kubki 2 talerze" stays intact.
5. Shouting: see :func:`_recase_tokens`.
6. No separator (" - ", ",", "|" …) is left at either end, nor two in a row.
7. Fitting ``max_length`` characters: key parameters are dropped from the last one back, then the
   model, then trailing words of the name (and a function word left dangling at the end); words
   are never cut, except a single word that alone is longer than ``max_length``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

from . import limits

# A brand written in capitals by its owner ("LEGO", "ASUS") keeps its capitals when the brand field
# itself is written so and has at most this many letters.
BRAND_CAPS_MAX_LETTERS = 5
# A word written entirely in capitals is re-cased only from this many letters on ("TV", "XL" stay).
SHOUTING_MIN_LETTERS = 4

# Acronyms and units that are written in capitals on purpose (compared without hyphens).
ACRONYMS = frozenset(
    """
    USB LED HDMI LCD RGB RGBW XS XXS XL XXL XXXL XXXXL GPS WIFI NFC SSD HDD RAM ROM AGD RTV DVD CD UV
    ABS PVC PET HDPE LDPE MDF HDF OSB LPG CNG SUV ATV MTB BMX OLED QLED AMOLED IPS HDR DDR SATA NVME
    PCIE ATX ITX VESA UPS POE DIY SPF EDT EDP CMYK JPEG ANC BLUETOOTH DSLR MPPT INOX AISI ISOFIX
    AUX DVI VGA LTE GSM SIM SMS PIN PDF ECO BIO VAT LPDDR HEPA IPX EPDM TPU TPE EVA PIR RCD MCB
    """.split()
)

# Words Allegro does not allow in a title because they advertise rather than describe (folded:
# lower case, no diacritics).
_PROMOTIONAL_TEXT = """
    promocja|promocje|promocji|promocyjna|promocyjny|promocyjne|promo|okazja|okazje|okazyjnie
    okazyjna cena|okazja dnia|gratis|gratisy|gratisem|hit|hity|hit cenowy|hit sprzedazy
    super cena|super oferta|super okazja|super promocja|mega cena|mega oferta|mega okazja
    mega promocja|hiper promocja|extra cena|ekstra cena|najtaniej|najtanszy|najtansza|najtansze
    najtaniej na allegro|tanio|taniej|wyprzedaz|wyprzedaze|wyprzedazy|darmowa dostawa
    darmowa wysylka|darmowy transport|dostawa gratis|wysylka gratis|wysylka 0 zl|za darmo
    bestseller|bestsellery|best seller|nowosc|nowosci|rabat|obnizka|przecena|wysylka 24h
    wysylka 24 h|wysylka w 24h|wysylka od reki|od reki|sprawdz|zobacz|polecamy|polecam
    faktura vat|fv|fv 23|fv23|black friday|cyber monday|sale|on sale|hot sale|hot deal|best deal
    free shipping|free delivery|cheap|cheapest|best price|lowest price|promotion|discount
    new arrival|wow|top seller|limited offer|special offer|clearance
"""
PROMOTIONAL_PHRASES = frozenset(
    " ".join(phrase.split()) for phrase in re.split(r"[|\n]", _PROMOTIONAL_TEXT) if phrase.strip()
)
# first word -> the phrases starting with it, longest first
_PROMO_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in sorted({tuple(p.split()) for p in PROMOTIONAL_PHRASES}, key=len, reverse=True):
    _PROMO_BY_FIRST_WORD.setdefault(_phrase[0], []).append(_phrase)

# Function words never removed as "repeated" and not left dangling at the end after shortening.
STOP_WORDS = frozenset(
    "z ze w we i oraz do na dla od bez po pod nad przy o u a lub albo x the an of and or for with to in on by"
    .split()
)

_SEPARATORS = frozenset({",", ";", ":", "|", "/", "-", "–", "—", "+", "&"})
_ATTACHED_SEPARATORS = frozenset({",", ";", ":"})  # written right after the previous word
_PEEL = ",;:|/-–—"  # separator characters split off the ends of a word
_KEEP_PUNCTUATION = frozenset("-‐‑–—,.;:/()+%&'\"’‘„”“×°±|")
_SYMBOL_WORD_OK = frozenset("%×°±")  # a token made only of these is kept as a (non-counting) word
_DROP_SILENTLY = {"Cf"}  # zero-width joiners, soft hyphens …
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\u20e3\U000e0100-\U000e01ef]")


def fold(text: str) -> str:
    """Lower case without diacritics ("Wyprzedaż" -> "wyprzedaz"), for comparisons."""
    text = text.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class TitleParts:
    """What the catalog knows about the item, before any clean-up."""

    name: str
    brand: str = ""
    model: str = ""
    key_parameters: tuple[str, ...] = ()  # most important first, e.g. ("niebieski", "XL", "500 ml")


@dataclass(frozen=True)
class BuiltTitle:
    """A title ready for Allegro, with the reasons it differs from the catalog data."""

    text: str
    dropped: tuple[str, ...]  # parts/words left out to fit the length, in the order they were dropped
    changes: tuple[str, ...]  # human-readable notes of what was cleaned
    problems: tuple[str, ...]  # why the title is still not acceptable; empty = OK

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Token:
    text: str
    sep: bool = False

    @cached_property
    def core(self) -> str:
        """Folded text without punctuation at the ends ("(500" -> "500"); re-casing keeps it valid."""
        start, end = 0, len(self.text)
        while start < end and not self.text[start].isalnum():
            start += 1
        while end > start and not self.text[end - 1].isalnum():
            end -= 1
        return fold(self.text[start:end])

    @property
    def counts(self) -> bool:
        """Whether it counts as a word (has a letter or digit)."""
        return not self.sep and any(ch.isalnum() for ch in self.text)


@dataclass(eq=False)
class _Segment:
    kind: str  # "brand" | "name" | "model" | "param"
    tokens: list[_Token] = field(default_factory=list)


class _Notes:
    """Ordered, de-duplicated notes."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, note: str) -> None:
        if note not in self.items:
            self.items.append(note)


# --------------------------------------------------------------------------------------------------
# Cleaning and tokenising
# --------------------------------------------------------------------------------------------------


def _clean_chars(text: str, notes: _Notes) -> str:
    """Drop emoji and decorative symbols, keep letters, digits and ordinary punctuation."""
    text = html.unescape(text or "")
    text = _VARIATION_SELECTORS.sub("", text)
    out: list[str] = []
    removed: list[str] = []
    prev = ""
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zs", "Zl", "Zp", "Cc"):
            out.append(" ")
        elif category[0] in "LN":
            out.append(ch)
        elif category[0] == "M":  # combining accents stay on their letter, stray ones go
            if out and out[-1] != " ":
                out.append(ch)
            continue
        elif ch in _KEEP_PUNCTUATION or (ch == "#" and prev.isalpha()):
            out.append(ch)
        elif category in _DROP_SILENTLY:
            continue
        else:
            out.append(" ")
            if ch not in removed:
                removed.append(ch)
        prev = out[-1] if out else ""
    if removed:
        notes.add(_("removed symbols: %(symbols)s") % {"symbols": " ".join(removed)})
    return "".join(out)


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for chunk in text.split():
        if chunk in _SEPARATORS:
            tokens.append(_Token(chunk, sep=True))
            continue
        lead: list[_Token] = []
        while chunk and chunk[0] in _PEEL:
            lead.append(_Token(chunk[0], sep=True))
            chunk = chunk[1:]
        trail: list[_Token] = []
        while chunk and chunk[-1] in _PEEL:
            trail.insert(0, _Token(chunk[-1], sep=True))
            chunk = chunk[:-1]
        tokens.extend(lead)
        if chunk and (any(ch.isalnum() for ch in chunk) or set(chunk) <= _SYMBOL_WORD_OK):
            tokens.append(_Token(chunk))
        tokens.extend(trail)
    return _tidy_separators(tokens)


def _tidy_separators(tokens: list[_Token]) -> list[_Token]:
    """No separator at either end and never two in a row (the first one stays)."""
    out: list[_Token] = []
    for token in tokens:
        if token.sep and (not out or out[-1].sep):
            continue
        out.append(token)
    while out and out[-1].sep:
        out.pop()
    return out


def _render(tokens: list[_Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if parts and not (token.sep and token.text in _ATTACHED_SEPARATORS):
            parts.append(" ")
        parts.append(token.text)
    return "".join(parts)


def _shorten(text: str, limit: int = 30) -> str:
    """Quote-friendly excerpt of a long word for messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(tokens: list[_Token]) -> list[_Token]:
    return [t for t in tokens if not t.sep]


# --------------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------------


def _remove_promotional(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        if not tokens[i].sep:
            for phrase in _PROMO_BY_FIRST_WORD.get(tokens[i].core, ()):
                window = tokens[i : i + len(phrase)]
                if len(window) == len(phrase) and all(
                    not t.sep and t.core == word for t, word in zip(window, phrase, strict=True)
                ):
                    original = _render(window)
                    if len(phrase) == 1:
                        notes.add(_("removed promotional word '%(word)s'") % {"word": original})
                    else:
                        notes.add(_("removed promotional phrase '%(phrase)s'") % {"phrase": original})
                    i += len(phrase)
                    break
            else:
                out.append(tokens[i])
                i += 1
        else:
            out.append(tokens[i])
            i += 1
    return _tidy_separators(out)


def _contains(haystack: list[_Token], needle: list[_Token]) -> bool:
    """Whether the words of ``needle`` occur consecutively among the words of ``haystack``."""
    hay = [t.core for t in _words(haystack)]
    need = [t.core for t in _words(needle)]
    if not need:
        return True
    return any(hay[i : i + len(need)] == need for i in range(len(hay) - len(need) + 1))


def _dedupe_words(segments: list[_Segment], notes: _Notes) -> None:
    """Remove repeated words, keeping the first; a key parameter is kept whole or left out whole."""
    seen: set[str] = set()
    for segment in segments:
        kept: list[_Token] = []
        repeated: list[_Token] = []
        seen_here = set(seen)
        for token in segment.tokens:
            core = token.core
            exempt = token.sep or not core or core in STOP_WORDS or core.isdigit()
            if not exempt and core in seen_here:
                repeated.append(token)
            else:
                kept.append(token)
                seen_here.add(core)
        if repeated and segment.kind == "param":
            # "rozmiar XL" next to an "XL" already in the title would leave a meaningless "rozmiar"
            notes.add(
                _("left out key parameter '%(parameter)s': it repeats words already in the title")
                % {"parameter": _render(segment.tokens)}
            )
            segment.tokens = []
            continue
        for token in repeated:
            notes.add(_("removed repeated word '%(word)s'") % {"word": token.text})
        seen = seen_here
        segment.tokens = _tidy_separators(kept)


def _is_shouting(word: str) -> bool:
    if any(ch.isdigit() for ch in word):
        return False
    cased = [ch for ch in word if ch.isalpha()]
    if len(cased) < SHOUTING_MIN_LETTERS or not all(ch.isupper() for ch in cased):
        return False
    key = fold(re.sub(r"[^\w]", "", word)).upper()
    return key not in ACRONYMS


def _brand_spellings(brand: str) -> tuple[dict[str, str], bool]:
    """Folded brand word -> the brand field's spelling; and whether the brand keeps its capitals."""
    words = [t.text for t in _words(_tokenise(brand))]
    letters = [ch for ch in "".join(words) if ch.isalpha()]
    keeps_caps = bool(letters) and all(ch.isupper() for ch in letters) and len(letters) <= BRAND_CAPS_MAX_LETTERS
    return {_Token(w).core: w for w in words}, keeps_caps


def _recase_tokens(tokens: list[_Token], brand: str, notes: _Notes) -> None:
    """Re-case words written entirely in capitals (shouting).

    A word is shouting when it has at least :data:`SHOUTING_MIN_LETTERS` letters, all of them
    capitals, and no digit ("4K", "USB3" stay), and it is not in :data:`ACRONYMS`. Such a word is
    written in lower case, or with only its first letter capital when it starts the title or is a
    word of the brand. A brand word follows the brand field's own spelling ("DeWalt") unless that is
    all capitals too. Brands written in capitals by their owners ("LEGO", "ASUS") keep them when the
    brand field itself is all capitals and has at most :data:`BRAND_CAPS_MAX_LETTERS` letters.
    """
    spellings, brand_keeps_caps = _brand_spellings(brand)
    first = True
    for token in tokens:
        if token.sep:
            continue
        word = token.text
        is_first, first = first, False
        if not _is_shouting(word):
            continue
        core = token.core
        if core in spellings:
            if brand_keeps_caps:
                continue
            own = spellings[core]
            new = own if not _is_shouting(own) and fold(own) == fold(word) else word[0] + word[1:].lower()
        elif is_first:
            new = word[0] + word[1:].lower()
        else:
            new = word.lower()
        if new == word:
            continue
        token.text = new
        if new == word.lower():
            notes.add(_("'%(word)s' written in lower case") % {"word": word})
        else:
            notes.add(_("'%(old)s' written as '%(new)s'") % {"old": word, "new": new})


# --------------------------------------------------------------------------------------------------
# Fitting the length
# --------------------------------------------------------------------------------------------------


def _flatten(segments: list[_Segment]) -> list[_Token]:
    tokens: list[_Token] = []
    for segment in segments:
        tokens.extend(segment.tokens)
    return _tidy_separators(tokens)


def _trim_trailing(segment: _Segment, dropped: list[str], keep_words: int) -> bool:
    """Drop the last word of ``segment`` (and a function word left dangling); False if at the floor."""
    if len(_words(segment.tokens)) <= keep_words:
        return False
    while segment.tokens and segment.tokens[-1].sep:
        segment.tokens.pop()
    dropped.append(segment.tokens.pop().text)
    segment.tokens = _tidy_separators(segment.tokens)
    while len(_words(segment.tokens)) > max(keep_words, 1) and segment.tokens[-1].core in STOP_WORDS:
        dropped.append(segment.tokens.pop().text)
        segment.tokens = _tidy_separators(segment.tokens)
    return True


def _drop_out_of_reach(segment: _Segment, max_length: int, dropped: list[str]) -> None:
    """Drop, at once, the words after the first one that ends beyond ``max_length`` characters.

    Only a prefix of the name can stay, so those words could never fit; this keeps very long names
    fast. The remaining trailing words are then dropped one by one.
    """
    length = 0
    for index, token in enumerate(segment.tokens):
        attached = token.sep and token.text in _ATTACHED_SEPARATORS
        length += len(token.text) + (0 if index == 0 or attached else 1)
        if length > max_length and not token.sep:
            beyond = segment.tokens[index + 1 :]
            dropped.extend(t.text for t in reversed(beyond) if not t.sep)
            segment.tokens = _tidy_separators(segment.tokens[: index + 1])
            return


def _fit(segments: list[_Segment], max_length: int, problems: list[str]) -> tuple[list[_Token], list[str]]:
    core = [s for s in segments if s.kind in ("brand", "name")]
    optional = [s for s in segments if s.kind in ("model", "param")]  # priority order == text order
    dropped: list[str] = []

    def length(chosen: list[_Segment]) -> int:
        return len(_render(_flatten([s for s in segments if any(s is c for c in chosen)])))

    if length(core) <= max_length:
        included = list(core)
        excluded: list[_Segment] = []
        for segment in optional:
            if length([*included, segment]) <= max_length:
                included.append(segment)
            else:
                excluded.append(segment)
        # reported from the lowest priority up: key parameters from the last one back, then the model
        dropped.extend(_render(s.tokens) for s in reversed(excluded))
        return _flatten([s for s in segments if any(s is c for c in included)]), dropped

    dropped.extend(_render(s.tokens) for s in reversed(optional))
    name = next((s for s in core if s.kind == "name"), None)
    brand = next((s for s in core if s.kind == "brand"), None)
    if name is not None:
        _drop_out_of_reach(name, max_length, dropped)
    while length(core) > max_length:
        if name is not None and _trim_trailing(name, dropped, keep_words=1):
            continue
        if brand is not None and _trim_trailing(brand, dropped, keep_words=0):
            continue
        break
    tokens = _flatten(core)
    if len(_render(tokens)) > max_length:
        # a single word longer than the whole title: the only case where a word is cut
        word = _words(tokens)[0]
        problems.append(
            _("The word '%(word)s' is longer than %(max)d characters and was cut.")
            % {"word": _shorten(word.text), "max": max_length}
        )
        tokens = [_Token(word.text[:max_length])]
    return tokens, dropped


# --------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------


def build_title(parts: TitleParts, max_length: int = limits.TITLE_MAX_LENGTH) -> BuiltTitle:
    """Build an Allegro title from catalog data; see the module docstring for the rules.

    Deterministic and never raises: odd input just yields ``problems``.
    """
    max_length = max(int(max_length), 0)
    notes = _Notes()

    def prepare(text: str) -> list[_Token]:
        return _remove_promotional(_tokenise(_clean_chars(text or "", notes)), notes)

    brand_tokens = prepare(parts.brand)
    name_tokens = prepare(parts.name)
    segments: list[_Segment] = []
    if brand_tokens and not _contains(name_tokens, brand_tokens):
        segments.append(_Segment("brand", brand_tokens))
    segments.append(_Segment("name", name_tokens))
    model_tokens = prepare(parts.model)
    if model_tokens and not _contains(_flatten(segments), model_tokens):
        segments.append(_Segment("model", model_tokens))
    for parameter in parts.key_parameters or ():
        tokens = prepare(str(parameter))
        if tokens and not _contains(_flatten(segments), tokens):
            segments.append(_Segment("param", tokens))

    _dedupe_words(segments, notes)
    segments = [s for s in segments if s.tokens]
    _recase_tokens(_flatten(segments), parts.brand or "", notes)

    problems: list[str] = []
    tokens, dropped = _fit(segments, max_length, problems)
    text = _render(tokens)

    if len(text) < limits.TITLE_MIN_LENGTH:
        problems.append(
            _("The title has %(length)d characters; Allegro requires at least %(min)d.")
            % {"length": len(text), "min": limits.TITLE_MIN_LENGTH}
        )
    word_count = sum(1 for t in tokens if t.counts)
    if word_count < limits.TITLE_MIN_WORDS:
        problems.append(
            _("The title has %(count)d word(s); Allegro requires at least %(min)d.")
            % {"count": word_count, "min": limits.TITLE_MIN_WORDS}
        )
    return BuiltTitle(text=text, dropped=tuple(dropped), changes=tuple(notes.items), problems=tuple(problems))
