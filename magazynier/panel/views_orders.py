"""Orders in the panel ("Zamówienia"): one list for every channel and one page per order, where the seller
moves the order on (status, tracking numbers, matching an unknown line) and may look at the buyer's data.

The pages only read the orders models; every change goes through orders.actions, whose refusals
(OrderActionError) are shown as they are. Reading needs `orders.view_order` (owner, warehouse, accountant);
every change needs `orders.change_order` (owner, warehouse). The buyer's personal data is never on a page
by default: a POST shows it and records who looked (orders.actions.record_contact_view). Whoever may change
orders sees the contact (name, e-mail, phone, address) and the invoice details; the accountant only the
invoice details.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from magazynier.channels import types as t
from magazynier.orders.actions import (
    OrderActionError,
    add_shipment,
    change_status,
    match_line,
    record_contact_view,
    retry_push,
)
from magazynier.orders.carriers import carrier_label
from magazynier.orders.models import Order, OrderLine, Shipment
from magazynier.orders.status import CLOSED, SHIPPED, allowed_next, label
from magazynier.panel.forms_orders import MatchLineForm, OrderFilterForm, StatusForm, TrackingForm
from magazynier.panel.permissions import needs
from magazynier.sync.order_store import feeding_warehouses

VIEW, CHANGE = "orders.view_order", "orders.change_order"
PAGE_SIZE = 50
LINES_IN_SUMMARY = 3  # lines named in the list; the rest are counted

STOCK_TEXTS = {
    Order.STOCK_NONE: gettext_lazy("no stock taken for this order"),
    Order.STOCK_RESERVED: gettext_lazy("units reserved in the warehouse"),
    Order.STOCK_RELEASED: gettext_lazy("units returned to stock"),
    Order.STOCK_SHIPPED: gettext_lazy("units left the warehouse (sold)"),
}

reads = needs(lambda request: VIEW)
changes = needs(lambda request: CHANGE)


def money(amount, currency: str = "PLN") -> str:
    """An amount as a Polish seller reads it: "1 234,50 zł" (grouped, two decimals); "—" when unknown."""
    if amount is None:
        return "—"
    text = number_format(Decimal(amount), 2, force_grouping=True)
    return f"{text}\u00a0{'zł' if currency == 'PLN' else currency}"


def status_level(status: str) -> str:
    """The badge colour of a status: done (shipped), closed (cancelled, returned), or still to handle."""
    return "ok" if status in SHIPPED else "muted" if status in CLOSED else "warn"


def _flags(order: Order, *, waiting: bool, failed: bool) -> list[dict]:
    """The badges of an order in the list and on its page."""
    flags = []
    if order.unmatched:
        flags.append({"code": "unmatched", "level": "warn", "text": _("unmatched")})
    if order.oversold:
        flags.append({"code": "oversold", "level": "bad", "text": _("oversold")})
    if order.invoice_requested:
        flags.append({"code": "invoice", "level": "muted", "text": _("invoice")})
    if waiting:
        flags.append({"code": "waiting", "level": "muted", "text": _("waiting to be sent to the channel")})
    if failed:
        flags.append({"code": "failed", "level": "bad", "text": _("sending failed")})
    return flags


def _status_failed(order: Order) -> bool:
    """The channel refused the seller's last status for good (a transient error keeps push_status)."""
    return bool(order.push_error) and not order.push_status


def _lines_summary(lines: list[OrderLine]) -> str:
    named = ", ".join(f"{line.quantity} × {line.sku or line.name}" for line in lines[:LINES_IN_SUMMARY])
    rest = len(lines) - LINES_IN_SUMMARY
    return named + (" " + _("(+%(count)d more)") % {"count": rest} if rest > 0 else "")


# ---------------------------------------------------------------- the list
@reads
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    orders = (Order.objects.select_related("account")
              .annotate(waiting_shipment=Exists(Shipment.objects.filter(order=OuterRef("pk"),
                                                                        state=Shipment.PENDING)),
                        failed_shipment=Exists(Shipment.objects.filter(order=OuterRef("pk"), state=Shipment.FAILED)))
              .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
              .order_by("-bought_at", "-pk"))
    if form.is_bound:
        form.is_valid()
        orders = form.filter(orders)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for order in page:
        lines = list(order.lines.all())
        rows.append({
            "order": order, "status": label(order.status), "status_level": status_level(order.status),
            "total": money(order.total, order.currency),
            "lines": _lines_summary(lines), "units": sum(line.quantity for line in lines),
            "flags": _flags(order, waiting=bool(order.push_status) or order.waiting_shipment,
                            failed=_status_failed(order) or order.failed_shipment),
        })
    return render(request, "panel/orders/list.html", {
        "form": form, "page": page, "rows": rows, "filtered": form.is_bound and form.active,
    })


