"""The escalation ladder of an overdue hazard (reminder → 约谈 → control order → case),
its tasks for the county's leads, skipping ahead, the interview record and its
document, and the verification time limit."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.workdays import add_working_days
from inspections.enforcement import interviews, ladder
from inspections.enforcement.ladder_config import escalation_ladder, ladder_errors
from inspections.enforcement.models import Escalation
from inspections.hazards import alarms
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard, HazardAlarm
from inspections.hazards.schedule import verify_due_on
from reports import enforcement_documents
from tests.inspections.conftest import *  # noqa: F403  (the fixtures of a finished inspection)
from tests.inspections.test_hazards import photo
from workflows import policy as task_policy
from workflows.models import TaskScope
from workflows.pages import action_url


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English msgids."""
    settings.LANGUAGE_CODE = "en"


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def step_at(hazard: Hazard, days: int) -> datetime:
    return at(add_working_days(hazard.due_on, days).date, 9)


def dispatch(now: datetime) -> int:
    return alarms.hazard_alarms_dispatch(now=now)


def steps(hazard: Hazard) -> dict[str, str]:
    return dict(Escalation.objects.filter(hazard=hazard).values_list("step", "status"))


def texts(user, needle: str) -> list[str]:
    return list(user.notifications.filter(text__contains=needle).values_list("text", flat=True))


@pytest.fixture
def rectifying(lead, finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


@pytest.fixture
def overdue(rectifying):
    dispatch(at(rectifying.due_on + timedelta(days=1), 1))
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE
    return rectifying


def interview_values(**overrides):
    return {
        "held_on": timezone.localdate(),
        "place": "区民政局三楼会议室",
        "attendees": "区民政局：陈堃；养老院：法定代表人张玥",
        "minutes": "通报逾期未整改的消防通道堵塞隐患，听取机构说明。",
        "commitments": "五个工作日内清理完毕并报送整改照片。",
        "signed_by_name": "张玥",
        **overrides,
    }


def ladder_task(hazard: Hazard, kind: str) -> TaskScope:
    return TaskScope.objects.get(hazard=hazard, kind=kind)


# ---------------------------------------------------------------- the ladder climbs


def test_overdue_records_the_reminder_step_reached_and_done(overdue, lead):
    assert steps(overdue) == {"remind": "done"}
    remind = Escalation.objects.get(hazard=overdue, step="remind")
    assert remind.reached_by is None and remind.done_at is not None
    # The next alarm is the first later step: the interview, five working days on.
    assert overdue.next_alarm_at == step_at(overdue, 5)


def test_each_step_fires_at_its_working_day_once_across_runs_and_a_restart(overdue, lead, manager):
    stale = Hazard.objects.get(pk=overdue.pk)  # read before the steps fire
    interview_at = step_at(overdue, 5)
    assert dispatch(interview_at - timedelta(minutes=1)) == 0
    assert "interview" not in steps(overdue)

    dispatch(interview_at)
    dispatch(interview_at + timedelta(minutes=1))
    assert steps(overdue) == {"remind": "done", "interview": "reached"}
    assert Escalation.objects.get(hazard=overdue, step="interview").reached_by is None
    assert len(texts(lead, f"{overdue.register_no} of")) == 2  # overdue, then the step
    assert len(texts(manager, "escalation step reached")) == 1
    # A stale copy of the hazard fired again acts on nothing.
    assert alarms.hazard_alarms_fire(hazard=stale, now=interview_at + timedelta(hours=1)) == []

    # The dispatcher was down past both later steps: it catches up once on restart.
    after_case = step_at(overdue, 30) + timedelta(days=1)
    dispatch(after_case)
    dispatch(after_case)
    assert steps(overdue) == {
        "remind": "done",
        "interview": "reached",
        "control": "reached",
        "case": "reached",
    }
    assert HazardAlarm.objects.filter(hazard=overdue, kind="ladder").count() == 3
    assert len(texts(lead, f"{overdue.register_no} of")) == 4  # overdue, then 3 steps
    overdue.refresh_from_db()
    assert overdue.next_alarm_at is None


def test_a_major_hazard_climbs_on_its_own_shorter_ladder(lead, finished, manager, major):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    major.refresh_from_db()
    dispatch(at(major.due_on + timedelta(days=1), 1))
    dispatch(step_at(major, 2))
    assert steps(major)["interview"] == "reached"
    assert "control" not in steps(major)


def test_an_extension_out_of_overdue_stops_the_climb(rectifying, manager, lead):
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=rectifying.due_on + timedelta(days=40),
        reasons="待采购防火门",
        interim_measures="每日巡查",
        by=manager,
    )
    dispatch(at(rectifying.due_on + timedelta(days=1), 1))
    hazard_services.extension_decide(extension=request, approve=True, by=lead)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.RECTIFYING
    old_interview_at = at(add_working_days(request.previous_due, 5).date, 9)
    dispatch(old_interview_at)
    assert steps(rectifying) == {"remind": "done"}
    assert rectifying.next_alarm_at > old_interview_at


