"""Filling Allegro category parameters from catalog data: what a seller notices in the offer."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.allegro.catalog_data import CONDITION_PARAM_ID, GTIN_PARAM_ID
from emulators.allegro.config import EmulatorConfig
from emulators.allegro.offer_model import check_parameter_value
from emulators.allegro.world import World
from magazynier.channels.allegro.parameters import ParameterFill, ProductFacts, fill_parameters

GENERIC_FAILURE = "could not be processed"  # the catch-all reason: never expected for ordinary input


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# ---- emulator categories (shapes as served by GET /sale/categories/{id}/parameters) ---------------

_WORLD = World(EmulatorConfig(seed=1))


def _leaf(name: str):
    return _WORLD.catalog.leaf_named(name)


def emulator_parameters(leaf_name: str) -> list[dict[str, Any]]:
    return [p.to_json() for p in _WORLD.catalog.parameters(_leaf(leaf_name).id)]


def generic_leaf_name() -> str:
    return next(c.name for c in _WORLD.catalog.categories.values() if c.leaf and c.kind == "generic")


EMULATOR_LEAVES = ["Koszulki", "Sneakersy", "Paski męskie", "Rock", "Kryminał i sensacja", "Słuchawki",
                   "Smartfony", generic_leaf_name()]


def value_id(parameters: list[dict], param_id: str, label: str) -> str:
    param = next(p for p in parameters if p["id"] == param_id)
    return next(entry["id"] for entry in param["dictionary"] if entry["value"] == label)


def by_id(fill: ParameterFill) -> dict[str, dict]:
    return {entry["id"]: entry for entry in fill.values}


def problem_for(fill: ParameterFill, param_id: str):
    found = [p for p in fill.problems if p.parameter_id == param_id]
    assert len(found) == 1, fill.problems
    return found[0]


def assert_emulator_accepts(leaf_name: str, fill: ParameterFill) -> None:
    """Every filled value passes the emulator's parameter checks; required ones are either filled or reported."""
    definitions = {d.id: d for d in _WORLD.catalog.parameters(_leaf(leaf_name).id)}
    for entry in fill.values:
        assert check_parameter_value(definitions[entry["id"]], entry) is None, entry
    filled = {entry["id"] for entry in fill.values}
    missing = {param_id for param_id, _name in fill.missing_required}
    assert {d.id for d in definitions.values() if d.required} - filled == missing


# ---- hand-written parameters, in the shapes of shared/reference/allegro-openapi.yaml --------------

COLOUR = {
    "id": "3", "name": "Kolor", "type": "dictionary", "required": True, "unit": None,
    "options": {"ambiguousValueId": None, "dependsOnParameterId": None, "describesProduct": False,
                "customValuesEnabled": False},
    "restrictions": {"multipleChoices": True},
    "dictionary": [
        {"id": "3_1", "value": "czarny", "dependsOnValueIds": []},
        {"id": "3_2", "value": "biały", "dependsOnValueIds": []},
        {"id": "3_3", "value": "niebieski", "dependsOnValueIds": []},
        {"id": "3_4", "value": "czerwony", "dependsOnValueIds": []},
        {"id": "3_5", "value": "granatowy", "dependsOnValueIds": []},
        {"id": "3_6", "value": "wielokolorowy", "dependsOnValueIds": []},
    ],
}
SLEEVE = {
    "id": "19", "name": "Rękaw", "type": "dictionary", "required": False,
    "restrictions": {"multipleChoices": False},
    "dictionary": [{"id": "19_1", "value": "krótki"}, {"id": "19_2", "value": "3/4"},
                   {"id": "19_3", "value": "długi"}],
}
BRAND_WITH_OTHER = {
    "id": "7", "name": "Marka", "type": "dictionary", "required": True,
    "options": {"ambiguousValueId": "7_99", "customValuesEnabled": True, "describesProduct": True},
    "restrictions": {"multipleChoices": False},
    "dictionary": [{"id": "7_1", "value": "Nordwear"}, {"id": "7_2", "value": "Wiślana"},
                   {"id": "7_99", "value": "inna marka"}],
}
WEIGHT_G = {
    "id": "203", "name": "Waga produktu", "type": "float", "required": False, "unit": "g",
    "restrictions": {"min": 0.5, "max": 50000, "range": False, "precision": 2},
}
PAGES = {
    "id": "255", "name": "Liczba stron", "type": "integer", "required": False, "unit": None,
    "restrictions": {"min": 1, "max": 100, "range": False},
}
WORKING_TEMPERATURE = {
    "id": "208", "name": "Temperatura pracy", "type": "integer", "required": False, "unit": "°C",
    "restrictions": {"min": -50, "max": 300, "range": True},
}
MODEL = {
    "id": "202", "name": "Model", "type": "string", "required": True, "unit": None,
    "restrictions": {"minLength": 2, "maxLength": 20, "allowedNumberOfValues": 1},
}
CODES = {
    "id": "224017", "name": "Kod producenta", "type": "string", "required": False,
    "restrictions": {"minLength": 1, "maxLength": 35, "allowedNumberOfValues": 3},
}
CONDITION = {
    "id": "11323", "name": "Condition", "type": "dictionary", "required": True,
    "restrictions": {"multipleChoices": False},
    "dictionary": [{"id": "11323_1", "value": "New"}, {"id": "11323_2", "value": "Used"}],
}
HAND_WRITTEN = [CONDITION, BRAND_WITH_OTHER, COLOUR, SLEEVE, WEIGHT_G, PAGES, WORKING_TEMPERATURE, MODEL, CODES]


