"""The notifications page ("Powiadomienia"): open and recently resolved alerts, who hears about them (alert
recipients: add, edit, switch off, remove, send a test message) and the last messages sent.

A recipient's addresses are Apprise URLs holding passwords and tokens: the pages show only each address's
scheme (mailtos, json…), the forms never render them back, and errors name a line, never its text.
Seeing the page needs `notifications.view_recipient`; every change and test message needs
`notifications.change_recipient` (the owner).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from magazynier.notifications.delivery import scheme, send_test
from magazynier.notifications.models import SEVERITY_RANK, Alert, Delivery, Recipient
from magazynier.panel.forms_alerts import RecipientForm
from magazynier.panel.permissions import needs

VIEW = "notifications.view_recipient"
CHANGE = "notifications.change_recipient"
RESOLVED_SHOWN = 20
DELIVERIES_SHOWN = 50

changes = needs(lambda request: CHANGE)
secret_addresses = sensitive_post_parameters("addresses")  # kept out of Django's error reports


def schemes(recipient: Recipient) -> str:
    """"mailtos, json": how a recipient is reached, without the addresses themselves."""
    return ", ".join(scheme(url) for url in recipient.url_list()) or "—"


def _back(recipient: Recipient | None = None) -> HttpResponseRedirect:
    url = reverse("panel:alerts")
    return HttpResponseRedirect(f"{url}#recipient-{recipient.pk}" if recipient else f"{url}#recipients")


def _recipient_rows() -> list[dict]:
    latest = Delivery.objects.filter(recipient=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    recipients = list(Recipient.objects.select_related("account").annotate(last_delivery_id=Subquery(latest)))
    last = Delivery.objects.select_related("alert").in_bulk(
        [r.last_delivery_id for r in recipients if r.last_delivery_id])
    return [{"recipient": r, "schemes": schemes(r), "last": last.get(r.last_delivery_id)} for r in recipients]


def _page(request, form: RecipientForm | None, *, status: int = 200):
    rank = Case(*[When(severity=code, then=Value(n)) for code, n in SEVERITY_RANK.items()],
                default=Value(0), output_field=IntegerField())
    open_alerts = (Alert.objects.filter(resolved_at__isnull=True).select_related("account")
                   .order_by(rank.desc(), "-created_at"))  # the most severe first
    resolved = (Alert.objects.filter(resolved_at__isnull=False).select_related("account")
                .order_by("-resolved_at")[:RESOLVED_SHOWN])
    deliveries = (Delivery.objects.select_related("alert", "recipient").defer("recipient__urls")
                  .order_by("-created_at", "-pk")[:DELIVERIES_SHOWN])
    return render(request, "panel/alerts.html", {
        "open_alerts": list(open_alerts), "resolved_alerts": list(resolved), "rows": _recipient_rows(),
        "deliveries": list(deliveries), "form": form, "can_change": request.user.has_perm(CHANGE),
        "active_count": Recipient.objects.filter(is_active=True).count(),
        "resolved_shown": RESOLVED_SHOWN, "deliveries_shown": DELIVERIES_SHOWN,
    }, status=status)


@secret_addresses
@needs(lambda request: CHANGE if request.method == "POST" else VIEW)
def alerts(request):
    """The page; its POST adds a recipient (400 with the form's errors when something is wrong)."""
    if request.method == "POST":
        form = RecipientForm(request.POST)
        if form.is_valid():
            recipient = form.save()
            messages.success(request, _("Recipient %(name)s added (%(schemes)s). Send a test message to check "
                                        "that alerts reach them.") % {"name": recipient.name,
                                                                      "schemes": schemes(recipient)})
            return _back(recipient)
        messages.error(request, _("The recipient was not added: correct what is marked in the form."))
        return _page(request, form, status=400)
    return _page(request, RecipientForm() if request.user.has_perm(CHANGE) else None)


@secret_addresses
@changes
def edit(request, pk: int):
    recipient = get_object_or_404(Recipient.objects.select_related("account"), pk=pk)
    name, transports = recipient.name, schemes(recipient)
    form = RecipientForm(request.POST or None, instance=recipient)
    if request.method == "POST":
        if form.is_valid():
            recipient = form.save()
            if form.cleaned_data["addresses"]:
                messages.success(request, _("Recipient %(name)s saved with new addresses (%(schemes)s).")
                                 % {"name": recipient.name, "schemes": schemes(recipient)})
            else:
                messages.success(request, _("Recipient %(name)s saved; the addresses are unchanged.")
                                 % {"name": recipient.name})
            return _back(recipient)
        messages.error(request, _("Nothing was saved: correct what is marked in the form."))
    return render(request, "panel/alerts_edit.html", {
        "form": form, "recipient": recipient, "name": name, "schemes": transports,
    }, status=400 if request.method == "POST" else 200)


@changes
@require_POST
def set_active(request, pk: int):
    recipient = get_object_or_404(Recipient, pk=pk)
    recipient.is_active = request.POST.get("active") == "1"
    recipient.save(update_fields=["is_active"])
    if recipient.is_active:
        messages.success(request, _("%(name)s gets alerts again.") % {"name": recipient.name})
    else:
        messages.success(request, _("%(name)s is switched off: no alerts go there until you switch it on "
                                    "again.") % {"name": recipient.name})
    return _back(recipient)


@changes
@require_POST
def delete(request, pk: int):
    recipient = get_object_or_404(Recipient, pk=pk)
    name = recipient.name
    recipient.delete()
    messages.success(request, _("Recipient %(name)s removed, with the history of its messages.") % {"name": name})
    return _back()


@changes
@require_POST
def test(request, pk: int | None = None):
    """A test message now, to one recipient (even a switched-off one) or to every active one."""
    if pk is not None:
        recipients = [get_object_or_404(Recipient, pk=pk)]
    else:
        recipients = list(Recipient.objects.filter(is_active=True))
        if not recipients:
            messages.warning(request, _("There is no active recipient to send a test message to. Add one first."))
            return _back()
    for delivery in send_test(recipients):
        name = delivery.recipient.name
        if delivery.state == Delivery.SENT:
            messages.success(request, _("Test message to %(name)s sent via %(via)s.")
                             % {"name": name, "via": delivery.via})
        else:
            messages.error(request, _("Test message to %(name)s was not sent: %(error)s")
                           % {"name": name, "error": delivery.last_error or "?"})
    return _back(recipients[0] if pk is not None else None)
