"""Channel accounts, their credentials, and what links the catalog to a channel (listings, category mappings).

A *site* is one Allegro world (production, sandbox, or one emulator) identified by its API address: the
category tree, the product catalog and category mappings belong to the site; offers and tokens belong to
an account (one seller on that site).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from magazynier.core.crypto import EncryptedTextField
from magazynier.core.money import MoneyField


class ChannelAccount(models.Model):
    ALLEGRO, WOOCOMMERCE = "allegro", "woocommerce"
    KINDS = [(ALLEGRO, "Allegro"), (WOOCOMMERCE, "WooCommerce")]
    PRODUCTION, SANDBOX, EMULATOR = "production", "sandbox", "emulator"
    ENVIRONMENTS = [(PRODUCTION, _("production")), (SANDBOX, _("sandbox (tests)")), (EMULATOR, _("built-in emulator"))]
    PENDING, CONNECTED, NEEDS_RECONNECT = "pending", "connected", "needs_reconnect"
    STATUSES = [(PENDING, _("not connected yet")), (CONNECTED, _("connected")),
                (NEEDS_RECONNECT, _("needs reconnecting"))]

    kind = models.CharField(_("channel"), max_length=20, choices=KINDS, default=ALLEGRO)
    name = models.CharField(_("name"), max_length=100)
    environment = models.CharField(_("environment"), max_length=20, choices=ENVIRONMENTS, default=PRODUCTION)
    api_url = models.URLField(_("API address"), max_length=300)
    auth_url = models.URLField(_("login address"), max_length=300)
    client_id = models.CharField(_("application client ID"), max_length=200)
    client_secret = EncryptedTextField(_("application secret"), blank=True)
    external_user_id = models.CharField(_("seller ID on the channel"), max_length=100, blank=True)
    login = models.CharField(_("seller login"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=STATUSES, default=PENDING)
    status_reason = models.TextField(_("status reason"), blank=True)
    writers_enabled = models.BooleanField(
        _("changes enabled"), default=False,
        help_text=_("Magazynier sends changes to this account only when enabled (off for every new account)."),
    )
    offer_defaults = models.JSONField(
        _("offer defaults"), default=dict, blank=True,
        help_text=_("Settings added to every new offer: delivery (shipping rates, handling time), after-sales "
                    "policies, location, invoice type."),
    )
    query_auth = models.BooleanField(
        _("keys in the query string"), default=False,
        help_text=_("For shops whose server drops the Authorization header (WooCommerce answers “Consumer key is "
                    "missing”)."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    connected_at = models.DateTimeField(_("connected"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "api_url", "external_user_id"],
                                    condition=~Q(external_user_id=""), name="account_unique_seller_per_site"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def site(self) -> str:
        return self.api_url.rstrip("/")

    @property
    def is_connected(self) -> bool:
        return self.status == self.CONNECTED


class Credential(models.Model):
    """OAuth tokens of one account. Only channels.tokens writes them, under a row lock."""

    account = models.OneToOneField(ChannelAccount, on_delete=models.CASCADE, related_name="credential")
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_expires_at = models.DateTimeField(null=True)
    refresh_expires_at = models.DateTimeField(null=True)
    scope = models.TextField(blank=True)
    generation = models.PositiveIntegerField(default=0)  # +1 on every refresh: tells a racing worker it is late
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")

    def __str__(self) -> str:
        return f"credential of {self.account}"


class SiteCategory(models.Model):
    """Cache of a site's category tree (Allegro's categories)."""

    site = models.CharField(max_length=300)
    category_id = models.CharField(max_length=100)
    name = models.CharField(_("name"), max_length=300)
    parent_id = models.CharField(max_length=100, blank=True)
    leaf = models.BooleanField(default=False)
    path = models.CharField(_("path"), max_length=1000)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel category")
        verbose_name_plural = _("channel categories")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["site", "category_id"], name="site_category_unique")]

    def __str__(self) -> str:
        return self.path


class CategoryParameters(models.Model):
    """Cache of one category's parameter definitions (Allegro's JSON, as fetched)."""

    site = models.CharField(max_length=300)
    category_id = models.CharField(max_length=100)
    parameters = models.JSONField(default=list)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "category_id"], name="category_parameters_unique")]

    def __str__(self) -> str:
        return f"parameters of {self.category_id}"


class CategoryMapping(models.Model):
    """The channel category that products of one shop category are listed in."""

    SUGGESTED, ACCEPTED = "suggested", "accepted"
    STATUSES = [(SUGGESTED, _("suggested")), (ACCEPTED, _("accepted"))]
    FROM_NAME, FROM_EAN, MANUAL = "name", "ean", "manual"
    SOURCES = [(FROM_NAME, _("matched by name")), (FROM_EAN, _("from the product catalog (EAN)")),
               (MANUAL, _("chosen by hand"))]

    site = models.CharField(max_length=300)
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="channel_mappings",
                                 verbose_name=_("shop category"))
    channel_category_id = models.CharField(_("channel category ID"), max_length=100)
    channel_category_path = models.CharField(_("channel category"), max_length=1000)
    status = models.CharField(_("status"), max_length=20, choices=STATUSES, default=SUGGESTED)
    source = models.CharField(_("source"), max_length=20, choices=SOURCES, default=FROM_NAME)
    alternatives = models.JSONField(default=list, blank=True)  # other suggestions: [{"id", "path", "source"}]
    attribute_map = models.JSONField(default=dict, blank=True)  # parameter id -> catalog attribute name
    fixed_values = models.JSONField(default=dict, blank=True)  # parameter id -> value for every product
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("category mapping")
        verbose_name_plural = _("category mappings")
        constraints = [models.UniqueConstraint(fields=["site", "category"], name="category_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.category} → {self.channel_category_path}"


class ProductMatch(models.Model):
    """The channel's catalog product a variant is, found by its EAN. Ambiguous matches wait for the seller."""

    MATCHED, AMBIGUOUS, NOT_FOUND = "matched", "ambiguous", "not_found"
    STATUSES = [(MATCHED, _("matched")), (AMBIGUOUS, _("several products match — choose one")),
                (NOT_FOUND, _("not in the product catalog"))]

    site = models.CharField(max_length=300)
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="channel_matches")
    ean = models.CharField(max_length=14)
    status = models.CharField(_("status"), max_length=20, choices=STATUSES)
    product_id = models.CharField(_("catalog product ID"), max_length=100, blank=True)
    product_name = models.CharField(max_length=300, blank=True)
    category_id = models.CharField(max_length=100, blank=True)
    candidates = models.JSONField(default=list, blank=True)  # [{"id", "name", "category", "parameters"}]
    parameter_ids = models.JSONField(default=list, blank=True)  # parameters the matched product supplies
    resolved_by_seller = models.BooleanField(default=False)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("catalog product match")
        verbose_name_plural = _("catalog product matches")
        constraints = [models.UniqueConstraint(fields=["site", "variant"], name="product_match_unique")]

    def __str__(self) -> str:
        return f"{self.ean}: {self.get_status_display()}"


