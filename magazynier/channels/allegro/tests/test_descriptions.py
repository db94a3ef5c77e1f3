"""Allegro offer descriptions from shop HTML: what a seller notices in the offer's description."""

from __future__ import annotations

import csv
import html
import json
import re

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.allegro_openapi import ConformanceError, check_schema
from magazynier.channels.allegro import limits
from magazynier.channels.allegro.descriptions import (
    SPECIFICATION_HEADING,
    build_description,
    payload_size,
    sanitise_html,
)
from magazynier.channels.allegro.titles import TitleParts, build_title

IMAGES = [f"https://a.allegroimg.com/original/11a0c9/{i:02d}d7c95614fd6a7c713b075d0251a" for i in range(20)]
_TAG_RE = re.compile(r"<\s*/?\s*([a-zA-Z0-9:-]+)([^>]*)>")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def tags_used(fragment: str) -> set[str]:
    return {match.group(1).lower() for match in _TAG_RE.finditer(fragment)}


def assert_allegro_html(fragment: str) -> None:
    """Only Allegro's tags, none of them with attributes, and well-formed top-level blocks."""
    assert tags_used(fragment) <= limits.DESCRIPTION_ALLOWED_TAGS, fragment
    assert all(not match.group(2).strip() for match in _TAG_RE.finditer(fragment)), fragment
    assert "<!--" not in fragment
    assert re.fullmatch(r"(<(h1|h2|p|ul|ol)>.*?</\2>)*", fragment, flags=re.DOTALL), fragment


def items(payload: dict) -> list[list[dict]]:
    return [section["items"] for section in payload["sections"]]


def layout(payload: dict) -> list[str]:
    return ["+".join(item["type"] for item in section) for section in items(payload)]


def texts(payload: dict) -> list[str]:
    return [item["content"] for section in items(payload) for item in section if item["type"] == "TEXT"]


def image_urls(payload: dict) -> list[str]:
    return [item["url"] for section in items(payload) for item in section if item["type"] == "IMAGE"]


def assert_valid(built) -> None:
    check_schema("StandardizedDescription", built.payload)
    assert built.byte_size == payload_size(built.payload) <= limits.DESCRIPTION_MAX_BYTES
    for section in items(built.payload):
        assert 1 <= len(section) <= 2
        assert [item["type"] for item in section] != ["TEXT", "TEXT"]
    for content in texts(built.payload):
        assert content
        assert_allegro_html(content)
    assert len(image_urls(built.payload)) <= limits.MAX_IMAGES


# ---- sanitising -------------------------------------------------------------------------------------


def test_scripts_event_handlers_and_styles_are_removed():
    clean, removed = sanitise_html(
        '<p onclick="steal()" style="color:red" class="promo">Kubek <b onmouseover="x()">300 ml</b></p>'
        "<script>alert('x')</script><style>p { color: red }</style>"
        '<iframe src="https://evil.example/"></iframe><p>Do zmywarki</p>'
    )

    assert clean == "<p>Kubek <b>300 ml</b></p><p>Do zmywarki</p>"
    assert {"script", "style", "iframe"} <= set(removed)
    assert removed == tuple(sorted(removed))
    assert "alert" not in clean and "color" not in clean


def test_equivalent_tags_are_converted_so_the_meaning_stays():
    clean, removed = sanitise_html(
        "<h1>Kubek</h1><h3>Cechy</h3><p><strong>Pojemność:</strong> 300 ml, <em>ręcznie</em> malowany,"
        ' <u>szkliwiony</u> <span style="x">od środka</span>, <a href="https://shop.example/">zobacz</a></p>'
        "<h5>Pielęgnacja</h5>"
    )

    assert clean == (
        "<h1>Kubek</h1><h2>Cechy</h2><p><b>Pojemność:</b> 300 ml, ręcznie malowany, szkliwiony od środka,"
        " zobacz</p><h2>Pielęgnacja</h2>"
    )
    assert removed == ("a", "em", "span", "u")  # strong and h3/h5 were converted, not removed


def test_line_breaks_and_divs_become_paragraphs_and_loose_text_is_wrapped():
    clean, _removed = sanitise_html("Wstęp bez znacznika<div>Pierwszy<br>Drugi<br/><br/>Trzeci</div>koniec")

    assert clean == "<p>Wstęp bez znacznika</p><p>Pierwszy</p><p>Drugi</p><p>Trzeci</p><p>koniec</p>"


