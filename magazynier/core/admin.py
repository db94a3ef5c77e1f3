from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magazynier.core.models import RatePause


class ReadOnly:
    """For admin classes (model admins and inlines) of rows only the product's own code writes."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


@admin.register(RatePause)
class RatePauseAdmin(ReadOnlyAdmin):
    """Read-only: pauses are set by the API clients after a 429 and end by themselves."""

    list_display = ["label", "until", "is_active"]
    readonly_fields = ["label", "key_hash", "until"]

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, obj: RatePause) -> bool:
        return obj.until > timezone.now()
