"""Roles are Django groups with permissions. This module is the one place that says who may do what;
migrations call `sync_roles` so new apps extend roles by adding permissions here and a migration.

owner       everything, including users, settings and sales channels (Allegro accounts, offers); sees the
            sync engine, decides held plans, changes allocation/buffer/guard settings; sees and handles orders
            (status, tracking numbers, matching lines) and the buyer's contact and invoice details
warehouse   stock and orders: sees the catalog, adjusts stock, never imports or changes prices; sees the
            sync engine's state (read only); sees and handles orders, may look at the buyer's contact data
accountant  orders (read only) and invoices (later): sees the catalog read-only; of the buyer's personal data
            only the invoice details
"""

from __future__ import annotations

OWNER, WAREHOUSE, ACCOUNTANT = "owner", "warehouse", "accountant"

ROLE_LABELS = {OWNER: "Właściciel", WAREHOUSE: "Magazyn", ACCOUNTANT: "Księgowość"}

SYNC_MODELS = ["accountsyncsettings", "heldplan", "outboxentry", "command", "commanditem", "syncstate"]
ORDER_MODELS = ["order", "orderline", "shipment", "orderevent"]
# Seeing orders is view_order (with their lines, shipments and history); handling them (status, tracking
# numbers, matching lines) is change_order, which also lets the panel show the buyer's contact data.
ORDERS_VIEW = [("orders", f"view_{model}") for model in ORDER_MODELS]
ORDERS_HANDLE = [*ORDERS_VIEW, ("orders", "change_order")]

# (app_label, codename); "*" means every permission of the app.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    OWNER: [("catalog", "*"), ("inventory", "*"), ("auth", "*"), ("channels", "*"), ("notifications", "*"),
            *[("sync", f"{action}_{model}") for model in SYNC_MODELS for action in ("view", "change")],
            *ORDERS_HANDLE],
    WAREHOUSE: [
        ("catalog", "view_product"), ("catalog", "view_variant"), ("catalog", "view_category"),
        ("catalog", "view_image"),
        ("inventory", "*"),
        *[("sync", f"view_{model}") for model in SYNC_MODELS],
        *ORDERS_HANDLE,
    ],
    ACCOUNTANT: [
        ("catalog", "view_product"), ("catalog", "view_variant"), ("catalog", "view_category"),
        ("inventory", "view_stocklevel"),
        *ORDERS_VIEW,
    ],
}


def sync_roles(apps) -> None:
    """Create the role groups and give them exactly the permissions listed above (idempotent)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, codename in grants:
            qs = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                qs = qs.filter(codename=codename)
            wanted.extend(qs)
        group.permissions.set(wanted)
