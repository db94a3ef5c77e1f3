"""From the catalog to live Allegro offers, against the emulator: category suggestions, the dry run, a staged
rollout, a second run that changes nothing, catalog-product conflicts, and no duplicate after a lost answer."""

from __future__ import annotations

import pytest
from django.utils import translation

from magazynier.catalog.import_runs import ImportRequest, open_request, run_import
from magazynier.catalog.importers import default_warehouse
from magazynier.catalog.models import Product, ResponsibleProducer, Variant
from magazynier.channels import categories
from magazynier.channels.connections import allegro_connector
from magazynier.channels.linking import link_offers
from magazynier.channels.models import CategoryMapping, Listing, ProductMatch
from magazynier.channels.offer_plan import BLOCKED, CONFLICT, CREATE, UNCHANGED, UPDATE
from magazynier.channels.offers import apply_plan, make_plan
from magazynier.channels.scope import Scope
from magazynier.inventory.actions import set_stock
from magazynier.inventory.models import MovementReason


@pytest.fixture(autouse=True)
def _english():
    """Reasons are gettext'd and the catalogue has Polish now: these tests read the English text."""
    with translation.override("en"):
        yield


# Which emulator catalog category holds products like the sample's, so the sample gets real catalog EANs.
SAMPLE_TO_CATALOG = {"Clothing > Tshirts": "Koszulki", "Clothing > Hoodies": "Bluzy",
                     "Clothing > Accessories": "Czapki z daszkiem", "Music": "Rock"}


def prepare_sample_catalog(sample_csv, emulator):
    """The WooCommerce sample, made sellable: stock, GPSR data, and EANs of Allegro catalog products."""
    request = ImportRequest(path=sample_csv, source_name=sample_csv.name)
    run_import(request, open_request(request))
    producer = ResponsibleProducer.objects.create(name="WooCommerce Sp. z o.o.", street="ul. Prosta 1",
                                                  postal_code="00-001", city="Warszawa", email="gpsr@example.com")
    Product.objects.update(responsible_producer=producer, brand="Woo",
                           safety_information="Prać w 30°C. Przechowywać z dala od ognia.")
    for product in Product.objects.all():  # the seller fixed what the audit showed: one size per product
        product.attributes = {**product.attributes, "Size": "M", "Color": product.attributes.get("Color", "Blue")}
        product.save(update_fields=["attributes"])
    warehouse = default_warehouse()
    catalog = emulator.world.catalog
    unambiguous = set(catalog.unambiguous_eans())
    pools = {path: [p.eans[0] if hasattr(p, "eans") else p.ean for p in catalog.products.values()
                    if p.category_id == catalog.leaf_named(leaf).id]
             for path, leaf in SAMPLE_TO_CATALOG.items()}
    pools = {path: [e for e in eans if e in unambiguous] for path, eans in pools.items()}
    for variant in Variant.objects.select_related("product__category").order_by("sku"):
        set_stock(variant.pk, warehouse.pk, 10, reason=MovementReason.STOCKTAKE)
        pool = pools.get(variant.product.category.path if variant.product.category else "")
        if pool:
            variant.ean = pool.pop(0)
            variant.save(update_fields=["ean"])


def offers_in_emulator(emulator):
    return list(emulator.world.offers.offers.values())


@pytest.fixture
def ready_account(db, sample_csv, emulator, allegro_account):
    prepare_sample_catalog(sample_csv, emulator)
    connector = allegro_connector(allegro_account)
    categories.suggest_mappings(allegro_account, connector)
    for mapping in CategoryMapping.objects.filter(site=allegro_account.site):
        categories.accept_mapping(mapping)
        # "Woo" is not a brand Allegro knows: the seller picks "inna marka" (other brand) for the category.
        brand = next((p for p in categories.category_parameters(allegro_account, connector,
                                                                  mapping.channel_category_id) if p["name"] == "Marka"), None)
        if brand:
            mapping.fixed_values = {brand["id"]: "inna marka"}
            mapping.save()
    return allegro_account


def test_category_suggestions_come_from_the_catalog_products_found_by_ean(db, sample_csv, emulator,
                                                                         allegro_account):
    prepare_sample_catalog(sample_csv, emulator)
    made = categories.suggest_mappings(allegro_account, allegro_connector(allegro_account))
    by_path = {m.category.path: m for m in made}
    assert by_path["Clothing > Tshirts"].channel_category_path.endswith("Koszulki")
    assert by_path["Clothing > Tshirts"].source == CategoryMapping.FROM_EAN
    assert by_path["Clothing > Hoodies"].channel_category_path.endswith("Bluzy")
    assert all(m.status == CategoryMapping.SUGGESTED for m in made), "nothing is used before the seller accepts"
    assert all(m.status == CategoryMapping.SUGGESTED for m in made)
    Variant.objects.filter(product__category__path="Music").update(ean="")
    CategoryMapping.objects.filter(category__path="Music").delete()
    made = categories.suggest_mappings(allegro_account, allegro_connector(allegro_account))
    assert "Music" not in {m.category.path for m in made}  # no EAN, no Polish words: the seller maps it by hand
    assert "Music" in {c.path for c in categories.categories_needing_mapping(allegro_account)}


