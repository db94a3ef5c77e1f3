"""The sync pages ("Synchronizacja") with the test client on real rows: who sees and who decides, deciding a
held plan once, the settings form (an inconsistent allocation is refused with nothing saved), the offers
filter and the quarantine retry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from magazynier.catalog.models import Product, Variant
from magazynier.channels.allegro.budgets import OFFER_CHANGES, PRICE_CHANGES
from magazynier.channels.models import ChannelAccount, Listing
from magazynier.inventory.models import Warehouse
from magazynier.notifications.actions import raise_alert
from magazynier.notifications.models import Alert
from magazynier.sync.dispatch import held_alert_key
from magazynier.sync.models import AccountSyncSettings, Command, CommandItem, HeldPlan, OutboxEntry, SyncState

pytestmark = pytest.mark.django_db

REASONS = [{"code": "too_many_to_zero", "message": "12 z 40 ofert wystawionych na sprzedaż spadłoby do 0.",
            "count": 12}]
SUMMARY = {"changes": 14, "sample": [
    {"sku": "KUB-1", "kind": "quantity", "old": "7", "new": "0"},
    {"sku": "KUB-2", "kind": "price", "old": "19.99", "new": "1.99"},
    {"sku": "KUB-3", "kind": "publication", "old": "", "new": "END"},
]}


def _account(name: str = "Sklep", **fields) -> ChannelAccount:
    return ChannelAccount.objects.create(**{
        "kind": ChannelAccount.ALLEGRO, "name": name, "environment": ChannelAccount.EMULATOR,
        "api_url": f"http://127.0.0.1:9/{name}", "auth_url": "http://127.0.0.1:9", "client_id": "x", **fields})


def _held(account: ChannelAccount) -> HeldPlan:
    return HeldPlan.objects.create(account=account, reasons=REASONS, summary=SUMMARY,
                                   changes=[[1, "quantity", "0"], [2, "price", "1.99"]])


def _listing(account: ChannelAccount, sku: str, **fields) -> Listing:
    product = Product.objects.create(key=sku, name=f"Produkt {sku}")
    variant = Variant.objects.create(product=product, sku=sku, name=f"Produkt {sku}")
    return Listing.objects.create(account=account, variant=variant, sku=sku, offer_id=f"O-{sku}",
                                  title=f"Oferta {sku}", **fields)


def _entry(listing: Listing, **fields) -> OutboxEntry:
    return OutboxEntry.objects.create(listing=listing, account=listing.account, next_attempt_at=timezone.now(),
                                      **fields)


def _page(response) -> str:
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# ---------------------------------------------------------------- access
def test_the_owner_and_the_warehouse_see_the_section_the_accountant_does_not(client, owner, warehouse_worker,
                                                                              accountant):
    account = _account()
    plan = _held(account)
    pages = [reverse("panel:sync"), reverse("panel:sync_held", args=[plan.pk]),
             reverse("panel:sync_offers", args=[account.pk]), reverse("panel:sync_settings", args=[account.pk])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url

    client.force_login(accountant)
    assert "Synchronizacja" not in _page(client.get(reverse("panel:home")))
    for url in pages:
        assert client.get(url).status_code == 403, url

    client.force_login(warehouse_worker)
    home = _page(client.get(reverse("panel:home")))
    assert "Synchronizacja" in home and reverse("panel:sync") in home
    for url in pages:
        assert client.get(url).status_code == 200, url
    held_page = _page(client.get(pages[1]))
    assert 'id="approve"' not in held_page and "Tylko właściciel może zatwierdzić" in held_page
    assert client.post(pages[1], {"action": "approve"}).status_code == 403
    assert client.post(pages[3], {"priority": "1"}).status_code == 403
    assert client.post(reverse("panel:sync_retry", args=[account.pk])).status_code == 403
    settings_page = _page(client.get(pages[3]))
    assert 'id="save-settings"' not in settings_page and "disabled" in settings_page
    plan.refresh_from_db()
    assert plan.state == HeldPlan.HELD and not AccountSyncSettings.objects.exists()


def test_the_status_page_shows_each_account_in_polish(owner_client):
    quiet = _account("Cichy sklep")
    busy = _account("Główny sklep", writers_enabled=True)
    plan = _held(busy)
    for n in range(3):
        _entry(_listing(busy, f"B-{n}"), failures=n)
    _entry(_listing(busy, "B-Q"), failures=5, quarantined_at=timezone.now())
    _listing(busy, "B-C", conflict=Listing.DUPLICATE_SKU)

    page = _page(owner_client.get(reverse("panel:sync")))

    assert 'lang="pl"' in page
    for label in ("Czeka", "W drodze", "Błędy", "Kwarantanna", "Wstrzymane", "Konflikty", "Ostatni cykl"):
        assert label in page, label
    assert f'id="sync-{quiet.pk}"' in page and f'id="sync-{busy.pk}"' in page
    assert f'id="held-{plan.pk}"' in page and reverse("panel:sync_held", args=[plan.pk]) in page
    assert "Zmiany wstrzymane do Twojej decyzji" in page
    for limit in (OFFER_CHANGES[0].count, OFFER_CHANGES[1].count, PRICE_CHANGES[0].count):
        assert f"0 / {limit}<" in page  # budgets as "used / limit"
    assert page.count("Ponów kwarantannę") == 1  # only the account with a quarantined offer
    card = page[page.index(f'id="sync-{busy.pk}"'):]
    assert 'data-count="pending">3<' in card and 'data-count="failed">2<' in card
    assert 'data-count="quarantined">1<' in card and 'data-count="conflicts">1<' in card
    assert 'data-count="held">1<' in card


def test_english_is_the_second_language(owner_client, settings):
    plan = _held(_account())
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = _page(owner_client.get(reverse("panel:sync")))

    assert 'lang="en"' in page and "Synchronisation" in page and "Changes are held for your decision" in page
    for label in ("Waiting", "In flight", "Errors", "Quarantine", "Held", "Conflicts"):
        assert f'<div class="lbl">{label}</div>' in page, label
    held = _page(owner_client.get(reverse("panel:sync_held", args=[plan.pk])))
    assert "Approve" in held and "Was" in held and "Will be" in held


def test_times_are_shown_in_warsaw_time_and_latency_in_seconds(owner_client):
    account = _account()
    SyncState.objects.create(account=account, last_cycle_at=datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC),
                             last_full_sweep_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC),
                             last_error="HTTP 503 od kanału")
    listing = _listing(account, "L-1")
    now = timezone.now()
    command = Command.objects.create(account=account, kind=Command.QUANTITY, command_id=uuid.uuid4(), value="3",
                                     state=Command.DONE, created_at=now, sent_at=now)
    CommandItem.objects.create(command=command, listing=listing, offer_id=listing.offer_id, kind=Command.QUANTITY,
                               outcome=CommandItem.OK, changed_since=now - timedelta(seconds=2.5), confirmed_at=now)

    page = _page(owner_client.get(reverse("panel:sync")))

    assert "01.07.2026 12:00:05" in page  # UTC 10:00 is 12:00 in Warsaw in summer
    assert "16.01.2026 00:30:00" in page  # and 23:30 UTC is past midnight in winter
    assert "HTTP 503 od kanału" in page
    assert "2,5 s" in page
    assert f"1 / {OFFER_CHANGES[0].count}<" in page and f"1 / {OFFER_CHANGES[1].count}<" in page
    assert f"0 / {PRICE_CHANGES[0].count}<" in page  # a stock change is no price change


# ---------------------------------------------------------------- held plans
def test_the_held_plan_page_explains_the_reasons_and_the_sample(owner_client):
    plan = _held(_account())

    page = _page(owner_client.get(reverse("panel:sync_held", args=[plan.pk])))

    assert "12 z 40 ofert" in page and "12 ofert" in page
    assert 'id="plan-changes">14<' in page
    for text in ("KUB-1", "stan", "19,99 zł", "1,99 zł", "cena", "oferta zakończona", "Było", "Będzie"):
        assert text in page, text
    assert 'id="approve"' in page and 'id="reject"' in page and "csrfmiddlewaretoken" in page
    assert "nic z tego planu nie zostanie wysłane" in page.lower()


@pytest.mark.parametrize("action, state, said", [("approve", HeldPlan.APPROVED, "zatwierdzony"),
                                                   ("reject", HeldPlan.REJECTED, "odrzucony")])
def test_deciding_a_plan_changes_its_state_once(owner_client, owner, action, state, said):
    account = _account()
    plan = _held(account)
    raise_alert(held_alert_key(account.pk), kind="sync-held", title="t", message="m", account=account)
    url = reverse("panel:sync_held", args=[plan.pk])

    response = owner_client.post(url, {"action": action})

    assert response.status_code == 302 and response.url == reverse("panel:sync")
    plan.refresh_from_db()
    assert (plan.state, plan.decided_by, plan.decided_by_name) == (state, owner, owner.username)
    decided_at = plan.decided_at
    assert not Alert.objects.filter(key=held_alert_key(account.pk), resolved_at__isnull=True).exists()
    page = owner_client.get(response.url)
    assert said in _messages(page)
    assert f'id="held-{plan.pk}"' not in _page(page)

    again = owner_client.post(url, {"action": "reject" if action == "approve" else "approve"}, follow=True)

    assert "już rozstrzygnięty" in _messages(again) and said in _messages(again)
    plan.refresh_from_db()
    assert (plan.state, plan.decided_at) == (state, decided_at)
    assert 'id="approve"' not in _page(owner_client.get(url))


def test_a_plan_decided_meanwhile_is_reported_not_decided_again(owner_client, monkeypatch):
    from magazynier.panel import views_sync
    from magazynier.sync.actions import decide

    plan = _held(_account())

    def someone_else_first(plan_id, approve, user=None):
        decide(plan_id, False, name="cli")
        return decide(plan_id, approve, user=user)

    monkeypatch.setattr(views_sync, "decide", someone_else_first)
    response = owner_client.post(reverse("panel:sync_held", args=[plan.pk]), {"action": "approve"}, follow=True)

    assert "już rozstrzygnięty" in _messages(response)
    plan.refresh_from_db()
    assert (plan.state, plan.decided_by_name) == (HeldPlan.REJECTED, "cli")


# ---------------------------------------------------------------- offers
def test_the_offers_page_filters_problems(owner_client):
    account = _account()
    _listing(account, "A-OK", confirmed_quantity=4, confirmed_price=Decimal("12.50"))
    _listing(account, "B-ERR", last_error="Allegro odrzuciło cenę")
    _listing(account, "C-CONF", conflict=Listing.DUPLICATE_SKU)
    _entry(_listing(account, "D-QUAR"), failures=5, quarantined_at=timezone.now(), last_error="422 z kanału")
    _entry(_listing(account, "E-RETRY"), failures=1, last_error="timeout")
    url = reverse("panel:sync_offers", args=[account.pk])

    everything = _page(owner_client.get(url))
    problems = _page(owner_client.get(url, {"problems": "1"}))

    for header in ("Stan potwierdzony", "Cena potwierdzona", "Ostatnie opóźnienie", "Kwarantanna", "tylko problemy"):
        assert header in everything, header
    assert 'data-sku="A-OK"' in everything and "12,50 zł" in everything
    assert 'data-sku="A-OK"' not in problems
    for sku in ("B-ERR", "C-CONF", "D-QUAR", "E-RETRY"):
        assert f'data-sku="{sku}"' in problems, sku
    assert "Allegro odrzuciło cenę" in problems and "422 z kanału" in problems
    assert "odłożona" in problems  # quarantined
    assert 'name="problems" value="1" checked' in problems


def test_retrying_the_quarantine_sends_the_offers_again(owner_client):
    account = _account()
    entry = _entry(_listing(account, "Q-1"), failures=5, quarantined_at=timezone.now())

    response = owner_client.post(reverse("panel:sync_retry", args=[account.pk]), follow=True)

    assert "1" in _messages(response) and "kwarantann" in _messages(response)
    entry.refresh_from_db()
    assert (entry.quarantined_at, entry.failures) == (None, 0)
    assert owner_client.get(reverse("panel:sync_retry", args=[account.pk])).status_code == 405


# ---------------------------------------------------------------- settings
def _settings_form(**values) -> dict:
    return {"share_percent": "", "cap": "", "priority": "100", "buffer": "0", "at_buffer": "zero",
            "guard_zero_percent": "20", "guard_zero_min": "5", "guard_price_drop_percent": "30",
            "guard_max_changes": "20000", **values}


def test_the_settings_form_saves_through_the_engine(owner_client):
    account = _account()
    main = Warehouse.objects.create(code="glowny", name="Główny")
    Warehouse.objects.create(code="sklep", name="Sklep stacjonarny")
    listing = _listing(account, "S-1")
    url = reverse("panel:sync_settings", args=[account.pk])

    page = _page(owner_client.get(url))
    assert "Nic jeszcze nie zapisano" in page and "Główny (glowny)" in page

    response = owner_client.post(url, _settings_form(share_percent="12,5", cap="40", buffer="2", at_buffer="end",
                                                     warehouses=[main.pk]), follow=True)

    assert "zapisane" in _messages(response)
    stored = AccountSyncSettings.objects.get(account=account)
    assert (stored.share_percent, stored.cap, stored.buffer, stored.at_buffer) == (Decimal("12.5"), 40, 2, "end")
    assert list(stored.warehouses.all()) == [main]
    assert OutboxEntry.objects.filter(listing=listing).exists()  # every listing is looked at again
    assert 'value="12,50"' in _page(response)

    response = owner_client.post(url, _settings_form(share_percent="", warehouses=[]))
    stored.refresh_from_db()
    assert response.status_code == 302 and stored.share_percent is None and not stored.warehouses.exists()


def test_field_errors_are_shown_next_to_the_fields_in_polish(owner_client):
    account = _account()
    url = reverse("panel:sync_settings", args=[account.pk])

    response = owner_client.post(url, _settings_form(share_percent="150", buffer="-1"))

    page = _page(response)
    assert response.status_code == 200
    assert "nie zostały zapisane" in _messages(response)
    share = page[page.index('id="field-share_percent"'):page.index('id="field-cap"')]
    assert "errorlist" in share and "100" in share
    buffer = page[page.index('id="field-buffer"'):page.index('id="field-at_buffer"')]
    assert "errorlist" in buffer and "0" in buffer
    assert not AccountSyncSettings.objects.exists()


def test_shares_above_100_percent_are_refused_with_nothing_saved(owner_client):
    first, second = _account("Sklep A"), _account("Sklep B")
    AccountSyncSettings.objects.create(account=first, share_percent=Decimal("60"))
    listing = _listing(second, "X-1")
    url = reverse("panel:sync_settings", args=[second.pk])

    response = owner_client.post(url, _settings_form(share_percent="50", buffer="3"))

    page = _page(response)
    assert response.status_code == 200
    assert 'id="form-errors"' in page
    errors = page[page.index('id="form-errors"'):page.index("</div></div>", page.index('id="form-errors"'))]
    assert "Nie zapisano" in errors and "100 %" in errors
    assert "Sklep A: 60 %" in errors and "Sklep B: 50 %" in errors
    assert not AccountSyncSettings.objects.filter(account=second).exists()
    assert AccountSyncSettings.objects.get(account=first).share_percent == Decimal("60")
    assert not OutboxEntry.objects.filter(listing=listing).exists()

    second_try = owner_client.post(url, _settings_form(share_percent="40"))  # the unsaved row is created anew
    assert second_try.status_code == 302
    assert AccountSyncSettings.objects.get(account=second).share_percent == Decimal("40")


# ---------------------------------------------------------------- back office
def test_the_back_office_shows_the_engine_state_read_only(owner_client):
    account = _account()
    plan = _held(account)
    listing = _listing(account, "ADM-1")
    entry = _entry(listing, failures=1, last_error="timeout")
    command = Command.objects.create(account=account, kind=Command.QUANTITY, command_id=uuid.uuid4(), value="3",
                                     created_at=timezone.now())
    CommandItem.objects.create(command=command, listing=listing, offer_id=listing.offer_id, kind=Command.QUANTITY,
                               changed_since=timezone.now())
    settings = AccountSyncSettings.objects.create(account=account, share_percent=Decimal("30"))

    for model, pk in (("heldplan", plan.pk), ("outboxentry", entry.pk), ("command", command.pk),
                      ("accountsyncsettings", settings.pk)):
        assert owner_client.get(reverse(f"admin:sync_{model}_changelist")).status_code == 200, model
        page = _page(owner_client.get(reverse(f"admin:sync_{model}_change", args=[pk])))
        assert ('name="_save"' in page) == (model == "accountsyncsettings"), model
    assert listing.offer_id in _page(owner_client.get(reverse("admin:sync_command_change", args=[command.pk])))
    assert owner_client.get(reverse("admin:sync_heldplan_add")).status_code == 403

    other = _account("Drugi")
    response = owner_client.post(reverse("admin:sync_accountsyncsettings_add"), {
        **_settings_form(share_percent="80"), "account": other.pk})
    assert response.status_code == 200 and "100 %" in _page(response)
    assert not AccountSyncSettings.objects.filter(account=other).exists()

    other_listing = _listing(other, "ADM-2")
    response = owner_client.post(reverse("admin:sync_accountsyncsettings_add"), {
        **_settings_form(share_percent="70"), "account": other.pk})
    assert response.status_code == 302
    assert AccountSyncSettings.objects.get(account=other).share_percent == Decimal("70")
    assert OutboxEntry.objects.filter(listing=other_listing).exists()  # saved through the engine
