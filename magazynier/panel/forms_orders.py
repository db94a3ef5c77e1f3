"""Forms of the order pages: the list's filters (GET) and the seller's actions on one order (POST).

The forms only validate what was typed; the changes themselves go through orders.actions (the views call it).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magazynier.catalog.models import Variant
from magazynier.channels.models import ChannelAccount
from magazynier.orders.carriers import CARRIERS, OTHER
from magazynier.orders.models import OrderLine
from magazynier.orders.status import STATUS_CHOICES, allowed_next, label

FLAGS = ["unmatched", "oversold", "invoice"]
NUMBER_DIGITS = 12  # an order number longer than this is no order number (and would overflow the id)


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "size": 34,
                                                      "placeholder": _("number, order ID on the channel or SKU")}))
    account = forms.ModelChoiceField(label=_("Channel account"), queryset=ChannelAccount.objects.none(),
                                     required=False, empty_label=_("all accounts"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = forms.DateField(label=_("Bought from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("Bought until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unmatched = forms.BooleanField(label=_("unmatched lines"), required=False)
    oversold = forms.BooleanField(label=_("oversold"), required=False)
    invoice = forms.BooleanField(label=_("invoice requested"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = ChannelAccount.objects.order_by("name", "pk")
        self.fields["status"].choices = [("", _("all statuses")), *STATUS_CHOICES]
        for name in ("q", "account", "status"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label
        for name in FLAGS:
            self.fields[name].widget = forms.CheckboxInput(attrs={"value": "1"})

    def flag_fields(self):
        return [self[name] for name in FLAGS]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, queryset):
        """The orders matching the valid filters (an invalid one is ignored; its error is shown)."""
        data = self.cleaned_data if self.is_bound else {}
        if data.get("account"):
            queryset = queryset.filter(account=data["account"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("date_from"):
            queryset = queryset.filter(bought_at__gte=_midnight(data["date_from"]))
        if data.get("date_to") and "date_to" not in self.errors:
            queryset = queryset.filter(bought_at__lt=_midnight(data["date_to"] + timedelta(days=1)))
        if data.get("unmatched"):
            queryset = queryset.filter(unmatched=True)
        if data.get("oversold"):
            queryset = queryset.filter(oversold=True)
        if data.get("invoice"):
            queryset = queryset.filter(invoice_requested=True)
        text = (data.get("q") or "").strip()
        if text:
            found = Q(external_id__icontains=text) | Q(pk__in=OrderLine.objects.filter(sku__icontains=text)
                                                        .values("order_id"))
            number = text.lstrip("#")
            if number.isdigit() and len(number) <= NUMBER_DIGITS:
                found |= Q(pk=int(number))
            queryset = queryset.filter(found)
        return queryset

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.cleaned_data.get(name) for name in self.fields)


def _midnight(day) -> datetime:
    """The start of a day in Polish time (the panel's time zone)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args, current: str, **kwargs):
        """Offers the statuses the order may move to; a sent form may name any status, so that a page shown
        before the order changed gets orders.actions' own explanation of why not."""
        super().__init__(*args, **kwargs)
        offered = STATUS_CHOICES if self.is_bound else [(status, label(status)) for status in allowed_next(current)]
        self.fields["status"].choices = offered


class TrackingForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=CARRIERS)
    waybill = forms.CharField(label=_("Tracking number"), max_length=64,
                              error_messages={"required": _("Enter the tracking number.")})
    carrier_name = forms.CharField(label=_("Carrier name"), max_length=60, required=False,
                                   help_text=_("Only for “Other carrier”."))

    def clean(self):
        data = super().clean()
        if data.get("carrier") == OTHER and not data.get("carrier_name"):
            self.add_error("carrier_name", _("Name the carrier when it is “Other carrier”."))
        return data


class MatchLineForm(forms.Form):
    """Which catalog variant an unknown order line is, by its SKU."""

    sku = forms.CharField(label="SKU", max_length=100, error_messages={"required": _("Enter a SKU.")})

    def __init__(self, *args, line: OrderLine, **kwargs):
        self.line = line
        kwargs.setdefault("prefix", f"line-{line.pk}")
        kwargs.setdefault("initial", {"sku": line.sku})
        super().__init__(*args, **kwargs)

    def clean_sku(self) -> Variant:
        sku = self.cleaned_data["sku"]
        variant = (Variant.objects.filter(sku=sku).first()
                   or Variant.objects.filter(sku__iexact=sku).order_by("pk").first())
        if variant is None:
            raise forms.ValidationError(_("No variant with the SKU %(sku)s in the catalog. Add it to the catalog "
                                          "first, or type the SKU of the product this line is."),
                                        params={"sku": sku}, code="unknown")
        return variant
