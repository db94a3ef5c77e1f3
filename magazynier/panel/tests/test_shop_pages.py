"""WooCommerce shops in the panel, against the shop emulator over real HTTP in both directions: connecting with
the form (creating the order webhooks makes the shop ping Magazynier's live server), what is refused (keys the
shop rejects, plain http), the channels index with the webhook health, the shop's own page, importing its
products into the catalog, linking them by SKU, and who may do any of it."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from emulators.woocommerce.testing import running_emulator
from magazynier.accounts.actions import create_user
from magazynier.catalog.models import Variant
from magazynier.channels.actions import mark_needs_reconnect
from magazynier.channels.models import ChannelAccount, Listing, Webhook
from magazynier.channels.shop_connection import connect_shop
from magazynier.notifications.models import Alert

UNREACHABLE = "http://127.0.0.1:9"  # where nothing listens: the shop cannot deliver webhooks there
CONNECT = "panel:channels_woo_connect"
ALLEGRO_ONLY = ("panel:channels_categories", "panel:channels_parameters", "panel:channels_offers")


@pytest.fixture
def shop():
    with running_emulator() as running:
        yield running


@pytest.fixture
def keys(shop) -> tuple[str, str]:
    return shop.world.config.consumer_key, shop.world.config.consumer_secret


@pytest.fixture
def reachable(live_server, monkeypatch):
    """Magazynier's address as the shop sees it: the live test server, so the shop's pings really arrive."""
    monkeypatch.setenv("MAGAZYNIER_PUBLIC_URL", live_server.url)
    return live_server


@pytest.fixture
def unreachable(monkeypatch):
    monkeypatch.setenv("MAGAZYNIER_PUBLIC_URL", UNREACHABLE)


def _form(shop, keys, **fields) -> dict:
    return {"name": "", "url": shop.base_url, "key": keys[0], "secret": keys[1], **fields}


def _connect(shop, keys, name: str = "Sklep Demo") -> ChannelAccount:
    return connect_shop(name=name, url=shop.base_url, key=keys[0], secret=keys[1]).account


def _page(response) -> str:
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _shop_row(page: str, account: ChannelAccount) -> str:
    start = page.index(f'<tr data-account="{account.pk}"', page.index('id="shops"'))
    return page[start:page.index("</tr>", start)]


def _shop_skus(shop) -> set[str]:
    """What the shop sells with a SKU of its own: simple products and variations."""
    return {item.sku for item in shop.world.catalog.items.values()
            if item.sku and item.type in ("simple", "variation")}


# ---------------------------------------------------------------- connecting
@pytest.mark.django_db(transaction=True)
def test_connecting_a_shop_with_the_form_sets_up_its_order_webhooks(owner_client, shop, keys, reachable):
    url = reverse(CONNECT)
    page = _page(owner_client.get(url))
    assert "WooCommerce → Ustawienia → Zaawansowane → REST API" in page and "Odczyt/Zapis" in page
    assert 'type="password"' in page and reachable.url in page  # where the shop must reach Magazynier

    response = owner_client.post(url, _form(shop, keys, name="Mój sklep"), follow=True)

    account = ChannelAccount.objects.get()
    assert response.redirect_chain[-1][0] == reverse("panel:channels_account", args=[account.pk])
    assert (account.kind, account.status, account.name, account.api_url) == (
        ChannelAccount.WOOCOMMERCE, ChannelAccount.CONNECTED, "Mój sklep", shop.base_url)
    assert (account.client_id, account.client_secret, account.writers_enabled) == (*keys, False)
    said = _messages(response)
    assert f"Połączono: Mój sklep ({shop.base_url})" in said and "pozostaje wyłączone" in said
    assert "Powiadomienia o zamówieniach (webhooki) działają" in said and "PLN" not in said
    hooks = {h.topic: h for h in Webhook.objects.filter(account=account)}
    assert sorted(hooks) == ["order.created", "order.updated"]
    assert all(h.status == "active" and not h.last_error for h in hooks.values())
    delivery = f"{reachable.url}/hooks/woocommerce/{account.pk}/"
    remote = list(shop.world.webhooks.values())
    assert sorted((w.topic, w.status, w.delivery_url) for w in remote) == [
        ("order.created", "active", delivery), ("order.updated", "active", delivery)]
    counters = shop.world.counters()
    assert counters["webhook_pings"] == 2 and not counters.get("webhook_pings_failed")  # they reached us

    page = _page(response)  # the shop's page
    assert 'id="webhooks"' in page and 'data-topic="order.created"' in page and 'data-topic="order.updated"' in page
    assert "działają" in page and delivery in page
    assert reverse("panel:channels_conflicts", args=[account.pk]) in page
    for name in ALLEGRO_ONLY:
        assert reverse(name, args=[account.pk]) not in page, name
    assert "Ważność dostępu" not in page  # Allegro's token validity
    assert keys[0] not in page and keys[1] not in page

    # The same address again (e.g. new keys after the old ones were revoked): the same account is updated.
    form_page = _page(owner_client.get(url, {"account": account.pk}))
    assert shop.base_url in form_page and "Mój sklep" in form_page
    assert keys[0] not in form_page and keys[1] not in form_page
    response = owner_client.post(f"{url}?account={account.pk}", _form(shop, keys, name="Mój sklep"), follow=True)
    assert "Połączono ponownie z nowymi kluczami: Mój sklep" in _messages(response)
    assert ChannelAccount.objects.count() == 1 and Webhook.objects.count() == 2 and len(shop.world.webhooks) == 2


def test_keys_the_shop_refuses_are_not_stored_and_the_secret_is_never_echoed(owner_client, shop, keys):
    wrong = "cs_" + "0" * 40

    response = owner_client.post(reverse(CONNECT), _form(shop, keys, secret=wrong))

    page = _page(response)
    assert response.status_code == 400
    assert 'id="connect-problem"' in page and "Sklep nie przyjął połączenia" in page
    assert wrong not in page and keys[1] not in page and 'type="password"' in page
    assert ChannelAccount.objects.count() == 0 and Webhook.objects.count() == 0 and not shop.world.webhooks

    response = owner_client.post(reverse(CONNECT), _form(shop, keys, key="klucz", secret="sekret-sklepu"))
    assert response.status_code == 400 and "ck_" in _page(response) and "sekret-sklepu" not in _page(response)
    assert ChannelAccount.objects.count() == 0


def test_a_plain_http_address_of_another_computer_is_refused(owner_client, monkeypatch):
    monkeypatch.delenv("MAGAZYNIER_WOO_ALLOW_HTTP", raising=False)
    secret = "cs_" + "2" * 40

    response = owner_client.post(reverse(CONNECT), {"name": "", "url": "http://sklep.example.pl",
                                                    "key": "ck_" + "1" * 40, "secret": secret})

    page = _page(response)
    assert response.status_code == 400 and "https://" in page and 'id="connect-problem"' in page
    assert secret not in page
    assert ChannelAccount.objects.count() == 0


def test_a_shop_that_rejects_its_keys_is_connected_again_with_the_same_form(owner_client, shop, keys, unreachable):
    account = _connect(shop, keys)
    mark_needs_reconnect(account, "GET /products: the shop rejected the API keys")
    again = f"{reverse(CONNECT)}?account={account.pk}"

    page = _page(owner_client.get(reverse("panel:channels_account", args=[account.pk])))
    assert "Sklep nie akceptuje już kluczy API Magazyniera" in page and again.replace("&", "&amp;") in page
    assert again in _shop_row(_page(owner_client.get(reverse("panel:channels"))), account)
    response = owner_client.post(reverse("panel:channels_account", args=[account.pk]), {"action": "import"},
                                 follow=True)
    assert "Sklep nie akceptuje już kluczy API Magazyniera" in _messages(response)  # nothing is asked
    assert not Variant.objects.exists()

    response = owner_client.post(again, _form(shop, keys, name="Sklep Demo"), follow=True)

    account.refresh_from_db()
    assert account.status == ChannelAccount.CONNECTED and ChannelAccount.objects.count() == 1
    assert "Połączono ponownie" in _messages(response)
    assert not Alert.objects.filter(account=account, kind="account_needs_reconnect", resolved_at__isnull=True).exists()


# ---------------------------------------------------------------- index and webhook health
@pytest.mark.django_db(transaction=True)
def test_the_index_shows_each_shop_with_the_health_of_its_webhooks(owner_client, shop, keys, unreachable,
                                                                  monkeypatch, live_server):
    index = reverse("panel:channels")
    page = _page(owner_client.get(index))
    assert 'id="connect-woo"' in page and "Połącz sklep WooCommerce" in page and "Brak sklepów WooCommerce" in page

    response = owner_client.post(reverse(CONNECT), _form(shop, keys), follow=True)  # the shop cannot reach us
    account = ChannelAccount.objects.get()
    assert "nie działają" in _messages(response) and UNREACHABLE in _messages(response)  # connected anyway
    assert account.status == ChannelAccount.CONNECTED and not shop.world.webhooks

    row = _shop_row(_page(owner_client.get(index)), account)
    assert "Sklep Demo" in row and shop.base_url in row and "połączone" in row and "wyłączone" in row.lower()
    assert "nie działają" in row and UNREACHABLE in row  # the reason, with the address the shop could not reach
    assert Alert.objects.filter(account=account, kind="shop-webhook-failing", resolved_at__isnull=True).exists()

    # Magazynier's public address is fixed; "Check webhooks" sets them up.
    monkeypatch.setenv("MAGAZYNIER_PUBLIC_URL", live_server.url)
    response = owner_client.post(reverse("panel:channels_account", args=[account.pk]), {"action": "webhooks"},
                                 follow=True)
    assert "Utworzono webhooki w sklepie: order.created, order.updated" in _messages(response)
    row = _shop_row(_page(owner_client.get(index)), account)
    assert "działają" in row and "nie działają" not in row and "odrzucon" not in row
    assert not Alert.objects.filter(kind="shop-webhook-failing", resolved_at__isnull=True).exists()

    # Someone posts an unsigned "order" to Magazynier's webhook address: refused, and counted.
    forged = httpx.post(f"{live_server.url}/hooks/woocommerce/{account.pk}/", json={"id": 1, "status": "processing"},
                        headers={"X-WC-Webhook-Topic": "order.created"})
    assert forged.status_code == 401
    row = _shop_row(_page(owner_client.get(index)), account)
    assert "1 odrzucona dostawa" in row and "działają" in row

    # The shop switches a webhook off (as it does after failed deliveries): the next check switches it back on.
    created = Webhook.objects.get(account=account, topic="order.created")
    httpx.put(f"{shop.rest_url}/webhooks/{created.remote_id}", json={"status": "disabled"}, auth=keys).raise_for_status()
    response = owner_client.post(reverse("panel:channels_account", args=[account.pk]), {"action": "webhooks"},
                                 follow=True)
    assert "przywrócone: order.created" in _messages(response)
    assert shop.world.webhooks[int(created.remote_id)].status == "active"
    assert Alert.objects.filter(account=account, kind="shop-webhook-disabled", resolved_at__isnull=True).exists()


def test_a_webhook_the_shop_switched_off_shows_as_not_working_with_the_reason(owner_client, shop, keys,
                                                                             unreachable):
    account = _connect(shop, keys)
    for topic in ("order.created", "order.updated"):  # as the last check recorded them
        Webhook.objects.create(account=account, topic=topic, remote_id="1", delivery_url=f"{UNREACHABLE}/",
                               secret="s", status="disabled" if topic == "order.updated" else "active", rejected=2)
    Alert.objects.filter(account=account).delete()

    page = _page(owner_client.get(reverse("panel:channels_account", args=[account.pk])))

    health = page[page.index('id="webhook-health"'):]
    health = health[:health.index("</td>")]
    assert "nie działają" in health and "order.updated" in health and "wyłączony przez sklep" in health
    assert "4 odrzucone dostawy" in health
    hooks = page[page.index('id="webhooks"'):page.index("</table>", page.index('id="webhooks"'))]
    assert "wyłączony przez sklep" in hooks and "aktywny" in hooks


# ---------------------------------------------------------------- the shop's products
def test_importing_creates_the_shops_products_in_the_catalog_and_links_them(owner_client, shop, keys, unreachable,
                                                                           run_on_commit):
    shop.world.generate_catalog(12)  # simple products and a variable one with its variations
    httpx.post(f"{shop.rest_url}/products", json={"name": "Dzbanek bez SKU", "type": "simple",
                                                  "regular_price": "25.00"}, auth=keys).raise_for_status()
    skus = _shop_skus(shop)
    account = _connect(shop, keys)
    page_url = reverse("panel:channels_account", args=[account.pk])
    page = _page(owner_client.get(page_url))
    assert 'id="shop-import"' in page and "Importuj produkty do katalogu" in page
    assert "Powiąż po SKU" in page and "Sprawdź webhooki" in page

    response = owner_client.post(page_url, {"action": "import"}, follow=True)

    said = _messages(response)
    assert "Zaimportowano ze sklepu" in said and "Dzbanek bez SKU" in said  # the product that has no SKU
    assert f"Powiązano po SKU: {len(skus)}" in said
    assert set(Variant.objects.values_list("sku", flat=True)) == skus
    linked = Listing.objects.filter(account=account, variant__isnull=False, conflict="")
    assert {li.sku for li in linked} == skus and all(li.offer_id for li in linked)
    assert any(":" in li.offer_id for li in linked)  # variations are linked as parent:variation
    no_sku = Listing.objects.get(account=account, conflict=Listing.NO_SKU)
    page = _page(response)
    assert f'<div class="num" id="linked-count">{len(skus)}</div>' in page
    assert '<div class="num" id="conflict-count">1</div>' in page

    conflicts = _page(owner_client.get(reverse("panel:channels_conflicts", args=[account.pk])))
    assert "Produkty sklepu bez SKU" in conflicts and "Dzbanek bez SKU" in conflicts
    assert f"{shop.base_url}/wp-admin/post.php?post={no_sku.offer_id}&amp;action=edit" in conflicts
    assert 'id="ambiguous"' not in conflicts and "Połącz istniejące oferty" not in conflicts  # Allegro's
    for name in ALLEGRO_ONLY:
        assert reverse(name, args=[account.pk]) not in conflicts, name

    # Linking again (e.g. after SKUs were corrected in the shop) runs in the background.
    Listing.objects.filter(account=account).delete()
    with run_on_commit():
        response = owner_client.post(page_url, {"action": "link"}, follow=True)
    assert "Odśwież" in _messages(response)
    assert not Alert.objects.filter(kind="offer-linking-failed").exists()
    assert set(Listing.objects.filter(account=account, variant__isnull=False).values_list("sku", flat=True)) == skus
    assert Listing.objects.filter(account=account, conflict=Listing.NO_SKU).count() == 1


# ---------------------------------------------------------------- who may do what
def test_without_the_change_permission_nothing_can_be_posted(client, owner, warehouse_worker, shop, keys,
                                                            unreachable):
    account = _connect(shop, keys)
    page_url = reverse("panel:channels_account", args=[account.pk])
    client.force_login(warehouse_worker)
    for url in (reverse("panel:channels"), reverse(CONNECT), page_url):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse(CONNECT), _form(shop, keys, name="Cudzy")).status_code == 403
    assert client.post(page_url, {"action": "import"}).status_code == 403

    viewer = create_user("podglad", "correct-horse-battery", "accountant")
    viewer.user_permissions.add(Permission.objects.get(codename="view_channelaccount"))
    client.force_login(viewer)
    page = _page(client.get(page_url))
    assert 'id="webhooks"' in page and 'id="shop-import"' not in page and 'name="enabled"' not in page
    assert 'id="connect-woo"' not in _page(client.get(reverse("panel:channels")))
    assert client.get(reverse(CONNECT)).status_code == 403
    for action in ("import", "link", "webhooks"):
        assert client.post(page_url, {"action": action}).status_code == 403, action
    assert client.post(reverse("panel:channels_writers", args=[account.pk]), {"enabled": "1"}).status_code == 403
    account.refresh_from_db()
    assert account.name == "Sklep Demo" and not account.writers_enabled
    assert not Variant.objects.exists() and not Listing.objects.exists()
