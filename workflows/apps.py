from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """viewflow flows that move inspections and rectifications between people."""

    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