def test_dry_run_shows_what_would_happen_and_sends_nothing(ready_account, emulator):
    plan = make_plan(ready_account, allegro_connector(ready_account), Scope(categories=("Clothing > Tshirts",)))
    skus = {i.sku for i in plan.items}
    assert {"woo-tshirt", "woo-polo", "woo-vneck-tee-red"} <= skus and "woo-hoodie-red" not in skus
    creates = [i for i in plan.items if i.action == CREATE]
    assert creates and all(i.activate for i in creates)
    item = next(i for i in creates if i.sku == "woo-tshirt")
    assert {"name", "category", "productSet", "images", "description", "external"} <= set(item.changed_fields)
    assert item.draft.payload["external"] == {"id": "woo-tshirt"}
    assert len(item.draft.payload["name"]) <= 75
    assert emulator.world.counters()["offersCreated"] == 0 and offers_in_emulator(emulator) == []


def test_staged_rollout_publishes_the_scope_and_a_second_run_creates_nothing(ready_account, emulator):
    connector = allegro_connector(ready_account)
    scope = Scope(categories=("Clothing > Tshirts",))
    report = apply_plan(ready_account, connector, make_plan(ready_account, connector, scope), poll_interval=0.2)
    assert report.failed == [] and report.stopped == ""
    live = {o.external_id: o for o in offers_in_emulator(emulator)}
    tshirt_skus = set(Variant.objects.filter(product__category__path="Clothing > Tshirts").values_list("sku", flat=True))
    assert set(live) == tshirt_skus and report.created == len(tshirt_skus)
    assert all(o.status == "ACTIVE" for o in live.values()), {k: o.status for k, o in live.items()}
    assert report.activated == len(tshirt_skus)
    assert set(Listing.objects.filter(account=ready_account).values_list("offer_status", flat=True)) == {"ACTIVE"}

    again = make_plan(ready_account, connector, scope)
    assert {i.action for i in again.items} == {UNCHANGED} and again.to_activate == 0
    report = apply_plan(ready_account, connector, again, poll_interval=0.2)
    assert (report.created, report.updated, report.activated) == (0, 0, 0)
    assert emulator.world.counters()["offersCreated"] == len(tshirt_skus)

    # Widening the scope later adds the rest; what cannot be listed says why.
    wider = make_plan(ready_account, connector, Scope())
    assert wider.count(CREATE) > 0 and wider.count(UNCHANGED) == len(tshirt_skus)
    CategoryMapping.objects.filter(category__path="Music").delete()
    ProductMatch.objects.filter(variant__sku="woo-album").delete()
    Variant.objects.filter(sku="woo-album").update(ean="")  # not in Allegro's catalog, category not mapped
    wider = make_plan(ready_account, connector, Scope())
    album = next(i for i in wider.items if i.sku == "woo-album")
    assert album.action == BLOCKED and any("category" in r.lower() for r in album.reasons)


def test_an_edited_product_is_updated_not_recreated(ready_account, emulator):
    connector = allegro_connector(ready_account)
    scope = Scope(skus=("woo-polo",))
    apply_plan(ready_account, connector, make_plan(ready_account, connector, scope), poll_interval=0.2)
    Product.objects.filter(key="woo-polo").update(description="<p>Nowy opis <strong>polo</strong>.</p>")
    plan = make_plan(ready_account, connector, scope)
    assert [(i.action, i.changed_fields) for i in plan.items] == [(UPDATE, ("description",))]
    report = apply_plan(ready_account, connector, plan, poll_interval=0.2)
    assert (report.created, report.updated) == (0, 1)
    offer = next(o for o in offers_in_emulator(emulator) if o.external_id == "woo-polo")
    assert "Nowy opis" in str(offer.to_json()["description"])
    assert emulator.world.counters()["offersCreated"] == 1


def test_a_lost_answer_to_a_create_does_not_make_a_duplicate_offer(ready_account, emulator):
    connector = allegro_connector(ready_account)
    emulator.world.drop_next_response("POST", "/sale/product-offers")
    report = apply_plan(ready_account, connector, make_plan(ready_account, connector, Scope(skus=("woo-belt",))),
                        poll_interval=0.2)
    assert report.adopted == 1 and report.created == 0, report
    listing = Listing.objects.get(account=ready_account, sku="woo-belt")
    assert listing.offer_id and listing.pending_create_since is None
    report = apply_plan(ready_account, connector, make_plan(ready_account, connector, Scope(skus=("woo-belt",))),
                        poll_interval=0.2)
    belts = [o for o in offers_in_emulator(emulator) if o.external_id == "woo-belt"]
    assert len(belts) == 1 and emulator.world.counters()["offersCreated"] == 1