def one(parameter: dict, text: str, **changes: Any) -> ParameterFill:
    """Fill one parameter from an override (the simplest way to feed it a text)."""
    param = {**copy.deepcopy(parameter), **changes}
    return fill_parameters([param], ProductFacts(), overrides={param["id"]: text})


# ---- a T-shirt from the emulator's catalog --------------------------------------------------------


def test_tshirt_is_filled_from_catalog_data():
    params = emulator_parameters("Koszulki")
    facts = ProductFacts(brand="Nordwear", ean="5901234123457",
                         attributes={"Color": "Blue", "Size": "l", "Materiał": "Bawełna", "Rękaw": "3/4"})

    fill = fill_parameters(params, facts)

    values = by_id(fill)
    assert values["3"] == {"id": "3", "valuesIds": [value_id(params, "3", "niebieski")]}
    assert values["4"]["valuesIds"] == [value_id(params, "4", "L")]
    assert values["7"]["valuesIds"] == [value_id(params, "7", "Nordwear")]
    assert values["17"]["valuesIds"] == [value_id(params, "17", "bawełna")]  # "Materiał dominujący"
    assert values["19"]["valuesIds"] == [value_id(params, "19", "3/4")]  # not split on "/"
    assert values[GTIN_PARAM_ID] == {"id": GTIN_PARAM_ID, "values": ["5901234123457"]}
    assert values[CONDITION_PARAM_ID]["valuesIds"] == [value_id(params, CONDITION_PARAM_ID, "Nowy")]
    assert dict(fill.sources) == {CONDITION_PARAM_ID: "default", "7": "brand", "4": "attribute:Size",
                                  "3": "attribute:Color", "17": "attribute:Materiał", "19": "attribute:Rękaw",
                                  GTIN_PARAM_ID: "ean"}
    assert "18" not in values  # optional "Skład materiału" with no source is left out
    assert fill.complete and fill.problems == ()
    assert [entry["id"] for entry in fill.values] == [p["id"] for p in params if p["id"] in values]
    assert_emulator_accepts("Koszulki", fill)


def test_tshirt_without_size_or_colour_reports_them_as_missing():
    fill = fill_parameters(emulator_parameters("Koszulki"), ProductFacts(brand="Nordwear"))

    assert set(fill.missing_required) == {("4", "Rozmiar"), ("3", "Kolor")}
    assert not fill.complete


def test_brand_outside_the_dictionary_lists_allowed_brands():
    """The emulator enables custom values but defines no ambiguous value: nothing to fall back to."""
    fill = fill_parameters(emulator_parameters("Koszulki"), ProductFacts(brand="Acme", attributes={"Kolor": "czarny"}))

    problem = problem_for(fill, "7")
    assert problem.value == "Acme" and problem.parameter_name == "Marka"
    assert "Nordwear" in problem.reason and "Acme" in problem.reason
    assert ("7", "Marka") in fill.missing_required


