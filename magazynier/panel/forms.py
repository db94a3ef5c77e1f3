from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from magazynier.inventory.models import MovementReason, Warehouse

ALLOWED_IMPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
MAPPING_FIELDS = [
    ("sku", _("SKU")), ("name", _("Name")), ("ean", _("EAN/GTIN")), ("price", _("Gross price")),
    ("vat_rate", _("VAT rate")), ("stock", _("Stock")), ("warehouse", _("Warehouse")),
    ("category", _("Category")), ("images", _("Images")), ("description", _("Description")),
    ("brand", _("Brand")), ("weight", _("Weight (kg)")), ("attributes", _("Attributes")),
    ("parent_sku", _("Parent SKU (groups variants)")),
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Catalog file (CSV or XLSX)"))
    format = forms.ChoiceField(
        label=_("Layout"),
        choices=[("auto", _("Recognise automatically")), ("woocommerce", _("WooCommerce product export")),
                 ("generic", _("Any table (I will choose the columns)"))],
        initial="auto",
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse for stock"), queryset=Warehouse.objects.filter(is_active=True), required=False,
        empty_label=_("default warehouse"), to_field_name="code",
    )
    dry_run = forms.BooleanField(label=_("Dry run: only show what would change"), required=False, initial=True)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(ALLOWED_IMPORT_SUFFIXES):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file. An old .xls file must first be saved "
                                          "as .xlsx or CSV in Excel."))
        return f


class MappingForm(forms.Form):
    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str | None], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [(h, h) for h in headers]
        for name, label in MAPPING_FIELDS:
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=name in ("sku", "name"),
                                                  initial=initial_mapping.get(name) or "")

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}


class StockAdjustForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True))
    mode = forms.ChoiceField(label=_("Change"), choices=[("delta", _("add or remove units")),
                                                         ("count", _("set the counted quantity"))])
    quantity = forms.IntegerField(label=_("Quantity"), help_text=_("For 'add or remove' use e.g. 5 or -2."))
    reason = forms.ChoiceField(label=_("Reason"), choices=[c for c in MovementReason.choices
                                                           if c[0] != MovementReason.IMPORT])
    reference = forms.CharField(label=_("Reference (document, note)"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("mode") == "count" and data.get("quantity", 0) < 0:
            self.add_error("quantity", _("A counted quantity cannot be negative."))
        if data.get("mode") == "delta" and data.get("quantity") == 0:
            self.add_error("quantity", _("Enter a change other than 0."))
        return data


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name"]
