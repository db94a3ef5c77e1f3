"""Sales channels in the panel: connecting Allegro accounts, category mapping, parameters, conflicts and the
staged offer rollout (preview first, then a run in the background); connecting WooCommerce shops (address and
REST API keys), importing their products, linking them by SKU and keeping their order webhooks alive.

Reading these pages needs `channels.view_channelaccount`; every change (any POST, connecting, a preview that
asks Allegro) needs `channels.change_channelaccount`. The owner role has both.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from magazynier.catalog.models import Category, Variant
from magazynier.channels import code_flow
from magazynier.channels.actions import set_writers
from magazynier.channels.categories import (
    accept_mapping,
    categories_needing_mapping,
    category_parameters,
    known_category,
    map_category,
)
from magazynier.channels.connections import allegro_connector, woo_connector, writers_active, writers_killed
from magazynier.channels.errors import ChannelError, NotFound
from magazynier.channels.linking import link_offers
from magazynier.channels.matching import resolve_ambiguous
from magazynier.channels.models import (
    CategoryMapping,
    ChannelAccount,
    Credential,
    Listing,
    OfferRun,
    ProductMatch,
    SiteCategory,
    Webhook,
)
from magazynier.channels.offer_plan import BLOCKED, CONFLICT, CREATE, UNCHANGED, UPDATE
from magazynier.channels.offers import drafts_for, make_plan
from magazynier.channels.shop_connection import (
    ShopConnectionError,
    connect_shop,
    delivery_url,
    ensure_webhooks,
    import_products,
    public_url,
    unreachable_alert_key,
)
from magazynier.channels.tasks import link_offers_task, offer_run_task, suggest_categories_task
from magazynier.channels.woocommerce.connector import ORDER_TOPICS
from magazynier.notifications.models import Alert
from magazynier.panel.forms_channels import ConnectForm, FixedValuesForm, ScopeForm, ShopConnectForm
from magazynier.panel.permissions import needs

VIEW, CHANGE = "channels.view_channelaccount", "channels.change_channelaccount"
PLAN_ROWS_SHOWN = 300  # a preview lists this many items; the counts cover all of them
JSON_SHOWN = 1500  # characters of one old/new value in the preview
CATEGORY_ID = re.compile(r"^[0-9A-Za-z_-]{1,100}$")
RUN_STALE_AFTER = timedelta(hours=3)  # a send still "in progress" after this is taken as dead (worker crash)
PROBLEMS_SHOWN = 5  # import problems named in the message after a shop import (the rest are counted)
SHOP_WAIT = 30.0  # seconds a page that reads a whole shop may wait for the shop's rate budget


reads = needs(lambda request: CHANGE if request.method == "POST" else VIEW)  # GET shows, POST changes
changes = needs(lambda request: CHANGE)


def _account(pk: int) -> ChannelAccount:
    """An Allegro account (the pages that only Allegro has: categories, parameters, offers)."""
    return get_object_or_404(ChannelAccount, pk=pk, kind=ChannelAccount.ALLEGRO)


def _any_account(pk: int) -> ChannelAccount:
    """An account of any channel (summary, writers switch, conflicts)."""
    return get_object_or_404(ChannelAccount, pk=pk)


def _is_shop(account: ChannelAccount) -> bool:
    return account.kind == ChannelAccount.WOOCOMMERCE


def _open_alerts(accounts):
    return Alert.objects.filter(account__in=accounts, resolved_at__isnull=True).select_related("account")


def _later(task, *args) -> None:
    transaction.on_commit(lambda: task(*args))


def _counts(queryset):
    return queryset.annotate(
        offers=Count("listings", filter=~Q(listings__offer_id="") & Q(listings__variant__isnull=False), distinct=True),
        active=Count("listings", filter=Q(listings__offer_status="ACTIVE", listings__variant__isnull=False),
                     distinct=True),
        conflicts=Count("listings", filter=~Q(listings__conflict=""), distinct=True),
    )


def _valid_until(account: ChannelAccount):
    credential = Credential.objects.filter(account=account).only("refresh_expires_at").first()
    return credential.refresh_expires_at if credential else None


def _account_context(account: ChannelAccount, tab: str) -> dict:
    return {"account": account, "tab": tab, "writers_killed": writers_killed(),
            "writers_active": writers_active(account), "is_shop": _is_shop(account)}


def _connected(request, account: ChannelAccount) -> bool:
    """Whether the channel can be asked now; if not, say what to do (every page that asks a channel calls it)."""
    if account.is_connected:
        return True
    if account.status == ChannelAccount.PENDING:
        messages.error(request, _("The account is not connected: connect it first."))
    elif _is_shop(account):
        messages.error(request, _("The shop no longer accepts Magazynier's API keys. Nothing is synchronised "
                                  "until you connect it again with new keys."))
    else:
        messages.error(request, _("Allegro no longer accepts Magazynier's authorisation for this account. "
                                  "Nothing is synchronised until you connect it again."))
    return False


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


# ---------------------------------------------------------------- shops: order webhooks
HOOK_STATUS_LABELS = {"active": gettext_lazy("active"), "paused": gettext_lazy("paused"),
                      "disabled": gettext_lazy("switched off by the shop")}


def _webhook_health(account: ChannelAccount, hooks: list[Webhook], alerts) -> dict:
    """Whether the shop tells Magazynier about orders: `ok`, and otherwise `reason` (what is wrong, from the
    last check); `rejected` counts deliveries Magazynier refused (forged, unsigned or malformed)."""
    by_topic = {h.topic: h for h in hooks}
    failing = next((a for a in alerts if a.account_id == account.pk and a.key == unreachable_alert_key(account)),
                   None)
    reason = failing.message if failing is not None else ""
    for topic in ORDER_TOPICS:
        if reason:
            break
        hook = by_topic.get(topic)
        if hook is None:
            reason = _("The webhook %(topic)s is not set up in the shop. Click “Check webhooks”.") % {"topic": topic}
        elif hook.last_error:
            reason = f"{topic}: {hook.last_error}"
        elif hook.status != "active":
            reason = _("The shop has switched the webhook %(topic)s off (status: %(status)s). Click “Check "
                       "webhooks” to switch it on again.") % {"topic": topic,
                                                              "status": HOOK_STATUS_LABELS.get(hook.status,
                                                                                               hook.status or "?")}
    rejected = [h for h in hooks if h.rejected]
    return {"ok": not reason, "reason": reason, "rejected": sum(h.rejected for h in hooks),
            "last_rejected_at": max((h.last_rejected_at for h in rejected if h.last_rejected_at), default=None)}


def _hook_rows(hooks: list[Webhook]) -> list[dict]:
    return [{"hook": h, "status": HOOK_STATUS_LABELS.get(h.status, h.status or "—"), "active": h.status == "active"}
            for h in sorted(hooks, key=lambda h: h.topic)]


def _webhook_messages(request, report) -> None:
    """What a check of the shop's webhooks found (after connecting, or the "Check webhooks" button)."""
    if report.created:
        messages.info(request, _("Webhooks created in the shop: %(topics)s.") % {"topics": ", ".join(report.created)})
    if report.reactivated:
        messages.warning(request, _("These webhooks were switched off or deleted in the shop and have been "
                                    "restored: %(topics)s.") % {"topics": ", ".join(report.reactivated)})
    if report.failed:
        messages.warning(request, _("Order notifications (webhooks) do not work: %(error)s. Until this is fixed "
                                    "Magazynier reads orders by polling the shop, which is slower. The shop must be "
                                    "able to reach Magazynier at %(url)s (MAGAZYNIER_PUBLIC_URL).")
                         % {"error": next(iter(report.failed.values())), "url": public_url()})
    else:
        messages.success(request, _("Order notifications (webhooks) work: the shop tells Magazynier about every "
                                    "new or changed order."))