class Listing(models.Model):
    """The binding between one variant and one offer on one account. The offer id is a cached resolution of
    the SKU (external.id); a listing in conflict is never written to."""

    NO_CONFLICT, NO_SKU, DUPLICATE_SKU, UNKNOWN_SKU = "", "no_sku", "duplicate_sku", "unknown_sku"
    VANISHED = "vanished"
    CONFLICTS = [(NO_CONFLICT, _("none")), (NO_SKU, _("offer without SKU")),
                 (DUPLICATE_SKU, _("several offers with this SKU")), (UNKNOWN_SKU, _("SKU not in the catalog")),
                 (VANISHED, _("the offer is gone from the channel"))]

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="listings",
                                verbose_name=_("account"))
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="listings", verbose_name=_("variant"))
    sku = models.CharField("SKU", max_length=100, blank=True)
    offer_id = models.CharField(_("offer ID"), max_length=100, blank=True)
    offer_status = models.CharField(_("offer status"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    conflict = models.CharField(_("conflict"), max_length=20, choices=CONFLICTS, blank=True, default=NO_CONFLICT)
    conflict_offers = models.JSONField(default=list, blank=True)  # offer ids involved in a conflict
    published_payload = models.JSONField(null=True, blank=True)  # what we last sent and the channel accepted
    confirmed_quantity = models.IntegerField(_("confirmed stock"), null=True, blank=True)
    confirmed_price = MoneyField(_("confirmed price"), null=True, blank=True)
    pending_create_since = models.DateTimeField(null=True, blank=True)  # a create was sent, answer not yet seen
    paused_by_sync = models.BooleanField(
        _("paused for lack of stock"), default=False,
        help_text=_("The offer was ended because nothing may be sold; it is resumed when stock returns."))
    sync_note = models.CharField(_("why this quantity"), max_length=40, blank=True)  # availability reason code
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["account", "offer_id"], condition=~Q(offer_id=""),
                                    name="listing_unique_offer"),
            models.UniqueConstraint(fields=["account", "variant"], condition=Q(variant__isnull=False),
                                    name="listing_unique_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.sku or '—'} @ {self.account}"


class OfferRun(models.Model):
    """One "send to Allegro" started from the panel: the scope the seller chose, and what happened.

    The worker plans again when it runs (the catalog may have changed since the preview) and stores the
    ApplyReport in `report`: created, updated, activated, adopted, failed [[sku, message]], stopped, error.
    """

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, _("waiting")), (RUNNING, _("sending")), (DONE, _("finished")), (FAILED, _("failed"))]

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="offer_runs",
                                verbose_name=_("account"))
    scope = models.JSONField(_("scope"), default=dict)  # {"tags": [], "categories": [], "skus": [], "limit": None}
    status = models.CharField(_("status"), max_length=20, choices=STATUSES, default=QUEUED)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer run")
        verbose_name_plural = _("offer runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"offer run {self.pk} @ {self.account}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.QUEUED, self.RUNNING)


class Webhook(models.Model):
    """A webhook Magazynier registered in a shop (WooCommerce): the shop signs each delivery with `secret`."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="webhooks",
                                verbose_name=_("account"))
    topic = models.CharField(_("topic"), max_length=60)
    remote_id = models.CharField(_("ID in the shop"), max_length=40, blank=True)
    delivery_url = models.URLField(_("delivery address"), max_length=500)
    secret = EncryptedTextField()
    status = models.CharField(_("status in the shop"), max_length=20, blank=True)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_delivery_at = models.DateTimeField(_("last delivery"), null=True, blank=True)
    rejected = models.PositiveIntegerField(_("deliveries rejected"), default=0)
    last_rejected_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        constraints = [models.UniqueConstraint(fields=["account", "topic"], name="webhook_unique_topic")]

    def __str__(self) -> str:
        return f"{self.topic} @ {self.account}"
