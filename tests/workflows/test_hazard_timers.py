"""The hazard flow's database-backed timers, fired by ``manage.py workflow_timers``:
reminders before and on the due date, overdue with escalation, the supervision
plan and progress reminders; never lost when the dispatcher was down, never acted
on twice when it runs again or fails while firing."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from viewflow.workflow.models import Task

from inspections.hazards import alarms as alarms
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from registry.workdays import working_days_before
from workflows.flows import HazardFlow
from workflows.receivers import process_of

from ..inspections.test_hazards import photo


def at(day, hour=0, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def dispatch():
    call_command("workflow_timers", stdout=StringIO())


def texts(user, needle):
    return list(user.notifications.filter(text__contains=needle).values_list("text", flat=True))


def timer(hazard):
    return Task.objects.filter(process=process_of(HazardFlow, hazard), flow_task=HazardFlow.wait)


@pytest.fixture
def rectifying(lead, finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


def remind_before(hazard):
    return at(working_days_before(hazard.due_on, 3), 9)


def test_registering_a_hazard_starts_a_process_waiting_for_its_first_reminder(rectifying):
    process = process_of(HazardFlow, rectifying)
    assert process.status == "NEW"
    (scheduled,) = timer(rectifying).filter(status="SCHEDULED")
    assert scheduled.scheduled == remind_before(rectifying)


def test_reminders_go_out_once_each_however_often_the_dispatcher_runs(rectifying, manager):
    with time_machine.travel(remind_before(rectifying) + timedelta(minutes=1), tick=False):
        dispatch()
        dispatch()
    assert len(texts(manager, "三个工作日")) == 1
    with time_machine.travel(at(rectifying.due_on, 9, 5), tick=False):
        dispatch()
        dispatch()
    assert len(texts(manager, "今天到期")) == 1
    assert len(texts(manager, "三个工作日")) == 1
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.RECTIFYING


def test_a_dispatcher_down_over_the_due_date_marks_overdue_once_when_it_restarts(
    rectifying, lead, manager
):
    # Nothing ran until two days after the due date: the stale reminders are not
    # sent, the overdue mark and the escalation are, once.
    with time_machine.travel(at(rectifying.due_on + timedelta(days=2), 8), tick=False):
        dispatch()
        dispatch()
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE
    assert len(texts(lead, rectifying.register_no)) == 1
    assert len(texts(manager, f"{rectifying.register_no} 已逾期")) == 1
    assert texts(manager, "三个工作日") == [] and texts(manager, "今天到期") == []
    assert set(rectifying.alarms.values_list("kind", "sent")) == {
        ("before", False),
        ("due", False),
        ("overdue", True),
    }
    # With no alarm ahead the process waits for people, not for a timer.
    assert not timer(rectifying).filter(status="SCHEDULED").exists()
    assert Task.objects.filter(
        process=process_of(HazardFlow, rectifying), flow_task=HazardFlow.idle, status="NEW"
    ).exists()


def test_a_dispatcher_failing_while_firing_loses_nothing(rectifying, manager, monkeypatch):
    original = Task.save

    def database_gone(task, *args, **kwargs):
        if task.flow_task == HazardFlow.wait and task.status == "DONE":
            raise OperationalError("server closed the connection unexpectedly")
        return original(task, *args, **kwargs)

    moment = remind_before(rectifying) + timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        monkeypatch.setattr(Task, "save", database_gone)
        dispatch()
        assert texts(manager, "三个工作日") == []
        assert timer(rectifying).get().status == "SCHEDULED"
        monkeypatch.setattr(Task, "save", original)
        dispatch()
        dispatch()
    assert len(texts(manager, "三个工作日")) == 1


def test_an_alarm_fired_twice_is_acted_on_once(rectifying, manager):
    with time_machine.travel(remind_before(rectifying) + timedelta(hours=1), tick=False):
        assert len(alarms.hazard_alarms_fire(hazard=rectifying)) == 1
        assert alarms.hazard_alarms_fire(hazard=rectifying) == []
    assert len(texts(manager, "三个工作日")) == 1


def test_closing_the_hazard_ends_its_process_and_cancels_its_timer(rectifying, manager, inspector):
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理", uploads=[photo()], by=manager
    )
    hazard_services.rectification_verify(hazard=rectifying, accept=True, by=inspector)
    assert process_of(HazardFlow, rectifying).status == "DONE"
    assert timer(rectifying).get().status == "CANCELED"
    with time_machine.travel(at(rectifying.due_on + timedelta(days=3)), tick=False):
        dispatch()
    assert texts(manager, f"{rectifying.register_no} 已逾期") == []


def test_an_approved_extension_moves_the_timer_to_the_new_date(rectifying, manager, lead):
    new_due = rectifying.due_on + timedelta(days=30)
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=new_due,
        reasons="待采购",
        interim_measures="专人巡查",
        by=manager,
    )
    hazard_services.extension_decide(extension=request, approve=True, by=lead)
    rectifying.refresh_from_db()
    assert timer(rectifying).get().scheduled == remind_before(rectifying)
    with time_machine.travel(at(new_due - timedelta(days=20)), tick=False):
        dispatch()
    assert texts(manager, f"{rectifying.register_no} 已逾期") == []
    with time_machine.travel(at(new_due + timedelta(days=1), 0, 1), tick=False):
        dispatch()
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE


def test_a_fix_rejected_after_the_due_date_goes_overdue_at_the_next_run(
    rectifying, manager, inspector, lead
):
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理", uploads=[photo()], by=manager
    )
    late = at(rectifying.due_on + timedelta(days=2), 10)
    with time_machine.travel(late, tick=False):
        dispatch()  # awaiting verification: nothing to remind, the process idles
        rectifying.refresh_from_db()
        assert rectifying.status == Hazard.Status.AWAITING
        hazard_services.rectification_verify(
            hazard=rectifying, accept=False, reason="通道仍有杂物", by=inspector
        )
        dispatch()
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE
    assert len(texts(lead, rectifying.register_no)) == 1


def test_a_late_supervision_plan_and_a_missing_progress_note_are_reminded(
    lead, finished, manager, major
):
    supervision = major.supervision
    assert supervision.lead == lead
    with time_machine.travel(at(supervision.plan_due_on + timedelta(days=1), 0, 5), tick=False):
        dispatch()
    assert len(texts(lead, "逾期未报")) == 1
    assert len(texts(manager, "逾期未报")) == 1
    opened = timezone.localdate(supervision.opened_at)
    next_month = (opened.replace(day=1) + timedelta(days=32)).replace(day=25)
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    with time_machine.travel(at(next_month, 9, 30), tick=False):
        dispatch()
        dispatch()
    assert len(texts(manager, "本月进展")) == 1
    after_note = (next_month.replace(day=1) + timedelta(days=32)).replace(day=25)
    with time_machine.travel(at(after_note - timedelta(days=20), 10), tick=False):
        hazard_services.supervision_note_add(supervision=supervision, text="已完成招标", by=manager)
    with time_machine.travel(at(after_note, 9, 30), tick=False):
        dispatch()
    assert len(texts(manager, "本月进展")) == 1  # the note for that month was written
