from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "magazynier.sync"
    label = "sync"
    verbose_name = _("synchronisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from magazynier.channels.offers import use_sellable_source
        from magazynier.core import changes
        from magazynier.sync.desired import sellable_quantities
        from magazynier.sync.outbox import on_data_changed

        changes.listen(on_data_changed)
        use_sellable_source(sellable_quantities)
