"""Forms of the sales-channel pages (connecting Allegro or a WooCommerce shop, rollout scope, fixed parameter
values)."""

from __future__ import annotations

import os
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from magazynier.catalog.models import Category, Tag
from magazynier.channels.models import ChannelAccount
from magazynier.channels.scope import Scope

CLIENT_ID_ENV = "MAGAZYNIER_ALLEGRO_CLIENT_ID"
SKU_SPLIT = re.compile(r"[\s,;]+")


class ConnectForm(forms.Form):
    """A new Allegro account, or (`account` given) connecting an existing one again."""

    name = forms.CharField(label=_("Account name (optional)"), max_length=100, required=False,
                           help_text=_("Shown in the panel. Left empty, the seller login from Allegro is used."))
    environment = forms.ChoiceField(label=_("Environment"), choices=ChannelAccount.ENVIRONMENTS,
                                    initial=ChannelAccount.PRODUCTION, widget=forms.RadioSelect)
    client_id = forms.CharField(label=_("Client ID"), max_length=200,
                                help_text=_("From your application on apps.developer.allegro.pl."))
    client_secret = forms.CharField(label=_("Client secret"), max_length=500, required=False,
                                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    emulator_url = forms.URLField(label=_("Emulator address"), required=False, max_length=300,
                                  help_text=_("Only for the built-in emulator, e.g. http://127.0.0.1:8765."),
                                  assume_scheme="http")

    def __init__(self, *args, account: ChannelAccount | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        if account is not None:
            del self.fields["name"], self.fields["environment"], self.fields["emulator_url"]
            self.fields["client_id"].initial = account.client_id
            self.fields["client_secret"].help_text = _("Leave empty to keep the stored secret.")
        else:
            self.fields["client_id"].initial = os.environ.get(CLIENT_ID_ENV, "")

    def clean_client_secret(self):
        secret = self.cleaned_data["client_secret"].strip()
        if not secret and (self.account is None or not self.account.client_secret):
            raise forms.ValidationError(_("Enter the client secret of your Allegro application."))
        return secret

    def clean(self):
        data = super().clean()
        if self.account is None and data.get("environment") == ChannelAccount.EMULATOR and not data.get("emulator_url"):
            self.add_error("emulator_url", _("Enter the emulator's address (e.g. http://127.0.0.1:8765)."))
        return data

    def request_fields(self) -> dict:
        """Keyword arguments of code_flow.ConnectRequest."""
        d = self.cleaned_data
        if self.account is not None:
            return {"name": "", "environment": self.account.environment, "client_id": d["client_id"].strip(),
                    "client_secret": d["client_secret"], "emulator_url": self.account.api_url,
                    "account_id": self.account.pk}
        return {"name": d["name"].strip(), "environment": d["environment"], "client_id": d["client_id"].strip(),
                "client_secret": d["client_secret"],
                "emulator_url": d["emulator_url"] if d["environment"] == ChannelAccount.EMULATOR else ""}


class ShopConnectForm(forms.Form):
    """A WooCommerce shop: its address and REST API keys. The same form connects a shop again (new keys for
    the same address update its account). The keys are checked by the shop itself (shop_connection)."""

    name = forms.CharField(label=_("Shop name (optional)"), max_length=100, required=False,
                           help_text=_("Shown in the panel. Left empty, the shop's own name is used."))
    url = forms.CharField(label=_("Shop address"), max_length=300,
                          widget=forms.TextInput(attrs={"placeholder": "https://sklep.example.pl", "size": 50,
                                                        "inputmode": "url", "spellcheck": "false"}),
                          help_text=_("The address of the shop's home page, with https://."))
    key = forms.CharField(label=_("Consumer key"), max_length=200,
                          widget=forms.TextInput(attrs={"placeholder": "ck_…", "autocomplete": "off", "size": 50,
                                                        "spellcheck": "false"}))
    secret = forms.CharField(label=_("Consumer secret"), max_length=200, strip=True,
                             widget=forms.PasswordInput(render_value=False, attrs={"placeholder": "cs_…", "size": 50,
                                                                                   "autocomplete": "off"}))
    query_auth = forms.BooleanField(
        label=_("Send the keys in the query string"), required=False,
        help_text=_("Only when the shop answers “Consumer key is missing”: some servers drop the "
                    "Authorization header. Use it only with https://."))

    def __init__(self, *args, account: ChannelAccount | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:  # connecting it again: same address, new keys
            self.fields["name"].initial = account.name
            self.fields["url"].initial = account.api_url
            self.fields["query_auth"].initial = account.query_auth

    def connect_fields(self) -> dict:
        """Keyword arguments of shop_connection.connect_shop."""
        d = self.cleaned_data
        return {"name": d["name"].strip(), "url": d["url"].strip(), "key": d["key"].strip(),
                "secret": d["secret"].strip(), "query_auth": bool(d["query_auth"])}


class ScopeForm(forms.Form):
    """Which products a preview or a send covers. Nothing chosen means the whole active catalog."""

    tags = forms.MultipleChoiceField(label=_("Tags"), required=False,
                                     widget=forms.SelectMultiple(attrs={"size": 6}))
    categories = forms.MultipleChoiceField(label=_("Shop categories (with subcategories)"), required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    skus = forms.CharField(label=_("SKUs"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 30}),
                           help_text=_("One per line, or separated by commas."))
    limit = forms.IntegerField(label=_("At most this many products"), required=False, min_value=1,
                               max_value=100000, help_text=_("Start small: e.g. 5 products first."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t, t) for t in Tag.objects.values_list("name", flat=True)]
        self.fields["categories"].choices = [(p, p) for p in Category.objects.order_by("path")
                                             .values_list("path", flat=True)]

    def clean_skus(self):
        return [s for s in SKU_SPLIT.split(self.cleaned_data["skus"]) if s][:5000]

    def scope_dict(self) -> dict:
        d = self.cleaned_data
        return {"tags": list(d["tags"]), "categories": list(d["categories"]), "skus": list(d["skus"]),
                "limit": d["limit"]}

    def scope(self) -> Scope:
        d = self.scope_dict()
        return Scope(tuple(d["tags"]), tuple(d["categories"]), tuple(d["skus"]), d["limit"])


def _label(parameter: dict) -> str:
    unit = parameter.get("unit")
    return f"{parameter['name']} ({unit})" if unit else str(parameter["name"])


class FixedValuesForm(forms.Form):
    """One optional field per Allegro parameter of a category: a value used for every product of the shop
    category (e.g. Marka = "inna marka"). Empty means: take it from each product's data."""

    def __init__(self, *args, parameters: list[dict], values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameters = parameters
        for parameter in parameters:
            pid = str(parameter["id"])
            name = f"p_{pid}"
            initial = values.get(pid, "")
            dictionary = [str(v["value"]) for v in parameter.get("dictionary") or []]
            custom = (parameter.get("options") or {}).get("customValuesEnabled")
            if dictionary and not custom:
                choices = [("", _("— from the product data —"))] + [(v, v) for v in dictionary]
                if initial and initial not in dictionary:
                    choices.append((initial, initial))
                field = forms.ChoiceField(choices=choices, required=False)
            else:
                field = forms.CharField(required=False, max_length=500)
                if dictionary:
                    field.widget.attrs["list"] = f"dl-{self.prefix or ''}-{pid}"
            field.label = _label(parameter)
            field.initial = initial
            field.parameter = parameter
            field.dictionary = dictionary if custom else []
            self.fields[name] = field

    @property
    def required_fields(self):
        return [self[n] for n, f in self.fields.items() if f.parameter.get("required")]

    @property
    def optional_fields(self):
        return [self[n] for n, f in self.fields.items() if not f.parameter.get("required")]

    def merged(self, current: dict) -> dict:
        """The mapping's fixed_values with this form's parameters replaced (others kept)."""
        values = dict(current)
        for name, field in self.fields.items():
            pid = str(field.parameter["id"])
            value = (self.cleaned_data.get(name) or "").strip()
            if value:
                values[pid] = value
            else:
                values.pop(pid, None)
        return values
