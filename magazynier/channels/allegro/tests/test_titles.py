"""Allegro offer titles from catalog data: what a seller notices in the title."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magazynier.channels.allegro import limits
from magazynier.channels.allegro.titles import PROMOTIONAL_PHRASES, TitleParts, build_title, fold


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def title(name: str, **kwargs) -> str:
    return build_title(TitleParts(name, **kwargs)).text


# ---- clean-up --------------------------------------------------------------------------------------


def test_shouting_promotional_title_becomes_a_plain_description():
    built = build_title(TitleParts("SUPER PROMOCJA!!! Koszulka bawełniana LOGO męska niebieska XL GRATIS"))

    assert built.text == "Koszulka bawełniana logo męska niebieska XL"
    assert built.ok
    assert built.dropped == ()
    assert "removed promotional phrase 'SUPER PROMOCJA'" in built.changes
    assert "removed promotional word 'GRATIS'" in built.changes
    assert "'LOGO' written in lower case" in built.changes
    assert any("!" in change for change in built.changes)  # the "!!!" is reported too


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kubek ceramiczny 350 ml WYPRZEDAŻ", "Kubek ceramiczny 350 ml"),
        ("wyprzedaz Kubek ceramiczny 350 ml", "Kubek ceramiczny 350 ml"),  # diacritics-insensitive
        ("Lampka nocna LED darmowa WYSYŁKA najtaniej", "Lampka nocna LED"),
        ("Kubek termiczny 500 ml - HIT - Okazja", "Kubek termiczny 500 ml"),
        ("Nowość! Plecak szkolny dla dzieci", "Plecak szkolny dla dzieci"),
        ("Wireless gaming mouse FREE SHIPPING best price cheap SALE", "Wireless gaming mouse"),
        ("Bestseller: Zestaw noży kuchennych | Wysyłka 24h", "Zestaw noży kuchennych"),
        ("Etui do iPhone 15 + szkło GRATIS", "Etui do iPhone 15 + szkło"),
    ],
)
def test_promotional_words_are_removed(name, expected):
    assert title(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Wiertarka udarowa Hitachi DV18V",  # "hit" only as a whole word
        "Kurtka trekkingowa Salewa męska",  # "sale" only as a whole word
        "Okazjonalna kartka z życzeniami",
        "Młot udarowy Tanioszek 1500W",
    ],
)
def test_promotional_words_match_whole_words_only(name):
    assert title(name) == name


def test_emoji_and_decorative_symbols_are_removed():
    built = build_title(TitleParts("⭐⭐ Kubek ceramiczny z uchem 350 ml 🔥 NOWOŚĆ! ** darmowa WYSYŁKA ** |"))

    assert built.text == "Kubek ceramiczny z uchem 350 ml"
    assert any("⭐" in change and "🔥" in change for change in built.changes)


def test_ordinary_punctuation_is_kept():
    assert title("Etui na telefon 6,1\" (czarne) 100% TPU") == "Etui na telefon 6,1\" (czarne) 100% TPU"
    assert title("Kurs programowania C# dla początkujących") == "Kurs programowania C# dla początkujących"


def test_no_separator_is_left_dangling_at_either_end():
    assert title("| Kubek ceramiczny - biały , 300 ml - GRATIS") == "Kubek ceramiczny - biały, 300 ml"
    assert title("- Kubek , ceramiczny 300 ml , |") == "Kubek, ceramiczny 300 ml"
    assert title("Koszulka męska - - | bawełniana") == "Koszulka męska - bawełniana"


def test_html_entities_from_shop_exports_are_decoded():
    assert title("Black &amp; Decker wiertarka udarowa") == "Black & Decker wiertarka udarowa"


# ---- capitals ----------------------------------------------------------------------------------------


def test_words_in_capitals_are_recased_but_acronyms_and_codes_stay():
    built = build_title(TitleParts("TELEWIZOR SMART 55 cali 4K HDMI USB3 WIFI"))

    assert built.text == "Telewizor smart 55 cali 4K HDMI USB3 WIFI"
    assert "'TELEWIZOR' written as 'Telewizor'" in built.changes


@pytest.mark.parametrize("word", ["LED", "XXL", "HDMI", "WI-FI", "NFC", "AGD", "RGB", "OLED", "XXXL"])
def test_allow_listed_acronyms_keep_their_capitals(word):
    assert word in title(f"Produkt testowy z funkcją {word}").split()


def test_short_capital_words_are_not_shouting():
    assert title("Kabel TV do anteny 5 m") == "Kabel TV do anteny 5 m"


def test_brand_comes_first_and_short_capital_brands_keep_their_capitals():
    assert title("Klocki konstrukcyjne City Posterunek", brand="LEGO") == "LEGO Klocki konstrukcyjne City Posterunek"
    assert title("Laptop VivoBook 15 16 GB RAM", brand="ASUS") == "ASUS Laptop VivoBook 15 16 GB RAM"


def test_long_brand_in_capitals_is_written_with_a_capital_letter_only():
    built = build_title(TitleParts("Golarka elektryczna seria 5000", brand="PHILIPS"))

    assert built.text == "Philips Golarka elektryczna seria 5000"
    assert "'PHILIPS' written as 'Philips'" in built.changes


def test_shouted_brand_in_the_name_follows_the_brand_fields_spelling():
    assert title("Wiertarka DEWALT bezszczotkowa 18V", brand="DeWalt") == "Wiertarka DeWalt bezszczotkowa 18V"


# ---- order and repeats -------------------------------------------------------------------------------


def test_brand_is_not_repeated_when_the_name_already_contains_it():
    assert title("Klocki Lego City Posterunek policji", brand="LEGO") == "Klocki Lego City Posterunek policji"
    assert title("Czajnik elektryczny Bosch 1,7 l", brand="bosch") == "Czajnik elektryczny Bosch 1,7 l"


def test_model_and_key_parameters_follow_the_name_unless_already_present():
    built = build_title(
        TitleParts(
            "Kubek termiczny Żółty 500 ml",
            brand="Contigo",
            model="West Loop",
            key_parameters=("zolty", "500 ML", "stal nierdzewna", "Kubek"),
        )
    )

    assert built.text == "Contigo Kubek termiczny Żółty 500 ml West Loop stal nierdzewna"
    assert built.dropped == ()


def test_model_already_in_the_name_is_not_repeated():
    assert title("Smartfon Galaxy A55 8/256 GB", brand="Samsung", model="galaxy a55") == (
        "Samsung Smartfon Galaxy A55 8/256 GB"
    )


def test_repeated_words_are_removed_but_short_function_words_and_numbers_stay():
    built = build_title(TitleParts("Kubek KUBEK ceramiczny ceramiczny z uchem i z pokrywką"))

    assert built.text == "Kubek ceramiczny z uchem i z pokrywką"
    assert "removed repeated word 'ceramiczny'" in built.changes
    assert title("Zestaw 2 kubki i 2 talerze porcelana") == "Zestaw 2 kubki i 2 talerze porcelana"


def test_key_parameter_that_repeats_title_words_is_left_out_whole():
    built = build_title(TitleParts("Koszulka męska bawełniana XL", key_parameters=("rozmiar XL", "granatowa")))

    assert built.text == "Koszulka męska bawełniana XL granatowa"
    assert any("rozmiar XL" in change for change in built.changes)


# ---- length ------------------------------------------------------------------------------------------


def test_key_parameters_are_dropped_from_the_last_one_back_then_the_model():
    parts = TitleParts(
        "Telewizor 55 cali 4K UHD Smart TV",
        brand="Samsung",
        model="UE55CU7172",
        key_parameters=("czarny", "Tizen", "HDR10+", "Bluetooth 5.2", "pilot w zestawie"),
    )
    built = build_title(parts)

    assert built.text == "Samsung Telewizor 55 cali 4K UHD Smart TV UE55CU7172 czarny Tizen HDR10+"
    assert len(built.text) <= limits.TITLE_MAX_LENGTH
    assert built.dropped == ("pilot w zestawie", "Bluetooth 5.2")
    assert built.ok

    tight = build_title(parts, max_length=50)
    assert tight.text == "Samsung Telewizor 55 cali 4K UHD Smart TV czarny"
    assert tight.dropped == ("pilot w zestawie", "Bluetooth 5.2", "HDR10+", "Tizen", "UE55CU7172")


def test_long_name_loses_trailing_words_never_half_a_word_nor_a_dangling_preposition():
    name = (
        "Zestaw garnków ze stali nierdzewnej 12 elementów indukcja gaz pokrywki szklane "
        "uchwyty silikonowe z miarką"
    )
    built = build_title(TitleParts(name, model="GS-12", key_parameters=("srebrny",)))

    assert len(built.text) <= limits.TITLE_MAX_LENGTH
    assert name.startswith(built.text)
    assert name[len(built.text)] == " "  # cut between words
    assert not built.text.endswith((" z", " ze"))
    assert built.dropped[:2] == ("srebrny", "GS-12")
    assert " ".join(reversed(built.dropped[2:])) == name[len(built.text) + 1 :]
    assert built.ok


def test_a_word_longer_than_the_title_is_cut_and_reported():
    built = build_title(TitleParts("x" * 100))

    assert built.text == "x" * limits.TITLE_MAX_LENGTH
    assert not built.ok
    assert any("longer than 75 characters" in problem for problem in built.problems)


def test_titles_count_characters_not_bytes():
    name = (
        "Żółta łódź gęś źdźbło łąka ćma śnieżnobiała różyczka pięćdziesiąt dźwiękoszczelna "
        "żółwiątko świętokrzyska łączność"
    )
    built = build_title(TitleParts(name))

    # 65 characters (87 bytes); the next word would make 81 characters
    assert built.text == "Żółta łódź gęś źdźbło łąka ćma śnieżnobiała różyczka pięćdziesiąt"
    assert len(built.text) <= limits.TITLE_MAX_LENGTH < len(built.text.encode())
    assert built.dropped == ("łączność", "świętokrzyska", "żółwiątko", "dźwiękoszczelna")


# ---- problems ----------------------------------------------------------------------------------------


def test_short_or_one_word_titles_are_reported():
    built = build_title(TitleParts("Hoodie"))

    assert not built.ok
    assert len(built.problems) == 2
    assert any("at least 12" in problem for problem in built.problems)
    assert any("at least 3" in problem for problem in built.problems)

    assert build_title(TitleParts("Bardzo wygodna bluza")).ok
    assert not build_title(TitleParts("Bluza polarowa")).ok  # long enough, but two words only


@pytest.mark.parametrize("name", ["", "   ", "!!!***###", "🔥🔥🔥", "GRATIS PROMOCJA HIT", "- | ,"])
def test_odd_input_gives_problems_not_exceptions(name):
    built = build_title(TitleParts(name, brand="", model="", key_parameters=("", "!!!")))

    assert built.text == ""
    assert not built.ok


def test_promotional_phrases_are_folded():
    assert all(phrase == fold(phrase) for phrase in PROMOTIONAL_PHRASES)


# ---- properties --------------------------------------------------------------------------------------

_ANY_PARTS = st.builds(
    TitleParts,
    name=st.text(max_size=200),
    brand=st.text(max_size=30),
    model=st.text(max_size=30),
    key_parameters=st.lists(st.text(max_size=30), max_size=6).map(tuple),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_ANY_PARTS, st.integers(min_value=0, max_value=150))
def test_any_input_gives_a_title_within_the_limit(parts, max_length):
    built = build_title(parts, max_length=max_length)

    assert len(built.text) <= max_length
    assert built.text == built.text.strip()
    assert built == build_title(parts, max_length=max_length)  # deterministic
    assert built.ok == (not built.problems)


_WORD = st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=1, max_size=20)
_WORDS = st.lists(_WORD, min_size=1, max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_WORDS, _WORDS, st.lists(_WORDS, max_size=5).map(tuple), st.integers(min_value=20, max_value=100))
def test_words_are_never_cut(name, model, key_parameters, max_length):
    built = build_title(TitleParts(name, model=model, key_parameters=key_parameters), max_length=max_length)

    source_words = {word.casefold() for text in (name, model, *key_parameters) for word in text.split()}
    assert len(built.text) <= max_length
    assert all(word.casefold() in source_words for word in built.text.split())
    assert not any("was cut" in problem for problem in built.problems)