def test_phone_numbers_are_converted_to_the_parameters_units():
    params = emulator_parameters("Smartfony")
    facts = ProductFacts(brand="Tatra", attributes={
        "Model": "T1 5G", "Waga": "180 g", "Wbudowana pamięć": "128 GB", "Przekątna ekranu": "15,5 cm",
        "Pojemność": "4,5 Ah", "Kolour": "x"})

    fill = fill_parameters(params, facts)

    values = by_id(fill)
    assert values["203"]["values"] == ["0.18"]  # kg, precision 3
    assert values["204"]["values"] == ["128"]
    assert values["206"]["values"] == ["6.1"]  # 15.5 cm = 6.102… inch, precision 2 → 6.10
    assert values["207"]["values"] == ["4500"]  # "Pojemność akumulatora" in mAh
    assert fill.complete and fill.problems == ()
    assert_emulator_accepts("Smartfony", fill)


def test_weight_falls_back_to_the_catalog_weight():
    fill = fill_parameters(emulator_parameters("Słuchawki"),
                           ProductFacts(brand="Sobieski", weight_kg=Decimal("0.25")))
    assert by_id(fill)["203"]["values"] == ["0.25"]
    assert fill.sources["203"] == "weight"

    in_grams = fill_parameters([WEIGHT_G], ProductFacts(weight_kg=Decimal("0.25")))
    assert by_id(in_grams)["203"]["values"] == ["250"]


def test_unparsable_weight_attribute_gives_way_to_the_catalog_weight():
    fill = fill_parameters([WEIGHT_G], ProductFacts(attributes={"Waga": "lekka"}, weight_kg=Decimal("1.2")))

    assert by_id(fill)["203"]["values"] == ["1200"]
    assert fill.sources["203"] == "weight" and fill.problems == ()


def test_belt_circumference_is_a_range():
    params = emulator_parameters("Paski męskie")
    fill = fill_parameters(params, ProductFacts(attributes={"Kolor": "Black", "Obwód": "90–110 cm"}))

    assert by_id(fill)["21"] == {"id": "21", "rangeValue": {"from": "90", "to": "110"}}
    assert_emulator_accepts("Paski męskie", fill)


def test_footwear_size_is_a_number_not_a_letter():
    params = emulator_parameters("Sneakersy")
    ok = fill_parameters(params, ProductFacts(brand="Nordwear", attributes={"Rozmiar": "42,5", "Kolor": "biały"}))
    assert by_id(ok)["5"]["values"] == ["42.5"]
    assert_emulator_accepts("Sneakersy", ok)

    letter = fill_parameters(params, ProductFacts(brand="Nordwear", attributes={"Size": "L", "Kolor": "biały"}))
    assert problem_for(letter, "5").value == "L"
    assert ("5", "Rozmiar") in letter.missing_required


@pytest.mark.parametrize("leaf_name", EMULATOR_LEAVES)
def test_emulator_categories_accept_what_is_filled(leaf_name):
    facts = ProductFacts(brand="Nordwear", ean="5901234123457", weight_kg=Decimal("0.35"), attributes={
        "Kolor": "Navy", "Rozmiar": "M", "Materiał": "cotton", "Stan": "nowy", "Model": "Classic 2",
        "Wykonawca": "Zespół Północ", "Tytuł": "Album 1", "Nośnik": "CD", "Autor": "Jan Kowalski",
        "Okładka": "miękka", "Rok wydania": "2019", "Liczba stron": "320", "Temperatura pracy": "-10 - 40 °C",
        "Obwód": "95 cm", "Czas trwania": "45,5 min", "Wbudowana pamięć": "256 GB"})

    fill = fill_parameters(emulator_parameters(leaf_name), facts)

    assert_emulator_accepts(leaf_name, fill)
    assert not [p for p in fill.problems if GENERIC_FAILURE in p.reason]


