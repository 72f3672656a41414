"""The escalation ladder of a hazard: reminder → 约谈 → control order → case.

Each step happens once per hazard (``Escalation``, unique per hazard and step). A step is
reached by the dispatcher when its time after the due date has come, or by a lead who
skips ahead; it is done when the action it calls for is recorded (an interview, a control
order, a case), whichever part records it, through ``escalation_complete``.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import limits
from core.audited import Actor, save_with_history
from inspections import policy
from inspections.common import _user
from inspections.enforcement.ladder_config import ORDER, TIMED, ladder_for
from inspections.enforcement.models import ControlOrder, EnforcementCase, Escalation, Interview
from inspections.hazards.models import Hazard
from inspections.hazards.services import emit_hazard
from registry.models import User


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


def skip_targets(hazard: Hazard, reached: set[str]) -> list[str]:
    """The steps a lead may skip ahead to: later than every step already recorded."""
    last = max((ORDER.index(step) for step in reached), default=-1)
    return [step for step in TIMED if ORDER.index(step) > last]


@transaction.atomic
def escalation_skip(*, hazard: Hazard, to_step: str, reason: str, by: User) -> Escalation:
    """A lead of the county goes straight to ``to_step``: the earlier steps not yet
    done are recorded skipped with the reason, and ``to_step`` is reached at once
    (its task opens), whatever the ladder's timing."""
    hazard = Hazard.objects.select_for_update().select_related("facility__region").get(pk=hazard.pk)
    policy.require(policy.escalation_skip_refusal(by, hazard))
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    if not reason:
        raise ValidationError(_("Give the reason for skipping ahead on the ladder."))
    if to_step not in TIMED:
        raise ValidationError(_("Choose a later step of the ladder."))
    recorded = {e.step: e for e in Escalation.objects.select_for_update().filter(hazard=hazard)}
    if to_step not in skip_targets(hazard, set(recorded)):
        raise ValidationError(
            _("The ladder of this hazard has already reached %(step)s or a later step.")
            % {"step": Escalation.Step(to_step).label}
        )
    for step in ORDER[: ORDER.index(to_step)]:
        escalation = recorded.get(step) or Escalation(hazard=hazard, step=step, reached_by=by)
        if escalation.status == Escalation.Status.REACHED:
            escalation.skip(reason=reason)
            save_with_history(escalation, by=by)
    target = save_with_history(
        Escalation(hazard=hazard, step=to_step, reached_by=by, reason=reason), by=by
    )
    emit_hazard(hazard, "changed", by)
    return target


def _record_url(escalation: Escalation) -> str:
    record = escalation.interview or escalation.control_order or escalation.case
    return record.get_absolute_url() if record else ""


def hazard_ladder(hazard: Hazard, user: User) -> dict[str, Any]:
    """The hazard page's ladder: each step (the reminder, the configured ones, and any
    recorded beyond them) with its record, and what ``user`` may do about it."""
    days = dict(ladder_for(hazard.severity))
    recorded = {
        e.step: e
        for e in hazard.escalations.select_related(
            "reached_by", "interview", "control_order", "case"
        )
    }
    rows = [
        {
            "step": step,
            "label": Escalation.Step(step).label,
            "days": days.get(step),
            "escalation": recorded.get(step),
            "record_url": _record_url(recorded[step]) if step in recorded else "",
        }
        for step in ORDER
        if step == Escalation.Step.REMIND or step in days or step in recorded
    ]
    can_skip = policy.allowed(policy.escalation_skip_refusal, user, hazard)
    interview = recorded.get(Escalation.Step.INTERVIEW)
    # A hazard on time shows no ladder, but to a lead who may start it early.
    shown = recorded or hazard.status == Hazard.Status.OVERDUE or can_skip
    return {
        "ladder": rows if shown else [],
        "ladder_skip_targets": [
            (step, Escalation.Step(step).label) for step in skip_targets(hazard, set(recorded))
        ]
        if can_skip
        else [],
        "ladder_interview_due": can_skip
        and interview is not None
        and interview.status == Escalation.Status.REACHED
        and policy.allowed(policy.interview_record_refusal, user, hazard.facility),
    }
