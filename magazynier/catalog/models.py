"""The seller's one catalog: products, their variants (the stock-keeping units), categories, images."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from magazynier.core.money import MoneyField

VAT_RATES = [
    ("23", "23%"),
    ("8", "8%"),
    ("5", "5%"),
    ("0", "0%"),
    ("zw", _("exempt (zw)")),
    ("np", _("not subject (np)")),
    ("oo", _("reverse charge (oo)")),
]

PATH_SEPARATOR = " > "


class Category(models.Model):
    """A category of the seller's own shop tree (channel categories are mapped to it later)."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("full path"), max_length=1000, unique=True, editable=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.path

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path}{PATH_SEPARATOR}{self.name}" if self.parent else self.name
        super().save(*args, **kwargs)


class Tag(models.Model):
    """A free label; used to scope a staged rollout ("start with the 'summer' products")."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResponsibleProducer(models.Model):
    """GPSR: the manufacturer (or importer) responsible for a product placed on the EU market."""

    name = models.CharField(_("trade name"), max_length=200, unique=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country_code = models.CharField(_("country code"), max_length=2, default="PL")
    email = models.EmailField(_("e-mail"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("responsible producer (GPSR)")
        verbose_name_plural = _("responsible producers (GPSR)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_complete(self) -> bool:
        return bool(self.name and self.street and self.postal_code and self.city and (self.email or self.phone))


class Product(models.Model):
    SIMPLE = "simple"
    VARIABLE = "variable"
    KINDS = [(SIMPLE, _("simple")), (VARIABLE, _("with variants"))]

    key = models.CharField(
        _("product code"), max_length=100, unique=True,
        help_text=_("The SKU of a simple product, or the parent SKU of a product with variants."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS, default=SIMPLE)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    short_description = models.TextField(_("short description"), blank=True)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="products", verbose_name=_("tags"))
    vat_rate = models.CharField(_("VAT rate"), max_length=2, choices=VAT_RATES, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=9, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_virtual = models.BooleanField(_("virtual (no shipping)"), default=False)
    responsible_producer = models.ForeignKey(
        ResponsibleProducer, null=True, blank=True, on_delete=models.PROTECT, related_name="products",
        verbose_name=_("responsible producer (GPSR)"),
    )
    safety_information = models.TextField(
        _("safety information (GPSR)"), blank=True, max_length=5000,
        help_text=_("Warnings and instructions for safe use, as required by the EU GPSR."),
    )
    source_id = models.CharField(_("ID in the source system"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """The stock-keeping unit: what is counted in a warehouse and sold on a channel."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product"))
    sku = models.CharField("SKU", max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    ean = models.CharField(_("EAN/GTIN"), max_length=14, blank=True, db_index=True)
    price = MoneyField(_("gross price (PLN)"), null=True, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=9, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="variant_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


class Image(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.CASCADE, related_name="images", verbose_name=_("variant")
    )
    url = models.URLField(_("address"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "variant", "url"], name="image_unique_url"),
        ]

    def __str__(self) -> str:
        return self.url


from magazynier.catalog.models_import import ImportJob, ImportProblem  # noqa: E402,F401  (one models module)