# ---------------------------------------------------------------- accounts
@reads
def channels(request):
    accounts = list(_counts(ChannelAccount.objects.filter(kind=ChannelAccount.ALLEGRO)))
    for account in accounts:
        account.valid_until = _valid_until(account)
    shops = list(_counts(ChannelAccount.objects.filter(kind=ChannelAccount.WOOCOMMERCE))
                 .prefetch_related("webhooks"))
    alerts = list(_open_alerts(accounts + shops))
    for shop in shops:
        shop.health = _webhook_health(shop, list(shop.webhooks.all()), alerts)
    return render(request, "panel/channels/index.html", {
        "accounts": accounts, "shops": shops, "alerts": alerts, "writers_killed": writers_killed(),
    })


@reads
def account_detail(request, pk: int):
    account = _any_account(pk)
    if _is_shop(account):
        return _shop_detail(request, account)
    counted = _counts(ChannelAccount.objects.filter(pk=account.pk)).get()
    return render(request, "panel/channels/account.html", {
        **_account_context(account, "summary"),
        "counted": counted, "valid_until": _valid_until(account), "alerts": _open_alerts([account]),
        "unmapped": categories_needing_mapping(account).count(),
        "ambiguous": ProductMatch.objects.filter(site=account.site, status=ProductMatch.AMBIGUOUS).count(),
        "runs": account.offer_runs.select_related("created_by")[:5],
    })


