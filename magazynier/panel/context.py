from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission needed to see it)
SECTIONS = [
    ("panel:home", _("Start"), None),
    ("panel:orders", _("Orders"), "orders.view_order"),
    ("panel:products", _("Products"), "catalog.view_product"),
    ("panel:stock", _("Stock"), "inventory.view_stocklevel"),
    ("panel:movements", _("Movements"), "inventory.view_stockmovement"),
    ("panel:warehouses", _("Warehouses"), "inventory.view_warehouse"),
    ("panel:import", _("Import"), "catalog.import_catalog"),
    ("panel:audit", _("Readiness audit"), "catalog.view_product"),
    ("panel:channels", _("Sales channels"), "channels.view_channelaccount"),
    ("panel:sync", _("Synchronisation"), "sync.view_heldplan"),
    ("panel:health", _("Health"), "sync.view_heldplan"),
    ("panel:alerts", _("Notifications"), "notifications.view_recipient"),
]


def navigation(request):
    """The sections this user may open; a section stays highlighted on its sub-pages (panel:import_job…)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "nav_sections": [
            {"url": reverse(name), "label": label, "active": current == name or current.startswith(name + "_")}
            for name, label, perm in SECTIONS
            if perm is None or user.has_perm(perm)
        ]
    }
