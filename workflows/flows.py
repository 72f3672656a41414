"""The processes that move supervision work between people (viewflow).

Domain rules live in ``inspections.services``; a flow follows what the services
did (``inspections.signals``) and keeps the process, its tasks and its timers.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock


class InspectionFlow(flow.Flow):
    """One inspection from opening to the signed record.

    opened → (with notice: the facility is told the date) → the team starts on
    site → the record is finished and signed → end. A cancelled inspection
    cancels its process.
    """

    process_title = _("Inspection")
    process_description = _("From opening to the signed inspection record.")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open_process).Next(this.with_notice)
    with_notice = flow.If(this.needs_notice).Then(this.notify_facility).Else(this.on_site)
    notify_facility = flow.Handle().Next(this.on_site)
    on_site = flow.Handle().Next(this.record)
    record = flow.Handle().Next(this.end)
    end = flow.End()

    def open_process(self, activation, inspection):
        activation.process.artifact = inspection
        activation.process.data = {"kind": inspection.kind, "facility": inspection.facility_id}
        return activation.process

    def needs_notice(self, activation):
        return activation.process.artifact.needs_notice
