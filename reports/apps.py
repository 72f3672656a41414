from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """PDF documents, the public site, dashboards, exports and the read-only API."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import exportkinds

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            jobs,
        )

        exportkinds.register(jobs.HAZARDS)
