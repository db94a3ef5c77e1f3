"""Part counting and normalisation as the gateways do them."""

from __future__ import annotations

import pytest

from emulators.sms import gsm


@pytest.mark.parametrize(("text", "coding", "parts"), [
    ("a" * 160, "gsm", 1),
    ("a" * 161, "gsm", 2),
    ("a" * 306, "gsm", 2),
    ("a" * 307, "gsm", 3),
    ("€" * 80, "gsm", 1),  # an extension character takes two places
    ("€" * 81, "gsm", 2),
    ("a" * 152 + "€" + "a" * 10, "gsm", 2),  # never split across parts: 152 + (2 → next part)
    ("a" * 153 + "a" * 152 + "€", "gsm", 3),
    ("ą" * 70, "ucs2", 1),
    ("ą" * 71, "ucs2", 2),
    ("ą" * 134, "ucs2", 2),
    ("ą" * 135, "ucs2", 3),
    ("Zażółć gęślą jaźń", "ucs2", 1),
    ("😀" * 35, "ucs2", 1),  # beyond the BMP: two code units each
    ("😀" * 36, "ucs2", 2),
])
def test_parts_are_counted_like_the_networks_do(text, coding, parts):
    assert gsm.encoding(text) == coding
    assert gsm.parts(text) == parts


def test_normalisation_gives_plain_gsm_text():
    assert gsm.normalize("Zażółć gęślą jaźń ZAŻÓŁĆ") == "Zazolc gesla jazn ZAZOLC"
    assert gsm.normalize("„Cytat” — koniec…\u00a0ok") == '"Cytat" - koniec... ok'
    assert gsm.normalize("café naïve") == "cafe naive"
    assert gsm.encoding(gsm.normalize("Łódź, Kraków, Gdańsk")) == "gsm"
    assert gsm.normalize("Привет") == "Привет", "what has no plain form stays (and goes out as Unicode)"
