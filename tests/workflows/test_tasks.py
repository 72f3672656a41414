"""Every step that waits for a person is a task of its flow: opened when the step begins,
offered to exactly its people, closed by the action that does it (in its transaction),
reassignable by a lead with a reason, shown in each person's inbox."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from viewflow.workflow.status import STATUS

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.publication import services as publication_services
from workflows import policy, services, tasks
from workflows.models import TaskScope

from ..inspections.test_hazards import file_plan, photo


@pytest.fixture
def rectifying(finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


Kind = TaskScope.Kind


def open_tasks(kind, **where):
    return TaskScope.objects.filter(kind=kind, open=True, **where)


def inbox(user):
    return set(policy.tasks_for(user).values_list("kind", flat=True))


def closed(kind, **where):
    return TaskScope.objects.get(kind=kind, open=False, **where)


# ---------------------------------------------------------------- before and on site


def test_a_drawn_visit_waits_for_its_date_then_its_start_in_the_teams_inbox_only(
    drawn, inspector, inspector2, manager, lead
):
    inspection = drawn.inspections.filter(team__inspector__user=inspector).first()
    assert inspection is not None, "the persona was not drawn"
    (task,) = open_tasks(Kind.SCHEDULE, inspection=inspection)
    assert task.group == TaskScope.Group.TEAM and task.due_on == inspection.window_end
    assert policy.is_offered(inspector, task)
    assert not policy.is_offered(manager, task) and not policy.is_offered(lead, task)
    assert policy.queue_for(lead).filter(pk=task.pk).exists()

    day = inspection.window_end
    onsite_services.inspection_schedule(inspection=inspection, planned_date=day, by=inspector)
    done = closed(Kind.SCHEDULE, inspection=inspection)
    assert (done.task.status, done.task.owner) == (STATUS.DONE, inspector)
    # Assigned, then done, each recorded with who did it.
    assert [h.status for h in done.task.history.order_by("history_date")][-1] == STATUS.DONE
    (visit,) = open_tasks(Kind.VISIT, inspection=inspection)
    assert visit.due_on == day


def test_the_start_closes_the_visit_and_the_record_asks_for_confirmation_and_signature(
    case, inspector, inspector2
):
    (visit,) = open_tasks(Kind.VISIT, inspection=case)
    onsite_services.inspection_start(inspection=case, by=inspector2)
    assert closed(Kind.VISIT, inspection=case).task.owner == inspector2
    assert open_tasks(Kind.SIGN, inspection=case).count() == 1
    assert not open_tasks(Kind.CONFIRM, inspection=case).exists()  # nothing complete yet


def test_the_signature_task_closes_when_the_facility_signs(started, inspector, inspector2):
    (sign,) = open_tasks(Kind.SIGN, inspection=started)
    assert policy.is_offered(inspector2, sign)
    onsite_services.inspection_sign(
        inspection=started, by=inspector2, signer_name="刘院长", typed="刘院长"
    )
    assert closed(Kind.SIGN, inspection=started).task.owner == inspector2


def test_a_confirmation_task_is_each_members_own(started, inspector, inspector2):
    from ..inspections.test_onsite import answer_all_passing

    answer_all_passing(started, inspector)
    (confirm,) = open_tasks(Kind.CONFIRM, inspection=started)
    assert confirm.task.owner == inspector2 and confirm.group == TaskScope.Group.PERSON
    assert Kind.CONFIRM not in inbox(inspector)
    assert Kind.CONFIRM in inbox(inspector2)
    onsite_services.member_confirm(inspection=started, by=inspector2)
    assert closed(Kind.CONFIRM, inspection=started).task.status == STATUS.DONE


def test_a_cancelled_visit_cancels_its_task(drawn, inspector):
    from inspections.planning import services as planning_services

    inspection = drawn.inspections.first()
    with mock.patch(
        "django.utils.timezone.localdate", return_value=inspection.window_end + timedelta(days=1)
    ):
        planning_services.plan_windows_close()
    task = TaskScope.objects.get(inspection=inspection, kind=Kind.SCHEDULE)
    assert not task.open and task.task.status == STATUS.CANCELED


# ---------------------------------------------------------------- the rectification loop


def test_the_notice_waits_for_the_managers_then_the_fix_then_its_verification(
    finished, general, manager, other_manager, inspector, inspector2, lead
):
    (ack,) = open_tasks(Kind.ACKNOWLEDGE, inspection=finished)
    assert ack.group == TaskScope.Group.MANAGERS and ack.object_id == finished.notice.pk
    assert policy.is_offered(manager, ack) and not policy.is_offered(other_manager, ack)
    assert not open_tasks(Kind.RECTIFY, hazard=general).exists()

    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    assert closed(Kind.ACKNOWLEDGE, inspection=finished).task.owner == manager
    (rectify,) = open_tasks(Kind.RECTIFY, hazard=general)
    general.refresh_from_db()
    assert rectify.due_on == general.due_on
    assert Kind.RECTIFY in inbox(manager) and Kind.RECTIFY not in inbox(inspector)

    hazard_services.rectification_submit(
        hazard=general, description="已清理通道", uploads=[photo()], by=manager
    )
    assert closed(Kind.RECTIFY, hazard=general).task.owner == manager
    (verify,) = open_tasks(Kind.VERIFY, hazard=general)
    assert verify.group == TaskScope.Group.TEAM and verify.inspection_id == finished.pk
    assert Kind.VERIFY in inbox(inspector) and Kind.VERIFY not in inbox(manager)

    hazard_services.rectification_verify(
        hazard=general, accept=False, reason="照片不清", by=inspector
    )
    assert closed(Kind.VERIFY, hazard=general).task.owner == inspector
    assert open_tasks(Kind.RECTIFY, hazard=general).count() == 1  # a new round


def test_an_extension_waits_for_the_leads_and_an_approval_moves_the_due_date(
    rectifying, manager, lead, other_lead
):
    extension = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=rectifying.due_on + timedelta(days=20),
        reasons="需采购防火门",
        interim_measures="专人值守",
        by=manager,
    )
    (task,) = open_tasks(Kind.EXTENSION, hazard=rectifying)
    assert task.object_id == extension.pk
    assert Kind.EXTENSION in inbox(lead) and Kind.EXTENSION not in inbox(other_lead)
    hazard_services.extension_decide(extension=extension, approve=True, by=lead)
    assert closed(Kind.EXTENSION, hazard=rectifying).task.owner == lead
    (rectify,) = open_tasks(Kind.RECTIFY, hazard=rectifying)
    assert rectify.due_on == extension.requested_due


def test_a_failing_action_leaves_the_hazard_and_its_task_as_they_were(rectifying, manager):
    (rectify,) = open_tasks(Kind.RECTIFY, hazard=rectifying)
    with mock.patch.object(tasks, "_open", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError, match="boom"):
            hazard_services.rectification_submit(
                hazard=rectifying, description="已清理通道", uploads=[photo()], by=manager
            )
    rectifying.refresh_from_db()
    rectify.refresh_from_db()
    rectify.task.refresh_from_db()
    assert rectifying.status == Hazard.Status.RECTIFYING
    assert rectify.open and rectify.task.status == STATUS.NEW
    assert not rectifying.rectifications.exists()


def test_a_major_hazard_waits_for_its_plan_notes_and_sign_off(
    finished, major, manager, lead, inspector
):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    assert open_tasks(Kind.PLAN, hazard=major).count() == 1
    (note,) = open_tasks(Kind.NOTE, hazard=major)
    major.refresh_from_db()
    assert note.task.owner == major.supervision.lead
    file_plan(major, manager)
    assert closed(Kind.PLAN, hazard=major).task.owner == manager
    lead_of = major.supervision.lead
    # The note of the month it waits for (the one after the opening) closes it; the
    # next month's waits then.
    with time_machine.travel(note.due_on, tick=False):
        hazard_services.supervision_note_add(
            supervision=major.supervision, text="已完成招标", by=lead_of
        )
    assert closed(Kind.NOTE, hazard=major).task.owner == lead_of
    (later,) = open_tasks(Kind.NOTE, hazard=major)
    assert later.due_on > note.due_on
    hazard_services.rectification_submit(
        hazard=major,
        description="已更换防火门",
        uploads=[photo()],
        interim_measures="专人值守",
        by=manager,
    )
    hazard_services.rectification_verify(hazard=major, accept=True, reason="", by=inspector)
    (sign_off,) = open_tasks(Kind.SIGN_OFF, hazard=major)
    hazard_services.supervision_sign_off(
        supervision=major.supervision, approve=True, note="已销号", by=major.supervision.lead
    )
    assert closed(Kind.SIGN_OFF, hazard=major).task.status == STATUS.DONE
    assert not TaskScope.objects.filter(hazard=major, open=True).exists()


def test_a_requested_reinspection_waits_until_the_leads_open_it(
    rectifying, manager, inspector, inspector2, lead
):
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理通道", uploads=[photo()], by=manager
    )
    hazard_services.reinspection_request(hazard=rectifying, by=inspector)
    (task,) = open_tasks(Kind.REINSPECT, hazard=rectifying)
    assert Kind.REINSPECT in inbox(lead)
    onsite_services.reinspection_open(
        source=rectifying.inspection,
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        by=lead,
    )
    assert closed(Kind.REINSPECT, hazard=rectifying).task.owner == lead


# ---------------------------------------------------------------- the result


def test_the_result_waits_for_a_leads_review_and_publishing_ends_the_flow(finished, lead, manager):
    publication = finished.publication
    (review,) = open_tasks(Kind.REVIEW, inspection=finished)
    assert review.due_on == publication.due_on and review.object_id == publication.pk
    publication_services.publication_return(publication=publication, by=lead, reason="请补充说明")
    assert closed(Kind.REVIEW, inspection=finished).task.owner == lead
    (revise,) = open_tasks(Kind.REVISE, inspection=finished)
    inspector = finished.team.first().inspector.user
    assert policy.is_offered(inspector, revise) and not policy.is_offered(manager, revise)
    publication_services.publication_resubmit(
        publication=publication, by=inspector, category=None, follow_up="已补充说明"
    )
    assert closed(Kind.REVISE, inspection=finished).task.owner == inspector
    (again,) = open_tasks(Kind.REVIEW, inspection=finished)
    publication_services.publication_publish(publication=publication, by=lead)
    assert not TaskScope.objects.filter(inspection=finished, kind=Kind.REVIEW, open=True)


# ---------------------------------------------------------------- reassignment


def test_a_lead_reassigns_a_task_with_a_reason_that_stays_in_its_history(
    rectifying, manager, lead, other_lead, inspector
):
    from registry.models import User

    deputy = User.objects.create_user(username="deputy", role="manager", full_name="副院长")
    rectifying.facility.managers.add(deputy)
    (task,) = open_tasks(Kind.RECTIFY, hazard=rectifying)
    with pytest.raises(ValidationError, match="Only a bureau lead|只有"):
        services.task_reassign(scope=task, to=deputy, reason="院长出差", by=other_lead)
    with pytest.raises(ValidationError, match="reassigned|原因"):
        services.task_reassign(scope=task, to=deputy, reason=" ", by=lead)
    with pytest.raises(ValidationError, match="Choose someone|请选择"):
        services.task_reassign(scope=task, to=inspector, reason="院长出差", by=lead)
    services.task_reassign(scope=task, to=deputy, reason="院长出差", by=lead)
    task.refresh_from_db()
    task.task.refresh_from_db()
    assert task.task.owner == deputy
    last = task.task.history.order_by("history_date").last()
    assert (last.history_user, last.history_change_reason) == (lead, "院长出差")
    assert Kind.RECTIFY in inbox(deputy)
    assert policy.is_offered(deputy, task) and not policy.is_offered(manager, task)
    assert deputy.notifications.filter(text__contains="院长出差").exists()


# ---------------------------------------------------------------- overdue


def test_an_overdue_task_tells_its_people_once(rectifying, manager):
    (task,) = open_tasks(Kind.RECTIFY, hazard=rectifying)
    told = manager.notifications.filter(url=f"/inspections/hazards/{rectifying.pk}/#rectify")
    before = told.count()
    later = task.due_on + timedelta(days=2)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert services.tasks_overdue_notify() >= 1
        assert services.tasks_overdue_notify() == 0
    assert told.count() == before + 1
    assert task.due_on.isoformat() in told.latest("pk").text
