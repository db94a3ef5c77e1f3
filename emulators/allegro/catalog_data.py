"""Deterministic catalog: category tree, category parameters and catalog products with EANs.

Category ids and parameters do not depend on the seed (tests may rely on them); the products,
their EANs and images are generated from the seed.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from .category_tree import TREE

FIRST_CATEGORY_ID = 1000
CONDITION_PARAM_ID = "11323"
GTIN_PARAM_ID = "225693"


@dataclass
class Category:
    id: str
    name: str
    parent_id: str | None
    kind: str
    children: list[str] = field(default_factory=list)

    @property
    def leaf(self) -> bool:
        return not self.children

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "leaf": self.leaf,
            "options": {
                "advertisement": False,
                "offersWithProductPublicationEnabled": True,
                "productCreationEnabled": True,
                "sellerCanRequirePurchaseComments": False,
            },
        }
        if self.parent_id:  # main categories carry no parent
            data["parent"] = {"id": self.parent_id}
        return data


@dataclass
class ParameterDef:
    id: str
    name: str
    type: str  # dictionary | integer | float | string
    required: bool = False
    unit: str | None = None
    describes_product: bool = False
    custom_values: bool = False
    values: list[tuple[str, str]] = field(default_factory=list)  # dictionary (id, value)
    minimum: float | None = None
    maximum: float | None = None
    range: bool = False
    precision: int = 0
    max_length: int = 100
    multiple: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "requiredForProduct": self.required and self.describes_product,
            "unit": self.unit,
            "options": {
                "ambiguousValueId": None,
                "dependsOnParameterId": None,
                "describesProduct": self.describes_product,
                "customValuesEnabled": self.custom_values,
            },
        }
        if self.type == "dictionary":
            data["restrictions"] = {"multipleChoices": self.multiple}
            data["dictionary"] = [
                {"id": value_id, "value": value, "dependsOnValueIds": []} for value_id, value in self.values
            ]
        elif self.type == "integer":
            data["restrictions"] = {"min": int(self.minimum or 0), "max": int(self.maximum or 0),
                                    "range": self.range}
        elif self.type == "float":
            data["restrictions"] = {"min": self.minimum, "max": self.maximum, "range": self.range,
                                    "precision": self.precision}
        else:
            data["restrictions"] = {"minLength": 1, "maxLength": self.max_length,
                                    "allowedNumberOfValues": 1}
        return data


def _dictionary(param_id: str, names: list[str]) -> list[tuple[str, str]]:
    return [(f"{param_id}_{index + 1}", name) for index, name in enumerate(names)]


def _condition() -> ParameterDef:
    return ParameterDef(CONDITION_PARAM_ID, "Stan", "dictionary", required=True,
                        values=_dictionary(CONDITION_PARAM_ID, ["Nowy", "Używany", "Powystawowy", "Uszkodzony"]))


def _gtin() -> ParameterDef:
    return ParameterDef(GTIN_PARAM_ID, "EAN (GTIN)", "string", describes_product=True, max_length=14)


COLOURS = ["czarny", "biały", "szary", "czerwony", "niebieski", "zielony", "żółty", "różowy", "beżowy",
           "brązowy", "wielokolorowy"]
BRANDS_CLOTHING = ["Bawełniany Las", "Nordwear", "Kruk & Syn", "Miejska Szafa", "Wiślana"]


def _parameters_for_kind(kind: str) -> list[ParameterDef]:
    common = [_condition()]
    if kind == "clothing":
        return common + [
            ParameterDef("7", "Marka", "dictionary", required=True, describes_product=True, custom_values=True,
                         values=_dictionary("7", [*BRANDS_CLOTHING, "inna marka"])),
            ParameterDef("4", "Rozmiar", "dictionary", required=True,
                         values=_dictionary("4", ["XS", "S", "M", "L", "XL", "XXL", "3XL"])),
            ParameterDef("3", "Kolor", "dictionary", required=True, values=_dictionary("3", COLOURS)),
            ParameterDef("17", "Materiał dominujący", "dictionary",
                         values=_dictionary("17", ["bawełna", "poliester", "wiskoza", "len", "wełna"])),
            ParameterDef("18", "Skład materiału", "string", max_length=200),
            ParameterDef("19", "Rękaw", "dictionary",
                         values=_dictionary("19", ["krótki", "długi", "3/4", "bez rękawów"])),
            _gtin(),
        ]
    if kind == "footwear":
        return common + [
            ParameterDef("7", "Marka", "dictionary", required=True, custom_values=True,
                         values=_dictionary("7", [*BRANDS_CLOTHING, "inna marka"])),
            ParameterDef("5", "Rozmiar", "float", required=True, minimum=16.0, maximum=50.0, precision=1),
            ParameterDef("3", "Kolor", "dictionary", required=True, values=_dictionary("3", COLOURS)),
            _gtin(),
        ]
    if kind == "accessory":
        return common + [
            ParameterDef("7", "Marka", "dictionary", custom_values=True,
                         values=_dictionary("7", [*BRANDS_CLOTHING, "inna marka"])),
            ParameterDef("3", "Kolor", "dictionary", required=True, values=_dictionary("3", COLOURS)),
            ParameterDef("20", "Materiał", "dictionary",
                         values=_dictionary("20", ["skóra naturalna", "skóra ekologiczna", "bawełna",
                                                   "metal", "tworzywo sztuczne"])),
            ParameterDef("21", "Obwód", "integer", unit="cm", minimum=30, maximum=160, range=True),
            ParameterDef("22", "Filtr UV", "dictionary",
                         values=_dictionary("22", ["UV400", "UV380", "brak"])),
            _gtin(),
        ]
    if kind == "music":
        return common + [
            ParameterDef("248", "Wykonawca", "string", required=True, describes_product=True),
            ParameterDef("249", "Tytuł", "string", required=True, describes_product=True),
            ParameterDef("250", "Nośnik", "dictionary", required=True, describes_product=True,
                         values=_dictionary("250", ["CD", "Winyl", "Kaseta", "SACD"])),
            ParameterDef("251", "Rok wydania", "integer", minimum=1900, maximum=2030),
            ParameterDef("252", "Liczba nośników", "integer", unit="szt.", minimum=1, maximum=50),
            ParameterDef("253", "Wytwórnia", "string"),
            ParameterDef("254", "Czas trwania", "float", unit="min", minimum=1.0, maximum=600.0, precision=1),
            _gtin(),
        ]
    if kind == "book":
        return common + [
            ParameterDef("245", "Autor", "string", required=True, describes_product=True),
            ParameterDef("246", "Tytuł", "string", required=True, describes_product=True),
            ParameterDef("247", "Okładka", "dictionary", required=True,
                         values=_dictionary("247", ["miękka", "twarda", "zintegrowana"])),
            ParameterDef("255", "Liczba stron", "integer", minimum=1, maximum=10_000),
            ParameterDef("251", "Rok wydania", "integer", minimum=1800, maximum=2030),
            _gtin(),
        ]
    if kind in ("phone", "electronics"):
        params = common + [
            ParameterDef("7", "Marka", "dictionary", required=True, describes_product=True, custom_values=True,
                         values=_dictionary("7", ["Sobieski", "Wawel Tech", "Tatra", "Bałtyk", "Orzeł"])),
            ParameterDef("202", "Model", "string", required=kind == "phone", describes_product=True),
            ParameterDef("203", "Waga produktu", "float", unit="kg", minimum=0.001, maximum=500.0, precision=3),
            ParameterDef("3", "Kolor", "dictionary", values=_dictionary("3", COLOURS)),
            _gtin(),
        ]
        if kind == "phone":
            params += [
                ParameterDef("204", "Wbudowana pamięć", "integer", unit="GB", required=True, minimum=1,
                             maximum=2048),
                ParameterDef("205", "Pamięć RAM", "integer", unit="GB", minimum=1, maximum=64),
                ParameterDef("206", "Przekątna ekranu", "float", unit="\"", minimum=1.0, maximum=15.0,
                             precision=2),
                ParameterDef("207", "Pojemność akumulatora", "integer", unit="mAh", minimum=100,
                             maximum=30_000),
            ]
        return params
    return common + [
        ParameterDef("7", "Marka", "string"),
        ParameterDef("203", "Waga produktu", "float", unit="kg", minimum=0.001, maximum=1000.0, precision=3),
        ParameterDef("208", "Temperatura pracy", "integer", unit="°C", minimum=-50, maximum=300, range=True),
        _gtin(),
    ]


def _ean13(rng: random.Random) -> str:
    body = "590" + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split())


@dataclass
class Product:
    id: str
    name: str
    category_id: str
    ean: str
    parameters: list[dict[str, Any]]
    images: list[str]
    producer_id: str

    def to_json(self, catalog: Catalog) -> dict[str, Any]:
        path = [{"id": c.id, "name": c.name} for c in catalog.path(self.category_id)]
        return {
            "id": self.id,
            "name": self.name,
            "category": {"id": self.category_id, "path": path},
            "images": [{"url": url} for url in self.images],
            "parameters": self.parameters,
            "hasProtectedBrand": False,
            "productSafety": {
                "responsibleProducers": [{"id": self.producer_id, "name": "Producent demo"}],
                "safetyInformation": {"type": "TEXT",
                                      "description": "Przechowywać w suchym miejscu. Chronić przed dziećmi."},
            },
            "publication": {"status": "LISTED"},
        }


# leaf category name (first match in tree order) -> product name patterns
PRODUCT_SEEDS: list[tuple[str, str, list[str]]] = [
    ("Smartfony", "phone", ["Smartfon Tatra T{n} 5G", "Smartfon Bałtyk Wave {n}", "Smartfon Orzeł X{n} Pro"]),
    ("Koszulki", "clothing", ["Koszulka bawełniana Nordwear Basic {n}", "T-shirt Miejska Szafa Logo {n}"]),
    ("Bluzy", "clothing", ["Bluza z kapturem Kruk & Syn Hoodie {n}", "Bluza Nordwear Classic {n}"]),
    ("Czapki z daszkiem", "accessory", ["Czapka z daszkiem Wiślana Snapback {n}"]),
    ("Paski męskie", "accessory", ["Pasek skórzany Kruk & Syn {n} mm"]),
    ("Okulary przeciwsłoneczne męskie", "accessory", ["Okulary przeciwsłoneczne Nordwear Aviator {n}"]),
    ("Rock", "music", ["Zespół Północ – Album {n} (CD)", "Kapela Mazowsze – Koncert {n} (CD)"]),
    ("Pop", "music", ["Ala Wiśniewska – Lato {n} (CD)"]),
    ("Słuchawki", "electronics", ["Słuchawki bezprzewodowe Sobieski Air {n}"]),
    ("Kryminał i sensacja", "book", ["Śledztwo nad Wisłą, tom {n}"]),
]


class Catalog:
    """All categories, their parameters and the catalog products."""

    def __init__(self, seed: int = 1):
        self.categories: dict[str, Category] = {}
        self.roots: list[str] = []
        self._next_id = FIRST_CATEGORY_ID
        self._build(TREE, parent_id=None, kind="generic")
        self._parameters_by_kind = {
            kind: _parameters_for_kind(kind)
            for kind in {c.kind for c in self.categories.values()}
        }
        self.products: dict[str, Product] = {}
        self.products_by_ean: dict[str, list[Product]] = {}
        self._generate_products(random.Random(seed))

    # ---- categories ---------------------------------------------------------------------------
    def _add(self, name: str, parent_id: str | None, kind: str) -> Category:
        category = Category(str(self._next_id), name, parent_id, kind)
        self._next_id += 1
        self.categories[category.id] = category
        if parent_id is None:
            self.roots.append(category.id)
        else:
            self.categories[parent_id].children.append(category.id)
        return category

    def _build(self, node: Any, parent_id: str | None, kind: str) -> None:
        if isinstance(node, list):
            for name in node:
                self._add(name, parent_id, kind)
            return
        kind = node.get("@kind", kind)
        for name, child in node.items():
            if name == "@kind":
                continue
            if isinstance(child, str):
                self._add(name, parent_id, child)
                continue
            category = self._add(name, parent_id, child.get("@kind", kind) if isinstance(child, dict) else kind)
            self._build(child, category.id, category.kind)

    def children(self, parent_id: str | None) -> list[Category]:
        ids = self.roots if parent_id is None else self.categories[parent_id].children
        return [self.categories[i] for i in ids]

    def path(self, category_id: str) -> list[Category]:
        chain = []
        current: str | None = category_id
        while current is not None:
            category = self.categories[current]
            chain.append(category)
            current = category.parent_id
        return list(reversed(chain))

    def parameters(self, category_id: str) -> list[ParameterDef]:
        return self._parameters_by_kind[self.categories[category_id].kind]

    def leaf_named(self, name: str) -> Category:
        for category in self.categories.values():
            if category.leaf and category.name == name:
                return category
        raise KeyError(name)

    def matching(self, phrase: str, limit: int = 5) -> list[Category]:
        words = [w for w in _slug(phrase).split("-") if len(w) > 2]
        scored = []
        for category in self.categories.values():
            if not category.leaf:
                continue
            haystack = _slug(" ".join(c.name for c in self.path(category.id)))
            score = sum(1 for w in words if w[:5] in haystack)
            if score:
                scored.append((-score, int(category.id), category))
        return [item[2] for item in sorted(scored)[:limit]]

    # ---- products -----------------------------------------------------------------------------
    def _product_parameters(self, rng: random.Random, category: Category, name: str, ean: str) -> list[dict]:
        result = []
        for param in self.parameters(category.id):
            if not (param.required or param.id == GTIN_PARAM_ID):
                continue
            if param.id == GTIN_PARAM_ID:
                values = [ean]
            elif param.type == "dictionary":
                value_id, value = param.values[0] if param.id == CONDITION_PARAM_ID else rng.choice(param.values)
                result.append({"id": param.id, "name": param.name, "values": [value], "valuesIds": [value_id],
                               "valuesLabels": [value], "options": {"identifiesProduct": param.describes_product}})
                continue
            elif param.type == "string":
                values = [name.split(" – ")[0] if param.name in ("Wykonawca", "Autor") else name[:60]]
            elif param.type == "integer":
                values = [str(int(param.minimum or 0) + rng.randrange(1, 8) * 8)]
            else:
                values = [f"{(param.minimum or 0) + rng.random() * 5:.{param.precision}f}"]
            result.append({"id": param.id, "name": param.name, "values": values,
                           "options": {"identifiesProduct": param.describes_product,
                                       "isGTIN": param.id == GTIN_PARAM_ID}})
        return result

    def _new_product(self, rng: random.Random, category: Category, name: str, ean: str) -> Product:
        product_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        images = [f"https://a.allegroimg.com/original/{rng.getrandbits(64):016x}/{_slug(name)}-{i}"
                  for i in range(1, 4)]
        producer_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        product = Product(product_id, name, category.id, ean,
                          self._product_parameters(rng, category, name, ean), images, producer_id)
        self.products[product.id] = product
        self.products_by_ean.setdefault(ean, []).append(product)
        return product

    def _generate_products(self, rng: random.Random) -> None:
        self.ambiguous_eans: list[str] = []
        for leaf_name, _kind, patterns in PRODUCT_SEEDS:
            category = self.leaf_named(leaf_name)
            for pattern in patterns:
                for n in range(1, 5):
                    self._new_product(rng, category, pattern.format(n=n), _ean13(rng))
        # a few EANs that match two products (re-editions): MultipleProductsFoundException
        for product in list(self.products.values())[3:30:9]:
            twin_name = product.name + " – edycja specjalna"
            self._new_product(rng, self.categories[product.category_id], twin_name, product.ean)
            self.ambiguous_eans.append(product.ean)

    def unambiguous_eans(self) -> list[str]:
        return [ean for ean, products in self.products_by_ean.items() if len(products) == 1]

    def search(self, phrase: str, mode: str | None, category_id: str | None) -> list[Product]:
        if mode == "GTIN":
            found = list(self.products_by_ean.get(phrase.strip(), []))
        else:
            words = _slug(phrase).split("-")
            found = [p for p in self.products.values() if all(w in _slug(p.name) for w in words if w)]
        if category_id:
            found = [p for p in found if category_id in {c.id for c in self.path(p.category_id)}]
        return found
