from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistsConfig(AppConfig):
    """What is checked: templates, published versions, items and the standard library."""

    name = "checklists"
    verbose_name = _("Checklists")