# ---------------------------------------------------------------- tasks


def test_a_reached_step_is_a_task_for_the_leads_closed_by_the_interview(overdue, lead, manager):
    dispatch(step_at(overdue, 5))
    task = ladder_task(overdue, TaskScope.Kind.INTERVIEW)
    assert task.open and task.group == TaskScope.Group.LEADS
    assert task_policy.tasks_for(lead).filter(pk=task.pk).exists()
    assert not task_policy.tasks_for(manager).filter(pk=task.pk).exists()
    assert action_url(task) == reverse("inspections:hazard_detail", args=[overdue.pk]) + "#ladder"

    record = interviews.interview_record(
        facility=overdue.facility, hazard=overdue, by=lead, **interview_values()
    )
    escalation = Escalation.objects.get(hazard=overdue, step="interview")
    assert escalation.status == Escalation.Status.DONE and escalation.interview == record
    task.refresh_from_db()
    assert not task.open and task.task.status == "DONE" and task.task.owner == lead
    assert record.number == f"430602-{timezone.localdate().year}-YT0001"
    assert texts(manager, record.number)


def test_an_interview_recorded_before_the_step_keeps_the_dispatcher_from_reaching_it(overdue, lead):
    interviews.interview_record(
        facility=overdue.facility, hazard=overdue, by=lead, **interview_values()
    )
    dispatch(step_at(overdue, 5))
    assert steps(overdue)["interview"] == "done"
    assert not TaskScope.objects.filter(hazard=overdue, kind="interview").exists()


# ---------------------------------------------------------------- skipping ahead


def test_a_lead_skips_ahead_with_a_reason(rectifying, lead):
    ladder.escalation_skip(
        hazard=rectifying, to_step="control", reason="拒不整改且有人员入住", by=lead
    )
    rows = {e.step: e for e in Escalation.objects.filter(hazard=rectifying)}
    assert {step: e.status for step, e in rows.items()} == {
        "remind": "skipped",
        "interview": "skipped",
        "control": "reached",
    }
    assert rows["interview"].reason == "拒不整改且有人员入住"
    assert rows["control"].reached_by == lead
    assert ladder_task(rectifying, TaskScope.Kind.CONTROL).open
    # Once overdue, only the step still ahead is timed.
    dispatch(at(rectifying.due_on + timedelta(days=1), 1))
    rectifying.refresh_from_db()
    assert rectifying.next_alarm_at == step_at(rectifying, 30)


def test_skipping_ahead_skips_a_reached_step_and_closes_its_task(overdue, lead):
    dispatch(step_at(overdue, 5))
    ladder.escalation_skip(hazard=overdue, to_step="case", reason="情节严重，直接立案", by=lead)
    assert steps(overdue) == {
        "remind": "done",
        "interview": "skipped",
        "control": "skipped",
        "case": "reached",
    }
    assert not ladder_task(overdue, TaskScope.Kind.INTERVIEW).open
    assert ladder_task(overdue, TaskScope.Kind.CASE).open


def test_skipping_ahead_is_refused_without_a_reason_to_a_manager_or_backwards(
    overdue, lead, manager
):
    with pytest.raises(ValidationError, match="Give the reason"):
        ladder.escalation_skip(hazard=overdue, to_step="interview", reason="  ", by=lead)
    with pytest.raises(ValidationError, match="Only a bureau lead of the county"):
        ladder.escalation_skip(hazard=overdue, to_step="interview", reason="理由", by=manager)
    ladder.escalation_skip(hazard=overdue, to_step="control", reason="理由", by=lead)
    with pytest.raises(ValidationError, match="already reached"):
        ladder.escalation_skip(hazard=overdue, to_step="control", reason="理由", by=lead)
    with pytest.raises(ValidationError, match="already reached"):
        ladder.escalation_skip(hazard=overdue, to_step="interview", reason="理由", by=lead)
    with pytest.raises(ValidationError, match="later step"):
        ladder.escalation_skip(hazard=overdue, to_step="remind", reason="理由", by=lead)


def test_skip_ahead_pages_for_the_lead_and_404_for_another_county(
    overdue, lead, other_lead, as_user
):
    page = as_user(lead).get(reverse("inspections:hazard_detail", args=[overdue.pk]))
    assert b'id="ladder"' in page.content and b"escalation/skip/" in page.content
    url = reverse("inspections:escalation_skip", args=[overdue.pk])
    data = {"to_step": "interview", "reason": "拒不配合", "confirm": "on"}
    assert as_user(other_lead).post(url, data).status_code == 404
    unconfirmed = as_user(lead).post(url, {**data, "confirm": ""})
    assert unconfirmed.status_code == 302 and "interview" not in steps(overdue)
    assert as_user(lead).post(url, data).status_code == 302
    assert steps(overdue)["interview"] == "reached"
    page = as_user(lead).get(reverse("inspections:hazard_detail", args=[overdue.pk]))
    assert "拒不配合" in page.content.decode()
    assert reverse("inspections:hazard_interview_add", args=[overdue.pk]) in page.content.decode()