# ---------------------------------------------------------------- one order
def _order(pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("account"), pk=pk)


def _address(address: dict | None) -> list[str]:
    """A postal address as the lines of an envelope."""
    if not address:
        return []
    town = " ".join(part for part in (address.get("postal_code", ""), address.get("city", "")) if part)
    return [part for part in (address.get("name", ""), address.get("company", ""), address.get("street", ""),
                              town, address.get("country", "")) if part]


def _filled(value) -> bool:
    """Whether a (nested) document holds anything at all."""
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return bool(value)


def _available(order: Order, user) -> dict:
    """Which of the buyer's data this user could be shown (without showing it)."""
    contact = user.has_perm(CHANGE) and order.pseudonymised_at is None and _filled(order.contact_data())
    return {"contact": contact, "invoice": _filled(order.invoice_data())}


def _personal(order: Order, user) -> dict:
    """What the user may see of the buyer: the contact (who may change orders) and the invoice details."""
    available = _available(order, user)
    data = {"contact": None, "invoice": None}
    if available["contact"]:
        contact = order.contact_data()
        delivery = contact.get("delivery") or {}
        data["contact"] = {
            "login": contact.get("login", ""), "name": contact.get("name", ""),
            "email": contact.get("email", ""), "phone": contact.get("phone", ""),
            "delivery": _address(delivery), "delivery_phone": delivery.get("phone", ""),
            "pickup_point": contact.get("pickup_point", ""), "message": contact.get("message", ""),
        }
    if available["invoice"]:
        invoice = order.invoice_data()
        data["invoice"] = {"company": invoice.get("company", ""), "tax_id": invoice.get("tax_id", ""),
                           "person": invoice.get("person", ""), "address": _address(invoice.get("address"))}
    return data


def _detail(request, order: Order, *, status_form=None, tracking_form=None, match_form=None, personal=None,
            status: int = 200):
    may_change = request.user.has_perm(CHANGE)
    lines = list(order.lines.select_related("variant").order_by("pk"))
    shipments = list(order.shipments.select_related("created_by"))
    events = list(order.events.select_related("user"))
    goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    next_statuses = allowed_next(order.status)
    failed_shipments = [s for s in shipments if s.state == Shipment.FAILED]
    waiting_shipments = [s for s in shipments if s.state == Shipment.PENDING]
    line_rows = []
    for line in lines:
        form = None
        if not line.matched and may_change:
            form = match_form if match_form is not None and match_form.line.pk == line.pk else MatchLineForm(line=line)
        line_rows.append({"line": line, "unit_price": money(line.unit_price, order.currency),
                          "value": money(line.unit_price * line.quantity, order.currency), "form": form})
    return render(request, "panel/orders/detail.html", {
        "order": order, "status_label": label(order.status), "status_level": status_level(order.status), "lines": line_rows,
        "stock_text": STOCK_TEXTS.get(order.stock_state, order.stock_state),
        "goods": money(goods, order.currency), "delivery_cost": money(order.delivery_cost, order.currency),
        "total": money(order.total, order.currency),
        "paid": money(order.paid_amount, order.currency) if order.paid_amount is not None else "",
        "flags": _flags(order, waiting=bool(order.push_status) or bool(waiting_shipments),
                        failed=_status_failed(order) or bool(failed_shipments)),
        "push_label": label(order.push_status) if order.push_status else "",
        "status_failed": _status_failed(order),
        "shipments": [{"shipment": s, "carrier": carrier_label(s.carrier_id, s.carrier_name)} for s in shipments],
        "events": events, "may_change": may_change,
        "status_form": status_form or (StatusForm(current=order.status) if next_statuses and may_change else None),
        "tracking_form": (tracking_form or TrackingForm()) if may_change and order.status != t.CANCELLED else None,
        "may_retry": may_change and (bool(failed_shipments) or _status_failed(order)),
        "personal": personal, "available": _available(order, request.user),
    }, status=status)


@reads
def order_detail(request, pk: int):
    return _detail(request, _order(pk))


