from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from core import exportkinds

        from . import (
            exports,
            signals,  # noqa: F401  (connects the change-log recorder)
        )

        exportkinds.register(exports.HISTORY)
