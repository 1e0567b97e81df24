from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OpsConfig(AppConfig):
    """Operations: system checks, health endpoints, request/task logs, task metrics, backups."""

    name = "ops"
    verbose_name = gettext_lazy("Operations")

    def ready(self) -> None:
        from . import checks, logs  # noqa: F401 - registers the checks and the task signal handlers
