"""Made-up but plausible order data: buyers, companies asking for an invoice (with NIPs whose check
digit is right), InPost parcel lockers, delivery methods, and the VAT block of a line item.

Every random choice goes through the ``random.Random`` passed in (the world's seeded one).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .offer_model import Offer

FIRST_NAMES = ["Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Michał", "Ewa",
               "Krzysztof"]
LAST_NAMES = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska",
              "Szymański", "Dąbrowska", "Kozłowski"]
CITIES = [("Warszawa", "00-001"), ("Kraków", "30-001"), ("Gdańsk", "80-001"), ("Poznań", "60-001"),
          ("Wrocław", "50-001"), ("Łódź", "90-001")]
# the three letters InPost locker ids start with, per city
LOCKER_PREFIXES = {"Warszawa": "WAW", "Kraków": "KRA", "Gdańsk": "GDA", "Poznań": "POZ", "Wrocław": "WRO",
                   "Łódź": "LOD"}
LOCKER_SPOTS = ["Przy sklepie Żabka", "Stacja paliw Orlen", "Parking przy markecie Lidl",
                "Obok wejścia do Biedronki", "Przy przystanku tramwajowym", "Osiedle, obok placu zabaw"]
STREETS = ["Kwiatowa", "Lipowa", "Polna", "Leśna", "Słoneczna", "Ogrodowa", "Szkolna", "Przemysłowa",
           "Długa", "Krótka"]
COMPANY_KINDS = ["Firma Handlowa", "Przedsiębiorstwo Usługowe", "Hurtownia", "Zakład Produkcyjny",
                 "Biuro Rachunkowe"]
COMPANY_FORMS = ["sp. z o.o.", "s.c.", "S.A.", "sp.j."]

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
DEFAULT_TAX = {"rate": "23.00", "subject": "GOODS"}


@dataclass(frozen=True)
class DeliveryMethod:
    id: str
    name: str
    cost: Decimal


def _method(name: str, cost: str, method_id: str | None = None) -> DeliveryMethod:
    return DeliveryMethod(method_id or str(uuid.uuid5(uuid.NAMESPACE_URL, "emulator:delivery:" + name)), name,
                          Decimal(cost))


# (pickup point?, cash on delivery?) -> method
DELIVERY_METHODS = {
    (False, False): _method("Allegro Kurier DPD", "12.99", "b20ef9e1-faa2-4f25-9032-adbea23e5cb9"),
    (False, True): _method("Allegro Kurier DPD pobranie", "16.99"),
    (True, False): _method("Allegro Paczkomaty InPost", "9.99"),
    (True, True): _method("Allegro Paczkomaty InPost pobranie", "13.99"),
}


def nip_check_digit(first_nine: str) -> int:
    """The tenth digit of a Polish NIP (10 means: no valid NIP starts with these nine digits)."""
    return sum(w * int(d) for w, d in zip(NIP_WEIGHTS, first_nine, strict=True)) % 11


def nip_is_valid(nip: str) -> bool:
    digits = nip.replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = nip_check_digit(digits[:9])
    return check != 10 and check == int(digits[9])


def random_nip(rng: random.Random) -> str:
    while True:
        first_nine = str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(8))
        check = nip_check_digit(first_nine)
        if check != 10:
            return first_nine + str(check)


def random_buyer(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    number = rng.randrange(10_000, 99_999_999)
    city, post_code = rng.choice(CITIES)
    return {"id": str(number), "email": f"{first.lower()}.{number}@allegromail.pl",
            "login": f"{first.lower()}_{number}", "firstName": first, "lastName": last, "guest": False,
            "phoneNumber": f"+48 600 {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
            "preferences": {"language": "pl-PL"},
            "address": {"street": f"ul. Kwiatowa {rng.randrange(1, 120)}", "city": city,
                        "postCode": post_code, "countryCode": "PL"}}


def company_invoice(rng: random.Random) -> dict[str, Any]:
    """``invoice`` of a checkout form whose buyer wants a VAT invoice for a company."""
    name = f"{rng.choice(COMPANY_KINDS)} {rng.choice(LAST_NAMES)} {rng.choice(COMPANY_FORMS)}"
    nip = random_nip(rng)
    city, zip_code = rng.choice(CITIES)
    return {"required": True,
            "address": {"street": f"ul. {rng.choice(STREETS)} {rng.randrange(1, 200)}", "city": city,
                        "zipCode": zip_code, "countryCode": "PL",
                        "company": {"name": name, "ids": [{"type": "PL_NIP", "value": nip}],
                                    "vatPayerStatus": "ACTIVE", "taxId": nip}}}


def parcel_locker(rng: random.Random, city: str, zip_code: str) -> dict[str, Any]:
    """``delivery.pickupPoint``: an InPost parcel locker in the buyer's city."""
    locker_id = f"{LOCKER_PREFIXES.get(city, 'WAW')}{rng.randrange(1, 400):02d}{rng.choice('AMNP')}"
    return {"id": locker_id, "name": f"Paczkomat {locker_id}", "description": rng.choice(LOCKER_SPOTS),
            "address": {"street": f"{rng.choice(STREETS)} {rng.randrange(1, 150)}", "zipCode": zip_code,
                        "city": city, "countryCode": "PL"}}


def line_tax(offer: Offer) -> dict[str, str]:
    """``lineItems[].tax`` from the offer's ``taxSettings`` (its PL rate), else 23 % on goods."""
    settings = offer.extras.get("taxSettings")
    if not isinstance(settings, dict):
        return dict(DEFAULT_TAX)
    rates = [r for r in settings.get("rates") or [] if isinstance(r, dict) and r.get("rate") is not None]
    chosen = next((r for r in rates if r.get("countryCode", "PL") == "PL"), None)
    tax = dict(DEFAULT_TAX)
    if chosen is not None:
        try:
            tax["rate"] = str(Decimal(str(chosen["rate"])).quantize(Decimal("0.01")))
        except InvalidOperation:
            tax["rate"] = str(chosen["rate"])
    if isinstance(settings.get("subject"), str):
        tax["subject"] = settings["subject"]
    if isinstance(settings.get("exemption"), str):
        tax["exemption"] = settings["exemption"]
    return tax
