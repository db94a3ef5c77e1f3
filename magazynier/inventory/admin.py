from django.contrib import admin

from magazynier.core.admin import ReadOnlyAdmin  # stock changes only through inventory.actions
from magazynier.inventory.models import Reservation, StockLevel, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["variant", "warehouse", "on_hand", "reserved", "available", "updated_at"]
    list_filter = ["warehouse"]
    search_fields = ["variant__sku", "variant__name"]
    list_select_related = ["variant", "warehouse"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "variant", "warehouse", "delta", "on_hand_after", "reason", "reference", "user"]
    list_filter = ["reason", "warehouse"]
    search_fields = ["variant__sku", "reference"]
    list_select_related = ["variant", "warehouse", "user"]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reference", "variant", "warehouse", "quantity", "state"]
    list_filter = ["state"]
