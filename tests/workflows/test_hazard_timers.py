"""Hazard deadline alarms, kept in ``Hazard.next_alarm_at`` and fired by ``manage.py
workflow_timers``: reminders before and on the due date, overdue with escalation, the
supervision plan and progress reminders; never lost when the dispatcher was down,
never acted on twice when it runs again or fails while firing."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from viewflow.workflow.models import Task

from core.workdays import add_working_days, working_days_before
from inspections.hazards import alarms as alarms
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.hazards.schedule import progress_at, verify_due_on
from inspections.onsite.models import Inspection
from registry.models import User
from workflows.flows import HazardFlow
from workflows.receivers import process_of

from ..inspections.test_hazards import file_plan, photo

Action = Callable[[Hazard, str, alarms.Batch], None]


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def dispatch() -> str:
    out = StringIO()
    call_command("workflow_timers", stdout=out)
    return out.getvalue()


def texts(user: User, needle: str) -> list[str]:
    return list(user.notifications.filter(text__contains=needle).values_list("text", flat=True))


def idle(hazard: Hazard) -> QuerySet[Task]:
    return Task.objects.filter(process=process_of(HazardFlow, hazard), flow_task=HazardFlow.idle)


def next_alarm_at(hazard: Hazard) -> datetime | None:
    hazard.refresh_from_db()
    return hazard.next_alarm_at


@pytest.fixture
def rectifying(lead: User, finished: Inspection, manager: User, general: Hazard) -> Hazard:
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


def remind_before(hazard: Hazard) -> datetime:
    return at(working_days_before(hazard.due_on, 3), 9)


def test_registering_a_hazard_starts_a_process_and_stores_its_first_reminder(
    rectifying: Hazard,
) -> None:
    process = process_of(HazardFlow, rectifying)
    assert process.status == "NEW"
    assert idle(rectifying).get().status == "NEW"
    assert next_alarm_at(rectifying) == remind_before(rectifying)
    # The flow holds no timer of its own: the column is the one "when next".
    assert not Task.objects.filter(process=process, flow_task_type="TIMER").exists()


def test_reminders_go_out_once_each_however_often_the_dispatcher_runs(
    rectifying: Hazard, manager: User
) -> None:
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
    rectifying: Hazard, lead: User, manager: User
) -> None:
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
    # The next alarm is the escalation ladder's interview step (inspections.enforcement).
    assert next_alarm_at(rectifying) == at(add_working_days(rectifying.due_on, 5).date, 9)
    assert idle(rectifying).get().status == "NEW"


def test_a_dispatcher_failing_while_firing_loses_nothing(
    rectifying: Hazard, manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = alarms.notify_many

    def database_gone(*args: Any, **kwargs: Any) -> int:
        original(*args, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    moment = remind_before(rectifying) + timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        # It fails after the reminder was written: the reminder is rolled back with it.
        monkeypatch.setattr(alarms, "notify_many", database_gone)
        dispatch()
        assert texts(manager, "三个工作日") == []
        assert not rectifying.alarms.exists()
        assert next_alarm_at(rectifying) == remind_before(rectifying)
        monkeypatch.setattr(alarms, "notify_many", original)
        dispatch()
        dispatch()
    assert len(texts(manager, "三个工作日")) == 1


def test_one_failing_hazard_does_not_hold_back_the_others(
    rectifying: Hazard, major: Hazard, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(hazard: Hazard, key: str, batch: alarms.Batch, original: Action) -> None:
        if hazard.pk == rectifying.pk:
            raise OperationalError("deadlock detected")
        original(hazard, key, batch)

    # Both are claimed in one batch: it fails, and is tried again hazard by hazard.
    for kind, original in list(alarms.ACTIONS.items()):
        monkeypatch.setitem(alarms.ACTIONS, kind, partial(failing, original=original))
    both_due = max(next_alarm_at(rectifying), next_alarm_at(major)) + timedelta(minutes=1)
    with time_machine.travel(both_due, tick=False):
        dispatch()
        assert major.alarms.exists() and not rectifying.alarms.exists()
        monkeypatch.undo()
        dispatch()
    assert rectifying.alarms.exists()


def test_an_alarm_fired_twice_is_acted_on_once(rectifying: Hazard, manager: User) -> None:
    with time_machine.travel(remind_before(rectifying) + timedelta(hours=1), tick=False):
        assert len(alarms.hazard_alarms_fire(hazard=rectifying)) == 1
        assert alarms.hazard_alarms_fire(hazard=rectifying) == []
    assert len(texts(manager, "三个工作日")) == 1


def test_closing_the_hazard_ends_its_process_and_clears_its_next_alarm(
    rectifying: Hazard, manager: User, inspector: User
) -> None:
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理", uploads=[photo()], by=manager
    )
    hazard_services.rectification_verify(hazard=rectifying, accept=True, by=inspector)
    assert process_of(HazardFlow, rectifying).status == "DONE"
    assert idle(rectifying).get().status == "DONE"
    assert next_alarm_at(rectifying) is None
    with time_machine.travel(at(rectifying.due_on + timedelta(days=3)), tick=False):
        dispatch()
    assert texts(manager, f"{rectifying.register_no} 已逾期") == []


def test_an_approved_extension_moves_the_next_alarm_to_the_new_date(
    rectifying: Hazard, manager: User, lead: User
) -> None:
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
    assert rectifying.due_on == new_due
    assert rectifying.next_alarm_at == remind_before(rectifying)
    with time_machine.travel(at(new_due - timedelta(days=20)), tick=False):
        dispatch()
    assert texts(manager, f"{rectifying.register_no} 已逾期") == []
    with time_machine.travel(at(new_due + timedelta(days=1), 0, 1), tick=False):
        dispatch()
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE


def test_a_fix_rejected_after_the_due_date_goes_overdue_at_the_next_run(
    rectifying: Hazard, manager: User, inspector: User, lead: User
) -> None:
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理", uploads=[photo()], by=manager
    )
    late = at(rectifying.due_on + timedelta(days=2), 10)
    with time_machine.travel(late, tick=False):
        dispatch()  # awaiting verification, verification late: the team and lead are told
        rectifying.refresh_from_db()
        assert rectifying.status == Hazard.Status.AWAITING
        assert rectifying.next_alarm_at is None
        hazard_services.rectification_verify(
            hazard=rectifying, accept=False, reason="通道仍有杂物", by=inspector
        )
        # Back to rectifying: the rejection itself stored its alarms as due again (the
        # stale reminders are recorded unsent, the overdue mark acts).
        assert next_alarm_at(rectifying) == remind_before(rectifying)
        dispatch()
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE
    assert len(texts(lead, f"{rectifying.register_no} 已逾期")) == 1
    assert len(texts(lead, rectifying.register_no)) == 2  # and the late verification


def test_a_late_supervision_plan_and_a_missing_progress_note_are_reminded(
    lead: User, finished: Inspection, manager: User, major: Hazard
) -> None:
    supervision = major.supervision
    assert supervision.lead == lead
    with time_machine.travel(at(supervision.plan_due_on + timedelta(days=1), 0, 5), tick=False):
        dispatch()
    assert len(texts(lead, "逾期未报")) == 1
    assert len(texts(manager, "逾期未报")) == 1
    opened = timezone.localdate(supervision.opened_at)
    next_month = (opened.replace(day=1) + timedelta(days=32)).replace(day=25)
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    # Not at 09:00 like every other: at the hazard's own moment of the working day.
    reminded = progress_at(major, next_month)
    assert at(next_month, 9) <= reminded < at(next_month, 17)
    with time_machine.travel(reminded - timedelta(minutes=1), tick=False):
        dispatch()
    assert texts(manager, "本月进展") == []
    with time_machine.travel(reminded, tick=False):
        dispatch()
        dispatch()
    assert len(texts(manager, "本月进展")) == 1
    after_note = (next_month.replace(day=1) + timedelta(days=32)).replace(day=25)
    with time_machine.travel(at(after_note - timedelta(days=20), 10), tick=False):
        hazard_services.supervision_note_add(supervision=supervision, text="已完成招标", by=manager)
    with time_machine.travel(at(after_note, 17), tick=False):
        dispatch()
    assert len(texts(manager, "本月进展")) == 1  # the note for that month was written


def test_every_change_of_a_major_hazard_stores_its_next_alarm(
    lead: User, finished: Inspection, manager: User, major: Hazard
) -> None:
    supervision = major.supervision
    plan_late = at(supervision.plan_due_on + timedelta(days=1))
    assert next_alarm_at(major) == min(plan_late, remind_before(major))
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    file_plan(major, manager)
    opened = timezone.localdate(supervision.opened_at)
    progress = progress_at(major, (opened.replace(day=1) + timedelta(days=32)).replace(day=25))
    assert next_alarm_at(major) == min(progress, remind_before(major))
    hazard_services.rectification_submit(
        hazard=major,
        description="已更换防火门",
        interim_measures="专人值守",
        uploads=[photo()],
        by=manager,
    )
    # Awaiting verification: no due-date reminders; the verification's own limit
    # (VERIFY_WITHIN_WORKING_DAYS) comes before the monthly progress.
    check_due = verify_due_on(major.rectifications.get().submitted_at)
    assert next_alarm_at(major) == min(progress, at(check_due, 9))


def test_the_dispatcher_reads_only_the_due_hazards(
    rectifying: Hazard, major: Hazard, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = min(next_alarm_at(rectifying), next_alarm_at(major))
    # Nothing due yet: one indexed query, no hazard locked or read further.
    with django_assert_num_queries(1):
        assert alarms.hazard_alarms_dispatch(now=first - timedelta(seconds=1)) == 0
    with time_machine.travel(first, tick=False):
        assert "1 hazard alarm(s) acted on\n" in dispatch()
        assert "0 hazard alarm(s) acted on\n" in dispatch()
