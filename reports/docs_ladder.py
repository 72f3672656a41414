"""The interview record (约谈记录) of a facility's legal representative."""

from django.utils.translation import gettext as _

from inspections import access
from registry.models import Region

from .documents import _facility
from .enforcement_documents import Kind, register


def _authority(interview):
    """The recorder's department, else the civil affairs bureau of the facility's county."""
    profile = getattr(interview.recorded_by, "inspector_profile", None)
    if profile is not None:
        return profile.department.name
    region = interview.facility.region
    county = Region.objects.filter(code=region.code[:6]).first() or region
    return _("%(region)s Civil Affairs Bureau") % {"region": county.name}


def _context(interview):
    return {
        "interview": interview,
        "facility": _facility(interview.facility),
        "hazard": interview.hazard,
        "authority": _authority(interview),
        "recorder": interview.recorded_by.display_name if interview.recorded_by else "",
    }


register(
    "interview",
    Kind(
        load=access.interview_for_user,
        template="reports/documents/interview.html",
        title=lambda: _("Interview record"),
        context=_context,
    ),
)