def test_filled_parameters_are_accepted_by_the_emulator_over_http():
    """The payload goes through a real create (validated against the OpenAPI spec) with no parameter errors."""
    from emulators.allegro.clock import FakeClock
    from emulators.allegro.testing import running_emulator
    from emulators.allegro.tests.support import api_client, json_write

    category = _leaf("Koszulki")
    with running_emulator(EmulatorConfig(seed=1), FakeClock()) as emu:
        token = emu.world.token_for("demo-seller")["access_token"]
        with api_client(emu.base_url, token) as http:
            served = http.get(f"/sale/categories/{category.id}/parameters")
            assert served.status_code == 200
            fill = fill_parameters(served.json()["parameters"], ProductFacts(
                brand="Wiślana", ean="5901234123457", attributes={"Kolor": "Grey", "Rozmiar": "2XL"}))
            assert fill.complete
            body = {
                "name": "Koszulka bawełniana Wiślana szara",
                "category": {"id": category.id},
                "productSet": [{"product": {"name": "Koszulka bawełniana Wiślana szara",
                                            "category": {"id": category.id}}}],
                "parameters": list(fill.values),
                "stock": {"available": 3, "unit": "UNIT"},
                "sellingMode": {"format": "BUY_NOW", "price": {"amount": "39.99", "currency": "PLN"}},
                "publication": {"status": "INACTIVE"},
            }
            created = json_write(http, "POST", "/sale/product-offers", body)
            assert created.status_code in (201, 202), created.text
            offer = http.get(f"/sale/product-offers/{created.json()['id']}").json()
    errors = [e for e in offer["validation"]["errors"] if e["code"] == "PARAMETER_MISMATCH"]
    assert errors == []
    colour = next(p for p in offer["parameters"] if p["id"] == "3")
    assert colour["valuesIds"] == [value_id(served.json()["parameters"], "3", "szary")]


# ---- name matching --------------------------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["Color", "colour", "KOLOR", "Kolor:", "kolor "])
def test_attribute_names_match_parameter_names_loosely(attribute):
    fill = fill_parameters([COLOUR], ProductFacts(attributes={attribute: "red"}))
    assert by_id(fill)["3"]["valuesIds"] == ["3_4"]
    assert fill.sources["3"] == f"attribute:{attribute.strip()}"


def test_prefix_match_yields_to_a_parameter_with_the_exact_name():
    frame_colour = {**copy.deepcopy(COLOUR), "id": "301", "name": "Kolor oprawki", "required": False}
    fill = fill_parameters([COLOUR, frame_colour], ProductFacts(attributes={"Color": "czarny"}))
    assert set(by_id(fill)) == {"3"}

    alone = fill_parameters([frame_colour], ProductFacts(attributes={"Color": "czarny"}))
    assert by_id(alone)["301"]["valuesIds"] == ["3_1"]


def test_ean_and_brand_come_from_the_product_fields():
    params = [{"id": "225693", "name": "EAN (GTIN)", "type": "string", "restrictions": {"maxLength": 14}},
              {"id": "7", "name": "Producent", "type": "string", "restrictions": {"maxLength": 50}}]
    fill = fill_parameters(params, ProductFacts(brand="Nordwear", ean="5901234123457"))
    assert by_id(fill) == {"225693": {"id": "225693", "values": ["5901234123457"]},
                           "7": {"id": "7", "values": ["Nordwear"]}}
    assert dict(fill.sources) == {"225693": "ean", "7": "brand"}


def test_attribute_map_wins_over_name_matching():
    facts = ProductFacts(attributes={"Kolor": "czarny", "Kolor główny": "biały"})
    fill = fill_parameters([COLOUR], facts, attribute_map={"3": "Kolor główny"})
    assert by_id(fill)["3"]["valuesIds"] == ["3_2"]
    assert fill.sources["3"] == "attribute:Kolor główny"


def test_attribute_map_to_an_attribute_the_product_lacks_falls_back_to_matching():
    fill = fill_parameters([COLOUR], ProductFacts(attributes={"Kolor": "czarny"}), attribute_map={"3": "Barwa"})
    assert by_id(fill)["3"]["valuesIds"] == ["3_1"]


