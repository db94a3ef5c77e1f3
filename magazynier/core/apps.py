from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "magazynier.core"
    label = "core"
