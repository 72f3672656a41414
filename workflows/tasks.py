"""Opening and closing the tasks of a flow as the domain changes.

After each change the domain announces (``workflows.receivers``), the flow's open tasks
are compared with the steps that wait now (``workflows.steps``): a step without a task
gets one (assigned to its person, or offered to its group, who are told); a task whose
step no longer waits is closed, as done by the person whose action ended it (assigned
to them, started and completed, as viewflow has a person's task go), or cancelled when
it ended otherwise (the record changed under a confirmation, the dispatcher cancelled
the visit). All of it in the domain's transaction: if the action fails, no task moved.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.flow import Flow
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from core.audited import Actor, save_with_history
from core.notifications import notify
from inspections.credit.models import CreditCase
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from registry.models import User

from . import policy
from .flows import CreditFlow, HazardFlow, InspectionFlow
from .models import TaskScope
from .pages import action_url
from .steps import Step, credit_steps, hazard_steps, inspection_steps

# Steps the domain's own service already tells its people about when they begin (the
# notice, the result to review, the re-inspection asked for, the confirmation): their
# task is not announced a second time.
TOLD_BY_THE_DOMAIN = {
    TaskScope.Kind.RECTIFY,  # the acknowledgement starts it; a rejection says why
    TaskScope.Kind.SIGN,  # the team is on site together when it begins
    TaskScope.Kind.CONFIRM,
    TaskScope.Kind.ACKNOWLEDGE,
    TaskScope.Kind.REVIEW,
    TaskScope.Kind.REVISE,
    TaskScope.Kind.REINSPECT,
}


def _process(flow_class: type[Flow], artifact: Model) -> Process | None:
    return (
        Process.objects.filter(
            flow_class=flow_class,
            artifact_content_type=ContentType.objects.get_for_model(type(artifact)),
            artifact_object_id=artifact.pk,
        )
        .exclude(status__in=["DONE", "CANCELED"])
        .first()
    )


def _open_scopes(process: Process) -> list[TaskScope]:
    return list(
        TaskScope.objects.filter(task__process=process, open=True).select_related(
            "task", "task__owner"
        )
    )


def _open(
    flow_class: type[Flow], process: Process, step: Step, facility_id: int, by: Actor, **where: Any
) -> None:
    node = getattr(flow_class, step.kind)
    previous = Task.objects.filter(process=process).order_by("-pk").first()
    activation = node.activation_class.create(
        node, previous.flow_task.activation_class(previous), Token("start")
    )
    task = activation.task
    if step.user is not None:
        activation.assign(step.user)
    scope = TaskScope(
        task=task,
        kind=step.kind,
        key=step.key,
        group=step.group,
        facility_id=facility_id,
        hazard_id=where.get("hazard_id"),
        inspection_id=where.get("inspection_id"),
        object_id=step.object_id,
        due_on=step.due_on,
    )
    save_with_history(scope, by=by)
    if step.kind not in TOLD_BY_THE_DOMAIN and not step.told:
        text = _("New task: %(task)s (%(facility)s)%(due)s.") % {
            "task": scope.get_kind_display(),
            "facility": scope.facility.name,
            "due": _(", due %(date)s") % {"date": step.due_on.isoformat()} if step.due_on else "",
        }
        told = policy.assignees(scope)
        if isinstance(by, User):
            # Not the one whose action opened it: they are on the page already.
            told = told.exclude(pk=by.pk)
        for user in told:
            notify(user=user, text=text, url=action_url(scope), by=by)


def _close(scope: TaskScope, by: Actor) -> None:
    """Done by ``by`` when the task was theirs to do; cancelled otherwise."""
    task = scope.task
    task._history_user = by if isinstance(by, User) else None
    activation = task.flow_task.activation_class(task)
    if isinstance(by, User) and policy.is_offered(by, scope):
        if task.status == STATUS.NEW:
            activation.assign(by)
        activation.start(None)
        activation.complete()
    else:
        activation.cancel()
    scope.open = False
    save_with_history(scope, by=by)


def _follow(
    flow_class: type[Flow],
    process: Process,
    steps: Iterable[Step],
    facility_id: int,
    by: Actor,
    **where: Any,
) -> None:
    wanted = {step.ident: step for step in steps}
    for scope in _open_scopes(process):
        step = wanted.pop((scope.kind, scope.key), None)
        if step is None:
            _close(scope, by)
        elif step.due_on != scope.due_on:
            # An approved extension moves the rectification's due date.
            scope.due_on = step.due_on
            scope.overdue_notified_on = None
            save_with_history(scope, by=by)
    for step in wanted.values():
        _open(flow_class, process, step, facility_id, by, **where)


def follow_inspection(inspection: Inspection, by: Actor) -> Process | None:
    """Bring the inspection's tasks in line with its state; the process, if it has one."""
    process = _process(InspectionFlow, inspection)
    if process is None:  # inspections older than their flow have no process
        return None
    _follow(
        InspectionFlow,
        process,
        inspection_steps(inspection),
        inspection.facility_id,
        by,
        inspection_id=inspection.pk,
    )
    return process


def follow_hazard(hazard: Hazard, by: Actor, reinspection_asked: bool = False) -> Process | None:
    process = _process(HazardFlow, hazard)
    if process is None:
        return None
    asked_at: datetime | None = timezone.now() if reinspection_asked else None
    if asked_at is None:
        waiting = (
            TaskScope.objects.filter(
                task__process=process, open=True, kind=TaskScope.Kind.REINSPECT
            )
            .values_list("task__created", flat=True)
            .first()
        )
        asked_at = waiting
    _follow(
        HazardFlow,
        process,
        hazard_steps(hazard, reinspection_asked_at=asked_at),
        hazard.facility_id,
        by,
        hazard_id=hazard.pk,
        # The team that found it verifies the fix.
        inspection_id=hazard.inspection_id,
    )
    return process


def follow_credit(case: CreditCase, by: Actor) -> Process | None:
    process = _process(CreditFlow, case)
    if process is None:
        return None
    _follow(CreditFlow, process, credit_steps(case), case.facility_id, by)
    return process


def still_open(process: Process) -> bool:
    return TaskScope.objects.filter(task__process=process, open=True).exists()
