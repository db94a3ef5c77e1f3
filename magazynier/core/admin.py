from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magazynier.core.models import RatePause


@admin.register(RatePause)
class RatePauseAdmin(admin.ModelAdmin):
    """Read-only: pauses are set by the API clients after a 429 and end by themselves."""

    list_display = ["label", "until", "is_active"]
    readonly_fields = ["label", "key_hash", "until"]

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, obj: RatePause) -> bool:
        return obj.until > timezone.now()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
