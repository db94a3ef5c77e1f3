"""`magazynier sync …` as an operator uses it."""

from __future__ import annotations

import pytest

from magazynier.channels.models import ChannelAccount
from magazynier.cli import main
from magazynier.sync.models import AccountSyncSettings, HeldPlan


@pytest.fixture
def accounts(db):
    def make(name):
        return ChannelAccount.objects.create(name=name, environment=ChannelAccount.EMULATOR,
                                             api_url="http://127.0.0.1:9/", auth_url="http://127.0.0.1:9/",
                                             client_id="cli", external_user_id=name)
    return make("Sklep A"), make("Sklep B")


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")


def test_held_plans_are_listed_and_decided(accounts, capsys):
    plan = HeldPlan.objects.create(
        account=accounts[0], reasons=[{"code": "too_many_to_zero", "message": "25 of 25 offers would drop to 0",
                                        "count": 25}],
        summary={"changes": 25, "sample": [{"sku": "woo-tshirt", "kind": "publication", "old": "live", "new": "END"}]},
        changes=[[1, "publication", "END"]])
    assert main(["sync", "held"]) == 0
    out = capsys.readouterr().out
    assert f"Plan {plan.pk}" in out and "25 of 25 offers would drop to 0" in out and "woo-tshirt" in out
    assert main(["sync", "reject", str(plan.pk), "--by", "Ania"]) == 0
    plan.refresh_from_db()
    assert plan.state == HeldPlan.REJECTED and plan.decided_by_name == "Ania"
    assert main(["sync", "approve", str(plan.pk)]) == 2, "a decided plan cannot be decided again"
    assert "already" in capsys.readouterr().out


def test_status_shows_each_account_and_its_budget(accounts, capsys):
    assert main(["sync", "status"]) == 0
    out = capsys.readouterr().out
    assert "Sklep A" in out and "Sklep B" in out and "0/8550" in out and "wyłączone" in out


def test_shares_above_100_percent_are_refused_and_nothing_is_saved(accounts, capsys):
    assert main(["sync", "settings", "--account", "Sklep A", "--share", "60"]) == 0
    assert main(["sync", "settings", "--account", "Sklep B", "--share", "50", "--buffer", "3"]) == 2
    out = capsys.readouterr().out
    assert "110" in out
    assert AccountSyncSettings.objects.get(account=accounts[0]).share_percent == 60
    assert not AccountSyncSettings.objects.filter(account=accounts[1]).exists()
    assert main(["sync", "settings", "--account", "Sklep B", "--share", "30", "--buffer", "3", "--at-buffer",
                 "end"]) == 0
    saved = AccountSyncSettings.objects.get(account=accounts[1])
    assert (saved.share_percent, saved.buffer, saved.at_buffer) == (30, 3, "end")
