"""The processes that move supervision work between people (viewflow).

Domain rules live in the services of ``inspections``; a flow follows what the services
did (``inspections.signals``) and keeps the process, its tasks and its timers. When a
hazard's deadline alarms fall is not a timer of a flow but the domain's own column,
``Hazard.next_alarm_at`` (see ``inspections.hazards.schedule``).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.models import Process

from inspections.credit.models import CreditCase
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection

from .views import task_detail


class InspectionFlow(flow.Flow):
    """One inspection from opening to the signed record.

    opened → (with notice: the facility is told the date) → the team starts on
    site → the record is finished and signed → its notice is acknowledged and its
    result published → end. A cancelled inspection cancels its process.
    """

    process_title = _("Inspection")
    process_description = _("From opening to the signed inspection record.")
    lock_impl = lock.select_for_update_lock

    start = (
        flow.StartHandle(this.open_process)
        .Annotation(title=_("Inspection opened"))
        .Next(this.with_notice)
    )
    with_notice = flow.If(this.needs_notice).Then(this.notify_facility).Else(this.on_site)
    notify_facility = (
        flow.Handle().Annotation(title=_("Visit date set, facility told")).Next(this.on_site)
    )
    on_site = flow.Handle().Annotation(title=_("On site")).Next(this.record)
    record = flow.Handle().Annotation(title=_("Record finished")).Next(this.follow_up)
    # After the record: the notice and the result still wait on people (below).
    follow_up = (
        flow.Handle().Annotation(title=_("Notice acknowledged, result published")).Next(this.end)
    )
    end = flow.End().Annotation(title=_("Done"))

    # The steps that wait for a person (workflows.steps says when each waits and for
    # whom; workflows.tasks opens and closes them with the domain's actions).
    schedule = flow.View(task_detail)
    visit = flow.View(task_detail)
    confirm = flow.View(task_detail)
    sign = flow.View(task_detail)
    acknowledge = flow.View(task_detail)
    review = flow.View(task_detail)
    revise = flow.View(task_detail)

    def open_process(self, activation: Activation, inspection: Inspection) -> Process:
        activation.process.artifact = inspection
        activation.process.data = {"kind": inspection.kind, "facility": inspection.facility_id}
        return activation.process

    def needs_notice(self, activation: Activation) -> bool:
        return activation.process.artifact.needs_notice


class HazardFlow(flow.Flow):
    """One registered hazard until it is closed.

    The process idles while people work on the hazard and ends when it is closed.
    Its deadline alarms (reminders, overdue and escalation, the late plan and the
    monthly progress of a supervised major hazard) are not timers here: the domain
    keeps when the next one falls in ``Hazard.next_alarm_at``, and ``manage.py
    workflow_timers`` fires the due ones (``inspections.hazards.alarms``).
    Migration workflows 0001 moved processes waiting on the former timer to ``idle``.
    """

    process_title = _("Hazard")
    process_description = _("From registration to closing, with deadline reminders.")
    lock_impl = lock.select_for_update_lock

    start = (
        flow.StartHandle(this.open_process).Annotation(title=_("Hazard registered")).Next(this.idle)
    )
    idle = flow.Handle().Annotation(title=_("Until closed")).Next(this.end)
    end = flow.End().Annotation(title=_("Closed"))

    plan = flow.View(task_detail)
    rectify = flow.View(task_detail)
    verify = flow.View(task_detail)
    extension = flow.View(task_detail)
    sign_off = flow.View(task_detail)
    note = flow.View(task_detail)
    reinspect = flow.View(task_detail)
    # The escalation ladder's steps that wait for a lead (inspections.enforcement).
    interview = flow.View(task_detail)
    control = flow.View(task_detail)
    case = flow.View(task_detail)

    def open_process(self, activation: Activation, hazard: Hazard) -> Process:
        activation.process.artifact = hazard
        activation.process.data = {"register_no": hazard.register_no}
        return activation.process


class CreditFlow(flow.Flow):
    """One credit case (a class proposal, a list entry, an objection, a repair
    application) from opening until the county lead decides it or it lapses.

    The process idles while its one task waits in the county leads' inboxes; the
    decision (``inspections.credit.services.case_decide``) or a newer run that no
    longer proposes it ends the process.
    """

    process_title = _("Credit case")
    process_description = _("From the proposal to the county lead's decision.")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open_process).Annotation(title=_("Case opened")).Next(this.idle)
    idle = flow.Handle().Annotation(title=_("Until decided")).Next(this.end)
    end = flow.End().Annotation(title=_("Decided or lapsed"))

    credit = flow.View(task_detail)

    def open_process(self, activation: Activation, case: CreditCase) -> Process:
        activation.process.artifact = case
        activation.process.data = {"kind": case.kind, "facility": case.facility_id}
        return activation.process
