from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Common")

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the shared cache check)

        from . import (
            channels,  # noqa: F401  (registers the NOTIFY_CHANNELS check)
            lookups,  # noqa: F401  (registers the bounded integer ``in``)
        )