@changes
@require_POST
def account_writers(request, pk: int):
    account = _any_account(pk)
    enabled = request.POST.get("enabled") == "1"
    set_writers(account, enabled)
    if enabled:
        messages.success(request, _("Sending changes to %(name)s is on.") % {"name": account.name})
        if writers_killed():
            messages.warning(request, _("Nothing is sent anyway while the installation's switch "
                                        "MAGAZYNIER_WRITERS_OFF is set."))
    elif _is_shop(account):
        messages.success(request, _("Sending changes to %(name)s is off: nothing will be sent to the shop.")
                         % {"name": account.name})
    else:
        messages.success(request, _("Sending changes to %(name)s is off: nothing will be sent to Allegro.")
                         % {"name": account.name})
    return _back(request, reverse("panel:channels_account", args=[account.pk]))


@changes
@require_POST
def account_remove(request, pk: int):
    """Only an account that never got connected (an abandoned attempt) can be removed here."""
    account = _any_account(pk)
    if account.status != ChannelAccount.PENDING or account.external_user_id:
        messages.error(request, _("Only an account that was never connected can be removed."))
    else:
        account.delete()
        messages.success(request, _("The unfinished connection was removed."))
    return redirect("panel:channels")


# ---------------------------------------------------------------- connecting (authorization code flow)
def _connect(request, account: ChannelAccount | None):
    form = ConnectForm(request.POST or None, account=account)
    redirect_uri = request.build_absolute_uri(reverse("panel:allegro_callback"))
    if request.method == "POST" and form.is_valid():
        try:
            url = code_flow.start(request.session, code_flow.ConnectRequest(**form.request_fields()),
                                  redirect_uri=redirect_uri)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(url)
    return render(request, "panel/channels/connect.html", {
        "form": form, "account": account, "redirect_uri": redirect_uri,
    })


@changes
def connect(request):
    return _connect(request, None)


@changes
def reconnect(request, pk: int):
    return _connect(request, _account(pk))


@changes
def allegro_callback(request):
    try:
        account = code_flow.finish(request.session, request.GET)
    except code_flow.FlowError as exc:
        problem = str(exc)
    except ChannelError as exc:
        problem = _("Allegro refused to complete the connection: %(error)s. Start connecting again; if it "
                    "happens again, check the client ID and secret of your application.") % {"error": exc}
    except ValueError as exc:  # signed in as another seller than the account being reconnected
        problem = str(exc)
    else:
        messages.success(request, _("Allegro account %(login)s is connected. Sending changes stays off until "
                                    "you turn it on.") % {"login": account.login or account.name})
        return redirect("panel:channels_account", pk=account.pk)
    return render(request, "panel/channels/connect_error.html", {"problem": problem}, status=400)


