"""The sync engine in the panel ("Synchronizacja"): what each account's engine is doing, plans the guard held
(approve / reject), offers with problems, and each account's allocation, buffer and guard settings.

The pages only read (sync.status) and call sync.actions for every change; they never write engine rows.
Reading needs `sync.view_heldplan` (owner and warehouse); deciding a held plan needs `sync.change_heldplan`,
retrying quarantined offers `sync.change_outboxentry`, saving settings `sync.change_accountsyncsettings`
(the owner has all of them).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from magazynier.channels.connections import writers_killed
from magazynier.channels.models import ChannelAccount
from magazynier.inventory.availability import AllocationError
from magazynier.notifications.models import Alert
from magazynier.panel.forms_sync import SyncSettingsForm
from magazynier.panel.permissions import needs
from magazynier.sync import planning
from magazynier.sync.actions import DecisionError, decide, retry_quarantined, save_settings
from magazynier.sync.desired import settings_of
from magazynier.sync.models import AccountSyncSettings, HeldPlan
from magazynier.sync.status import all_statuses, listing_rows

VIEW = "sync.view_heldplan"
DECIDE = "sync.change_heldplan"
RETRY = "sync.change_outboxentry"
SETTINGS = "sync.change_accountsyncsettings"
ROWS_SHOWN = 200  # offers listed on the offers page

KIND_LABELS = {planning.QUANTITY: gettext_lazy("stock"), planning.PRICE: gettext_lazy("price"),
               planning.PUBLICATION: gettext_lazy("publication")}
PUBLICATION_LABELS = {planning.END: gettext_lazy("offer ended"), planning.ACTIVATE: gettext_lazy("offer active")}


reads = needs(lambda request: VIEW)


def _account(pk: int) -> ChannelAccount:
    return get_object_or_404(ChannelAccount, pk=pk)


def duration(seconds: float | None) -> str:
    """A latency for people: "0,8 s", "2 min 5 s", "3 h 10 min"; "—" when unknown."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{number_format(round(seconds, 1), 1)} s"
    whole = int(round(seconds))
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _budget(label, used: int, limit: int) -> dict:
    percent = min(100, round(100 * used / limit)) if limit else 0
    return {"label": label, "used": used, "limit": limit, "percent": percent,
            "level": "bad" if percent >= 90 else "warn" if percent >= 60 else "ok"}


def _card(status) -> dict:
    return {
        "status": status, "account": status.account,
        "budgets": [_budget(_("offer changes in the last minute"), status.changes_last_minute, status.minute_limit),
                    _budget(_("offer changes in the last hour"), status.changes_last_hour, status.hour_limit),
                    _budget(_("price changes in the last hour"), status.price_changes_last_hour,
                            status.price_hour_limit)],
        "p50": duration(status.latency_p50), "p99": duration(status.latency_p99),
    }


def _sync_alerts(accounts):
    return (Alert.objects.filter(account__in=accounts, resolved_at__isnull=True, kind__startswith="sync")
            .select_related("account"))


# ---------------------------------------------------------------- status of every account
@reads
def overview(request):
    cards = [_card(s) for s in all_statuses()]
    return render(request, "panel/sync/index.html", {
        "cards": cards, "writers_killed": writers_killed(),
        "alerts": _sync_alerts([c["account"] for c in cards]),
    })


@needs(lambda request: RETRY)
@require_POST
def retry(request, pk: int):
    account = _account(pk)
    count = retry_quarantined(account)
    if count:
        messages.success(request, _("%(count)d offers of %(name)s left the quarantine and will be sent again.")
                         % {"count": count, "name": account.name})
    else:
        messages.info(request, _("No offer of %(name)s is in quarantine.") % {"name": account.name})
    return redirect("panel:sync")


# ---------------------------------------------------------------- held plans
def _value(kind: str, value) -> str:
    if value in (None, ""):
        return "—"
    if kind == planning.PUBLICATION:
        return str(PUBLICATION_LABELS.get(value, value))
    if kind == planning.PRICE:
        try:
            return f"{number_format(Decimal(str(value)), 2)} zł"
        except (InvalidOperation, ValueError):
            return str(value)
    return str(value)


def _sample(plan: HeldPlan) -> list[dict]:
    rows = []
    for item in (plan.summary or {}).get("sample") or []:
        kind = item.get("kind", "")
        rows.append({"sku": item.get("sku", ""), "kind": str(KIND_LABELS.get(kind, kind)),
                     "old": _value(kind, item.get("old")), "new": _value(kind, item.get("new"))})
    return rows


def _already_decided(request, plan: HeldPlan) -> None:
    if plan.state == HeldPlan.APPROVED:
        messages.warning(request, _("This plan was already decided: it was approved. Nothing was changed."))
    else:
        messages.warning(request, _("This plan was already decided: it was rejected. Nothing was changed."))