def test_empty_paragraphs_are_removed():
    clean, _removed = sanitise_html("<p>&nbsp;</p><p>Treść</p><p> </p><div><br></div><p><b> </b></p><ul><li></li></ul>")

    assert clean == "<p>Treść</p>"


def test_headings_are_plain_text():
    clean, _removed = sanitise_html("<h2><strong>Opis</strong> produktu</h2><p><strong>ważne</strong></p>")

    assert clean == "<h2>Opis produktu</h2><p><b>ważne</b></p>"


def test_entities_stay_valid_and_are_not_double_escaped():
    clean, _removed = sanitise_html("<p>Tom &amp; Jerry, 5 &lt; 7, R&D, &quot;cytat&quot;, 10&nbsp;kg, &#x41;</p>")

    assert clean == '<p>Tom &amp; Jerry, 5 &lt; 7, R&amp;D, "cytat", 10 kg, A</p>'
    assert html.unescape(clean) == '<p>Tom & Jerry, 5 < 7, R&D, "cytat", 10 kg, A</p>'


def test_escaped_markup_in_text_stays_text():
    clean, removed = sanitise_html("<p>Wpisz &lt;script&gt;alert(1)&lt;/script&gt; w pole</p>")

    assert clean == "<p>Wpisz &lt;script&gt;alert(1)&lt;/script&gt; w pole</p>"
    assert removed == ()


def test_plain_text_becomes_paragraphs():
    clean, removed = sanitise_html("Kubek ceramiczny.\n\nMożna myć w zmywarce & mikrofalówce.\nPojemność 300 ml.")

    assert clean == (
        "<p>Kubek ceramiczny.</p><p>Można myć w zmywarce &amp; mikrofalówce.</p><p>Pojemność 300 ml.</p>"
    )
    assert removed == ()


def test_woocommerce_literal_newlines_and_br_are_handled():
    export = "<strong>Materiał:</strong> bawełna<br />\\n<strong>Kolor:</strong> granatowy\\n\\nPranie w 30°C"

    clean, _removed = sanitise_html(export)

    assert clean == "<p><b>Materiał:</b> bawełna</p><p><b>Kolor:</b> granatowy</p><p>Pranie w 30°C</p>"


def test_dash_lines_in_plain_text_become_a_list():
    clean, _removed = sanitise_html("Zalety:\n- lekki\n- wodoodporny\n• składany\nGwarancja 2 lata")

    assert clean == "<p>Zalety:</p><ul><li>lekki</li><li>wodoodporny</li><li>składany</li></ul><p>Gwarancja 2 lata</p>"


def test_lists_stay_and_nested_lists_are_flattened():
    clean, _removed = sanitise_html(
        "<ol><li>Rozpakuj</li><li>Podłącz<ul><li>kabel USB</li><li>zasilacz</li></ul></li><li>Włącz</li></ol>"
    )

    assert clean == "<ol><li>Rozpakuj</li><li>Podłącz</li><li>kabel USB</li><li>zasilacz</li><li>Włącz</li></ol>"


def test_table_rows_become_list_items():
    clean, removed = sanitise_html(
        "<table class='spec'><thead><tr><th>Cecha</th><th>Wartość</th></tr></thead><tbody>"
        "<tr><td>Materiał:</td><td>stal <b>nierdzewna</b></td></tr><tr><td>Wymiary</td><td>10</td><td>20</td></tr>"
        "</tbody></table><p>Po tabeli</p>"
    )

    assert clean == (
        "<ul><li><b>Cecha:</b> Wartość</li><li><b>Materiał:</b> stal nierdzewna</li>"
        "<li>Wymiary – 10 – 20</li></ul><p>Po tabeli</p>"
    )
    assert {"table", "td", "th", "tr"} <= set(removed)


def test_images_inside_the_text_are_removed():
    clean, removed = sanitise_html('<p>Zdjęcie: <img src="https://x/1.jpg" onerror="x()"> koniec</p>')

    assert clean == "<p>Zdjęcie: koniec</p>"
    assert removed == ("img",)


def test_word_html_is_cleaned():
    word = (
        '<html><head><meta charset="utf-8"><style>.x{}</style><title>Dok</title></head><body>'
        '<p class=MsoNormal><span lang=PL style="font-size:12pt">Solidny <o:p></o:p>kubek</span></p>'
        "<!--[if gte mso 9]><xml>junk</xml><![endif]--></body></html>"
    )

    clean, removed = sanitise_html(word)

    assert clean == "<p>Solidny kubek</p>"
    assert {"o:p", "span", "style", "title"} <= set(removed)


