"""Orders in the back office, read only: the panel and orders.actions make every change (so stock and the
channel write-back follow). The buyer's personal data (contact, invoice details) is never shown here: the
panel shows it on request and records who looked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from magazynier.core.admin import ReadOnly
from magazynier.orders.models import Order, OrderEvent, OrderLine, Shipment

PERSONAL = {"contact", "invoice_details"}


def _fields(model) -> list[str]:
    return [f.name for f in model._meta.fields if f.name not in PERSONAL]


class LineInline(ReadOnly, admin.TabularInline):
    model = OrderLine
    fields = readonly_fields = ["line_id", "sku", "variant", "name", "quantity", "unit_price", "vat_rate",
                                "offer_id"]
    extra = 0


class ShipmentInline(ReadOnly, admin.TabularInline):
    model = Shipment
    fields = readonly_fields = ["carrier_id", "carrier_name", "waybill", "state", "attempts", "last_error",
                                "created_at"]
    extra = 0


class EventInline(ReadOnly, admin.TabularInline):
    model = OrderEvent
    fields = readonly_fields = ["at", "kind", "source", "message", "user"]
    extra = 0


@admin.register(Order)
class OrderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "account", "external_id", "status", "payment_status", "total", "currency",
                    "unmatched", "oversold", "push_status", "bought_at"]
    list_filter = ["account", "status", "payment_status", "unmatched", "oversold", "invoice_requested"]
    search_fields = ["external_id", "lines__sku"]
    list_select_related = ["account"]
    date_hierarchy = "bought_at"
    fields = readonly_fields = _fields(Order)
    inlines = [LineInline, ShipmentInline, EventInline]

    @admin.display(description=_("number"), ordering="pk")
    def number(self, order: Order) -> str:
        return order.number


@admin.register(Shipment)
class ShipmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["waybill", "carrier_id", "order", "state", "attempts", "created_at"]
    list_filter = ["state", "carrier_id"]
    search_fields = ["waybill", "order__external_id"]
    list_select_related = ["order"]
    fields = readonly_fields = _fields(Shipment)


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "order", "kind", "source", "user"]
    list_filter = ["kind", "source"]
    search_fields = ["order__external_id", "kind"]
    list_select_related = ["order", "user"]
    fields = readonly_fields = _fields(OrderEvent)