def test_a_create_whose_answer_never_came_is_looked_up_before_it_is_sent_again(ready_account, emulator):
    """The process died after sending the create (the listing still says 'create pending')."""
    connector = allegro_connector(ready_account)
    plan = make_plan(ready_account, connector, Scope(skus=("woo-cap",)))
    connector.create_offer(plan.items[0].draft.payload)  # reached Allegro; we never recorded the answer
    listing = Listing.objects.get_or_create(account=ready_account, variant=Variant.objects.get(sku="woo-cap"),
                                            defaults={"sku": "woo-cap"})[0]
    Listing.objects.filter(pk=listing.pk).update(pending_create_since="2026-01-01T00:00:00Z")
    report = apply_plan(ready_account, connector, plan, poll_interval=0.2)
    assert report.adopted == 1 and report.created == 0
    assert len([o for o in offers_in_emulator(emulator) if o.external_id == "woo-cap"]) == 1


def test_an_ean_matching_several_catalog_products_is_a_conflict_for_the_seller(ready_account, emulator):
    twin_ean = emulator.world.catalog.ambiguous_eans[0]
    Variant.objects.filter(sku="woo-beanie").update(ean=twin_ean)
    ProductMatch.objects.filter(variant__sku="woo-beanie").delete()
    connector = allegro_connector(ready_account)
    from magazynier.channels.matching import match_variants, resolve_ambiguous

    match = match_variants(ready_account, connector, Variant.objects.filter(sku="woo-beanie"))
    match = next(iter(match.values()))
    assert match.status == ProductMatch.AMBIGUOUS and len(match.candidates) == 2
    plan = make_plan(ready_account, connector, Scope(skus=("woo-beanie",)))
    assert plan.items[0].action == BLOCKED and any("choose" in r for r in plan.items[0].reasons)
    resolve_ambiguous(match, match.candidates[1]["id"])
    plan = make_plan(ready_account, connector, Scope(skus=("woo-beanie",)))
    assert plan.items[0].action == CREATE
    assert plan.items[0].draft.payload["productSet"][0]["product"] == {"id": match.candidates[1]["id"]}


def test_existing_offers_are_linked_by_sku_with_conflicts_recorded(ready_account, emulator):
    connector = allegro_connector(ready_account)
    apply_plan(ready_account, connector, make_plan(ready_account, connector, Scope(skus=("woo-polo", "woo-cap"))),
               poll_interval=0.2)
    polo = next(i for i in make_plan(ready_account, connector, Scope(skus=("woo-polo",))).items)
    twin = connector.create_offer(polo.draft.payload)  # someone listed the polo twice (e.g. in Allegro's panel)
    connector.publish("00000000-0000-4000-8000-00000000c0de", [twin.offer_id])
    stranger = dict(polo.draft.payload, external={"id": "not-in-catalog"})
    connector.create_offer(stranger)
    anonymous = {k: v for k, v in polo.draft.payload.items() if k != "external"}
    connector.create_offer(anonymous)
    import time

    time.sleep(1.2)  # the publication command completes
    connector.command_report("publication", "00000000-0000-4000-8000-00000000c0de")
    Listing.objects.filter(account=ready_account).delete()
    report = link_offers(ready_account, connector)
    assert (report.linked, report.duplicate, report.unknown_sku, report.no_sku) == (1, 1, 1, 1)
    polo_listing = Listing.objects.get(account=ready_account, sku="woo-polo")
    assert polo_listing.conflict == Listing.DUPLICATE_SKU and len(polo_listing.conflict_offers) == 2
    plan = make_plan(ready_account, connector, Scope(skus=("woo-polo",)))
    assert plan.items[0].action == CONFLICT  # never written to until the seller resolves it


def test_an_offer_allegro_creates_asynchronously_is_followed_to_the_end(ready_account, emulator):
    """202 + operation polling (the 303 at the end is followed by hand, with our token, on the API host)."""
    emulator.world.config.product_offer_async_share = 1.0
    emulator.world.config.product_offer_operation_seconds = 0.5
    connector = allegro_connector(ready_account)
    report = apply_plan(ready_account, connector, make_plan(ready_account, connector, Scope(skus=("woo-polo",))),
                        poll_interval=0.2)
    assert (report.created, report.activated, report.failed) == (1, 1, [])
    listing = Listing.objects.get(account=ready_account, sku="woo-polo")
    assert listing.offer_status == "ACTIVE"
    assert [o.status for o in offers_in_emulator(emulator)] == ["ACTIVE"]


def test_the_kill_switch_stops_publishing(ready_account, emulator, monkeypatch):
    monkeypatch.setenv("MAGAZYNIER_WRITERS_OFF", "1")
    connector = allegro_connector(ready_account)
    plan = make_plan(ready_account, connector, Scope(skus=("woo-polo",)))
    with pytest.raises(RuntimeError, match="MAGAZYNIER_WRITERS_OFF"):
        apply_plan(ready_account, connector, plan)
    assert offers_in_emulator(emulator) == []