@needs(lambda request: DECIDE if request.method == "POST" else VIEW)
def held_plan(request, plan_id: int):
    plan = get_object_or_404(HeldPlan.objects.select_related("account", "decided_by"), pk=plan_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("approve", "reject"):
            messages.error(request, _("Nothing was changed."))
            return redirect("panel:sync_held", plan_id=plan.pk)
        if plan.state != HeldPlan.HELD:
            _already_decided(request, plan)
            return redirect("panel:sync")
        try:
            decide(plan.pk, action == "approve", user=request.user)
        except DecisionError:  # decided meanwhile (another user, the CLI)
            plan.refresh_from_db()
            _already_decided(request, plan)
            return redirect("panel:sync")
        if action == "approve":
            messages.success(request, _("The plan for %(name)s is approved: what is pending now will be sent.")
                             % {"name": plan.account.name})
        else:
            messages.success(request, _("The plan for %(name)s is rejected: nothing of it is sent. An offer is "
                                        "planned again when its data changes.") % {"name": plan.account.name})
        return redirect("panel:sync")
    summary = plan.summary or {}
    sample = _sample(plan)
    return render(request, "panel/sync/held.html", {
        "plan": plan, "account": plan.account, "reasons": plan.reasons or [],
        "changes": summary.get("changes", len(plan.changes or [])), "sample": sample,
    })


# ---------------------------------------------------------------- offers of one account
@reads
def offers(request, pk: int):
    account = _account(pk)
    problems = request.GET.get("problems") == "1"
    rows = listing_rows(account, problems_only=problems, limit=ROWS_SHOWN)
    for row in rows:
        listing, entry = row["listing"], row["entry"]
        row["latency_text"] = duration(row["latency"])
        row["error"] = listing.last_error or (entry.last_error if entry else "")
    return render(request, "panel/sync/offers.html", {
        "account": account, "tab": "offers", "rows": rows, "problems": problems,
        "limited": len(rows) >= ROWS_SHOWN, "shown": ROWS_SHOWN,
    })


# ---------------------------------------------------------------- settings of one account
def _shares_text(account: ChannelAccount, form: SyncSettingsForm) -> str:
    """Every account's share as the page would store it, e.g. "Sklep A: 60 %, Sklep B: 50 %"."""
    shares = dict(AccountSyncSettings.objects.values_list("account_id", "share_percent"))
    shares[account.pk] = form.cleaned_data.get("share_percent")
    names = dict(ChannelAccount.objects.values_list("pk", "name"))
    return ", ".join(f"{names.get(pk, pk)}: {_percent(share)} %"
                     for pk, share in sorted(shares.items(), key=lambda item: str(names.get(item[0])))
                     if share is not None)


def _percent(share: Decimal) -> str:
    """60.00 → "60", 12.50 → "12,5" (in Polish)."""
    text = format(Decimal(share).quantize(Decimal("0.01")), "f").rstrip("0").rstrip(".")
    return number_format(Decimal(text))


def _save(request, account: ChannelAccount, form: SyncSettingsForm) -> bool:
    settings = form.save(commit=False)
    settings.account = account
    try:
        save_settings(settings, warehouses=form.cleaned_data["warehouses"])
    except AllocationError as exc:
        shares = _shares_text(account, form)
        form.add_error(None, _("Not saved: the accounts' allocation rules do not fit together. Shares of the "
                               "accounts that sell from the same warehouse may add up to at most 100 %.")
                       + (" " + _("Shares now: %(shares)s.") % {"shares": shares} if shares else "")
                       + " " + _("Details: %(error)s") % {"error": exc})
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    else:
        return True
    if settings.pk and not AccountSyncSettings.objects.filter(pk=settings.pk).exists():
        settings.pk = None  # the row was rolled back: the next attempt creates it
    return False


@needs(lambda request: SETTINGS if request.method == "POST" else VIEW)
def settings_page(request, pk: int):
    account = _account(pk)
    settings = settings_of(account)
    read_only = not request.user.has_perm(SETTINGS)
    form = SyncSettingsForm(request.POST or None, instance=settings, read_only=read_only)
    if request.method == "POST":
        if form.is_valid() and _save(request, account, form):
            messages.success(request, _("Settings of %(name)s saved. Every offer is checked again.")
                             % {"name": account.name})
            return redirect("panel:sync_settings", pk=account.pk)
        messages.error(request, _("The settings were not saved: correct what is marked below."))
    return render(request, "panel/sync/settings.html", {
        "account": account, "tab": "settings", "form": form, "read_only": read_only,
        "stored": settings.pk is not None,
    })

