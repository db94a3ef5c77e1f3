"""The hand-written part of the category tree: Polish names, nesting, and the parameter "kind" of leaves.

Inner nodes are dicts (the special key ``"@kind"`` sets the parameter kind of the leaves below) or
lists of leaf names. A dict entry whose value is an empty dict is a leaf with the inherited kind; one
whose value is a string is a leaf of that kind.
"""

from __future__ import annotations

GENRES = ["Rock", "Pop", "Hip-hop i rap", "Jazz", "Metal", "Muzyka elektroniczna", "Muzyka klasyczna",
          "Disco polo", "Reggae", "Blues", "Soundtracki", "Poezja śpiewana", "Punk", "Folk"]

TREE: dict = {
    "Elektronika": {
        "@kind": "electronics",
        "Telefony i Akcesoria": {
            "@kind": "electronics",
            "Smartfony i telefony komórkowe": {"@kind": "phone", "Smartfony": {}, "Telefony dla seniora": {},
                                               "Telefony z klapką": {}},
            "Akcesoria GSM": ["Etui i pokrowce", "Szkła ochronne", "Ładowarki", "Kable i przejściówki",
                              "Powerbanki", "Uchwyty samochodowe", "Rysiki"],
            "Smartwatche i opaski": ["Smartwatche", "Opaski sportowe", "Paski do smartwatchy"],
        },
        "Komputery": ["Laptopy", "Komputery stacjonarne", "Monitory", "Tablety", "Klawiatury", "Myszki",
                      "Dyski SSD", "Pamięci RAM", "Karty graficzne", "Drukarki", "Routery", "Pendrive'y"],
        "RTV i AGD": {
            "Audio": ["Słuchawki", "Głośniki przenośne", "Soundbary", "Gramofony", "Wzmacniacze", "Radia"],
            "Telewizory i akcesoria": ["Telewizory", "Uchwyty do telewizorów", "Piloty"],
            "AGD drobne": ["Odkurzacze", "Ekspresy do kawy", "Czajniki elektryczne", "Żelazka", "Blendery",
                           "Tostery", "Suszarki do włosów"],
        },
        "Fotografia": ["Aparaty cyfrowe", "Obiektywy", "Statywy", "Karty pamięci", "Lampy błyskowe"],
        "Konsole i automaty": ["Konsole PlayStation", "Konsole Xbox", "Konsole Nintendo", "Pady",
                               "Gry na konsole"],
    },
    "Moda": {
        "@kind": "clothing",
        "Odzież, Obuwie, Dodatki": {
            "Odzież męska": ["Koszulki", "Bluzy", "Koszule", "Spodnie", "Kurtki", "Swetry", "Bielizna",
                             "Piżamy", "Garnitury", "Szorty"],
            "Odzież damska": ["Koszulki", "Bluzy", "Sukienki", "Spódnice", "Spodnie", "Kurtki", "Swetry",
                              "Bluzki", "Legginsy", "Płaszcze"],
            "Odzież dziecięca": ["Koszulki", "Bluzy", "Spodnie", "Kurtki", "Body niemowlęce", "Piżamy"],
            "Obuwie": {"@kind": "footwear", "Sneakersy": {}, "Trampki": {}, "Buty sportowe": {}, "Kozaki": {},
                       "Sandały": {}, "Klapki": {}, "Półbuty": {}},
            "Dodatki": {
                "@kind": "accessory",
                "Czapki i kapelusze": ["Czapki z daszkiem", "Czapki zimowe", "Kapelusze", "Kominiarki"],
                "Paski": ["Paski męskie", "Paski damskie"],
                "Okulary przeciwsłoneczne": ["Okulary przeciwsłoneczne męskie",
                                             "Okulary przeciwsłoneczne damskie"],
                "Portfele": {}, "Torby i torebki": {}, "Plecaki": {}, "Szaliki i chusty": {},
                "Rękawiczki": {}, "Krawaty": {}, "Skarpetki": {},
            },
        },
        "Biżuteria i zegarki": {"@kind": "accessory", "Naszyjniki": {}, "Bransoletki": {}, "Kolczyki": {},
                                "Pierścionki": {}, "Zegarki męskie": {}, "Zegarki damskie": {}},
    },
    "Kultura i rozrywka": {
        "@kind": "generic",
        "Muzyka": {
            "@kind": "music",
            "Płyty CD": GENRES,
            "Płyty winylowe": GENRES,
            "Kasety magnetofonowe": {}, "Gadżety muzyczne": "generic",
        },
        "Książki i Komiksy": {"@kind": "book", "Literatura piękna": {}, "Kryminał i sensacja": {},
                              "Fantastyka": {}, "Poradniki": {}, "Biografie": {}, "Książki dla dzieci": {},
                              "Komiksy": {}, "Podręczniki szkolne": {}},
        "Filmy": ["Filmy DVD", "Filmy Blu-ray", "Seriale"],
        "Instrumenty": {"Gitary": ["Gitary elektryczne", "Gitary akustyczne", "Gitary basowe"],
                        "Keyboardy": {}, "Perkusje": {}, "Akcesoria muzyczne": {}},
    },
    "Dom i Ogród": {
        "@kind": "generic",
        "Meble": ["Sofy", "Krzesła", "Stoły", "Szafy", "Łóżka", "Regały", "Komody"],
        "Ogród": ["Narzędzia ogrodowe", "Kosiarki", "Grille", "Meble ogrodowe", "Nasiona", "Donice"],
        "Wyposażenie": ["Pościel", "Ręczniki", "Dywany", "Zasłony", "Oświetlenie", "Dekoracje", "Świece"],
        "Narzędzia": ["Wiertarki", "Szlifierki", "Wkrętarki", "Klucze", "Młotki", "Zestawy narzędzi"],
    },
    "Sport i turystyka": {
        "@kind": "generic",
        "Rowery i akcesoria": ["Rowery górskie", "Rowery miejskie", "Rowery szosowe", "Kaski rowerowe",
                               "Części rowerowe"],
        "Siłownia i fitness": ["Hantle", "Maty do ćwiczeń", "Bieżnie", "Ławki treningowe"],
        "Turystyka": ["Namioty", "Śpiwory", "Plecaki turystyczne", "Latarki czołowe"],
        "Odzież sportowa": {"@kind": "clothing", "Koszulki sportowe": {}, "Spodenki sportowe": {},
                            "Dresy": {}, "Bluzy sportowe": {}},
    },
    "Dziecko": {
        "@kind": "generic",
        "Zabawki": ["Klocki", "Lalki", "Puzzle", "Gry planszowe", "Pluszaki", "Samochodziki"],
        "Wózki i foteliki": ["Wózki dziecięce", "Foteliki samochodowe"],
    },
    "Zdrowie i Uroda": {
        "@kind": "generic",
        "Perfumy": ["Perfumy damskie", "Perfumy męskie"],
        "Makijaż": ["Podkłady", "Tusze do rzęs", "Pomadki"],
        "Pielęgnacja": ["Kremy do twarzy", "Balsamy do ciała", "Szampony"],
    },
    "Motoryzacja": {
        "@kind": "generic",
        "Części samochodowe": ["Oleje silnikowe", "Filtry", "Akumulatory", "Klocki hamulcowe", "Żarówki"],
        "Opony i felgi": ["Opony letnie", "Opony zimowe", "Felgi aluminiowe"],
        "Akcesoria samochodowe": ["Dywaniki samochodowe", "Odświeżacze", "Wideorejestratory"],
    },
    "Supermarket": {
        "@kind": "generic",
        "Produkty spożywcze": ["Kawa", "Herbata", "Słodycze", "Przyprawy"],
        "Zwierzęta": ["Karma dla psów", "Karma dla kotów", "Akwarystyka"],
    },
}
