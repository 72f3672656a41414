"""The transfer letter (案件移送函) of a case sent to another department."""

from django.utils.translation import gettext as _

from inspections import access
from inspections.hazards.models import Hazard

from .enforcement_documents import Kind, register


def _hazards(case):
    """The hazards the case concerns: its own, or those its inspection registered."""
    if case.hazard_id:
        return [case.hazard]
    if case.inspection_id:
        return list(Hazard.objects.filter(inspection=case.inspection_id).order_by("register_no"))
    return []


def _context(transfer):
    case = transfer.case
    facility = case.facility
    return {
        "transfer": transfer,
        "case": case,
        "facility": facility,
        "inspection": case.inspection,
        "hazards": _hazards(case),
        "authority": _("%(region)s Civil Affairs Bureau") % {"region": facility.region.name},
    }


register(
    "transfer",
    Kind(
        load=access.transfer_for_user,
        template="reports/documents/transfer.html",
        title=lambda: _("Case transfer letter"),
        context=_context,
    ),
)