# ---------------------------------------------------------------- WooCommerce shops
@changes
def woo_connect(request):
    """Connect a shop with its address and REST API keys, or connect one again with new keys (`?account=`)."""
    account = None
    if request.GET.get("account", "").isdigit():
        account = get_object_or_404(ChannelAccount, pk=int(request.GET["account"]), kind=ChannelAccount.WOOCOMMERCE)
    form = ShopConnectForm(request.POST or None, account=account)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                done = connect_shop(**form.connect_fields())
            except ShopConnectionError as exc:
                form.add_error(None, str(exc))
            else:
                _connected_messages(request, done)
                return redirect("panel:channels_account", pk=done.account.pk)
    return render(request, "panel/channels/shop_connect.html", {
        "form": form, "account": account, "public_url": public_url(),
    }, status=status)


def _connected_messages(request, done) -> None:
    account = done.account
    shop = {"name": account.name, "url": account.api_url}
    connected = (_("Connected: %(name)s (%(url)s).") % shop if done.created else
                 _("Connected again with the new keys: %(name)s (%(url)s).") % shop)
    writers = (_("Sending changes to the shop is on, as it was before.") if account.writers_enabled else
               _("Sending changes to the shop stays off until you turn it on: first import the shop's products or "
                 "link them by SKU, and resolve the conflicts."))
    messages.success(request, f"{connected} {writers}")
    if done.currency and done.currency != "PLN":
        messages.warning(request, _("The shop's currency is %(currency)s, while prices in Magazynier are in PLN. "
                                    "Check the prices before you turn on sending changes.")
                         % {"currency": done.currency})
    _webhook_messages(request, done.webhooks)


SHOP_ACTIONS = ("import", "link", "webhooks")


def _shop_detail(request, account: ChannelAccount):
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in SHOP_ACTIONS:
            messages.error(request, _("Nothing was changed."))
        elif _connected(request, account):
            {"import": _shop_import, "link": _shop_link, "webhooks": _shop_webhooks}[action](request, account)
        return redirect("panel:channels_account", pk=account.pk)
    counted = _counts(ChannelAccount.objects.filter(pk=account.pk)).get()
    hooks = list(account.webhooks.all())
    alerts = list(_open_alerts([account]))
    return render(request, "panel/channels/shop_account.html", {
        **_account_context(account, "summary"),
        "counted": counted, "alerts": alerts, "hooks": _hook_rows(hooks),
        "health": _webhook_health(account, hooks, alerts), "delivery_url": delivery_url(account),
    })


def _links_message(report) -> str:
    return _("Linked by SKU: %(linked)d; SKUs repeated in the shop: %(duplicate)d; SKUs not in the catalog: "
             "%(unknown)d; without SKU: %(no_sku)d.") % {
        "linked": report.linked, "duplicate": report.duplicate, "unknown": report.unknown_sku,
        "no_sku": report.no_sku}


def _shop_import(request, account: ChannelAccount) -> None:
    """The shop's products and variations into the catalog, then linked by SKU (as `magazynier woocommerce
    import`). Runs while the page waits: the channels' tasks have no import yet."""
    connector = woo_connector(account, max_wait=SHOP_WAIT)
    problems = []
    try:
        summary, _links = import_products(account, connector, user=request.user, on_problem=problems.append,
                                          link=False)
    except ChannelError as exc:
        messages.error(request, _("The shop's products could not be read: %(error)s") % {"error": exc})
        return
    messages.success(request, _("Imported from the shop: %(products)d new products; variants: %(created)d new, "
                                "%(updated)d changed; stock changes: %(stock)d.") % {
        "products": summary.products_created, "created": summary.variants_created,
        "updated": summary.variants_updated, "stock": summary.stock_changes})
    if problems:
        shown = "; ".join(p.message for p in problems[:PROBLEMS_SHOWN])
        more = len(problems) - PROBLEMS_SHOWN
        messages.warning(request, ngettext("%(n)d product of the shop needs attention: %(shown)s",
                                           "%(n)d products of the shop need attention: %(shown)s", len(problems))
                         % {"n": len(problems), "shown": shown}
                         + (" " + _("… and %(more)d more.") % {"more": more} if more > 0 else ""))
    try:
        report = link_offers(account, connector)
    except ChannelError as exc:
        messages.error(request, _("The products were imported, but linking them failed: %(error)s. Click “Link by "
                                  "SKU” to try again.") % {"error": exc})
        return
    messages.success(request, _links_message(report))


