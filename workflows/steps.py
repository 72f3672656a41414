"""Which steps of an inspection or a hazard wait for a person now, for whom, and by when.

Read from the domain's own state (and its policy's predicates), never stored beside
it: ``workflows.tasks`` compares these with the open tasks after every change the
domain announces, opens the missing ones and closes those no longer waiting. So a task
cannot outlive its step nor a step lack its task, whatever order the changes come in.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from core.workdays import add_working_days
from inspections import policy
from inspections.credit.models import CreditCase
from inspections.enforcement.models import Escalation
from inspections.hazards.models import Extension, Hazard, Rectification, Supervision
from inspections.hazards.schedule import PROGRESS_DAY, verify_due_on
from inspections.onsite.models import Inspection
from inspections.publication.models import Publication
from registry.models import User

from .models import TaskScope

Kind = TaskScope.Kind
Group = TaskScope.Group

# DOMAIN.md §4: a deadline order is served, and a re-inspection made, within 3 working
# days (a submitted fix is verified within VERIFY_WITHIN_WORKING_DAYS: schedule.verify_due_on).
ACT_WITHIN_WORKING_DAYS = 3

# The ladder's steps that wait for a lead (the reminder is done when it is reached).
LADDER_TASKS = {
    Escalation.Step.INTERVIEW: Kind.INTERVIEW,
    Escalation.Step.CONTROL: Kind.CONTROL,
    Escalation.Step.CASE: Kind.CASE,
}


@dataclass(frozen=True)
class Step:
    kind: str
    group: str
    due_on: date | None = None
    key: str = ""
    user: User | None = None  # for Group.PERSON
    object_id: int | None = None
    # The domain's service already told the step's people when it began.
    told: bool = False

    @property
    def ident(self) -> tuple[str, str]:
        return (self.kind, self.key)


def _within(start: date, days: int = ACT_WITHIN_WORKING_DAYS) -> date:
    return add_working_days(start, days).date


def inspection_steps(inspection: Inspection) -> list[Step]:
    """The steps of an inspection's own flow: before and on site, then its notice and
    its result."""
    steps: list[Step] = []
    status = inspection.status
    if status == Inspection.Status.SCHEDULED:
        if inspection.needs_notice and not inspection.planned_date:
            # At least 3 working days' notice: the date is due that much before the
            # window closes.
            steps.append(Step(Kind.SCHEDULE, Group.TEAM, due_on=inspection.window_end))
        else:
            steps.append(
                Step(
                    Kind.VISIT, Group.TEAM, due_on=inspection.planned_date or inspection.window_end
                )
            )
    elif status == Inspection.Status.IN_PROGRESS and not inspection.is_self:
        for member in inspection.team.filter(
            active=True, confirmed_at=None, confirmation_asked_at__isnull=False
        ).select_related("inspector__user"):
            user = member.inspector.user
            steps.append(Step(Kind.CONFIRM, Group.PERSON, key=str(user.pk), user=user))
        if not inspection.signed_at:
            steps.append(Step(Kind.SIGN, Group.TEAM))
    elif status == Inspection.Status.FINISHED:
        notice = getattr(inspection, "notice", None)
        if notice is not None and not notice.acknowledged_at:
            issued = timezone.localdate(notice.issued_at)
            steps.append(
                Step(Kind.ACKNOWLEDGE, Group.MANAGERS, due_on=_within(issued), object_id=notice.pk)
            )
        publication = Publication.objects.filter(inspection=inspection).first()
        if publication is not None:
            if publication.status == Publication.Status.PENDING:
                steps.append(
                    Step(
                        Kind.REVIEW,
                        Group.LEADS,
                        due_on=publication.due_on,
                        object_id=publication.pk,
                    )
                )
            elif publication.status == Publication.Status.RETURNED:
                steps.append(
                    Step(
                        Kind.REVISE, Group.TEAM, due_on=publication.due_on, object_id=publication.pk
                    )
                )
    return steps


def _note_due(supervision: Supervision) -> date:
    """The 25th of the month after the last note (or the opening), as the alarms count."""
    last = supervision.notes.order_by("-written_at").values_list("written_at", flat=True).first()
    latest = timezone.localdate(last or supervision.opened_at)
    month = (latest.replace(day=1) + timedelta(days=32)).replace(day=1)
    return month.replace(day=PROGRESS_DAY)


def hazard_steps(hazard: Hazard, reinspection_asked_at: datetime | None = None) -> list[Step]:
    """The steps of a hazard's flow while it is open. ``reinspection_asked_at``: when a
    verifier asked the leads for an on-site re-inspection (a request is not stored
    otherwise: its task is the record that it waits), until one is opened."""
    if not hazard.is_open:
        return []
    steps: list[Step] = []
    status = hazard.status
    supervision = Supervision.objects.filter(hazard=hazard).first()
    # A registered hazard waits for its notice to be acknowledged (the notice's task).
    if status in policy.RECTIFIABLE:
        steps.append(Step(Kind.RECTIFY, Group.MANAGERS, due_on=hazard.due_on))
    if status == Hazard.Status.AWAITING:
        pending = hazard.rectifications.filter(decision=Rectification.Decision.PENDING).first()
        if pending is not None:
            steps.append(
                Step(
                    Kind.VERIFY,
                    Group.TEAM,
                    due_on=verify_due_on(pending.submitted_at),
                    key=str(pending.pk),
                )
            )
        elif supervision is not None and policy.awaiting_sign_off(hazard):
            steps.append(
                Step(
                    Kind.SIGN_OFF,
                    Group.PERSON if supervision.lead else Group.LEADS,
                    user=supervision.lead,
                )
            )
    for extension in hazard.extensions.filter(status=Extension.Status.PENDING):
        steps.append(
            Step(
                Kind.EXTENSION,
                Group.LEADS,
                due_on=extension.previous_due,
                key=str(extension.pk),
                object_id=extension.pk,
            )
        )
    if supervision is not None and not supervision.signed_off_at:
        if not supervision.plan_filed_at:
            steps.append(Step(Kind.PLAN, Group.MANAGERS, due_on=supervision.plan_due_on))
        due = _note_due(supervision)
        steps.append(
            Step(
                Kind.NOTE,
                Group.PERSON if supervision.lead else Group.LEADS,
                user=supervision.lead,
                due_on=due,
                key=f"{due:%Y-%m}",
            )
        )
    for escalation in hazard.escalations.filter(
        status=Escalation.Status.REACHED, step__in=list(LADDER_TASKS)
    ):
        steps.append(
            Step(
                LADDER_TASKS[Escalation.Step(escalation.step)],
                Group.LEADS,
                key=escalation.step,
                object_id=escalation.pk,
                # The dispatcher that reached it told the leads; a lead who skipped
                # ahead to it was on the page (the others hear of the new task).
                told=escalation.reached_by_id is None,
            )
        )
    if (
        reinspection_asked_at is not None
        and status == Hazard.Status.AWAITING
        and not Inspection.objects.filter(
            source_inspection=hazard.inspection_id, created_at__gte=reinspection_asked_at
        ).exists()
    ):
        asked = timezone.localdate(reinspection_asked_at)
        steps.append(Step(Kind.REINSPECT, Group.LEADS, due_on=_within(asked)))
    return steps


# A facility's own request: the service that files it tells the county's leads.
CREDIT_FILED_BY_FACILITY = (CreditCase.Kind.OBJECTION, CreditCase.Kind.REPAIR)


def credit_steps(case: CreditCase) -> list[Step]:
    """A credit case waits for a county lead while it is pending (the credit case's
    page holds the decision)."""
    if not case.is_pending:
        return []
    return [
        Step(
            Kind.CREDIT,
            Group.LEADS,
            object_id=case.pk,
            told=case.kind in CREDIT_FILED_BY_FACILITY,
        )
    ]