# ---------------------------------------------------------------- the interview record


def test_an_interview_is_refused_to_others_and_for_a_future_date(world, lead, manager, other_lead):
    facility = world["facility"]
    with pytest.raises(ValidationError, match="Only a bureau lead of the county"):
        interviews.interview_record(facility=facility, by=manager, **interview_values())
    with pytest.raises(ValidationError, match="Only a bureau lead of the county"):
        interviews.interview_record(facility=facility, by=other_lead, **interview_values())
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="must be between"):
        interviews.interview_record(
            facility=facility, by=lead, **interview_values(held_on=tomorrow)
        )
    with pytest.raises(ValidationError, match="cannot be longer"):
        interviews.interview_record(
            facility=facility, by=lead, **interview_values(signed_by_name="张" * 101)
        )
    with pytest.raises(ValidationError, match="is required"):
        interviews.interview_record(facility=facility, by=lead, **interview_values(minutes=""))


def test_the_interview_form_records_and_shows_it(world, lead, other_lead, manager, as_user):
    facility = world["facility"]
    url = reverse("inspections:interview_add", args=[facility.pk])
    assert as_user(other_lead).get(url).status_code == 404
    assert as_user(manager).get(url).status_code == 403
    values = interview_values()
    response = as_user(lead).post(url, {**values, "held_on": values["held_on"].isoformat()})
    assert response.status_code == 302
    record = facility.interviews.get()
    assert response["Location"] == record.get_absolute_url()
    detail = as_user(manager).get(record.get_absolute_url()).content.decode()
    assert record.number in detail and "五个工作日内清理完毕" in detail
    listing = as_user(lead).get(reverse("inspections:interview_list", args=[facility.pk]))
    assert record.number in listing.content.decode()


def test_the_interview_document_has_its_number_and_chinese_text(overdue, lead, as_user):
    record = interviews.interview_record(
        facility=overdue.facility, hazard=overdue, by=lead, **interview_values()
    )
    pdf = enforcement_documents.enforcement_document("interview", record).pdf
    text = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert record.number in text
    assert "区民政局三楼会议室" in text and "五个工作日内清理完毕" in text
    assert overdue.facility.name in text and overdue.register_no in text
    url = reverse("reports_staff:enforcement_document", args=["interview", record.pk])
    response = as_user(lead).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# ---------------------------------------------------------------- verification time limit


def test_the_verification_is_reminded_when_due_and_escalated_when_late_once(
    rectifying, manager, inspector, inspector2, lead
):
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理通道杂物", uploads=[photo()], by=manager
    )
    pending = rectifying.rectifications.get()
    due = verify_due_on(pending.submitted_at)
    assert due == add_working_days(timezone.localdate(pending.submitted_at), 3).date
    assert ladder_task(rectifying, TaskScope.Kind.VERIFY).due_on == due

    dispatch(at(due, 9, 5))
    dispatch(at(due, 9, 6))
    for verifier in (inspector, inspector2):
        assert len(texts(verifier, "to be verified today")) == 1
    assert texts(lead, "to be verified today") == []

    dispatch(at(due + timedelta(days=1), 0, 5))
    dispatch(at(due + timedelta(days=1), 0, 6))
    for person in (inspector, inspector2, lead):
        assert len(texts(person, "verification of the fix")) == 1
    assert set(
        HazardAlarm.objects.filter(hazard=rectifying, key=str(pending.pk)).values_list(
            "kind", "sent"
        )
    ) == {("check_due", True), ("check_late", True)}


def test_the_verification_time_limit_is_a_setting(rectifying, manager, settings):
    settings.VERIFY_WITHIN_WORKING_DAYS = 5
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理通道杂物", uploads=[photo()], by=manager
    )
    submitted = timezone.localdate(rectifying.rectifications.get().submitted_at)
    expected = add_working_days(submitted, 5).date
    assert ladder_task(rectifying, TaskScope.Kind.VERIFY).due_on == expected
    rectifying.refresh_from_db()
    assert rectifying.next_alarm_at == at(expected, 9)


# ---------------------------------------------------------------- the setting


def test_the_system_check_refuses_a_bad_ladder(settings):
    assert escalation_ladder(None) == []
    settings.HAZARD_ESCALATION_LADDER = {
        "general": {"interview": 5, "control": 5, "visit": 9},
        "major": {"control": 5, "interview": 9},
        "minor": {},
    }
    messages = " ".join(error.msg for error in escalation_ladder(None))
    assert "unknown step 'visit'" in messages
    assert "'control' at 5 working days does not come after interview" in messages
    assert "lists 'interview' after 'control'" in messages
    assert "unknown hazard class 'minor'" in messages
    assert ladder_errors("not json") == [
        "HAZARD_ESCALATION_LADDER must be a JSON object of hazard classes."
    ]
    assert any("no ladder for 'major'" in e for e in ladder_errors({"general": {}}))