def _shop_link(request, account: ChannelAccount) -> None:
    _later(link_offers_task, account.pk)
    messages.success(request, _("Magazynier is reading the shop's products and linking them to your catalog by "
                                "SKU. Refresh this page in a minute."))


def _shop_webhooks(request, account: ChannelAccount) -> None:
    try:
        report = ensure_webhooks(account, woo_connector(account))
    except ChannelError as exc:
        messages.error(request, _("The shop could not be asked about its webhooks: %(error)s") % {"error": exc})
        return
    _webhook_messages(request, report)


# ---------------------------------------------------------------- categories
def _choose_category(request, account: ChannelAccount, category: Category, category_id: str) -> None:
    if not CATEGORY_ID.match(category_id):
        messages.error(request, _("Enter an Allegro category ID: the number shown in the category's address."))
        return
    try:
        channel_category = known_category(account, allegro_connector(account), category_id)
    except NotFound:
        messages.error(request, _("Allegro has no category with ID %(id)s.") % {"id": category_id})
        return
    except ChannelError as exc:
        messages.error(request, _("Allegro could not be asked about the category: %(error)s") % {"error": exc})
        return
    if not channel_category.leaf:
        messages.error(request, _("“%(path)s” is not a last-level category: Allegro lists offers only in the "
                                  "last level of its tree. Choose one of its subcategories.")
                       % {"path": channel_category.path})
        return
    try:
        with transaction.atomic():
            mapping = map_category(account, category, channel_category)
    except ValueError as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, _("%(shop)s → %(allegro)s saved.")
                     % {"shop": category.path, "allegro": mapping.channel_category_path})


@reads
def categories(request, pk: int):
    account = _account(pk)
    mappings = {m.category_id: m for m in CategoryMapping.objects.filter(site=account.site)}
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("suggest", "choose", "set_id") and not _connected(request, account):
            pass
        elif action == "suggest":
            _later(suggest_categories_task, account.pk)
            messages.success(request, _("Suggestions are being prepared from Allegro's product catalog and "
                                        "category search. Refresh this page in a minute."))
        elif action == "accept_all":
            accepted = 0
            for mapping in mappings.values():
                if mapping.status == CategoryMapping.SUGGESTED:
                    accept_mapping(mapping)
                    accepted += 1
            messages.success(request, _("Accepted suggestions: %(n)d.") % {"n": accepted})
        else:
            category = get_object_or_404(Category, pk=request.POST.get("category") or 0)
            mapping = mappings.get(category.pk)
            if action == "accept" and mapping is not None:
                accept_mapping(mapping)
                messages.success(request, _("%(shop)s → %(allegro)s accepted.")
                                 % {"shop": category.path, "allegro": mapping.channel_category_path})
            elif action == "choose" and mapping is not None:
                chosen = request.POST.get("alternative", "")
                offered = {mapping.channel_category_id, *(str(a.get("id")) for a in mapping.alternatives)}
                if chosen not in offered:
                    messages.error(request, _("Choose one of the suggested categories."))
                else:
                    _choose_category(request, account, category, chosen)
            elif action == "set_id":
                _choose_category(request, account, category, request.POST.get("channel_category_id", "").strip())
            else:
                messages.error(request, _("Nothing was changed."))
        return redirect("panel:channels_categories", pk=account.pk)

    rows = []
    shop_categories = (Category.objects.filter(products__is_active=True)
                       .annotate(n=Count("products", filter=Q(products__is_active=True), distinct=True))
                       .order_by("path"))
    for category in shop_categories:
        mapping = mappings.get(category.pk)
        order = 0 if mapping is None else 1 if mapping.status == CategoryMapping.SUGGESTED else 2
        rows.append({"category": category, "mapping": mapping, "order": order})
    rows.sort(key=lambda r: r["order"])
    return render(request, "panel/channels/categories.html", {
        **_account_context(account, "categories"), "rows": rows,
        "suggested": sum(1 for r in rows if r["order"] == 1), "unmapped": sum(1 for r in rows if r["order"] < 2),
    })