def test_override_wins_over_everything():
    facts = ProductFacts(brand="Wiślana", attributes={"Marka": "Nordwear"})
    fill = fill_parameters([BRAND_WITH_OTHER], facts, overrides={"7": "nordwear"},
                           attribute_map={"7": "Marka"})
    assert by_id(fill)["7"]["valuesIds"] == ["7_1"]
    assert fill.sources["7"] == "override"


def test_invalid_override_is_reported_not_replaced():
    fill = fill_parameters([PAGES], ProductFacts(attributes={"Liczba stron": "50"}), overrides={"255": "dużo"})
    assert fill.values == ()
    assert problem_for(fill, "255").value == "dużo"


def test_override_for_a_parameter_the_category_lacks_is_reported():
    fill = fill_parameters([PAGES], ProductFacts(), overrides={"999": "x"}, attribute_map={"998": "Kolor"})
    assert {p.parameter_id for p in fill.problems} == {"999", "998"}


# ---- dictionaries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Blue", ["3_3"]), ("NIEBIESKI", ["3_3"]), ("Niebieska", ["3_3"]), ("navy", ["3_5"]),
    ("Multicolour", ["3_6"]), ("Black, White", ["3_1", "3_2"]), ("red | blue", ["3_4", "3_3"]),
    ("czarny/czarny", ["3_1"]), ("biale", ["3_2"]),
])
def test_colours_match_the_dictionary(text, expected):
    fill = one(COLOUR, text)
    assert by_id(fill)["3"] == {"id": "3", "valuesIds": expected}


def test_unknown_colour_lists_allowed_values():
    fill = one(COLOUR, "Blue, Purple")
    problem = problem_for(fill, "3")
    assert "Purple" in problem.reason and "czarny" in problem.reason and "niebieski" in problem.reason
    assert fill.values == () and ("3", "Kolor") in fill.missing_required


def test_unknown_value_uses_allegros_other_value_when_allowed():
    fill = one(BRAND_WITH_OTHER, "Acme")
    assert by_id(fill)["7"] == {"id": "7", "valuesIds": ["7_99"], "values": ["Acme"]}
    assert fill.problems == ()

    without_custom = one(BRAND_WITH_OTHER, "Acme", options={"ambiguousValueId": "7_99",
                                                            "customValuesEnabled": False})
    assert problem_for(without_custom, "7").value == "Acme"


def test_single_choice_parameter_refuses_several_values():
    fill = one(SLEEVE, "krótki, długi")
    assert fill.values == ()
    assert "krótki" in problem_for(fill, "19").reason


@pytest.mark.parametrize(("text", "label"), [("l", "L"), ("Large", "L"), ("2XL", "XXL"), ("xxl", "XXL"),
                                             ("rozmiar M", "M"), ("3xl", "3XL")])
def test_size_spellings(text, label):
    params = emulator_parameters("Koszulki")
    size = next(p for p in params if p["id"] == "4")
    assert by_id(one(size, text))["4"]["valuesIds"] == [value_id(params, "4", label)]


def test_condition_defaults_to_new_and_understands_english():
    assert by_id(fill_parameters([CONDITION], ProductFacts()))["11323"]["valuesIds"] == ["11323_1"]
    used = fill_parameters([CONDITION], ProductFacts(attributes={"Stan": "używany"}))
    assert by_id(used)["11323"]["valuesIds"] == ["11323_2"]
    stock_count = fill_parameters([CONDITION], ProductFacts(attributes={"Stan": "5"}))  # "stan" = stock too
    assert by_id(stock_count)["11323"]["valuesIds"] == ["11323_1"] and stock_count.problems == ()
    assert stock_count.sources["11323"] == "default"


