"""The document of a higher region's 约谈 (interview record) or 通报 (circular) of a
lower region's bureau."""

from django.utils.translation import gettext as _

from inspections import access
from inspections.enforcement.models import LevelAction

from .enforcement_documents import Kind, register


def _bureau(region):
    return _("%(region)s Civil Affairs Bureau") % {"region": region.name}


def _context(action):
    interview = action.kind == LevelAction.Kind.INTERVIEW
    return {
        "action": action,
        "interview": interview,
        "title": _("Record of a supervisory interview") if interview else _("Supervisory circular"),
        "authority": _bureau(action.issuer_region),
        "addressee": _bureau(action.target_region),
    }


register(
    "level",
    Kind(
        load=access.level_action_for_user,
        template="reports/documents/level.html",
        title=lambda: _("Interview or circular of a lower level"),
        context=_context,
    ),
)
