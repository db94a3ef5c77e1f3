"""The sync engine in the back office. Only the settings are edited here (checked together with every other
account's rules, like the panel does); held plans are decided in the panel or with `magazynier sync held`;
the outbox and commands are the engine's own state and are shown read only."""

from dataclasses import replace

from django import forms
from django.contrib import admin

from magazynier.core.admin import ReadOnlyAdmin
from magazynier.inventory.availability import AllocationError, check_rules
from magazynier.sync.desired import channel_rules
from magazynier.sync.models import AccountSyncSettings, Command, CommandItem, HeldPlan, OutboxEntry


class AccountSyncSettingsForm(forms.ModelForm):
    class Meta:
        model = AccountSyncSettings
        fields = ["account", "share_percent", "cap", "priority", "buffer", "at_buffer", "warehouses",
                  "guard_zero_percent", "guard_zero_min", "guard_price_drop_percent", "guard_max_changes"]

    def clean(self):
        """The rules of every account with this form's values in place of the stored ones must fit together."""
        data = super().clean()
        account = data.get("account")
        if account is None or self.errors:
            return data
        warehouses = frozenset(w.pk for w in data.get("warehouses") or []) or None
        rules = [replace(rule, share_percent=data.get("share_percent"), cap=data.get("cap"),
                         priority=data.get("priority"), buffer=data.get("buffer"), at_buffer=data.get("at_buffer"),
                         warehouses=warehouses) if rule.key == account.pk else rule for rule in channel_rules()]
        try:
            check_rules(rules)
        except AllocationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(AccountSyncSettings)
class AccountSyncSettingsAdmin(admin.ModelAdmin):
    form = AccountSyncSettingsForm
    list_display = ["account", "share_percent", "cap", "priority", "buffer", "at_buffer", "updated_at"]
    list_select_related = ["account"]
    filter_horizontal = ["warehouses"]

    def save_related(self, request, form, formsets, change):
        """Through sync.actions, so the rules of all accounts are checked and every listing is marked."""
        from magazynier.sync.actions import save_settings

        super().save_related(request, form, formsets, change)
        save_settings(form.instance, warehouses=form.cleaned_data.get("warehouses"))


@admin.register(HeldPlan)
class HeldPlanAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "state", "created_at", "decided_at", "decided_by_name"]
    list_filter = ["state", "account"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in HeldPlan._meta.fields]


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ReadOnlyAdmin):
    list_display = ["listing", "account", "priority", "version", "failures", "next_attempt_at", "quarantined_at"]
    list_filter = ["account", "priority", "quarantined_at"]
    search_fields = ["listing__sku", "listing__offer_id", "last_error"]
    list_select_related = ["listing", "account"]
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]


class CommandItemInline(admin.TabularInline):
    model = CommandItem
    extra = 0
    fields = ["listing", "offer_id", "kind", "outcome", "message", "changed_since", "confirmed_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Command)
class CommandAdmin(ReadOnlyAdmin):
    list_display = ["command_id", "account", "kind", "value", "state", "attempts", "created_at", "completed_at"]
    list_filter = ["state", "kind", "account"]
    search_fields = ["command_id", "items__offer_id"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Command._meta.fields]
    inlines = [CommandItemInline]