@reads
@require_POST
def show_contact(request, pk: int):
    """Shows the buyer's data on this response only (never stored in the session), and logs the view."""
    order = _order(pk)
    personal = _personal(order, request.user)
    if personal["contact"] or personal["invoice"]:
        record_contact_view(order, request.user, invoice_only=personal["contact"] is None)
    else:
        messages.info(request, _("There is no buyer data you may see on this order."))
    return _detail(request, order, personal=personal)


def _refused(request, order: Order, exc: OrderActionError):
    messages.error(request, str(exc))
    return redirect("panel:orders_detail", pk=order.pk)


@changes
@require_POST
def set_status(request, pk: int):
    order = _order(pk)
    form = StatusForm(request.POST, current=order.status)
    if not form.is_valid():
        messages.error(request, _("The status was not changed: choose one of the offered statuses."))
        return redirect("panel:orders_detail", pk=order.pk)
    before = order.status
    try:
        change_status(order, form.cleaned_data["status"], user=request.user)
    except OrderActionError as exc:
        return _refused(request, order, exc)
    messages.success(request, _("Status of order %(number)s changed: %(old)s → %(new)s. Magazynier sends it to "
                                "%(channel)s.") % {"number": order.number, "old": label(before),
                                                   "new": label(form.cleaned_data["status"]),
                                                   "channel": order.account.name})
    return redirect("panel:orders_detail", pk=order.pk)


@changes
@require_POST
def add_tracking(request, pk: int):
    order = _order(pk)
    form = TrackingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The tracking number was not added: correct what is marked below."))
        return _detail(request, order, tracking_form=form)
    data = form.cleaned_data
    try:
        shipment = add_shipment(order, data["carrier"], data["waybill"], carrier_name=data["carrier_name"],
                                user=request.user)
    except OrderActionError as exc:
        messages.error(request, str(exc))
        return _detail(request, order, tracking_form=form)
    messages.success(request, _("Tracking number %(waybill)s (%(carrier)s) added. Magazynier sends it to "
                                "%(channel)s.") % {"waybill": shipment.waybill,
                                                   "carrier": carrier_label(shipment.carrier_id,
                                                                            shipment.carrier_name),
                                                   "channel": order.account.name})
    return redirect("panel:orders_detail", pk=order.pk)


@changes
@require_POST
def retry(request, pk: int):
    order = _order(pk)
    failed = order.shipments.filter(state=Shipment.FAILED).count()
    status_failed = _status_failed(order)
    if not failed and not status_failed:
        messages.info(request, _("Nothing failed: there is nothing to send again."))
        return redirect("panel:orders_detail", pk=order.pk)
    try:
        retry_push(order, user=request.user)
    except OrderActionError as exc:
        return _refused(request, order, exc)
    order.refresh_from_db()
    if failed:
        messages.success(request, _("Magazynier sends the tracking numbers to %(channel)s again.")
                         % {"channel": order.account.name})
    if status_failed and _status_failed(order):  # the status is not queued again: the seller decides
        messages.warning(request, _("The status “%(status)s” was not sent again: check the order on %(channel)s "
                                    "and set its status once more.") % {"status": label(order.status),
                                                                        "channel": order.account.name})
    elif status_failed:
        messages.success(request, _("Magazynier sends the status “%(status)s” to %(channel)s again.")
                         % {"status": label(order.status), "channel": order.account.name})
    return redirect("panel:orders_detail", pk=order.pk)


@changes
@require_POST
def assign_line(request, pk: int, line_id: int):
    order = _order(pk)
    line = get_object_or_404(OrderLine, pk=line_id, order=order)
    form = MatchLineForm(request.POST, line=line)
    if not form.is_valid():
        messages.error(request, _("The line was not assigned: correct what is marked below."))
        return _detail(request, order, match_form=form)
    variant = form.cleaned_data["sku"]
    try:
        match_line(line, variant, user=request.user, warehouse_ids=feeding_warehouses(order.account))
    except OrderActionError as exc:
        return _refused(request, order, exc)
    order.refresh_from_db()
    text = _("Line %(line)s assigned to %(sku)s.") % {"line": line.sku or line.name, "sku": variant.sku}
    if order.stock_state == Order.STOCK_RESERVED:
        text += " " + _("Its units are reserved.")
    messages.success(request, text)
    return redirect("panel:orders_detail", pk=order.pk)