def test_dependent_dictionary_picks_the_value_for_the_chosen_brand():
    brand = {"id": "7", "name": "Marka", "type": "dictionary", "required": True,
             "dictionary": [{"id": "7_1", "value": "Tatra"}, {"id": "7_2", "value": "Orzeł"}]}
    model = {"id": "8", "name": "Model", "type": "dictionary", "required": True,
             "options": {"dependsOnParameterId": "7"},
             "dictionary": [{"id": "8_1", "value": "X1", "dependsOnValueIds": ["7_1"]},
                            {"id": "8_2", "value": "X1", "dependsOnValueIds": ["7_2"]},
                            {"id": "8_3", "value": "Wave", "dependsOnValueIds": ["7_1"]}]}
    fill = fill_parameters([model, brand], ProductFacts(brand="Orzeł", attributes={"Model": "X1"}))
    assert [entry["id"] for entry in fill.values] == ["8", "7"]  # category order, not evaluation order
    assert by_id(fill)["8"]["valuesIds"] == ["8_2"]

    wrong = fill_parameters([model, brand], ProductFacts(brand="Orzeł", attributes={"Model": "Wave"}))
    assert "Marka" in problem_for(wrong, "8").reason


# ---- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("0,5 kg", "500"), ("500", "500"), ("12,345 g", "12.35"), ("12,344", "12.34"), ("100,125", "100.13"),
    ("1,005", "1.01"), ("1 200,50 g", "1200.5"), ("1\u00a0200,5", "1200.5"), ("1.2 kg", "1200"),
    ("750 mg", "0.75"), ("1,5 dag", "15"), (".5 kg", "500"),
])
def test_float_in_grams(text, expected):
    """Half-up rounding in Decimal: 1,005 → 1.01 (float arithmetic would give 1.0)."""
    fill = one(WEIGHT_G, text)
    assert by_id(fill)["203"] == {"id": "203", "values": [expected]}, fill.problems


@pytest.mark.parametrize("text", ["1,200.50", "1.200.000", "1,200,000"])
def test_ambiguous_thousands_separators_are_refused(text):
    fill = one(WEIGHT_G, text)
    assert fill.values == ()
    assert "ambiguous" in problem_for(fill, "203").reason


def test_single_comma_is_a_decimal_separator():
    assert by_id(one(WEIGHT_G, "1,200"))["203"]["values"] == ["1.2"]


@pytest.mark.parametrize(("param", "text", "expected"), [
    ({"unit": "cm", "restrictions": {"precision": 2}}, '15,6"', "39.62"),
    ({"unit": "cm", "restrictions": {"precision": 1}}, "27 cali", "68.6"),
    ({"unit": "mm", "restrictions": {"precision": 0}}, "1,5 m", "1500"),
    ({"unit": "l", "restrictions": {"precision": 2}}, "500 ml", "0.5"),
    ({"unit": "W", "restrictions": {"precision": 0}}, "2 kW", "2000"),
    ({"unit": "mAh", "restrictions": {"precision": 0}}, "4,5 Ah", "4500"),
    ({"unit": "cm", "restrictions": {}}, "1 mm", "0.1"),
])
def test_units_are_converted(param, text, expected):
    definition = {"id": "1", "name": "Wymiar", "type": "float", **param}
    fill = one(definition, text)
    assert by_id(fill)["1"]["values"] == [expected], fill.problems


def test_incompatible_unit_is_reported():
    fill = one(WEIGHT_G, "5 cm")
    problem = problem_for(fill, "203")
    assert "cm" in problem.reason and " g" in problem.reason


def test_integer_must_be_whole():
    fill = one(PAGES, "1,5")
    assert fill.values == ()
    assert "1.5" in problem_for(fill, "255").reason
    assert by_id(one(PAGES, "2,0"))["255"]["values"] == ["2"]


def test_out_of_range_names_min_and_max():
    fill = one(PAGES, "200")
    problem = problem_for(fill, "255")
    assert "min 1" in problem.reason and "max 100" in problem.reason
    assert "min 0.5" in problem_for(one(WEIGHT_G, "0,1"), "203").reason


def test_precision_rounding_can_push_a_value_below_min():
    assert problem_for(one(WEIGHT_G, "0,4"), "203").value == "0,4"


@pytest.mark.parametrize(("text", "expected"), [
    ("10-20", {"from": "10", "to": "20"}), ("10–20", {"from": "10", "to": "20"}),
    ("-10 - 40 °C", {"from": "-10", "to": "40"}), ("od 5 do 60", {"from": "5", "to": "60"}),
    ("25", {"from": "25", "to": "25"}),
])
def test_range_parameters(text, expected):
    fill = one(WORKING_TEMPERATURE, text)
    assert by_id(fill)["208"] == {"id": "208", "rangeValue": expected}, fill.problems


