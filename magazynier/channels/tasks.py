"""Huey tasks for the channel pages: category suggestions, linking existing offers (Allegro's offers, a shop's
products), offer runs.

The panel queues them after its transaction commits. A task that fails says so where the seller looks: an
alert on the account (suggestions, linking) or the run's own status and report (offer runs).
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from magazynier.channels.categories import suggest_mappings
from magazynier.channels.connections import allegro_connector, connector_for, writers_active, writers_killed
from magazynier.channels.errors import ChannelError
from magazynier.channels.linking import link_offers
from magazynier.channels.models import ChannelAccount, OfferRun
from magazynier.channels.offers import apply_plan, make_plan
from magazynier.channels.scope import Scope
from magazynier.notifications.actions import raise_alert, resolve_alert
from magazynier.notifications.models import Alert

log = logging.getLogger(__name__)


def suggestions_alert_key(account: ChannelAccount) -> str:
    return f"category-suggestions-failed:{account.pk}"


def linking_alert_key(account: ChannelAccount) -> str:
    return f"offer-linking-failed:{account.pk}"


def _background(account: ChannelAccount, key: str, work, title: str) -> None:
    try:
        if not account.is_connected:
            raise RuntimeError(_("The account is not connected: connect it first."))
        work(account, connector_for(account))
    except (ChannelError, RuntimeError) as exc:
        log.warning("%s for account %s: %s", key, account.pk, exc)
        if account.kind == ChannelAccount.WOOCOMMERCE:
            message = _("The shop's products could not be read: %(error)s") % {"error": exc}
        else:
            message = _("Allegro answered: %(error)s. Try again in a few minutes; if it keeps failing, check that "
                        "the account is connected.") % {"error": exc}
    except Exception as exc:  # the seller hears that it failed; the details go to the log
        log.exception("%s for account %s", key, account.pk)
        message = _("Unexpected error (%(kind)s); details are in the server log.") % {"kind": type(exc).__name__}
    else:
        resolve_alert(key)
        return
    raise_alert(key, kind=key.split(":")[0], severity=Alert.WARNING, account=account, title=title, message=message)


def run_suggestions(account_id: int) -> None:
    account = ChannelAccount.objects.get(pk=account_id)
    _background(account, suggestions_alert_key(account), suggest_mappings,
                _("Category suggestions for %(name)s could not be prepared") % {"name": account.name})


def run_linking(account_id: int) -> None:
    account = ChannelAccount.objects.get(pk=account_id)
    _background(account, linking_alert_key(account), link_offers,
                _("Existing offers of %(name)s could not be linked") % {"name": account.name})


def scope_of(run: OfferRun) -> Scope:
    data = run.scope or {}
    return Scope(tags=tuple(data.get("tags") or ()), categories=tuple(data.get("categories") or ()),
                 skus=tuple(data.get("skus") or ()), limit=data.get("limit") or None)


def _finish(run: OfferRun, status: str, report: dict) -> None:
    run.status, run.report, run.finished_at = status, report, timezone.now()
    run.save(update_fields=["status", "report", "finished_at"])


def execute_offer_run(run_id: int, *, poll_interval: float = 1.0) -> OfferRun:
    """Plan the run's scope again and send it (create, update, activate); the report lands on the run."""
    run = OfferRun.objects.select_related("account").get(pk=run_id)
    if run.status != OfferRun.QUEUED:
        return run
    account = run.account
    if not writers_active(account):
        reason = (_("Sending changes is switched off for the whole installation (MAGAZYNIER_WRITERS_OFF).")
                  if writers_killed() else
                  _("Sending changes to this account is off, or the account is not connected. Nothing was sent."))
        _finish(run, OfferRun.FAILED, {"error": reason})
        return run
    run.status = OfferRun.RUNNING
    run.report = {"done": 0, "total": 0}
    run.save(update_fields=["status", "report"])
    try:
        connector = allegro_connector(account)
        plan = make_plan(account, connector, scope_of(run))
        done = 0

        def progress(item) -> None:
            nonlocal done
            done += 1
            OfferRun.objects.filter(pk=run.pk).update(report={"done": done, "total": len(plan.items)})

        OfferRun.objects.filter(pk=run.pk).update(report={"done": 0, "total": len(plan.items)})
        report = apply_plan(account, connector, plan, progress=progress, poll_interval=poll_interval)
    except (ChannelError, RuntimeError) as exc:
        _finish(run, OfferRun.FAILED, {"error": str(exc)})
    except Exception as exc:  # the seller sees that it failed; the details go to the log
        log.exception("offer run %s failed", run.pk)
        _finish(run, OfferRun.FAILED, {"error": _("Unexpected error (%(kind)s); details are in the server log.")
                                       % {"kind": type(exc).__name__}})
    else:
        data = asdict(report)
        data["failed"] = [list(pair) for pair in report.failed]
        data["planned"] = {"items": len(plan.items), "blocked": plan.count("blocked"),
                           "conflict": plan.count("conflict"), "unchanged": plan.count("unchanged")}
        _finish(run, OfferRun.DONE, data)
    return run


@db_task(retries=0)
def suggest_categories_task(account_id: int) -> None:
    run_suggestions(account_id)


@db_task(retries=0)
def link_offers_task(account_id: int) -> None:
    run_linking(account_id)


@db_task(retries=0)
def offer_run_task(run_id: int) -> None:
    execute_offer_run(run_id)


@db_periodic_task(crontab(minute="17"))
def renew_authorisations() -> None:
    """Every hour: renew Allegro authorisations that would lapse within a week (channels/renewal.py)."""
    from magazynier.channels.renewal import renew_expiring

    renew_expiring()
