"""The per-account form of the sync pages: allocation (share, cap, priority, warehouses), buffer and guard."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from magazynier.inventory.models import Warehouse
from magazynier.sync.models import AccountSyncSettings

ALLOCATION = ["share_percent", "cap", "priority", "warehouses"]
BUFFER = ["buffer", "at_buffer"]
GUARD = ["guard_zero_percent", "guard_zero_min", "guard_price_drop_percent", "guard_max_changes"]


class SyncSettingsForm(forms.ModelForm):
    """Validates the fields; saving goes through sync.actions.save_settings (the view calls it), which
    checks every account's rules together and marks every listing to be looked at again."""

    class Meta:
        model = AccountSyncSettings
        fields = [*ALLOCATION, *BUFFER, *GUARD]
        localized_fields = ["share_percent"]  # "12,5" as a Polish seller types it
        widgets = {"warehouses": forms.SelectMultiple(attrs={"size": 5}),
                   "at_buffer": forms.RadioSelect}
        help_texts = {"cap": _("Empty: no limit."),
                      "guard_zero_min": _("Fewer offers never hold a plan: a small shop may sell out.")}

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouses"].queryset = Warehouse.objects.order_by("-is_active", "name")
        self.fields["warehouses"].label_from_instance = self._warehouse_label
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def _warehouse_label(warehouse: Warehouse) -> str:
        name = f"{warehouse.name} ({warehouse.code})"
        return name if warehouse.is_active else f"{name} — {_('inactive')}"

    def groups(self):
        """The fields in the page's three sections."""
        return [(_("Allocation"), [self[n] for n in ALLOCATION]), (_("Buffer"), [self[n] for n in BUFFER]),
                (_("Guard: when changes are held for your decision"), [self[n] for n in GUARD])]