def test_range_errors():
    assert "from–to" in problem_for(one(WORKING_TEMPERATURE, "40-10"), "208").reason
    assert "-60" in problem_for(one(WORKING_TEMPERATURE, "-60-10"), "208").reason
    assert problem_for(one(PAGES, "10-20"), "255").value == "10-20"  # not a range parameter


def test_not_a_number():
    fill = one(PAGES, "sporo")
    assert fill.values == () and problem_for(fill, "255").value == "sporo"


# ---- strings --------------------------------------------------------------------------------------


def test_string_length_is_checked_not_truncated():
    long = one(MODEL, "Classic Extra Long Edition 2025")
    assert long.values == ()
    assert "20" in problem_for(long, "202").reason
    assert ("202", "Model") in long.missing_required
    assert problem_for(one(MODEL, "X"), "202").value == "X"  # minLength 2
    assert by_id(one(MODEL, "  Classic 2 "))["202"]["values"] == ["Classic 2"]


def test_string_with_several_values():
    assert by_id(one(CODES, "AB-1 | CD-2, EF-3"))["224017"]["values"] == ["AB-1", "CD-2", "EF-3"]
    too_many = one(CODES, "A|B|C|D")
    assert too_many.values == () and "3" in problem_for(too_many, "224017").reason
    composition = {"id": "18", "name": "Skład materiału", "type": "string",
                   "restrictions": {"maxLength": 200, "allowedNumberOfValues": 1}}
    assert by_id(one(composition, "95% bawełna, 5% elastan"))["18"]["values"] == ["95% bawełna, 5% elastan"]


# ---- conditions, required, robustness -------------------------------------------------------------


def test_required_if_and_displayed_if():
    kind = {"id": "1", "name": "Rodzaj", "type": "dictionary",
            "dictionary": [{"id": "1_1", "value": "elektryczny"}, {"id": "1_2", "value": "ręczny"}]}
    power = {"id": "2", "name": "Moc", "type": "integer", "unit": "W", "required": False,
             "requiredIf": {"parametersWithValue": [{"id": "1", "oneOfValueIds": ["1_1"]}],
                            "parametersWithoutValue": []},
             "displayedIf": {"parametersWithValue": [{"id": "1", "oneOfValueIds": ["1_1"]}]},
             "restrictions": {"min": 1, "max": 5000}}
    electric = fill_parameters([kind, power], ProductFacts(attributes={"Rodzaj": "elektryczny"}))
    assert electric.missing_required == (("2", "Moc"),)

    manual = fill_parameters([kind, power], ProductFacts(attributes={"Rodzaj": "ręczny", "Moc": "500 W"}))
    assert manual.missing_required == () and set(by_id(manual)) == {"1"}

    hidden_override = fill_parameters([kind, power], ProductFacts(attributes={"Rodzaj": "ręczny"}),
                                      overrides={"2": "500"})
    assert problem_for(hidden_override, "2").value == "500"


def test_odd_input_never_raises():
    garbage: list[Any] = [
        None, "x", 5, {"name": "bez id"}, {"id": "1", "type": "dictionary", "dictionary": None},
        {"id": "2", "type": "float", "restrictions": "nonsense"},
        {"id": "3", "name": "Kolor", "type": "dictionary", "dictionary": [None, {"value": "no id"}, {"id": "3_1"}]},
        {"id": "4", "name": "Waga", "type": "integer", "restrictions": {"min": "abc", "max": None, "precision": "x"}},
        {"id": "5", "name": "Dziwny", "type": "boolean", "required": True},
        {"id": "5", "name": "Duplikat", "type": "string"},
    ]
    facts = ProductFacts(brand=None, attributes={"Kolor": ["czarny", 3], "Waga": 12, 7: None},  # type: ignore[arg-type]
                         weight_kg="ciężki")  # type: ignore[arg-type]
    fill = fill_parameters(garbage, facts, overrides={"5": "tak", "1": "x"})
    assert by_id(fill)["4"]["values"] == ["12"]
    assert {p.parameter_id for p in fill.problems} >= {"", "1", "5"}
    assert ("5", "Dziwny") in fill.missing_required
    assert fill_parameters({"parameters": [PAGES]}, ProductFacts(attributes={"Liczba stron": "9"})).values


