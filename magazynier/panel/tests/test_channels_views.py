"""The sales-channel pages against the real Allegro emulator: connecting (code flow with PKCE), the writers
switch, category mapping, parameters, conflicts, and the staged rollout (preview sends nothing; a run does)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from magazynier.catalog.models import Category, Variant
from magazynier.channels import code_flow
from magazynier.channels.connections import allegro_connector
from magazynier.channels.matching import match_variants
from magazynier.channels.models import (
    CategoryMapping,
    ChannelAccount,
    Credential,
    Listing,
    OfferRun,
    ProductMatch,
)
from magazynier.channels.tests.conftest import DEMO_CLIENT
from magazynier.channels.tests.test_offers import offers_in_emulator, prepare_sample_catalog
from magazynier.notifications.models import Alert

pytestmark = pytest.mark.django_db

EMULATOR_FORM = {"name": "", "environment": "emulator", "client_id": DEMO_CLIENT[0], "client_secret": DEMO_CLIENT[1]}


@pytest.fixture
def owner_client(owner_client):
    owner_client.defaults["HTTP_HOST"] = "localhost"  # the emulator accepts redirect addresses on localhost
    return owner_client


def _pending_account(**fields) -> ChannelAccount:
    return ChannelAccount.objects.create(**{"name": "Sklep", "environment": ChannelAccount.EMULATOR,
                                            "api_url": "http://127.0.0.1:9", "auth_url": "http://127.0.0.1:9",
                                            "client_id": "app", "client_secret": "stored-secret-value", **fields})


def _page(response) -> str:
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# ---------------------------------------------------------------- access
def test_channel_pages_need_a_login_and_are_forbidden_to_the_warehouse(client, warehouse_worker):
    account = _pending_account()
    names = [("panel:channels", []), ("panel:channels_connect", []), ("panel:allegro_callback", []),
             ("panel:channels_account", [account.pk]), ("panel:channels_categories", [account.pk]),
             ("panel:channels_parameters", [account.pk]), ("panel:channels_conflicts", [account.pk]),
             ("panel:channels_offers", [account.pk]), ("panel:channels_reconnect", [account.pk])]
    for name, args in names:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
    client.force_login(warehouse_worker)
    for name, args in names:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert client.post(reverse("panel:channels_writers", args=[account.pk]), {"enabled": "1"}).status_code == 403
    assert ChannelAccount.objects.get().writers_enabled is False
    assert reverse("panel:channels") not in _page(client.get(reverse("panel:home")))


def test_the_owner_sees_the_channels_section_in_polish(owner_client):
    home = _page(owner_client.get(reverse("panel:home")))
    assert "Kanały sprzedaży" in home and reverse("panel:channels") in home
    page = _page(owner_client.get(reverse("panel:channels")))
    assert "Połącz z Allegro" in page and 'lang="pl"' in page
    assert "Brak kont Allegro" in page


# ---------------------------------------------------------------- connecting
def test_the_connect_form_needs_the_emulator_address_and_never_echoes_the_secret(owner_client, monkeypatch):
    monkeypatch.setenv("MAGAZYNIER_ALLEGRO_CLIENT_ID", "klient-z-env")
    page = _page(owner_client.get(reverse("panel:channels_connect")))
    assert 'value="klient-z-env"' in page  # prefilled from the environment
    assert "/channels/allegro/callback/" in page  # the address to register in the Allegro application

    response = owner_client.post(reverse("panel:channels_connect"), {**EMULATOR_FORM, "emulator_url": ""})

    page = _page(response)
    assert response.status_code == 200
    assert "adres emulatora" in page.lower()
    assert DEMO_CLIENT[1] not in page and 'type="password"' in page
    assert ChannelAccount.objects.count() == 0

    response = owner_client.post(reverse("panel:channels_connect"), {**EMULATOR_FORM, "client_secret": "",
                                                                      "emulator_url": "http://127.0.0.1:1"})
    assert response.status_code == 200 and "sekret" in _page(response).lower()
    assert ChannelAccount.objects.count() == 0


def test_connect_starts_the_code_flow_with_pkce_and_a_signed_state(owner_client, emulator):
    response = owner_client.post(reverse("panel:channels_connect"),
                                 {**EMULATOR_FORM, "name": "Mój sklep", "emulator_url": emulator.base_url})

    assert response.status_code == 302
    url = urlsplit(response.url)
    query = parse_qs(url.query)
    assert response.url.startswith(f"{emulator.base_url}/auth/oauth/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["client_id"] == [DEMO_CLIENT[0]]
    assert query["redirect_uri"] == ["http://localhost/channels/allegro/callback/"]
    account = ChannelAccount.objects.get()
    assert (account.status, account.name, account.client_secret) == (ChannelAccount.PENDING, "Mój sklep", DEMO_CLIENT[1])
    assert DEMO_CLIENT[1] not in response.url


def _consent(authorize_url: str, decision: str = "allow") -> str:
    """What the seller does on Allegro's page: log in and allow. Returns where Allegro sends the browser."""
    answer = httpx.post(authorize_url, data={"login": "demo-seller", "password": "demo-password",
                                             "decision": decision}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def test_the_whole_code_flow_connects_the_account_and_never_shows_tokens(owner_client, emulator):
    start = owner_client.post(reverse("panel:channels_connect"), {**EMULATOR_FORM, "emulator_url": emulator.base_url})
    back = urlsplit(_consent(start.url))

    response = owner_client.get(f"{back.path}?{back.query}", follow=True)

    account = ChannelAccount.objects.get()
    assert account.status == ChannelAccount.CONNECTED and account.login == "demo-seller"
    assert account.name == "demo-seller"  # no name given: the seller login
    assert response.redirect_chain[-1][0] == reverse("panel:channels_account", args=[account.pk])
    page = _page(response)
    assert "demo-seller" in page and "połączone" in page
    credential = account.credential
    for secret in (credential.access_token, credential.refresh_token, DEMO_CLIENT[1]):
        assert secret not in page

    replay = owner_client.get(f"{back.path}?{back.query}")  # the same answer again is refused
    assert replay.status_code == 400 and "Zacznij łączenie od nowa" in _page(replay)


def test_a_denied_consent_is_reported_and_connects_nothing(owner_client, emulator):
    start = owner_client.post(reverse("panel:channels_connect"), {**EMULATOR_FORM, "emulator_url": emulator.base_url})
    back = urlsplit(_consent(start.url, decision="deny"))

    response = owner_client.get(f"{back.path}?{back.query}")

    assert response.status_code == 400 and "access_denied" in _page(response)
    assert not ChannelAccount.objects.filter(status=ChannelAccount.CONNECTED).exists()


@pytest.mark.parametrize("case", ["forged", "expired"])
def test_a_callback_with_a_forged_or_expired_state_is_refused(owner_client, emulator, monkeypatch, case):
    start = owner_client.post(reverse("panel:channels_connect"), {**EMULATOR_FORM, "emulator_url": emulator.base_url})
    back = urlsplit(_consent(start.url))
    params = parse_qs(back.query)
    state = "eyJuIjoiYWJjIn0:forged:signature" if case == "forged" else params["state"][0]
    if case == "expired":
        monkeypatch.setattr(code_flow, "STATE_MAX_AGE", -1)

    response = owner_client.get(reverse("panel:allegro_callback"), {"code": params["code"][0], "state": state})

    page = _page(response)
    assert response.status_code == 400
    assert "Zacznij łączenie od nowa" in page and reverse("panel:channels_connect") in page
    assert ("nie pochodzi" in page) if case == "forged" else ("10 minut" in page)
    assert ChannelAccount.objects.get().status == ChannelAccount.PENDING
    assert not hasattr(ChannelAccount.objects.get(), "credential")


def test_reconnecting_keeps_the_stored_secret_when_left_empty(owner_client, emulator):
    account = _pending_account(api_url=emulator.base_url, auth_url=emulator.base_url, client_id=DEMO_CLIENT[0],
                               client_secret=DEMO_CLIENT[1], status=ChannelAccount.NEEDS_RECONNECT)
    listing = _page(owner_client.get(reverse("panel:channels")))
    assert "wymaga ponownego połączenia" in listing and reverse("panel:channels_reconnect", args=[account.pk]) in listing
    form = _page(owner_client.get(reverse("panel:channels_reconnect", args=[account.pk])))
    assert DEMO_CLIENT[1] not in form

    response = owner_client.post(reverse("panel:channels_reconnect", args=[account.pk]),
                                 {"client_id": DEMO_CLIENT[0], "client_secret": ""})

    assert response.status_code == 302 and response.url.startswith(emulator.base_url)
    account.refresh_from_db()
    assert account.client_secret == DEMO_CLIENT[1] and ChannelAccount.objects.count() == 1
    back = urlsplit(_consent(response.url))
    owner_client.get(f"{back.path}?{back.query}")
    account.refresh_from_db()
    assert account.status == ChannelAccount.CONNECTED and account.name == "Sklep"


# ---------------------------------------------------------------- accounts
def test_the_writers_switch_and_the_kill_switch(owner_client, allegro_account, monkeypatch):
    page = _page(owner_client.get(reverse("panel:channels")))
    assert "Sklep Demo" in page and "połączone" in page and "demo-seller" in page

    response = owner_client.post(reverse("panel:channels_writers", args=[allegro_account.pk]),
                                 {"enabled": "1", "next": reverse("panel:channels")})

    assert response.status_code == 302 and response.url == reverse("panel:channels")
    allegro_account.refresh_from_db()
    assert allegro_account.writers_enabled is True
    monkeypatch.setenv("MAGAZYNIER_WRITERS_OFF", "1")
    page = _page(owner_client.get(reverse("panel:channels")))
    assert 'id="writers-killed"' in page and "wymuszone" in page
    owner_client.post(reverse("panel:channels_writers", args=[allegro_account.pk]), {"enabled": "0"})
    allegro_account.refresh_from_db()
    assert allegro_account.writers_enabled is False


def test_the_account_page_shows_open_alerts_and_the_access_expiry(owner_client, allegro_account):
    Alert.objects.create(key="x:1", kind="test", title="Coś wymaga uwagi", message="Zrób to i to.",
                         account=allegro_account)
    page = _page(owner_client.get(reverse("panel:channels_account", args=[allegro_account.pk])))
    assert "Coś wymaga uwagi" in page and "Zrób to i to." in page
    expiry = allegro_account.credential.refresh_expires_at
    from zoneinfo import ZoneInfo

    assert expiry.astimezone(ZoneInfo("Europe/Warsaw")).strftime("%d.%m.%Y %H:%M") in page


def test_an_abandoned_connection_can_be_removed_but_a_connected_account_cannot(owner_client, allegro_account):
    pending = _pending_account()
    owner_client.post(reverse("panel:channels_remove", args=[pending.pk]))
    owner_client.post(reverse("panel:channels_remove", args=[allegro_account.pk]))
    assert list(ChannelAccount.objects.all()) == [allegro_account]


def test_an_account_that_is_not_connected_is_never_asked_anything(owner_client, run_on_commit):
    account = _pending_account()
    for name, data in [("panel:channels_categories", {"action": "suggest"}),
                       ("panel:channels_conflicts", {"action": "link"})]:
        with run_on_commit():
            response = owner_client.post(reverse(name, args=[account.pk]), data, follow=True)
        assert "Konto nie jest połączone" in _messages(response), name
    response = owner_client.get(reverse("panel:channels_offers", args=[account.pk]), {"preview": "1"})
    assert response.status_code == 200 and "Konto nie jest połączone" in _messages(response)
    assert "plan" not in response.context
    assert not Alert.objects.exists()


# ---------------------------------------------------------------- categories
def test_category_mapping_suggest_accept_choose_and_refuse_a_non_leaf(owner_client, sample_csv, emulator,
                                                                      allegro_account, run_on_commit):
    prepare_sample_catalog(sample_csv, emulator)
    url = reverse("panel:channels_categories", args=[allegro_account.pk])
    page = _page(owner_client.get(url))
    assert page.count("nieprzypisana") == 4  # every shop category with products waits for a mapping

    with run_on_commit():
        response = owner_client.post(url, {"action": "suggest"}, follow=True)

    assert "Przygotowujemy sugestie" in _messages(response)
    mappings = {m.category.path: m for m in CategoryMapping.objects.filter(site=allegro_account.site)}
    assert mappings["Clothing > Tshirts"].status == CategoryMapping.SUGGESTED
    page = _page(owner_client.get(url))
    assert "z katalogu produktów (EAN)" in page and "Koszulki" in page

    hoodies = mappings["Clothing > Hoodies"]
    owner_client.post(url, {"action": "accept", "category": hoodies.category_id})
    hoodies.refresh_from_db()
    assert hoodies.status == CategoryMapping.ACCEPTED

    tshirts = mappings["Clothing > Tshirts"]
    alternative = tshirts.alternatives[0]
    owner_client.post(url, {"action": "choose", "category": tshirts.category_id, "alternative": alternative["id"]})
    tshirts.refresh_from_db()
    assert (tshirts.channel_category_id, tshirts.status, tshirts.source) == (
        alternative["id"], CategoryMapping.ACCEPTED, CategoryMapping.MANUAL)

    parent_id = "1065"  # "Odzież męska": has subcategories, so no offer can be listed in it
    response = owner_client.post(url, {"action": "set_id", "category": tshirts.category_id,
                                       "channel_category_id": parent_id}, follow=True)
    assert "nie jest kategorią ostatniego poziomu" in _messages(response)
    tshirts.refresh_from_db()
    assert tshirts.channel_category_id == alternative["id"]

    response = owner_client.post(url, {"action": "set_id", "category": tshirts.category_id,
                                       "channel_category_id": "1066"}, follow=True)
    tshirts.refresh_from_db()
    assert tshirts.channel_category_id == "1066" and tshirts.channel_category_path.endswith("Koszulki")

    response = owner_client.post(url, {"action": "set_id", "category": tshirts.category_id,
                                       "channel_category_id": "999999"}, follow=True)
    assert "999999" in _messages(response) and "nie ma kategorii" in _messages(response)

    owner_client.post(url, {"action": "accept_all"})
    assert set(CategoryMapping.objects.values_list("status", flat=True)) == {CategoryMapping.ACCEPTED}
    assert emulator.world.counters()["offersCreated"] == 0


def test_a_non_leaf_id_for_an_unmapped_category_leaves_no_mapping_behind(owner_client, sample_csv, emulator,
                                                                         allegro_account):
    prepare_sample_catalog(sample_csv, emulator)
    music = Category.objects.get(path="Music")
    response = owner_client.post(reverse("panel:channels_categories", args=[allegro_account.pk]),
                                 {"action": "set_id", "category": music.pk, "channel_category_id": "1065"},
                                 follow=True)
    assert "nie jest kategorią ostatniego poziomu" in _messages(response)
    assert not CategoryMapping.objects.filter(category=music).exists()


def test_suggestions_that_fail_in_the_background_leave_an_alert_on_the_account(owner_client, sample_csv, emulator,
                                                                               allegro_account, run_on_commit):
    prepare_sample_catalog(sample_csv, emulator)
    Credential.objects.filter(account=allegro_account).update(
        refresh_token="revoked-refresh-token", access_expires_at=timezone.now() - timedelta(minutes=1))
    with run_on_commit():
        owner_client.post(reverse("panel:channels_categories", args=[allegro_account.pk]), {"action": "suggest"})

    alert = Alert.objects.get(kind="category-suggestions-failed", resolved_at__isnull=True)
    assert alert.account == allegro_account and "Sklep Demo" in alert.title
    page = _page(owner_client.get(reverse("panel:channels_account", args=[allegro_account.pk])))
    assert "Nie udało się przygotować sugestii kategorii" in page
    assert "wymaga ponownego połączenia" in page  # the lost authorisation itself, with the way out
    assert reverse("panel:channels_reconnect", args=[allegro_account.pk]) in page
    assert "revoked-refresh-token" not in page
    assert not CategoryMapping.objects.exists()


# ---------------------------------------------------------------- parameters
def test_missing_parameters_are_listed_and_a_fixed_value_fixes_them(owner_client, ready_account, emulator):
    tshirts = CategoryMapping.objects.get(site=ready_account.site, category__path="Clothing > Tshirts")
    tshirts.fixed_values = {}
    tshirts.save()
    url = reverse("panel:channels_parameters", args=[ready_account.pk])

    page = _page(owner_client.get(url))

    assert "woo-vneck-tee-red" in page and "Marka" in page
    assert "woo-hoodie" not in page.split('id="cat-1067"')[0]  # hoodies keep their brand value: not listed
    marka = f"m{tshirts.pk}-p_7"
    assert f'name="{marka}"' in page

    response = owner_client.post(url, {"action": "save", "mapping": tshirts.pk, marka: "inna marka"}, follow=True)

    tshirts.refresh_from_db()
    assert tshirts.fixed_values == {"7": "inna marka"}
    assert "woo-vneck-tee-red" not in _page(response)
    assert emulator.world.counters()["offersCreated"] == 0


# ---------------------------------------------------------------- conflicts
def test_an_ambiguous_ean_is_resolved_by_the_seller(owner_client, ready_account, emulator):
    twin_ean = emulator.world.catalog.ambiguous_eans[0]
    Variant.objects.filter(sku__in=["woo-beanie", "woo-cap"]).update(ean=twin_ean)
    ProductMatch.objects.filter(variant__sku__in=["woo-beanie", "woo-cap"]).delete()
    matches = match_variants(ready_account, allegro_connector(ready_account),
                             Variant.objects.filter(sku__in=["woo-beanie", "woo-cap"]))
    beanie, cap = (m for m in sorted(matches.values(), key=lambda m: m.variant.sku))
    url = reverse("panel:channels_conflicts", args=[ready_account.pk])

    page = _page(owner_client.get(url))

    assert twin_ean in page and beanie.candidates[1]["name"] in page and "żaden z nich" in page
    owner_client.post(url, {"match": beanie.pk, "product": beanie.candidates[1]["id"]})
    owner_client.post(url, {"match": cap.pk, "product": "none"})
    response = owner_client.post(url, {"match": cap.pk, "product": "something-else"})
    assert response.status_code == 404  # already resolved: nothing to choose any more
    beanie.refresh_from_db()
    cap.refresh_from_db()
    assert (beanie.status, beanie.product_id, beanie.resolved_by_seller) == (
        ProductMatch.MATCHED, beanie.candidates[1]["id"], True)
    assert (cap.status, cap.product_id) == (ProductMatch.NOT_FOUND, "")
    assert 'id="no-ambiguous"' in _page(owner_client.get(url))


def test_offer_conflicts_say_what_to_do_and_linking_runs_in_the_background(owner_client, allegro_account,
                                                                           run_on_commit):
    Listing.objects.create(account=allegro_account, sku="A-1", conflict=Listing.DUPLICATE_SKU,
                           conflict_offers=["7701", "7702"])
    Listing.objects.create(account=allegro_account, sku="OBCY-1", offer_id="7703", title="Kubek obcy",
                           conflict=Listing.UNKNOWN_SKU)
    Listing.objects.create(account=allegro_account, offer_id="7704", title="Talerz bez SKU", conflict=Listing.NO_SKU)
    url = reverse("panel:channels_conflicts", args=[allegro_account.pk])

    page = _page(owner_client.get(url))

    assert "7701" in page and "7702" in page and "Kubek obcy" in page and "Talerz bez SKU" in page
    assert "zakończ" in page.lower() and "Połącz istniejące oferty" in page
    with run_on_commit():
        response = owner_client.post(url, {"action": "link"}, follow=True)
    assert "Odśwież" in _messages(response)
    assert not Alert.objects.filter(kind="offer-linking-failed").exists()
    assert not Listing.objects.filter(account=allegro_account, variant__isnull=True).exists()  # Allegro has none


# ---------------------------------------------------------------- offers
def test_the_preview_sends_nothing_and_a_run_creates_the_offers(owner_client, ready_account, emulator,
                                                                run_on_commit):
    url = reverse("panel:channels_offers", args=[ready_account.pk])
    tshirts = set(Variant.objects.filter(product__category__path="Clothing > Tshirts").values_list("sku", flat=True))

    response = owner_client.get(url, {"preview": "1", "categories": ["Clothing > Tshirts"], "limit": ""})

    page = _page(response)
    assert response.status_code == 200 and "nic nie zostanie wysłane" in page
    counts = response.context["counts"]
    assert counts["create"] == len(tshirts) and counts["activate"] == len(tshirts)
    assert 'data-sku="woo-tshirt" data-action="create"' in page and "nowa oferta" in page
    assert "&quot;woo-tshirt&quot;" in page  # the new values, as JSON, under "changed fields"
    assert emulator.world.counters()["offersCreated"] == 0 and offers_in_emulator(emulator) == []
    assert 'id="send"' not in page  # sending is off for a new account: the button is disabled

    scope = {"categories": ["Clothing > Tshirts"], "skus": "", "limit": ""}
    response = owner_client.post(reverse("panel:channels_offers_send", args=[ready_account.pk]), scope, follow=True)
    assert "wyłączone" in _messages(response) and OfferRun.objects.count() == 0

    owner_client.post(reverse("panel:channels_writers", args=[ready_account.pk]), {"enabled": "1"})
    assert 'id="send"' in _page(owner_client.get(url, {"preview": "1", "categories": ["Clothing > Tshirts"]}))
    with run_on_commit():
        response = owner_client.post(reverse("panel:channels_offers_send", args=[ready_account.pk]), scope)

    run = OfferRun.objects.get()
    assert response.url == reverse("panel:channels_run", args=[ready_account.pk, run.pk])
    run.refresh_from_db()
    assert run.status == OfferRun.DONE, run.report
    assert run.scope == {"tags": [], "categories": ["Clothing > Tshirts"], "skus": [], "limit": None}
    assert (run.report["created"], run.report["activated"], run.report["failed"]) == (len(tshirts), len(tshirts), [])
    assert {o.external_id for o in offers_in_emulator(emulator)} == tshirts
    page = _page(owner_client.get(response.url))
    assert f'data-count="created">{len(tshirts)}<' in page and "Utworzone nowe oferty" in page
    status = owner_client.get(reverse("panel:channels_run_status", args=[ready_account.pk, run.pk])).json()
    assert status["status"] == "done"

    busy = OfferRun.objects.create(account=ready_account, scope={}, status=OfferRun.RUNNING)
    response = owner_client.post(reverse("panel:channels_offers_send", args=[ready_account.pk]), scope)
    assert response.url == reverse("panel:channels_run", args=[ready_account.pk, busy.pk])  # one send at a time
    assert OfferRun.objects.count() == 2
    busy.delete()

    again = owner_client.get(url, {"preview": "1", "categories": ["Clothing > Tshirts"]})
    assert again.context["counts"]["unchanged"] == len(tshirts) and 'id="nothing-to-send"' in _page(again)


def test_a_run_refuses_to_send_when_the_kill_switch_is_set(owner_client, ready_account, emulator, monkeypatch,
                                                           run_on_commit):
    ready_account.writers_enabled = True
    ready_account.save()
    monkeypatch.setenv("MAGAZYNIER_WRITERS_OFF", "1")
    with run_on_commit():
        response = owner_client.post(reverse("panel:channels_offers_send", args=[ready_account.pk]),
                                     {"skus": "woo-polo"})
    assert OfferRun.objects.count() == 0 and response.status_code == 302
    monkeypatch.delenv("MAGAZYNIER_WRITERS_OFF")
    run = OfferRun.objects.create(account=ready_account, scope={"skus": ["woo-polo"]})
    monkeypatch.setenv("MAGAZYNIER_WRITERS_OFF", "1")
    from magazynier.channels.tasks import execute_offer_run

    execute_offer_run(run.pk)

    run.refresh_from_db()
    assert run.status == OfferRun.FAILED and "MAGAZYNIER_WRITERS_OFF" in run.report["error"]
    page = _page(owner_client.get(reverse("panel:channels_run", args=[ready_account.pk, run.pk])))
    assert "MAGAZYNIER_WRITERS_OFF" in page and 'id="run-error"' in page
    assert emulator.world.counters()["offersCreated"] == 0
