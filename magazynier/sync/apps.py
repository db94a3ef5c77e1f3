from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "magazynier.sync"
    label = "sync"
    verbose_name = _("synchronisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from magazynier.core import changes
        from magazynier.sync.outbox import on_data_changed

        changes.listen(on_data_changed)
