"""Category tree, parameters, matching categories and catalog products."""

from __future__ import annotations

from emulators.allegro.catalog_data import Catalog

from .support import json_write, offer_body


def test_category_tree_is_realistic(emu, client):
    roots = client.get("/sale/categories").json()["categories"]
    assert {"Elektronika", "Moda", "Kultura i rozrywka"} <= {c["name"] for c in roots}
    assert all(not c["leaf"] and "parent" not in c for c in roots)
    catalog = emu.world.catalog
    assert len(catalog.categories) >= 250
    assert max(len(catalog.path(c)) for c in catalog.categories) >= 5
    path = [c.name for c in catalog.path(catalog.leaf_named("Smartfony").id)]
    assert path == ["Elektronika", "Telefony i Akcesoria", "Smartfony i telefony komórkowe", "Smartfony"]
    for name in ("Koszulki", "Bluzy", "Czapki z daszkiem", "Paski męskie", "Okulary przeciwsłoneczne męskie",
                 "Rock"):
        assert catalog.leaf_named(name).leaf
    moda = next(c for c in roots if c["name"] == "Moda")
    children = client.get("/sale/categories", params={"parent.id": moda["id"]}).json()["categories"]
    assert all(c["parent"]["id"] == moda["id"] for c in children)
    assert client.get("/sale/categories", params={"parent.id": "nope"}).status_code == 404
    assert client.get("/sale/categories/nope").status_code == 404


def test_parameters_cover_all_types_with_ranges_and_units(emu, client):
    catalog = emu.world.catalog
    seen_types, ranged, units, required = set(), False, set(), set()
    for leaf in ("Smartfony", "Koszulki", "Paski męskie", "Rock", "Sneakersy"):
        params = client.get(f"/sale/categories/{catalog.leaf_named(leaf).id}/parameters").json()["parameters"]
        for param in params:
            seen_types.add(param["type"])
            ranged |= bool(param.get("restrictions", {}).get("range"))
            if param.get("unit"):
                units.add(param["unit"])
            if param["required"]:
                required.add(param["name"])
    assert seen_types == {"dictionary", "integer", "float", "string"}
    assert ranged and {"GB", "cm"} <= units
    assert {"Stan", "Rozmiar", "Kolor", "Wykonawca"} <= required


def test_matching_categories_suggest_leaves_with_parents(client):
    found = client.get("/sale/matching-categories", params={"name": "Koszulka męska"}).json()
    first = found["matchingCategories"][0]
    assert first["name"] == "Koszulki" and first["parent"]["name"] == "Odzież męska"


def test_products_by_gtin_and_phrase(emu, client, ean):
    by_gtin = client.get("/sale/products", params={"phrase": ean, "mode": "GTIN"}).json()["products"]
    assert len(by_gtin) == 1
    product = client.get(f"/sale/products/{by_gtin[0]['id']}").json()
    assert any(p.get("values") == [ean] for p in product["parameters"])
    by_phrase = client.get("/sale/products", params={"phrase": "bluza kaptur"}).json()["products"]
    assert by_phrase and all("kapturem" in p["name"] for p in by_phrase)
    assert client.get("/sale/products", params={"phrase": "5900000000000", "mode": "GTIN"}).json()["products"] == []
    assert client.get("/sale/products/unknown").status_code == 404


def test_ambiguous_ean_gives_two_products_and_refuses_offer_creation(emu, client):
    ambiguous = emu.world.catalog.ambiguous_eans[0]
    products = client.get("/sale/products", params={"phrase": ambiguous, "mode": "GTIN"}).json()["products"]
    assert len(products) == 2
    response = json_write(client, "POST", "/sale/product-offers", offer_body(ambiguous))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "MultipleProductsFoundException"
    assert set(error["metadata"]["productIds"].split(",")) == {p["id"] for p in products}


def test_catalog_is_deterministic_per_seed():
    assert Catalog(7).products_by_ean.keys() == Catalog(7).products_by_ean.keys()
    assert Catalog(7).products_by_ean.keys() != Catalog(8).products_by_ean.keys()
    assert Catalog(7).categories.keys() == Catalog(8).categories.keys()


def test_parameters_of_every_category_kind_conform(emu, client):
    catalog = emu.world.catalog
    one_leaf_per_kind = {}
    for category in catalog.categories.values():
        if category.leaf:
            one_leaf_per_kind.setdefault(category.kind, category.id)
    assert len(one_leaf_per_kind) >= 7
    for category_id in one_leaf_per_kind.values():  # the client's hook validates each answer
        assert client.get(f"/sale/categories/{category_id}/parameters").json()["parameters"]
