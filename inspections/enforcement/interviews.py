"""约谈: a county lead's interview of a facility's legal representative, recorded with
who came, what was said and what the facility promised, as a numbered record (YT)
the representative signs. An interview about an overdue hazard is the ladder's
interview step: recording it completes that step (and closes its task)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import Actor, save_with_history
from core.numbers import next_number
from inspections import policy
from inspections.common import _user, notify_managers
from inspections.enforcement.ladder import escalation_complete
from inspections.enforcement.models import EnforcementCase, Escalation, Interview
from inspections.hazards.models import Hazard
from inspections.hazards.services import emit_hazard
from registry.models import Facility

# No interview of this system's facilities predates it by decades: bounds typing slips.
EARLIEST = date(2000, 1, 1)


def _required(value: str, *, limit: int, label: str) -> str:
    value = limits.text(value, limit=limit, label=label)
    if not value:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    return value


@transaction.atomic
def interview_record(
    *,
    facility: Facility,
    held_on: date,
    place: str,
    attendees: str,
    minutes: str,
    commitments: str,
    signed_by_name: str,
    by: Actor,
    hazard: Hazard | None = None,
    case: EnforcementCase | None = None,
) -> Interview:
    """Record an interview held with ``facility``'s legal representative, numbered in
    the county's series; with ``hazard``, the hazard's ladder step "interview" is done."""
    policy.require(policy.interview_record_refusal(by, facility))
    if hazard is not None:
        hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
        if hazard.facility_id != facility.pk:
            raise ValidationError(_("The hazard is not one of this facility's."))
        if not hazard.is_open:
            raise ValidationError(_("This hazard is closed: record the interview without it."))
    if case is not None and case.facility_id != facility.pk:
        raise ValidationError(_("The case is not one of this facility's."))
    today = timezone.localdate()
    held_on = limits.date_between(held_on, label=_("Date held"), earliest=EARLIEST, last=today)
    county = facility.region.code[:6]
    n = next_number(series=f"interview:{county}", year=today.year, by=by)
    interview = Interview(
        number=f"{county}-{today.year}-YT{n:04d}",
        facility=facility,
        hazard=hazard,
        case=case,
        held_on=held_on,
        place=_required(place, limit=limits.LINE, label=_("Place")),
        attendees=_required(attendees, limit=limits.SHORT, label=_("Attendees")),
        minutes=_required(minutes, limit=limits.TEXT, label=_("Minutes")),
        commitments=_required(commitments, limit=limits.TEXT, label=_("Commitments")),
        signed_by_name=_required(
            signed_by_name, limit=limits.NAME, label=_("Signed by (legal representative)")
        ),
        recorded_by=_user(by),
    )
    save_with_history(interview, by=by)
    if hazard is not None:
        escalation_complete(
            hazard=hazard, step=Escalation.Step.INTERVIEW, by=by, interview=interview
        )
        emit_hazard(hazard, "changed", by)
    notify_managers(
        facility=facility,
        text=_("The record of the interview of %(date)s (%(number)s) was filed.")
        % {"date": held_on.isoformat(), "number": interview.number},
        url=interview.get_absolute_url(),
        by=by,
    )
    return interview
