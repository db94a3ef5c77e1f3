from django.contrib import admin

from magazynier.notifications.models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "severity", "account", "occurrences", "created_at", "resolved_at"]
    list_filter = ["kind", "severity", "resolved_at"]
    readonly_fields = [f.name for f in Alert._meta.fields]
