"""The sync page in a real browser: the owner sees a held plan, opens it, approves it, and it is gone."""

import pytest

from magazynier.channels.models import ChannelAccount
from magazynier.panel.tests.test_browser import OUTPUT, browser, log_in, page  # noqa: F401
from magazynier.sync.models import HeldPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_approves_a_held_plan(page, live_server, owner):  # noqa: F811
    account = ChannelAccount.objects.create(name="Sklep na Allegro", environment=ChannelAccount.EMULATOR,
                                            api_url="http://127.0.0.1:9", auth_url="http://127.0.0.1:9",
                                            client_id="x")
    plan = HeldPlan.objects.create(
        account=account, changes=[[1, "quantity", "0"]],
        reasons=[{"code": "too_many_to_zero", "count": 30,
                  "message": "30 z 40 ofert wystawionych na sprzedaż spadłoby do 0 (limit to 20 %)."}],
        summary={"changes": 30, "sample": [{"sku": "KUB-1", "kind": "quantity", "old": "7", "new": "0"}]})

    log_in(page, live_server)
    page.click("nav >> text=Synchronizacja")

    held = page.locator(f"#held-{plan.pk}")
    held.wait_for()
    assert "Zmiany wstrzymane do Twojej decyzji" in held.inner_text()
    assert "30 z 40 ofert" in held.inner_text()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "sync-held.png"), full_page=True)
    held.locator("text=Zobacz wstrzymany plan").click()

    page.wait_for_selector("h1:has-text('Wstrzymane zmiany dla Sklep na Allegro')")
    assert "czeka na Twoją decyzję" in page.locator("#plan-state").inner_text()
    assert "KUB-1" in page.locator("#sample").inner_text()
    page.screenshot(path=str(OUTPUT / "sync-held-plan.png"), full_page=True)
    page.click("#approve")

    page.wait_for_selector(".messages")
    assert page.url.rstrip("/").endswith("/sync")
    assert "Plan dla Sklep na Allegro jest zatwierdzony" in page.locator(".messages").inner_text()
    assert page.locator(f"#held-{plan.pk}").count() == 0
    assert page.locator(f"#sync-{account.pk} [data-count=held]").inner_text() == "0"
    plan.refresh_from_db()
    assert (plan.state, plan.decided_by_name) == (HeldPlan.APPROVED, "wlasciciel")
