"""What a seller does on the first day, done by the demo through the product's own functions: import the catalog,
connect Allegro (device flow, approved in the emulator as its demo seller would), map categories, connect the shop,
set the allocation, publish the offers, switch the writers on.

The emulators are reached only over HTTP: their public APIs as the product uses them, and their `/__admin__`
APIs for what a person would do in Allegro's or the shop's own pages (approving the device code).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
from django.db import transaction

DEMO_SELLER = "demo-seller"  # the Allegro emulator's built-in seller account
ALLEGRO_CLIENT = ("magazynier-demo", "magazynier-demo-secret")  # the emulator's registered demo application
SHOP_KEYS = ("ck_demo_magazynier_0000000000000000000000", "cs_demo_magazynier_0000000000000000000000")
SHARES = {"allegro": (Decimal(60), 1), "shop": (Decimal(30), 2)}  # share %, priority; 10 % stays in reserve
BUFFER = 2
DEMO_USER = ("demo", "magazynier-demo")
SHOP_NAME = "Sklep WWW"

# Where the sample's shop categories go on Allegro (the emulator's tree mirrors Allegro's), as a seller maps
# them once in Sales channels → Categories.
CATEGORY_MAP = {
    "Clothing > Tshirts": "Odzież męska > Koszulki",
    "Clothing > Hoodies": "Odzież męska > Bluzy",
    "Clothing > Accessories": "Czapki i kapelusze > Czapki z daszkiem",
    "Music": "Płyty CD > Rock",
}
# What the seller types in where the readiness audit shows a required Allegro parameter with no value
# (the sample has no sizes, some products no colour, the music no performer).
PARAMETER_VALUES = {"Rozmiar": "M", "Kolor": "czarny", "Stan": "Nowy", "Wykonawca": "Woo Ninja", "Nośnik": "CD"}
PRODUCER = {"name": "Woo Demo Sp. z o.o.", "street": "ul. Przykładowa 1", "postal_code": "00-001",
            "city": "Warszawa", "email": "gpsr@example.com"}
SAFETY = "Prać w 30°C. Przechowywać z dala od ognia i dzieci poniżej 3 lat."

Say = Callable[[str], None]


@dataclass
class Accounts:
    allegro: object  # ChannelAccount
    shop: object


def create_demo_user() -> None:
    from magazynier.accounts.actions import create_user

    create_user(DEMO_USER[0], DEMO_USER[1], "owner")


def import_file(path: Path) -> dict:
    """Import a file as the seller does in the panel's Import page (an ImportJob, so it shows in the import
    history with its summary and any row problems); returns the summary. The job removes the file it imports
    (an upload), so it gets a copy and `path` stays for the user to look at."""
    import shutil

    from django.contrib.auth import get_user_model

    from magazynier.catalog.import_runs import execute_job
    from magazynier.catalog.models import ImportJob

    user = get_user_model().objects.filter(username=DEMO_USER[0]).first()
    upload = path.with_name(f".import-{path.name}")
    shutil.copyfile(path, upload)
    job = ImportJob.objects.create(source_name=path.name, stored_path=str(upload), user=user)
    execute_job(job.pk)
    job.refresh_from_db()
    if job.status != ImportJob.DONE:
        raise RuntimeError(f"the import of {path.name} failed: {job.error}")
    return job.summary


def import_catalog(path: Path, say: Say) -> None:
    from magazynier.catalog.models import Product, ResponsibleProducer

    summary = import_file(path)
    with transaction.atomic():  # GPSR data the sample lacks: the seller fills it in once
        producer, _ = ResponsibleProducer.objects.get_or_create(name=PRODUCER["name"], defaults=PRODUCER)
        Product.objects.filter(responsible_producer__isnull=True).update(responsible_producer=producer,
                                                                         safety_information=SAFETY)
    say(f"Katalog: {summary['products_created']} produktów, {summary['variants_created']} wariantów "
        f"z {path.name} (EAN-y i stany uzupełnione)")


def connect_allegro(emulator_url: str, say: Say):
    from magazynier.channels.allegro.auth import AllegroOAuth
    from magazynier.channels.allegro.hosts import hosts_for
    from magazynier.channels.connections import complete_connection
    from magazynier.channels.models import ChannelAccount
    from magazynier.core.http import make_client

    hosts = hosts_for("emulator", emulator_url)
    oauth = AllegroOAuth(hosts, *ALLEGRO_CLIENT, make_client(channel="allegro-oauth"))
    code = oauth.start_device_flow()
    # what the seller does in Allegro's page at code.verification_uri_complete
    httpx.post(f"{hosts.web}/__admin__/device/approve", json={"user_code": code.user_code, "seller": DEMO_SELLER},
               timeout=10).raise_for_status()
    tokens = oauth.poll_device(code.device_code)
    account = ChannelAccount(kind=ChannelAccount.ALLEGRO, environment=ChannelAccount.EMULATOR, name=DEMO_SELLER,
                             api_url=hosts.api, auth_url=hosts.web, client_id=ALLEGRO_CLIENT[0],
                             client_secret=ALLEGRO_CLIENT[1])
    account = complete_connection(account, tokens)
    say(f"Allegro: połączono konto {account.login} (device flow, kod {code.user_code})")
    return account


def map_categories(account, say: Say) -> None:
    from magazynier.catalog.models import Category
    from magazynier.channels import categories
    from magazynier.channels.connections import allegro_connector
    from magazynier.channels.models import CategoryMapping, SiteCategory

    connector = allegro_connector(account, max_wait=30)
    categories.sync_category_tree(account, connector)
    for shop_path, allegro_path in CATEGORY_MAP.items():
        category = Category.objects.filter(path=shop_path).first()
        target = SiteCategory.objects.filter(site=account.site, leaf=True, path__endswith=allegro_path).first()
        if category is None or target is None:
            continue
        mapping = categories.map_category(account, category, target)
        fixed = {}
        for parameter in categories.category_parameters(account, connector, mapping.channel_category_id):
            if parameter.get("name") == "Marka":  # "Woo" is no brand Allegro knows: "inna marka" (other brand)
                fixed[str(parameter["id"])] = "inna marka"
        if fixed:
            CategoryMapping.objects.filter(pk=mapping.pk).update(fixed_values=fixed)
    complete_parameters(account, connector)
    say(f"Allegro: przypisano {len(CATEGORY_MAP)} kategorie sklepu do kategorii Allegro i uzupełniono "
        "wymagane parametry")


def complete_parameters(account, connector) -> None:
    """Give each product the values its Allegro category requires and it lacks, as product attributes."""
    from magazynier.catalog.models import Product
    from magazynier.channels import categories
    from magazynier.channels.variant_parameters import variant_parameters

    mappings = categories.accepted_mappings(account.site)
    definitions_of = functools.cache(lambda category_id: categories.category_parameters(account, connector,
                                                                                        category_id))

    for product in Product.objects.filter(category_id__in=list(mappings)).prefetch_related("variants"):
        added: dict[str, str] = {}
        for variant in product.variants.all():
            placed = variant_parameters(product, variant, mappings[product.category_id], None, definitions_of)
            for parameter_id, name in placed.unfilled.items():
                added[name] = _value_for(name, product, placed.definitions, parameter_id)
        if added:
            product.attributes = {**product.attributes, **added}
            product.save(update_fields=["attributes"])


def _value_for(name: str, product, definitions: list[dict], parameter_id: str) -> str:
    if name == "Tytuł":
        return product.name
    if name in PARAMETER_VALUES:
        return PARAMETER_VALUES[name]
    definition = next((d for d in definitions if str(d.get("id")) == str(parameter_id)), {})
    dictionary = definition.get("dictionary") or []
    return str(dictionary[0]["value"]) if dictionary else product.name


def connect_shop(shop_url: str, say: Say):
    from magazynier.channels.connections import woo_connector
    from magazynier.channels.linking import link_offers
    from magazynier.channels.shop_connection import connect_shop as connect

    done = connect(name=SHOP_NAME, url=shop_url, key=SHOP_KEYS[0], secret=SHOP_KEYS[1])
    report = link_offers(done.account, woo_connector(done.account, max_wait=30))
    say(f"Sklep WooCommerce: połączono, webhooki {'działają' if done.webhooks.healthy else 'NIE działają'}, "
        f"powiązano {report.linked} produktów po SKU")
    return done.account


def allocate(accounts: Accounts, say: Say) -> None:
    from magazynier.sync.actions import save_settings
    from magazynier.sync.models import AccountSyncSettings

    for account, (share, priority) in ((accounts.allegro, SHARES["allegro"]), (accounts.shop, SHARES["shop"])):
        save_settings(AccountSyncSettings(account=account, share_percent=share, priority=priority, buffer=BUFFER))
    say(f"Podział stanu: Allegro 60 %, sklep 30 %, 10 % w rezerwie; bufor {BUFFER} szt.")


def publish(account, say: Say) -> None:
    from magazynier.channels.connections import allegro_connector
    from magazynier.channels.offer_plan import BLOCKED
    from magazynier.channels.offers import apply_plan, make_plan
    from magazynier.channels.scope import Scope

    connector = allegro_connector(account, max_wait=30)
    plan = make_plan(account, connector, Scope())
    blocked = [i for i in plan.items if i.action == BLOCKED]
    report = apply_plan(account, connector, plan, poll_interval=0.2)
    say(f"Allegro: wystawiono {report.created} ofert, aktywnych {report.activated}"
        + (f"; {len(blocked)} zablokowanych, np. {blocked[0].sku}: {blocked[0].reasons[0]}" if blocked else "")
        + (f"; błędy: {report.failed[:2]}" if report.failed else ""))


def writers_on(accounts: Accounts, say: Say) -> None:
    from magazynier.channels.actions import set_writers

    for account in (accounts.allegro, accounts.shop):
        set_writers(account, True)
    say("Zapisy do kanałów włączone: stany i ceny idą do Allegro i sklepu")