_HTMLISH = st.lists(
    st.one_of(
        st.sampled_from(
            ["<p>", "</p>", "<b>", "</b>", "<strong>", "<h3>", "</h3>", "<ul>", "<li>", "</li>", "</ul>", "<br>",
             "<table><tr><td>", "</td><td>", "</table>", "<script>", "</script>", "<a href='x'>", "</a>",
             "<div onclick='x()'>", "</div>", "&amp;", "&nbsp;", "&lt;b&gt;", "\n", "\n\n", "\\n", "- ", "<!--",
             "-->", "<img src=x>", "<h1>", "</h1>"]
        ),
        st.text(max_size=12),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_HTMLISH)
def test_any_input_gives_allegro_html_and_sanitising_twice_changes_nothing(source):
    clean, removed = sanitise_html(source)

    assert_allegro_html(clean)
    assert "script" not in removed or "<script" not in clean
    assert sanitise_html(clean) == (clean, ())


# ---- layout -----------------------------------------------------------------------------------------


def test_short_description_comes_first_with_the_first_image_then_sections_split_at_headings():
    built = build_description(
        "<p>Kubek na co dzień.</p><h2>Cechy</h2><ul><li>300 ml</li></ul><h3>Pielęgnacja</h3><p>Zmywarka.</p>"
        "<h1>Wymiary</h1><p>10 cm</p>",
        short_html="<p>Ręcznie malowany kubek.</p>",
        image_urls=IMAGES[:7],
    )

    assert_valid(built)
    assert built.ok
    assert layout(built.payload) == [
        "IMAGE+TEXT",  # short description with the first image
        "TEXT+IMAGE",  # text before the first heading
        "IMAGE+TEXT",  # Cechy
        "TEXT+IMAGE",  # Pielęgnacja (h3 -> h2)
        "IMAGE+TEXT",  # Wymiary
        "IMAGE",
        "IMAGE",
    ]
    assert image_urls(built.payload) == IMAGES[:7]
    assert texts(built.payload) == [
        "<p>Ręcznie malowany kubek.</p>",
        "<p>Kubek na co dzień.</p>",
        "<h2>Cechy</h2><ul><li>300 ml</li></ul>",
        "<h2>Pielęgnacja</h2><p>Zmywarka.</p>",
        "<h1>Wymiary</h1><p>10 cm</p>",
    ]


def test_without_a_short_description_the_first_section_takes_the_first_image():
    built = build_description("<p>Opis</p><h2>Więcej</h2><p>Szczegóły</p><h2>Jeszcze</h2><p>Koniec</p>",
                              image_urls=IMAGES[:2])

    assert_valid(built)
    assert layout(built.payload) == ["IMAGE+TEXT", "TEXT+IMAGE", "TEXT"]


def test_images_are_capped_and_deduplicated():
    urls = [IMAGES[0], " ", IMAGES[0], *IMAGES]  # 20 distinct
    built = build_description("<p>Opis</p>", image_urls=urls)

    assert_valid(built)
    assert image_urls(built.payload) == IMAGES[: limits.MAX_IMAGES]
    assert layout(built.payload) == ["IMAGE+TEXT"] + ["IMAGE"] * (limits.MAX_IMAGES - 1)


def test_parameters_become_a_final_specification_section_with_escaped_values():
    built = build_description(
        "<p>Opis</p>",
        image_urls=IMAGES[:3],
        parameters=[("Kolor", "czarny & <b>biały</b>"), ("Wymiary:", " 10 × 20  cm "), ("Pusty", ""),
                    ("Marka", "Black &amp; Decker")],
    )

    assert_valid(built)
    assert layout(built.payload) == ["IMAGE+TEXT", "IMAGE", "IMAGE", "TEXT"]
    assert texts(built.payload)[-1] == (
        f"<h2>{SPECIFICATION_HEADING}</h2><ul>"
        "<li><b>Kolor:</b> czarny &amp; &lt;b&gt;biały&lt;/b&gt;</li>"
        "<li><b>Wymiary:</b> 10 × 20 cm</li>"
        "<li><b>Marka:</b> Black &amp;amp; Decker</li>"  # catalog values are text, shown as typed
        "</ul>"
    )


def test_empty_description_is_a_problem():
    built = build_description("<p>&nbsp;</p><script>x()</script>")

    assert built.payload == {"sections": []}
    assert not built.ok
    assert built.problems == ("The description has no text.",)
    check_schema("StandardizedDescription", built.payload)


def test_removed_tags_of_both_descriptions_are_reported_once():
    built = build_description("<p><span>a</span></p><script></script>", short_html="<p><em>b</em><span>c</span></p>")

    assert built.removed_tags == ("em", "script", "span")


def test_the_conformance_check_would_catch_a_wrong_item():
    with pytest.raises(ConformanceError):
        check_schema("StandardizedDescription", {"sections": [{"items": [{"type": "TEXT", "url": "x"}]}]})


# ---- size --------------------------------------------------------------------------------------------


def test_image_only_sections_are_dropped_first_when_over_the_byte_limit():
    paragraph = "<p>" + "Ząb " * 50 + "</p>"  # 206 characters, 256 bytes in JSON
    long_html = paragraph * 153
    without_images = build_description(long_html)
    assert without_images.ok
    spare = limits.DESCRIPTION_MAX_BYTES - without_images.byte_size
    assert 0 < spare < 1000

    built = build_description(long_html, image_urls=IMAGES)

    assert_valid(built)
    assert texts(built.payload) == texts(without_images.payload)  # no text was lost
    assert layout(built.payload)[0] == "IMAGE+TEXT"
    assert 1 < len(image_urls(built.payload)) < limits.MAX_IMAGES
    assert not built.ok
    assert "image(s)" in built.problems[0] and "text block" not in built.problems[0]


def test_text_at_the_end_is_dropped_at_paragraph_boundaries_when_still_too_big():
    sections = "".join(f"<h2>Rozdział {i}</h2>" + f"<p>Zażółć gęślą jaźń {i} " + "tekst " * 300 + "</p>"
                       for i in range(40))
    built = build_description(
        sections, short_html="<p>Krótki opis</p>", image_urls=IMAGES, parameters=[("Kolor", "czarny")]
    )

    assert_valid(built)
    assert limits.DESCRIPTION_MAX_BYTES - 2000 < built.byte_size
    contents = texts(built.payload)
    assert contents[0] == "<p>Krótki opis</p>"
    assert contents[-1].startswith(f"<h2>{SPECIFICATION_HEADING}</h2>")
    assert "Rozdział 0" in contents[1]
    assert not any("Rozdział 39" in content for content in contents)
    assert all(content.endswith(("</p>", "</ul>")) for content in contents)  # whole paragraphs only
    assert not built.ok
    assert "text block(s)" in built.problems[0]


def test_a_single_huge_paragraph_is_shortened_at_a_word_boundary():
    built = build_description("słowo " * 20_000)

    assert_valid(built)
    content = texts(built.payload)[0]
    assert content.startswith("<p>słowo słowo") and content.endswith(" …</p>")
    assert set(content[3:-6].split(" ")) == {"słowo"}
    assert any("shortened" in problem for problem in built.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(["p", "h2", "h3", "li", "td"]), st.integers(0, 3000)), max_size=40),
    st.integers(0, 20),
    st.integers(0, 30),
)
def test_any_big_description_fits_the_byte_limit(blocks, image_count, parameter_count):
    source = "".join(f"<{tag}>{'Zażółć & gęślą <jaźń> ' * (size // 20)}koniec {i}</{tag}>"
                     for i, (tag, size) in enumerate(blocks))
    parameters = [(f"Parametr {i}", "wartość & <opis> " * 20) for i in range(parameter_count)]

    built = build_description(source, short_html=source[:5000], image_urls=IMAGES[:image_count],
                              parameters=parameters)

    assert_valid(built)
    assert bool(texts(built.payload)) == bool(blocks or parameters)  # some text always survives


# ---- the WooCommerce sample catalog -------------------------------------------------------------------


def test_every_woocommerce_sample_product_gets_a_title_and_description_within_allegro_limits(sample_csv):
    with sample_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 20

    for row in rows:
        title = build_title(TitleParts(row["Name"]))
        assert 0 < len(title.text) <= limits.TITLE_MAX_LENGTH, row["Name"]
        words = len(title.text.split())
        too_short = len(title.text) < limits.TITLE_MIN_LENGTH or words < limits.TITLE_MIN_WORDS
        assert title.ok == (not too_short), (row["Name"], title)

        urls = [url.strip() for url in row["Images"].split(",") if url.strip()]
        built = build_description(row["Description"], short_html=row["Short description"], image_urls=urls)
        assert_valid(built)
        assert built.ok, (row["Name"], built.problems)
        assert image_urls(built.payload) == list(dict.fromkeys(urls))[: limits.MAX_IMAGES]
        assert texts(built.payload), row["Name"]
        assert json.loads(json.dumps(built.payload)) == built.payload
