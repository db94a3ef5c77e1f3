"""Plausible Polish buyers (names, addresses, phones, e-mails, company NIPs) from a seeded RNG."""

from __future__ import annotations

import random
from typing import Any

from .products import slugify

MEN = ("Jan", "Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz", "Grzegorz", "Mateusz",
       "Adam", "Wojciech", "Jakub", "Marek", "Kamil", "Rafał", "Dariusz", "Bartłomiej")
WOMEN = ("Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena", "Joanna",
         "Aleksandra", "Zofia", "Monika", "Natalia", "Dorota", "Beata", "Justyna", "Żaneta", "Weronika")
# (masculine, feminine)
SURNAMES = (("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"), ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"),
            ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"),
            ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"),
            ("Jankowski", "Jankowska"), ("Mazur", "Mazur"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
            ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"), ("Król", "Król"))
# (city, postcode prefix, voivodeship)
CITIES = (("Warszawa", "0", "Mazowieckie"), ("Kraków", "3", "Małopolskie"), ("Łódź", "9", "Łódzkie"),
          ("Wrocław", "5", "Dolnośląskie"), ("Poznań", "6", "Wielkopolskie"), ("Gdańsk", "8", "Pomorskie"),
          ("Szczecin", "7", "Zachodniopomorskie"), ("Bydgoszcz", "8", "Kujawsko-pomorskie"),
          ("Lublin", "2", "Lubelskie"), ("Białystok", "1", "Podlaskie"), ("Katowice", "4", "Śląskie"),
          ("Rzeszów", "3", "Podkarpackie"), ("Kielce", "2", "Świętokrzyskie"), ("Olsztyn", "1", "Warmińsko-mazurskie"),
          ("Opole", "4", "Opolskie"), ("Zielona Góra", "6", "Lubuskie"))
STREETS = ("Marszałkowska", "Długa", "Polna", "Leśna", "Słoneczna", "Krótka", "Szkolna", "Ogrodowa", "Lipowa",
           "Kościuszki", "Mickiewicza", "Sienkiewicza", "Piłsudskiego", "Wojska Polskiego", "3 Maja",
           "Jana Pawła II", "Żeromskiego", "Kwiatowa", "Brzozowa", "Łąkowa")
MAIL_DOMAINS = ("gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "poczta.fm", "op.pl")
COMPANY_FORMS = ("Sp. z o.o.", "S.A.", "s.c.", "Sp. j.", "")
COMPANY_WORDS = ("Handel", "Serwis", "Trans", "Bud", "Med", "Tech", "Eko", "Pol", "Mar", "Hurt", "Instal", "Druk")

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def nip_check_digit(first9: str) -> int:
    return sum(int(d) * w for d, w in zip(first9, NIP_WEIGHTS, strict=True)) % 11


def valid_nip(nip: str) -> bool:
    digits = "".join(c for c in nip if c.isdigit())
    if len(digits) != 10:
        return False
    check = nip_check_digit(digits[:9])
    return check != 10 and check == int(digits[9])


def random_nip(rng: random.Random) -> str:
    while True:
        first9 = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        check = nip_check_digit(first9)
        if check != 10:
            return first9 + str(check)


def random_buyer(rng: random.Random, company: bool = False) -> dict[str, Any]:
    """``billing`` and ``shipping`` blocks (and the NIP for a company) of one buyer."""
    woman = rng.random() < 0.5
    first = rng.choice(WOMEN if woman else MEN)
    last = rng.choice(SURNAMES)[1 if woman else 0]
    city, prefix, state = rng.choice(CITIES)
    postcode = f"{prefix}{rng.randint(0, 9)}-{rng.randint(0, 999):03d}"
    street = f"ul. {rng.choice(STREETS)} {rng.randint(1, 150)}"
    address_2 = f"m. {rng.randint(1, 80)}" if rng.random() < 0.5 else ""
    phone = f"+48 {rng.choice('5678')}{rng.randint(0, 99):02d} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    email = f"{slugify(first)}.{slugify(last)}{rng.randint(1, 999)}@{rng.choice(MAIL_DOMAINS)}".replace("-", ".")
    company_name, nip = "", ""
    if company:
        form = rng.choice(COMPANY_FORMS)
        company_name = f"{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS).lower()} {last} {form}".strip()
        nip = random_nip(rng)
    billing = {"first_name": first, "last_name": last, "company": company_name, "address_1": street,
               "address_2": address_2, "city": city, "state": "", "postcode": postcode, "country": "PL",
               "email": email, "phone": phone}
    shipping = {k: v for k, v in billing.items() if k != "email"}
    return {"billing": billing, "shipping": shipping, "nip": nip, "state_name": state}
