from django.contrib import admin

from magazynier.catalog.models import Category, Image, Product, ResponsibleProducer, Tag, Variant
from magazynier.catalog.models_import import ImportJob, ImportProblem
from magazynier.core import changes


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "name", "ean", "price", "attributes"]


class ImageInline(admin.TabularInline):
    model = Image
    extra = 0
    fields = ["url", "variant", "position"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "kind", "category", "brand", "vat_rate", "is_active"]
    list_filter = ["kind", "is_active", "vat_rate", "category"]
    search_fields = ["key", "name", "brand", "variants__sku", "variants__ean"]
    filter_horizontal = ["tags"]
    inlines = [VariantInline, ImageInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # prices and "active" decide what channels show: their listings are looked at again
        changes.changed(changes.PRICE, form.instance.variants.values_list("pk", flat=True))


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "ean", "price", "product"]
    search_fields = ["sku", "name", "ean"]
    list_select_related = ["product"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes.changed(changes.PRICE, [obj.pk])


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path"]
    search_fields = ["path"]


admin.site.register(Tag)
admin.site.register(ResponsibleProducer)


class ImportProblemInline(admin.TabularInline):
    model = ImportProblem
    extra = 0
    can_delete = False
    readonly_fields = ["row", "column", "code", "kind", "message", "value"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "source_name", "status", "dry_run", "created_at", "user"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    inlines = [ImportProblemInline]
