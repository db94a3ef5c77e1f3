from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "magazynier.core"
    label = "core"

    def ready(self) -> None:
        from magazynier.core.metrics import install_response_hooks

        install_response_hooks()  # before any channel client is made (make_client binds the hook list)
