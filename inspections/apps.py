from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """Plans, draws, inspections, hazards, rectification and publication records."""

    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from inspections import receivers  # noqa: F401  (connects them)
