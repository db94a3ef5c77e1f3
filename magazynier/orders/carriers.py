"""Carriers a seller may name with a tracking number (Allegro's carrier ids; "OTHER" needs the carrier's name).

A fixed list for now: the carriers Polish sellers use most. Channels that know other ids are mapped in their
connectors; Magazynier stores the id and, for OTHER, the name the seller typed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

OTHER = "OTHER"

CARRIERS: list[tuple[str, str]] = [
    ("INPOST", "InPost"),
    ("DPD", "DPD"),
    ("DHL", "DHL"),
    ("UPS", "UPS"),
    ("GLS", "GLS"),
    ("POCZTA_POLSKA", "Poczta Polska"),
    ("ORLEN_PACZKA", "Orlen Paczka"),
    ("FEDEX", "FedEx"),
    ("ALLEGRO", "Allegro Delivery"),
    (OTHER, _("Other carrier")),
]
CARRIER_IDS = frozenset(carrier_id for carrier_id, _label in CARRIERS)
_LABELS = dict(CARRIERS)


def carrier_label(carrier_id: str, carrier_name: str = "") -> str:
    """What the panel shows: the typed name for OTHER (or any unknown id that has one), else the list's label."""
    if carrier_name and (carrier_id == OTHER or carrier_id not in _LABELS):
        return carrier_name
    return str(_LABELS.get(carrier_id, carrier_name or carrier_id))
