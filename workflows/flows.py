"""The processes that move supervision work between people (viewflow).

Domain rules live in the services of ``inspections``; a flow follows what the services
did (``inspections.signals``) and keeps the process, its tasks and its timers.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from inspections.hazards import alarms as alarms
from inspections.hazards.models import Hazard
from inspections.planning import services as planning_services


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


class HazardFlow(flow.Flow):
    """One registered hazard until it is closed, with its deadline timers.

    A database-backed timer waits for the hazard's next alarm (reminders three
    working days before and on the due date, overdue and escalation when it passes,
    the late plan and monthly progress of a supervised major hazard); firing acts on
    what is due and plans the next one. With no alarm ahead (awaiting verification,
    overdue) the process idles until the hazard changes. Alarms are recorded by the
    domain, so a timer fired after a dispatcher restart never acts twice.
    """

    process_title = _("Hazard")
    process_description = _("From registration to closing, with deadline reminders.")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open_process).Next(this.closed)
    closed = flow.If(this.is_closed).Then(this.end).Else(this.alarm_ahead)
    alarm_ahead = flow.If(this.has_alarm).Then(this.wait).Else(this.idle)
    wait = flow.Timer(this.alarm_moment).Next(this.fire)
    fire = flow.Function(this.fire_alarms).Next(this.closed)
    idle = flow.Handle().Next(this.closed)
    end = flow.End()

    def open_process(self, activation, hazard):
        activation.process.artifact = hazard
        activation.process.data = {"register_no": hazard.register_no}
        return activation.process

    def _hazard(self, activation):
        # Fresh from the database: the process caches its artifact.
        return Hazard.objects.get(pk=activation.process.artifact_object_id)

    def is_closed(self, activation):
        return not self._hazard(activation).is_open

    def has_alarm(self, activation):
        return alarms.hazard_next_alarm(self._hazard(activation)) is not None

    def alarm_moment(self, activation):
        return alarms.hazard_next_alarm(self._hazard(activation)).at

    def fire_alarms(self, activation):
        alarms.hazard_alarms_fire(hazard=self._hazard(activation))


class WindowFlow(flow.Flow):
    """The end of plan windows: once an hour the dispatcher starts a short process
    that cancels, as not carried out, every drawn inspection whose plan window ended
    before it started (``planning_services.plan_windows_close``); only then is an unannounced
    draw revealed. A sweep rather than a timer per draw: it covers every plan,
    including those drawn before this flow existed, and a sweep that fails is rolled
    back and simply runs again on the next dispatch. Cancelling touches only
    inspections still scheduled, so running twice does nothing twice.
    """

    process_title = _("End of plan windows")
    process_description = _("Cancels drawn inspections not started within their plan's window.")
    lock_impl = lock.select_for_update_lock

    start = flow.StartTimer(interval=timedelta(hours=1)).Next(this.close)
    close = flow.Function(this.close_windows).Next(this.end)
    end = flow.End()

    def close_windows(self, activation):
        planning_services.plan_windows_close()
