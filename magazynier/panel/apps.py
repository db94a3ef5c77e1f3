from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "magazynier.panel"
    label = "panel"
