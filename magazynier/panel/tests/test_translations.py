"""The panel speaks Polish first: every string in the catalogue is translated and the compiled file is current."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "pl" / "LC_MESSAGES"


def test_every_panel_string_has_a_polish_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgid, e.msgstr) for e in mo if not e.msgid_plural}
    source = {(e.msgid, e.msgstr) for e in po if not e.msgid_plural and not e.obsolete}
    assert source <= compiled, "run: python -c \"import polib; polib.pofile('…/django.po').save_as_mofile('…/django.mo')\""