# ---------------------------------------------------------------- parameters
@reads
def parameters(request, pk: int):
    account = _account(pk)
    accepted = list(CategoryMapping.objects.filter(site=account.site, status=CategoryMapping.ACCEPTED)
                    .select_related("category").order_by("channel_category_path", "category__path"))
    if request.method == "POST":
        mapping = get_object_or_404(CategoryMapping, pk=request.POST.get("mapping") or 0, site=account.site,
                                    status=CategoryMapping.ACCEPTED)
        if request.POST.get("action") == "fetch":
            if not _connected(request, account):
                return redirect("panel:channels_parameters", pk=account.pk)
            try:
                category_parameters(account, allegro_connector(account), mapping.channel_category_id)
            except ChannelError as exc:
                messages.error(request, _("Allegro could not be asked for the parameters: %(error)s")
                               % {"error": exc})
            else:
                messages.success(request, _("Parameters of %(path)s downloaded.")
                                 % {"path": mapping.channel_category_path})
        else:
            form = FixedValuesForm(request.POST, prefix=f"m{mapping.pk}", values=mapping.fixed_values,
                                   parameters=category_parameters(account, None, mapping.channel_category_id))
            if form.is_valid():
                mapping.fixed_values = form.merged(mapping.fixed_values)
                mapping.save(update_fields=["fixed_values", "updated_at"])
                messages.success(request, _("Values for %(shop)s saved.") % {"shop": mapping.category.path})
            else:
                messages.error(request, _("Some values were not accepted: choose them from the lists."))
        return redirect(reverse("panel:channels_parameters", args=[account.pk]) + f"#cat-{mapping.channel_category_id}")

    cached: dict[str, list[dict]] = {}

    def params_of(category_id: str) -> list[dict]:
        if category_id not in cached:
            cached[category_id] = category_parameters(account, None, category_id)
        return cached[category_id]

    paths = {m.channel_category_id: m.channel_category_path for m in accepted}
    sections: dict[str, dict] = {}

    def section(category_id: str) -> dict:
        if category_id not in sections:
            sections[category_id] = {"id": category_id, "path": paths.get(category_id, ""), "rows": [],
                                     "editors": [], "has_parameters": bool(params_of(category_id))}
        return sections[category_id]

    for mapping in accepted:
        form = FixedValuesForm(prefix=f"m{mapping.pk}", values=mapping.fixed_values,
                               parameters=params_of(mapping.channel_category_id))
        section(mapping.channel_category_id)["editors"].append({"mapping": mapping, "form": form})

    variants = (Variant.objects.filter(product__is_active=True, product__category__in=[m.category_id for m in accepted])
                .order_by("sku"))
    by_sku = {v.sku: v for v in variants.select_related("product")}
    for draft in drafts_for(account, None, variants):
        category_id = str((draft.payload.get("category") or {}).get("id") or "")
        if not category_id:
            continue
        problems = list(draft.parameter_blockers)
        if problems:
            section(category_id)["rows"].append({"variant": by_sku.get(draft.sku), "sku": draft.sku,
                                                 "problems": problems})
    missing_paths = [cid for cid, s in sections.items() if not s["path"]]
    for site_category in SiteCategory.objects.filter(site=account.site, category_id__in=missing_paths):
        sections[site_category.category_id]["path"] = site_category.path
    ordered = sorted(sections.values(), key=lambda s: (not s["rows"], s["path"] or s["id"]))
    return render(request, "panel/channels/parameters.html", {
        **_account_context(account, "parameters"), "sections": ordered,
        "blocked": sum(len(s["rows"]) for s in ordered), "accepted": accepted,
    })


