"""On site: start, answers saved one by one, conflicts, photos, confirmation,
the facility's signature, finishing and the hazards it registers."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from viewflow.workflow.models import Process, Task

from core.models import CalendarDay, CalendarYear
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection, Photo
from inspections.planning import services as planning_services
from workflows.flows import InspectionFlow

from .conftest import item_key


def jpeg(size=(64, 48), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def answer(inspection, code, value, by, **extra):
    key = item_key(inspection, code)
    current = inspection.answers.filter(item_id=int(key[1:])).first()
    return onsite_services.answer_save(
        inspection=inspection,
        key=key,
        value=value,
        base_revision=current.revision if current else 0,
        by=by,
        **extra,
    )


def answer_all_passing(inspection, by):
    for code, value in (("S-01", "pass"), ("S-02", "pass"), ("S-03", "3"), ("S-05", "pass")):
        answer(inspection, code, value, by)
    answer(inspection, "S-04", "pass", by)
    onsite_services.photo_add(
        inspection=inspection, key=item_key(inspection, "S-04"), upload=jpeg(), by=by
    )


def sign_and_confirm(inspection, inspector, inspector2):
    onsite_services.inspection_sign(
        inspection=inspection, by=inspector, signer_name="刘院长", typed="刘院长"
    )
    onsite_services.member_confirm(inspection=inspection, by=inspector)
    onsite_services.member_confirm(inspection=inspection, by=inspector2)


def test_starting_records_time_and_the_phones_location(case, inspector):
    started = onsite_services.inspection_start(
        inspection=case, by=inspector, latitude="29.371234", longitude="113.101234", accuracy="12"
    )
    assert started.status == Inspection.Status.IN_PROGRESS
    assert started.started_by == inspector and started.started_at
    assert str(started.start_latitude) == "29.371234" and started.start_accuracy == 12


def test_a_location_out_of_range_is_not_kept(case, inspector):
    started = onsite_services.inspection_start(
        inspection=case, by=inspector, latitude="95", longitude="1"
    )
    assert started.start_latitude is None and started.start_longitude is None


def test_only_the_team_starts(case, lead, manager):
    for user in (lead, manager):
        with pytest.raises(ValidationError, match="只有检查组成员可以进行此操作。"):
            onsite_services.inspection_start(inspection=case, by=user)


def test_each_answer_is_saved_on_its_own(started, inspector):
    first = answer(started, "S-01", "pass", inspector)
    assert first.revision == 1
    assert started.answers.count() == 1
    again = answer(started, "S-01", "fail", inspector, note="堆放纸箱")
    assert again.pk == first.pk and again.revision == 2 and again.note == "堆放纸箱"


def test_the_second_save_of_the_same_item_is_refused_showing_the_other_answer(
    started, inspector, inspector2
):
    key = item_key(started, "S-01")
    onsite_services.answer_save(
        inspection=started, key=key, value="pass", base_revision=0, by=inspector
    )
    with pytest.raises(
        onsite_services.AnswerConflict,
        match="刚刚修改了此项。页面显示的是对方的答案，您的答案未保存。",
    ) as refused:
        onsite_services.answer_save(
            inspection=started, key=key, value="fail", base_revision=0, by=inspector2
        )
    assert refused.value.current.value == "pass"
    assert "李喆" in refused.value.messages[0]
    assert started.answers.get().value == "pass"


def test_two_inspectors_answer_different_items_at_once(started, inspector, inspector2):
    answer(started, "S-01", "pass", inspector)
    answer(started, "S-02", "pass", inspector2)
    assert started.answers.count() == 2


def test_bad_answers_are_refused_with_a_message(started, inspector):
    with pytest.raises(ValidationError, match="数字"):
        answer(started, "S-03", "three", inspector)
    with pytest.raises(ValidationError, match="请选择合格、不合格或不适用。"):
        answer(started, "S-01", "maybe", inspector)
    with pytest.raises(ValidationError, match="未知的检查项目。"):
        onsite_services.answer_save(
            inspection=started, key="i999999", value="pass", base_revision=0, by=inspector
        )


def test_no_answer_before_the_start_or_from_outside_the_team(case, inspector, lead):
    with pytest.raises(ValidationError, match="检查不在进行中。"):
        answer(case, "S-01", "pass", inspector)
    onsite_services.inspection_start(inspection=case, by=inspector)
    with pytest.raises(ValidationError, match="只有检查组成员可以进行此操作。"):
        answer(case, "S-01", "pass", lead)


def test_the_deadline_may_be_shortened(started, inspector):
    saved = answer(started, "S-01", "fail", inspector, deadline_days=5)
    assert saved.deadline_days == 5


def test_the_deadline_may_not_be_lengthened(started, inspector):
    with pytest.raises(ValidationError, match="15"):
        answer(started, "S-01", "fail", inspector, deadline_days=16)
    assert not started.answers.exists()


def test_a_major_hazard_cannot_be_corrected_on_the_spot(started, inspector):
    with pytest.raises(ValidationError, match="重大事故隐患不能以当场整改销号。"):
        answer(started, "S-02", "fail", inspector, corrected=True)


def test_finishing_is_refused_while_items_are_unanswered(started, inspector):
    answer(started, "S-01", "pass", inspector)
    with pytest.raises(ValidationError, match="记录尚未完成：") as refused:
        onsite_services.inspection_finish(inspection=started, by=inspector)
    text = " ".join(refused.value.messages)
    for code in ("S-02", "S-03", "S-04", "S-05"):
        assert code in text
    assert "S-01" not in text


def test_finishing_is_refused_while_a_required_photo_is_missing(started, inspector, inspector2):
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector)
    with pytest.raises(ValidationError, match="S-01：不合格项须附照片") as refused:
        onsite_services.inspection_finish(inspection=started, by=inspector)
    assert any("S-01" in m and "照片" in m for m in refused.value.messages)
    started.refresh_from_db()
    assert started.status == Inspection.Status.IN_PROGRESS


def test_finishing_waits_for_every_member_and_the_facility(started, inspector, inspector2):
    answer_all_passing(started, inspector)
    with pytest.raises(ValidationError, match="王赟|李喆"):
        onsite_services.inspection_finish(inspection=started, by=inspector)
    onsite_services.member_confirm(inspection=started, by=inspector)
    onsite_services.member_confirm(inspection=started, by=inspector2)
    with pytest.raises(ValidationError, match="签收"):
        onsite_services.inspection_finish(inspection=started, by=inspector)


def test_a_change_after_confirming_clears_the_confirmations(started, inspector, inspector2):
    answer_all_passing(started, inspector)
    onsite_services.member_confirm(inspection=started, by=inspector)
    answer(started, "S-05", "na", inspector2)
    assert not started.team.exclude(confirmed_at=None).exists()


def test_a_refusal_to_sign_needs_the_circumstances(started, inspector):
    with pytest.raises(ValidationError, match="请记录拒签人及其说法。"):
        onsite_services.inspection_sign(inspection=started, by=inspector, refused=True)
    signed = onsite_services.inspection_sign(
        inspection=started, by=inspector, refused=True, note="院长拒绝签字，称需请示举办方。"
    )
    assert signed.signature_refused and signed.signed_at


def test_a_signature_needs_a_name_and_a_drawing_or_typed_name(started, inspector):
    with pytest.raises(ValidationError, match="请手写或输入签名。"):
        onsite_services.inspection_sign(inspection=started, by=inspector, signer_name="刘院长")
    with pytest.raises(ValidationError, match="无法读取手写签名，请重新签写。"):
        onsite_services.inspection_sign(
            inspection=started, by=inspector, signer_name="刘院长", drawn="data:image/png;base64,xx"
        )


def test_finishing_scores_and_registers_failed_items_as_hazards(started, inspector, inspector2):
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector, note="二楼东侧通道堆放纸箱", location="二楼东侧")
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-01"), upload=jpeg(), by=inspector
    )
    answer(started, "S-03", "1", inspector, deadline_days=3)
    answer(started, "S-05", "fail", inspector)  # makes no hazard
    sign_and_confirm(started, inspector, inspector2)
    finished = onsite_services.inspection_finish(inspection=started, by=inspector)
    assert finished.status == Inspection.Status.FINISHED
    assert finished.score == 40  # 2 of 5 items passed (S-05 counts, though it makes no hazard)
    assert finished.result == "fail"
    hazards = {h.item_code: h for h in finished.hazards.all()}
    assert set(hazards) == {"S-01", "S-03"}
    fire = hazards["S-01"]
    assert fire.severity == Hazard.Severity.GENERAL and fire.source == Hazard.Source.CASE
    assert fire.location == "二楼东侧" and fire.description == "二楼东侧通道堆放纸箱"
    assert fire.deadline_days == 15 and hazards["S-03"].deadline_days == 3
    assert fire.register_no.startswith(f"430602-{fire.found_on.year}-")
    assert fire.status == Hazard.Status.REGISTERED


def test_a_general_hazard_corrected_on_the_spot_needs_an_after_photo_and_is_closed(
    started, inspector, inspector2
):
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector, corrected=True)
    key = item_key(started, "S-01")
    onsite_services.photo_add(inspection=started, key=key, upload=jpeg(), by=inspector)
    with pytest.raises(ValidationError, match="整改后照片"):
        onsite_services.inspection_finish(inspection=started, by=inspector)
    onsite_services.photo_add(
        inspection=started, key=key, upload=jpeg(), purpose=Photo.Purpose.AFTER, by=inspector
    )
    sign_and_confirm(started, inspector, inspector2)
    finished = onsite_services.inspection_finish(inspection=started, by=inspector)
    hazard = finished.hazards.get()
    assert hazard.status == Hazard.Status.CLOSED and hazard.corrected_on_spot
    assert hazard.closed_by == inspector


def test_register_numbers_are_sequential_per_county_and_year(world, lead):
    found = date(2026, 3, 2)
    numbers = [
        hazard_services.hazard_register(
            facility=world["facility"],
            severity="general",
            source="complaint",
            description=f"投诉{n}",
            found_on=found,
            deadline_days=7,
            by=lead,
        ).register_no
        for n in range(3)
    ]
    assert numbers == ["430602-2026-00001", "430602-2026-00002", "430602-2026-00003"]
    far = hazard_services.hazard_register(
        facility=world["far_facility"],
        severity="general",
        source="complaint",
        description="投诉",
        found_on=found,
        deadline_days=7,
        by=lead,
    )
    assert far.register_no == "430603-2026-00001"


def test_due_dates_count_working_days_and_say_when_provisional(world, lead):
    CalendarYear.objects.create(year=2026)
    for day in range(1, 9):
        CalendarDay.objects.create(date=date(2026, 10, day), kind=CalendarDay.Kind.HOLIDAY)
    CalendarDay.objects.create(date=date(2026, 10, 10), kind=CalendarDay.Kind.WORKDAY)
    hazard = hazard_services.hazard_register(
        facility=world["facility"],
        severity="general",
        source="routine",
        description="灭火器过期",
        found_on=date(2026, 9, 30),
        deadline_days=3,
        by=lead,
    )
    # 9 (Fri), 10 (working Saturday), 12 (Mon).
    assert hazard.due_on == date(2026, 10, 12) and not hazard.due_provisional
    later = hazard_services.hazard_register(
        facility=world["facility"],
        severity="general",
        source="routine",
        description="灭火器过期",
        found_on=date(2027, 3, 1),
        deadline_days=3,
        by=lead,
    )
    assert later.due_provisional


def test_the_flow_follows_the_inspection(started, inspector, inspector2, lead):
    from inspections.publication import services as publication_services

    process = Process.objects.get(flow_class=InspectionFlow, artifact_object_id=started.pk)
    assert Task.objects.filter(process=process, flow_task=InspectionFlow.on_site, status="DONE")
    assert Task.objects.filter(process=process, flow_task=InspectionFlow.record, status="NEW")
    answer_all_passing(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    finished = onsite_services.inspection_finish(inspection=started, by=inspector)
    # Its result still waits for a lead: the flow waits with it.
    assert Task.objects.filter(process=process, flow_task=InspectionFlow.follow_up, status="NEW")
    publication_services.publication_publish(publication=finished.publication, by=lead)
    process.refresh_from_db()
    assert process.status == "DONE"


def test_a_re_inspection_re_checks_each_open_hazard(world, started, lead, inspector, inspector2):
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector, note="通道堆放杂物")
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-01"), upload=jpeg(), by=inspector
    )
    sign_and_confirm(started, inspector, inspector2)
    finished = onsite_services.inspection_finish(inspection=started, by=inspector)
    hazard = finished.hazards.get()

    team = [inspector.inspector_profile, inspector2.inspector_profile]
    again = onsite_services.reinspection_open(source=finished, inspectors=team, by=lead)
    assert again.kind == Inspection.Kind.REINSPECTION and again.source_inspection == finished
    again = onsite_services.inspection_start(inspection=again, by=inspector2)
    with pytest.raises(ValidationError, match=hazard.register_no):
        onsite_services.member_confirm(inspection=again, by=inspector)
    onsite_services.answer_save(
        inspection=again,
        key=f"h{hazard.pk}",
        value="fixed",
        base_revision=0,
        by=inspector2,
        note="杂物已清理",
    )
    sign_and_confirm(again, inspector, inspector2)
    done = onsite_services.inspection_finish(inspection=again, by=inspector2)
    assert done.answers.get().rechecked_hazard == hazard
    assert not done.hazards.exists()


def test_a_re_inspection_needs_an_open_hazard(started, lead, inspector, inspector2):
    team = [inspector.inspector_profile, inspector2.inspector_profile]
    with pytest.raises(ValidationError, match="该机构没有待复查的未销号隐患。"):
        onsite_services.reinspection_open(source=started, inspectors=team, by=lead)


def test_cancelling_a_draw_cancels_the_inspection_process(drawn, lead):
    planning_services.draw_void(draw=drawn, reason="录入错误", by=lead)
    inspection = drawn.inspections.first()
    process = Process.objects.get(flow_class=InspectionFlow, artifact_object_id=inspection.pk)
    assert process.status == "CANCELED"
    assert not Task.objects.filter(process=process, status="NEW").exists()


def test_a_self_inspection_cannot_close_a_hazard_on_the_spot(world, manager, onsite_template):
    own = onsite_services.self_open(
        facility=world["facility"], templates=[onsite_template], by=manager
    )
    with pytest.raises(ValidationError, match="自查"):
        answer(own, "S-01", "fail", manager, corrected=True)


def test_a_change_after_signing_voids_the_signature(started, inspector, inspector2):
    answer_all_passing(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    answer(started, "S-05", "fail", inspector)
    started.refresh_from_db()
    assert not started.is_signed and not started.signer_name
    with pytest.raises(ValidationError, match="尚待以下人员确认："):
        onsite_services.inspection_finish(inspection=started, by=inspector)


def test_not_a_number_is_refused(started, inspector):
    for bad in ("NaN", "Infinity"):
        with pytest.raises(ValidationError, match="数字"):
            answer(started, "S-03", bad, inspector)


def test_a_re_inspection_that_finds_a_hazard_not_fixed_is_non_compliant(
    world, started, lead, inspector, inspector2
):
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector)
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-01"), upload=jpeg(), by=inspector
    )
    sign_and_confirm(started, inspector, inspector2)
    hazard = onsite_services.inspection_finish(inspection=started, by=inspector).hazards.get()
    team = [inspector.inspector_profile, inspector2.inspector_profile]
    again = onsite_services.reinspection_open(source=started, inspectors=team, by=lead)
    again = onsite_services.inspection_start(inspection=again, by=inspector)
    onsite_services.answer_save(
        inspection=again, key=f"h{hazard.pk}", value="not_fixed", base_revision=0, by=inspector
    )
    sign_and_confirm(again, inspector, inspector2)
    done = onsite_services.inspection_finish(inspection=again, by=inspector)
    assert done.result == "fail" and done.score == 0