def test_huge_numbers_are_reported_not_rounded():
    assert problem_for(one(WEIGHT_G, "1" * 40), "203").value == "1" * 40


def test_deterministic():
    facts = ProductFacts(brand="Nordwear", attributes={"Color": "Blue", "Size": "XL", "Waga": "0,3 kg"})
    first = fill_parameters(HAND_WRITTEN + emulator_parameters("Koszulki"), facts)
    assert fill_parameters(HAND_WRITTEN + emulator_parameters("Koszulki"), facts) == first


def test_reasons_are_translatable_text():
    with translation.override("pl"):
        fill = one(PAGES, "200")
    assert problem_for(fill, "255").reason  # untranslated strings fall back to English, never empty


# ---- property: any attributes, never raises, only real dictionary ids -----------------------------

ALL_CATEGORIES = [emulator_parameters(name) for name in EMULATOR_LEAVES] + [HAND_WRITTEN]
NAMES = ["Color", "Kolor", "Size", "Rozmiar", "Materiał", "Marka", "Brand", "Waga", "Weight", "Model",
         "Pojemność", "Długość", "Stan", "EAN", "Obwód", "Temperatura pracy", "Liczba stron", "Rękaw",
         "Przekątna ekranu", "Kod producenta", "Nośnik", "Rok wydania"]
VALUES = ["Blue", "niebieska", "L", "2XL", "0,5 kg", "1,5", "10-20", "-5", "1,200.50", "3/4", "Acme",
          "czarny, biały", "nowy", "15,6\"", "", " ", "1e9", "NaN", "∞", "0", "9" * 35]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    category=st.sampled_from(ALL_CATEGORIES),
    attributes=st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=12)),
                               st.one_of(st.sampled_from(VALUES), st.text(max_size=30)), max_size=8),
    brand=st.one_of(st.just(""), st.sampled_from(["Nordwear", "Tatra", "Acme"]), st.text(max_size=10)),
    weight=st.one_of(st.none(), st.decimals(allow_nan=True, allow_infinity=True, places=3)),
    override=st.one_of(st.none(), st.tuples(st.sampled_from(["3", "7", "203", "208", "4", "11323"]),
                                            st.one_of(st.sampled_from(VALUES), st.text(max_size=20)))),
)
def test_any_attributes_never_raise_and_only_use_real_dictionary_ids(category, attributes, brand, weight,
                                                                     override):
    overrides = dict([override]) if override else {}
    fill = fill_parameters(category, ProductFacts(brand=brand, ean="5901234123457", attributes=attributes,
                                                  weight_kg=weight), overrides=overrides)

    definitions = {p["id"]: p for p in category}
    order = [p["id"] for p in category]
    assert [entry["id"] for entry in fill.values] == [i for i in order if i in by_id(fill)]
    for entry in fill.values:
        definition = definitions[entry["id"]]
        if definition["type"] == "dictionary":
            allowed = {item["id"] for item in definition["dictionary"]}
            assert entry["valuesIds"] and set(entry["valuesIds"]) <= allowed
        elif definition["type"] in ("integer", "float"):
            restrictions = definition["restrictions"]
            numbers = entry.get("values") or [entry["rangeValue"]["from"], entry["rangeValue"]["to"]]
            for number in map(Decimal, numbers):
                assert Decimal(str(restrictions["min"])) <= number <= Decimal(str(restrictions["max"]))
                if definition["type"] == "integer":
                    assert number == number.to_integral_value()
        else:
            assert all(len(text) <= definition["restrictions"]["maxLength"] for text in entry["values"])
    assert not {i for i, _name in fill.missing_required} & set(by_id(fill))
    assert set(fill.sources) == set(by_id(fill))
    assert not [p for p in fill.problems if GENERIC_FAILURE in p.reason], fill.problems