# ---------------------------------------------------------------- conflicts
@reads
def conflicts(request, pk: int):
    account = _any_account(pk)
    if request.method == "POST":
        if request.POST.get("action") == "link":
            if not _connected(request, account):
                return redirect("panel:channels_conflicts", pk=account.pk)
            if _is_shop(account):
                _shop_link(request, account)
            else:
                _later(link_offers_task, account.pk)
                messages.success(request, _("Magazynier is reading your Allegro offers and linking them by SKU. "
                                            "Refresh this page in a minute."))
        elif _is_shop(account):
            messages.error(request, _("Nothing was changed."))
        else:
            match = get_object_or_404(ProductMatch, pk=request.POST.get("match") or 0, site=account.site,
                                      status=ProductMatch.AMBIGUOUS)
            choice = request.POST.get("product", "")
            ids = {c["id"] for c in match.candidates}
            if choice == "none":
                resolve_ambiguous(match, None)
                messages.success(request, _("%(sku)s will be listed without a link to Allegro's catalog.")
                                 % {"sku": match.variant.sku})
            elif choice in ids:
                resolve_ambiguous(match, choice)
                messages.success(request, _("%(sku)s is linked to “%(name)s”.")
                                 % {"sku": match.variant.sku, "name": match.product_name})
            else:
                messages.error(request, _("Choose one of the products Allegro found, or “none of these”."))
        return redirect("panel:channels_conflicts", pk=account.pk)

    ambiguous = [] if _is_shop(account) else list(
        ProductMatch.objects.filter(site=account.site, status=ProductMatch.AMBIGUOUS)
        .select_related("variant__product").order_by("variant__sku"))
    category_ids = {c.get("category") for m in ambiguous for c in m.candidates if c.get("category")}
    paths = dict(SiteCategory.objects.filter(site=account.site, category_id__in=category_ids)
                 .values_list("category_id", "path"))
    for match in ambiguous:
        match.choices = [{**c, "path": paths.get(c.get("category"), c.get("category") or "")}
                         for c in match.candidates]
    listings = list(Listing.objects.filter(account=account).exclude(conflict="").select_related("variant"))
    for li in listings:
        li.link = _offer_link(account, li.offer_id)
        li.links = [{"id": o, "url": _offer_link(account, o)} for o in li.conflict_offers or []]
    return render(request, "panel/channels/conflicts.html", {
        **_account_context(account, "conflicts"), "ambiguous": ambiguous,
        "duplicates": [li for li in listings if li.conflict == Listing.DUPLICATE_SKU],
        "unknown": [li for li in listings if li.conflict == Listing.UNKNOWN_SKU],
        "no_sku": [li for li in listings if li.conflict == Listing.NO_SKU],
    })


def _offer_link(account: ChannelAccount, offer_id: str) -> str:
    """Where the seller edits an offer or a shop's product ("" for the Allegro emulator, which has no offer
    pages). A shop's variation "12:34" is edited on its parent product's page."""
    if not offer_id:
        return ""
    if _is_shop(account):
        parent = offer_id.partition(":")[0]
        return f"{account.api_url.rstrip('/')}/wp-admin/post.php?post={parent}&action=edit" if parent.isdigit() else ""
    if account.environment == ChannelAccount.EMULATOR:
        return ""
    return account.auth_url.rstrip("/") + "/oferta/" + offer_id


# ---------------------------------------------------------------- offers: preview and runs
def _pretty(value) -> str:
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return text if len(text) <= JSON_SHOWN else text[:JSON_SHOWN] + "\n…"


