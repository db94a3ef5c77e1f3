from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "magazynier.notifications"
    label = "notifications"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from magazynier.notifications import smsapi_plugin  # noqa: F401  registers smsapi:// with Apprise
