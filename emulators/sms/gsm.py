"""The SMS alphabet both gateways count with: GSM 03.38 (7-bit, 160 characters in one message, 153 in each
part of a longer one; the extension characters take two places) or UCS-2 as soon as one character is outside
it (70, and 67 per part; a character beyond the Basic Multilingual Plane takes two places). Also the
"normalisation" both gateways offer: letters with diacritics (Polish ones first) and typographic punctuation
become their plain ASCII forms."""

from __future__ import annotations

import unicodedata

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
EXTENSION = set("^{}\\[~]|€\f")  # sent as ESC + a character: two places each

SINGLE, MULTI = {"gsm": 160, "ucs2": 70}, {"gsm": 153, "ucs2": 67}

PLAIN = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
    "Œ": "OE", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "„": '"', "”": '"', "“": '"', "«": '"', "»": '"',
    "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-", "−": "-", "…": "...", "•": "-", "×": "x",
}


def encoding(text: str) -> str:
    """"gsm" when every character fits the GSM 7-bit alphabet, "ucs2" otherwise."""
    return "gsm" if all(c in BASIC or c in EXTENSION for c in text) else "ucs2"


def _width(char: str, coding: str) -> int:
    if coding == "gsm":
        return 2 if char in EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str, coding: str | None = None) -> int:
    """Places the text takes (septets for GSM, UTF-16 code units for UCS-2)."""
    coding = coding or encoding(text)
    return sum(_width(c, coding) for c in text)


def parts(text: str) -> int:
    """How many SMS the text is sent as; a two-place character is never split between two parts."""
    coding = encoding(text)
    if length(text, coding) <= SINGLE[coding]:
        return 1
    count, used = 1, 0
    for char in text:
        width = _width(char, coding)
        if used + width > MULTI[coding]:
            count, used = count + 1, 0
        used += width
    return count


def normalize(text: str) -> str:
    """Diacritics off (ą→a, ł→l, é→e, …) and typographic punctuation as ASCII („”→", –→-, …→...)."""
    out = []
    for char in text:
        if char in PLAIN:
            out.append(PLAIN[char])
            continue
        if char.isascii():
            out.append(char)
            continue
        stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(stripped if stripped and stripped.isascii() else char)
    return "".join(out)
