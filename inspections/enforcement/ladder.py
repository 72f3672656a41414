"""The escalation ladder of a hazard: reminder → 约谈 → control order → case.

Each step happens once per hazard (``Escalation``, unique per hazard and step). A step is
reached by the dispatcher when its time after the due date has come, or by a lead who
skips ahead; it is done when the action it calls for is recorded (an interview, a control
order, a case), whichever part records it, through ``escalation_complete``.
"""

from django.db import transaction

from core.audited import Actor, save_with_history
from inspections.common import _user
from inspections.enforcement.models import ControlOrder, EnforcementCase, Escalation, Interview
from inspections.hazards.models import Hazard


@transaction.atomic
def escalation_complete(
    *,
    hazard: Hazard,
    step: str,
    by: Actor,
    interview: Interview | None = None,
    control_order: ControlOrder | None = None,
    case: EnforcementCase | None = None,
) -> Escalation:
    """Record that the action of ``step`` was taken for ``hazard``. A step not yet reached
    is recorded as reached and done at once (a lead acted before the ladder got there),
    so the dispatcher never reaches it later; a step already done or skipped stays as it
    was (the first action is the one the step records)."""
    escalation = Escalation.objects.select_for_update().filter(hazard=hazard, step=step).first()
    if escalation is None:
        escalation = Escalation(hazard=hazard, step=step, reached_by=_user(by))
    elif escalation.status != Escalation.Status.REACHED:
        return escalation
    escalation.complete(interview=interview, control_order=control_order, case=case)
    return save_with_history(escalation, by=by)