CONFLICT_LABELS = dict(Listing.CONFLICTS)


def _plan_rows(plan) -> list[dict]:
    rows = []
    for item in plan.items[:PLAN_ROWS_SHOWN]:
        reasons = [str(CONFLICT_LABELS.get(r, r)) for r in item.reasons]
        rows.append({
            "sku": item.sku, "action": item.action, "title": item.draft.payload.get("name", ""),
            "offer_id": item.offer_id, "activate": item.activate, "fields": item.changed_fields,
            "reasons": reasons, "notes": item.draft.notes,
            "diff": [{"field": f, "old": None if old is None else _pretty(old), "new": _pretty(new)}
                     for f, old, new in item.diff],
        })
    return rows


@reads
def offers(request, pk: int):
    account = _account(pk)
    previewing = "preview" in request.GET
    form = ScopeForm(request.GET if previewing else None)
    context = {**_account_context(account, "offers"), "form": form,
               "runs": account.offer_runs.select_related("created_by")[:10]}
    if previewing and form.is_valid():
        if not request.user.has_perm(CHANGE):
            raise PermissionDenied
        if not _connected(request, account):
            return render(request, "panel/channels/offers.html", context)
        try:
            plan = make_plan(account, allegro_connector(account), form.scope())
        except ChannelError as exc:
            messages.error(request, _("Allegro could not be asked for the preview: %(error)s") % {"error": exc})
        else:
            counts = {CREATE: plan.count(CREATE), UPDATE: plan.count(UPDATE), UNCHANGED: plan.count(UNCHANGED),
                      BLOCKED: plan.count(BLOCKED), CONFLICT: plan.count(CONFLICT), "activate": plan.to_activate}
            context.update({
                "plan": plan, "counts": counts, "rows": _plan_rows(plan), "total": len(plan.items),
                "shown": min(len(plan.items), PLAN_ROWS_SHOWN), "scope": form.scope_dict(),
                "sendable": counts[CREATE] + counts[UPDATE] + counts["activate"] > 0,
            })
    return render(request, "panel/channels/offers.html", context)


@changes
@require_POST
def offers_send(request, pk: int):
    account = _account(pk)
    form = ScopeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The scope is not valid any more; prepare the preview again."))
        return redirect("panel:channels_offers", pk=account.pk)
    if not writers_active(account):
        messages.error(request, _("Sending changes to this account is off. Turn it on first (account summary), "
                                  "then send again."))
        return redirect("panel:channels_offers", pk=account.pk)
    busy = account.offer_runs.filter(status__in=[OfferRun.QUEUED, OfferRun.RUNNING],
                                     created_at__gte=timezone.now() - RUN_STALE_AFTER).first()
    if busy is not None:
        messages.error(request, _("A send to this account is still in progress. Wait until it finishes, then "
                                  "send again."))
        return redirect("panel:channels_run", pk=account.pk, run_id=busy.pk)
    run = OfferRun.objects.create(account=account, scope=form.scope_dict(), created_by=request.user)
    _later(offer_run_task, run.pk)
    return redirect("panel:channels_run", pk=account.pk, run_id=run.pk)


def _run(account: ChannelAccount, run_id: int) -> OfferRun:
    return get_object_or_404(OfferRun.objects.select_related("created_by"), pk=run_id, account=account)


@reads
def offer_run(request, pk: int, run_id: int):
    account = _account(pk)
    run = _run(account, run_id)
    report = run.report or {}
    return render(request, "panel/channels/run.html", {
        **_account_context(account, "offers"), "run": run, "report": report,
        "percent": int(100 * report.get("done", 0) / report["total"]) if report.get("total") else 0,
    })


@reads
def offer_run_status(request, pk: int, run_id: int):
    run = _run(_account(pk), run_id)
    report = run.report or {}
    return JsonResponse({"status": run.status, "done": report.get("done", 0), "total": report.get("total", 0)})
