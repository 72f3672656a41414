"""The rectification loop: notice, rectification, verification, extensions, overdue.
Every allowed and forbidden move of a hazard, and who may make it."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from viewflow.fsm import TransitionNotAllowed

from core.models import CalendarYear
from inspections.hazards import alarms as alarms
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Extension, Hazard, Rectification
from inspections.onsite import services as onsite_services


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 160, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue())


@pytest.fixture
def rectifying(finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


def submit(hazard, manager, **extra):
    return hazard_services.rectification_submit(
        hazard=hazard, description="已清理通道杂物", uploads=[photo()], by=manager, **extra
    )


def test_finishing_issues_a_numbered_notice_listing_the_hazards(finished, manager):
    notice = finished.notice
    assert notice.number.startswith("430602-ZG-") and notice.number.endswith("-0001")
    assert set(notice.hazards.values_list("item_code", flat=True)) == {"S-01", "S-02"}
    assert manager.notifications.filter(text__contains=notice.number).exists()


def test_acknowledging_the_notice_starts_the_rectification(finished, manager):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    assert set(finished.hazards.values_list("status", flat=True)) == {"rectifying"}


def test_only_the_facilitys_manager_acknowledges(finished, other_manager, inspector):
    for user in (other_manager, inspector):
        with pytest.raises(ValidationError, match="只有本机构负责人可以签收整改通知书。"):
            hazard_services.notice_acknowledge(notice=finished.notice, by=user)


def test_a_submitted_rectification_awaits_verification(rectifying, manager):
    rectification = submit(rectifying, manager)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.AWAITING
    assert rectification.photos.count() == 1


def test_a_rectification_needs_an_after_photo(rectifying, manager):
    with pytest.raises(ValidationError, match="请至少上传一张整改后的照片。"):
        hazard_services.rectification_submit(
            hazard=rectifying, description="已整改", uploads=[], by=manager
        )


def file_plan(major, manager, **changes):
    fields = {
        "measures": "更换甲级防火门",
        "responsible_person": "王院长",
        "funds": "2万元，机构自筹",
        "plan_deadline": major.due_on,
        "contingency_plan": "楼梯间24小时专人值守",
    }
    return hazard_services.supervision_plan_file(
        supervision=major.supervision, by=manager, **{**fields, **changes}
    )


def test_a_major_hazard_needs_its_plan_and_interim_measures(finished, manager, major):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    major.refresh_from_db()
    with pytest.raises(ValidationError, match="五落实"):
        submit(major, manager, interim_measures="增设专人巡查")
    file_plan(major, manager)
    with pytest.raises(ValidationError, match="临时"):
        submit(major, manager)
    submit(major, manager, interim_measures="增设专人巡查，配备灭火器")


def test_the_inspector_accepts_and_the_hazard_is_closed(rectifying, manager, inspector):
    submit(rectifying, manager)
    closed = hazard_services.rectification_verify(hazard=rectifying, accept=True, by=inspector)
    assert closed.status == Hazard.Status.CLOSED and closed.closed_by == inspector


def test_a_rejection_needs_a_reason_and_keeps_the_deadline(rectifying, manager, lead):
    due = rectifying.due_on
    submit(rectifying, manager)
    with pytest.raises(ValidationError, match="请填写驳回整改的理由。"):
        hazard_services.rectification_verify(hazard=rectifying, accept=False, by=lead)
    back = hazard_services.rectification_verify(
        hazard=rectifying, accept=False, reason="照片看不出通道全貌", by=lead
    )
    assert back.status == Hazard.Status.RECTIFYING and back.due_on == due
    assert rectifying.rectifications.get().decision == Rectification.Decision.REJECTED
    # The facility tries again.
    submit(back, manager)
    assert hazard_services.rectification_verify(hazard=back, accept=True, by=lead).is_open is False


def test_a_facility_cannot_close_its_own_hazard(rectifying, manager):
    submit(rectifying, manager)
    with pytest.raises(ValidationError, match="只有本辖区的检查人员或民政局负责人可以复核整改。"):
        hazard_services.rectification_verify(hazard=rectifying, accept=True, by=manager)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.AWAITING


def test_an_inspector_or_lead_of_another_county_cannot_verify(rectifying, manager, other_lead):
    submit(rectifying, manager)
    with pytest.raises(ValidationError, match="只有本辖区的检查人员或民政局负责人可以复核整改。"):
        hazard_services.rectification_verify(hazard=rectifying, accept=True, by=other_lead)


def test_nothing_to_verify_before_a_submission(rectifying, inspector):
    with pytest.raises(ValidationError, match="该隐患没有待复核的整改。"):
        hazard_services.rectification_verify(hazard=rectifying, accept=True, by=inspector)


def test_no_submission_before_the_notice_is_acknowledged_or_after_closing(
    general, manager, inspector, finished
):
    with pytest.raises(ValidationError, match="该隐患当前不在整改中。"):
        submit(general, manager)
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    submit(general, manager)
    hazard_services.rectification_verify(hazard=general, accept=True, by=inspector)
    with pytest.raises(ValidationError, match="该隐患当前不在整改中。"):
        submit(general, manager)


@pytest.mark.parametrize(
    "status, move",
    [
        ("registered", "submit"),
        ("registered", "accept"),
        ("registered", "reject"),
        ("rectifying", "accept"),
        ("rectifying", "close_on_spot"),
        ("awaiting_verification", "mark_overdue"),
        ("awaiting_verification", "start_rectifying"),
        ("closed", "start_rectifying"),
        ("closed", "submit"),
        ("closed", "mark_overdue"),
        ("closed", "reject"),
        ("overdue", "accept"),
        ("overdue", "start_rectifying"),
        ("awaiting_verification", "close_on_recheck"),
        ("closed", "close_on_recheck"),
        ("rectifying", "extend"),
        ("awaiting_verification", "extend"),
    ],
)
def test_forbidden_moves_are_refused(status, move):
    hazard = Hazard(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(hazard, move)()


@pytest.mark.parametrize(
    "status, move, target",
    [
        ("registered", "start_rectifying", "rectifying"),
        ("registered", "close_on_spot", "closed"),
        ("registered", "mark_overdue", "overdue"),
        ("rectifying", "submit", "awaiting_verification"),
        ("rectifying", "mark_overdue", "overdue"),
        ("overdue", "submit", "awaiting_verification"),
        ("awaiting_verification", "accept", "closed"),
        ("awaiting_verification", "reject", "rectifying"),
        ("overdue", "extend", "rectifying"),
        ("rectifying", "close_on_recheck", "closed"),
        ("overdue", "close_on_recheck", "closed"),
    ],
)
def test_allowed_moves(status, move, target):
    hazard = Hazard(status=status)
    # A closing move names who closed (None: the system); tests/inspections/test_transitions.py.
    getattr(hazard, move)(**({"by": None} if target == "closed" else {}))
    assert hazard.status == target


# ---------------------------------------------------------------- extensions


def test_an_extension_before_the_due_date_can_be_approved(rectifying, manager, lead):
    old_due = rectifying.due_on
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=old_due + timedelta(days=10),
        reasons="防火门需厂家定制",
        interim_measures="专人值守楼梯间",
        by=manager,
    )
    hazard_services.extension_decide(extension=request, approve=True, by=lead)
    rectifying.refresh_from_db()
    assert rectifying.due_on == old_due + timedelta(days=10)
    assert rectifying.history.filter(due_on=old_due).exists()  # the old date stays in history
    assert manager.notifications.filter(text__contains="延期").exists()


def test_an_extension_can_be_refused_with_a_reason(rectifying, manager, lead):
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=rectifying.due_on + timedelta(days=30),
        reasons="资金未到位",
        interim_measures="加强巡查",
        by=manager,
    )
    with pytest.raises(ValidationError, match="请填写不予延期的理由。"):
        hazard_services.extension_decide(extension=request, approve=False, by=lead)
    hazard_services.extension_decide(
        extension=request, approve=False, reason="疏散通道须立即清理", by=lead
    )
    request.refresh_from_db()
    assert request.status == Extension.Status.REFUSED
    rectifying.refresh_from_db()
    assert rectifying.due_on == request.previous_due


def test_an_extension_after_the_due_date_is_refused_by_the_system(rectifying, manager):
    rectifying.due_on = timezone.localdate() - timedelta(days=1)
    rectifying.save()
    with pytest.raises(ValidationError, match="已过"):
        hazard_services.extension_request(
            hazard=rectifying,
            requested_due=timezone.localdate() + timedelta(days=10),
            reasons="来不及",
            interim_measures="巡查",
            by=manager,
        )
    assert not Extension.objects.exists()


def test_only_a_lead_of_the_county_decides_an_extension(rectifying, manager, inspector, other_lead):
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=rectifying.due_on + timedelta(days=5),
        reasons="等待配件",
        interim_measures="巡查",
        by=manager,
    )
    for user in (manager, inspector, other_lead):
        with pytest.raises(ValidationError, match="只有本辖区民政局负责人可以审批延期。"):
            hazard_services.extension_decide(extension=request, approve=True, by=user)


def test_an_extension_into_a_year_without_a_calendar_is_provisional(rectifying, manager, lead):
    # Within the six months an extension may add, in a year whose calendar is missing.
    requested_due = rectifying.due_on + timedelta(days=60)
    CalendarYear.objects.filter(year=requested_due.year).delete()
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=requested_due,
        reasons="整体改造",
        interim_measures="限制入住",
        by=manager,
    )
    hazard_services.extension_decide(extension=request, approve=True, by=lead)
    rectifying.refresh_from_db()
    assert rectifying.due_provisional


# ---------------------------------------------------------------- overdue and escalation


def test_an_overdue_hazard_can_still_be_fixed_and_closed(rectifying, manager, inspector):
    alarms.hazard_alarms_fire(
        hazard=rectifying,
        now=timezone.make_aware(datetime.combine(rectifying.due_on + timedelta(days=1), time(1))),
    )
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.OVERDUE
    submit(rectifying, manager)
    assert (
        hazard_services.rectification_verify(hazard=rectifying, accept=True, by=inspector).status
        == "closed"
    )


def test_an_extension_decided_after_the_old_date_ends_the_overdue_state(rectifying, manager, lead):
    request = hazard_services.extension_request(
        hazard=rectifying,
        requested_due=rectifying.due_on + timedelta(days=20),
        reasons="待采购",
        interim_measures="巡查",
        by=manager,
    )
    alarms.hazard_alarms_fire(
        hazard=rectifying,
        now=timezone.make_aware(datetime.combine(rectifying.due_on + timedelta(days=1), time(1))),
    )
    hazard_services.extension_decide(extension=request, approve=True, by=lead)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.RECTIFYING


# ---------------------------------------------------------------- major hazards: supervision


def test_a_major_hazard_is_put_under_the_supervision_of_the_nearest_lead(
    lead, finished, manager, major
):
    supervision = major.supervision
    assert supervision.lead == lead
    assert supervision.plan_due_on > major.found_on
    assert lead.notifications.filter(text__contains=major.register_no).exists()
    assert manager.notifications.filter(text__contains="五落实").exists()


def test_the_plan_needs_all_five_and_a_deadline_within_the_due_date(finished, manager, major):
    with pytest.raises(ValidationError, match="五落实"):
        file_plan(major, manager, funds="")
    with pytest.raises(ValidationError, match="延期"):
        file_plan(major, manager, plan_deadline=major.due_on + timedelta(days=1))
    with pytest.raises(ValidationError, match="整改时限不能早于今天。"):
        file_plan(major, manager, plan_deadline=timezone.localdate() - timedelta(days=1))
    supervision = file_plan(major, manager)
    assert supervision.plan_filed_by == manager and supervision.funds == "2万元，机构自筹"


def test_only_the_facility_files_the_plan(finished, other_manager, lead, inspector, major):
    for user in (other_manager, lead, inspector):
        with pytest.raises(ValidationError, match="只有本机构负责人可以报送整改方案。"):
            file_plan(major, user)


def test_progress_notes_by_the_facility_or_the_countys_lead(
    finished, manager, lead, other_lead, inspector, major
):
    hazard_services.supervision_note_add(supervision=major.supervision, text="已招标", by=manager)
    hazard_services.supervision_note_add(supervision=major.supervision, text="已督查现场", by=lead)
    for user in (other_lead, inspector):
        with pytest.raises(ValidationError, match="只有本机构或本辖区民政局负责人可以填写进展。"):
            hazard_services.supervision_note_add(supervision=major.supervision, text="x", by=user)
    with pytest.raises(ValidationError, match="请填写进展情况。"):
        hazard_services.supervision_note_add(supervision=major.supervision, text="  ", by=manager)
    assert major.supervision.notes.count() == 2


@pytest.fixture
def verified_major(lead, finished, manager, inspector, major):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    major.refresh_from_db()
    file_plan(major, manager)
    submit(major, manager, interim_measures="专人值守")
    hazard_services.rectification_verify(hazard=major, accept=True, by=inspector)
    major.refresh_from_db()
    return major


def test_a_verified_major_hazard_stays_open_until_the_lead_signs_off(
    verified_major, lead, inspector, manager
):
    assert verified_major.status == Hazard.Status.AWAITING
    assert lead.notifications.filter(text__contains="签字销号").exists()
    for user in (inspector, manager):
        with pytest.raises(
            ValidationError, match="只有本辖区民政局负责人可以为重大事故隐患签字销号。"
        ):
            hazard_services.supervision_sign_off(
                supervision=verified_major.supervision, approve=True, by=user
            )
    hazard_services.supervision_sign_off(
        supervision=verified_major.supervision, approve=True, note="整改到位", by=lead
    )
    verified_major.refresh_from_db()
    assert verified_major.status == Hazard.Status.CLOSED and verified_major.closed_by == lead
    assert verified_major.supervision.signed_off_by == lead


def test_a_lead_of_another_county_cannot_sign_off(verified_major, other_lead):
    with pytest.raises(ValidationError, match="只有本辖区民政局负责人可以为重大事故隐患签字销号。"):
        hazard_services.supervision_sign_off(
            supervision=verified_major.supervision, approve=True, by=other_lead
        )


def test_a_refused_sign_off_sends_the_hazard_back_with_a_reason(verified_major, lead, manager):
    with pytest.raises(ValidationError, match="请填写不予销号的理由。"):
        hazard_services.supervision_sign_off(
            supervision=verified_major.supervision, approve=False, by=lead
        )
    hazard_services.supervision_sign_off(
        supervision=verified_major.supervision, approve=False, note="资金未落实", by=lead
    )
    verified_major.refresh_from_db()
    assert verified_major.status == Hazard.Status.RECTIFYING
    assert manager.notifications.filter(text__contains="资金未落实").exists()


def test_no_sign_off_before_verification(finished, lead, major):
    with pytest.raises(ValidationError, match="复核"):
        hazard_services.supervision_sign_off(supervision=major.supervision, approve=True, by=lead)


def test_a_major_hazard_cannot_be_closed_on_the_spot(world, lead):
    with pytest.raises(ValidationError, match="重大事故隐患不能以当场整改销号。"):
        hazard_services.hazard_register(
            facility=world["facility"],
            severity="major",
            source="complaint",
            description="彩钢板房住人",
            found_on=date(2026, 11, 2),
            deadline_days=15,
            corrected_on_spot=True,
            by=lead,
        )
    assert not Hazard.objects.exists()


# ---------------------------------------------------------------- verification on site


def test_a_verifier_can_ask_the_bureau_for_a_re_inspection(rectifying, manager, inspector, lead):
    submit(rectifying, manager)
    hazard_services.reinspection_request(hazard=rectifying, by=inspector)
    assert lead.notifications.filter(text__contains="现场复查", url__contains="reinspect").exists()
    with pytest.raises(ValidationError, match="只有本辖区的检查人员或民政局负责人可以复核整改。"):
        hazard_services.reinspection_request(hazard=rectifying, by=manager)


def recheck(source, values, lead, inspector, inspector2):
    """Open, run and finish a re-inspection of ``source`` with ``values`` per hazard."""
    from .test_onsite import sign_and_confirm

    team = [inspector.inspector_profile, inspector2.inspector_profile]
    again = onsite_services.reinspection_open(source=source, inspectors=team, by=lead)
    again = onsite_services.inspection_start(inspection=again, by=inspector)
    for hazard, value in values.items():
        onsite_services.answer_save(
            inspection=again,
            key=f"h{hazard.pk}",
            value=value,
            base_revision=0,
            by=inspector,
            note="现场查看",
        )
    sign_and_confirm(again, inspector, inspector2)
    return onsite_services.inspection_finish(inspection=again, by=inspector)


def test_the_re_check_on_site_decides_a_submitted_fix(
    rectifying, major, finished, manager, lead, inspector, inspector2
):
    submit(rectifying, manager)
    recheck(finished, {rectifying: "not_fixed", major: "partly"}, lead, inspector, inspector2)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.RECTIFYING
    assert "未整改" in rectifying.rectifications.get().reason
    major.refresh_from_db()
    assert major.status == Hazard.Status.RECTIFYING  # nothing submitted: unchanged
    submit(rectifying, manager)
    recheck(finished, {rectifying: "fixed", major: "partly"}, lead, inspector, inspector2)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.CLOSED and rectifying.closed_by == inspector


def test_a_general_hazard_found_fixed_on_a_re_check_is_closed(
    rectifying, major, finished, lead, inspector, inspector2
):
    recheck(finished, {rectifying: "fixed", major: "fixed"}, lead, inspector, inspector2)
    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.CLOSED
    major.refresh_from_db()
    assert major.status == Hazard.Status.RECTIFYING  # a major one closes by sign-off only
