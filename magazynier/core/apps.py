from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "magazynier.core"
    label = "core"

    def ready(self) -> None:
        from magazynier.core.metrics import install_response_hooks

        install_response_hooks()  # before any channel client is made (make_client binds the hook list)
        _flush_after_tasks()


def _flush_after_tasks() -> None:
    """The worker adds its channel request counts to the database after its tasks (core/metrics.py)."""
    from huey.contrib.djhuey import HUEY

    from magazynier.core.metrics import flush_request_counts

    @HUEY.post_execute()
    def flush_request_counts_after_task(task, task_value, exc) -> None:
        flush_request_counts(force=False)
