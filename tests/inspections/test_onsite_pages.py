"""The inspector's screens on the web: the checklist page, answers and photos
posted from the phone, evidence access, notice, unannounced visits, self-inspection."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from core.workdays import add_working_days
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.onsite.models import EvidenceAccess, Inspection, Photo
from inspections.planning import services as planning_services
from registry.models import ConflictOfInterest

from .conftest import item_key, make_template

JSON = {"HTTP_ACCEPT": "application/json"}


def jpeg_bytes(size=(400, 200), orientation=None):
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 40, 40))  # a red top-left corner
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def post_answer(client, inspection, key, value, revision=0, **extra):
    return client.post(
        f"/inspections/inspections/{inspection.pk}/answer/",
        {"key": key, "value": value, "revision": revision, **extra},
        **JSON,
    )


def post_photo(client, inspection, key, content, name="photo.jpg", purpose="evidence"):
    return client.post(
        f"/inspections/inspections/{inspection.pk}/photo/",
        {"key": key, "purpose": purpose, "photo": SimpleUploadedFile(name, content)},
        **JSON,
    )


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ---------------------------------------------------------------- the checklist page


def _case_with_items(world, lead, inspector, inspector2, count):
    template = make_template(
        f"t-{count}",
        [(f"Q-{n:03d}", f"第{n}项检查内容？", {}) for n in range(count)],
        title=f"{count}项检查表",
    )
    case = onsite_services.case_open(
        facility=world["facility"],
        complaint="投诉",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[template],
        by=lead,
    )
    case = onsite_services.inspection_start(inspection=case, by=inspector)
    for n in range(0, count, 2):  # half answered, some with photos
        key = item_key(case, f"Q-{n:03d}")
        onsite_services.answer_save(
            inspection=case, key=key, value="fail", base_revision=0, by=inspector
        )
        if n % 10 == 0:
            onsite_services.photo_add(
                inspection=case,
                key=key,
                upload=SimpleUploadedFile("p.jpg", jpeg_bytes((60, 40))),
                by=inspector,
            )
    return case


def _queries(client, inspection):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/inspections/inspections/{inspection.pk}/checklist/")
    assert response.status_code == 200
    return len(queries), response


def test_the_checklist_page_costs_the_same_queries_for_50_and_200_items(
    world, lead, inspector, inspector2, as_user
):
    client = as_user(inspector)
    small, small_page = _queries(client, _case_with_items(world, lead, inspector, inspector2, 50))
    large, large_page = _queries(client, _case_with_items(world, lead, inspector, inspector2, 200))
    assert small == large
    assert large_page.content.decode().count("data-answer-form") == 200
    assert (large_page.context["answered"], large_page.context["total"]) == (100, 200)


def test_the_checklist_lists_open_hazards_at_the_top_for_re_check(
    world, lead, started, inspector, as_user
):
    earlier = hazard_services.hazard_register(
        facility=world["facility"],
        severity="general",
        source="complaint",
        description="厨房燃气未装泄漏报警器",
        found_on=timezone.localdate(),
        deadline_days=7,
        by=lead,
    )
    text = as_user(inspector).get(f"/inspections/inspections/{started.pk}/checklist/")
    body = text.content.decode()
    assert body.index(earlier.register_no) < body.index("S-01")
    assert "待复查的未销号隐患" in body


# ---------------------------------------------------------------- answers from the phone


def test_an_answer_posted_from_the_phone_is_saved_and_echoed(started, inspector, as_user):
    key = item_key(started, "S-01")
    response = post_answer(as_user(inspector), started, key, "fail", note="堆放杂物")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["answer"]["revision"] == 1 and body["answer"]["outcome"] == "fail"
    assert started.answers.get().note == "堆放杂物"


def test_the_second_save_of_the_same_item_gets_409_with_the_other_answer(
    started, inspector, inspector2, as_user
):
    key = item_key(started, "S-01")
    post_answer(as_user(inspector), started, key, "pass", note="通道畅通")
    refused = post_answer(as_user(inspector2), started, key, "fail", revision=0)
    assert refused.status_code == 409
    body = refused.json()
    assert body["conflict"] and body["answer"]["label"] == "合格"
    assert body["answer"]["note"] == "通道畅通" and "李喆" in body["message"]
    assert started.answers.get().value == "pass"
    # Based on the answer now shown, the second inspector's change goes through.
    assert post_answer(as_user(inspector2), started, key, "fail", revision=1).status_code == 200


def test_a_lengthened_deadline_is_refused_on_the_page(started, inspector, as_user):
    key = item_key(started, "S-01")
    refused = post_answer(as_user(inspector), started, key, "fail", deadline_days=20)
    assert refused.status_code == 400 and "最多 15 个工作日" in refused.json()["message"]
    allowed = post_answer(as_user(inspector), started, key, "fail", deadline_days=10)
    assert allowed.json()["answer"]["deadline_days"] == 10


def test_without_script_an_answer_posts_and_returns_to_the_item(started, inspector, as_user):
    key = item_key(started, "S-03")
    response = as_user(inspector).post(
        f"/inspections/inspections/{started.pk}/answer/",
        {"key": key, "typed_value": "3", "revision": 0},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#{key}")
    assert started.answers.get().value == "3"


# ---------------------------------------------------------------- photos


def _huge_png():
    """A valid 60-megapixel PNG that is tiny on disk (one colour compresses well)."""
    buffer = io.BytesIO()
    Image.new("1", (10_000, 6_000), 1).save(buffer, "PNG")
    return buffer.getvalue()


REFUSED = {
    "text renamed .jpg": (b"Inspection notes, not a photo.\n" * 20, "photo.jpg", "不是照片"),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>',
        "photo.svg",
        "不是照片",
    ),
    "oversized": (b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024), "big.jpg", "20 MB"),
    "60-megapixel png": (None, "huge.png", "50 百万像素"),
    "truncated jpeg": (None, "cut.jpg", "损坏"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_refused_upload_leaves_nothing_saved(kind, started, inspector, as_user, evidence_root):
    content, name, message = REFUSED[kind]
    if kind == "60-megapixel png":
        content = _huge_png()
    if kind == "truncated jpeg":
        whole = jpeg_bytes((800, 600))
        content = whole[: len(whole) // 2]
    key = item_key(started, "S-01")
    client = as_user(inspector)
    post_answer(client, started, key, "fail")
    response = post_photo(client, started, key, content, name=name)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not Photo.objects.exists()
    assert stored_files(evidence_root) == []


def test_a_photo_keeps_its_original_and_serves_rotated_derivatives_without_exif(
    started, inspector, as_user, evidence_root
):
    key = item_key(started, "S-01")
    client = as_user(inspector)
    post_answer(client, started, key, "fail")
    original = jpeg_bytes((400, 200), orientation=6)
    response = post_photo(client, started, key, original)
    assert response.status_code == 200, response.content
    photo = Photo.objects.get()
    with photo.original.open("rb") as stored:
        assert stored.read() == original
    import hashlib

    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert (photo.width, photo.height, photo.format) == (400, 200, "JPEG")
    served = client.get(response.json()["preview"])
    assert served["Content-Type"] == "image/jpeg"
    preview = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert preview.size[0] < preview.size[1]  # turned upright: portrait
    assert not preview.getexif()
    # Orientation 6 turns the red top-left corner to the top right.
    assert preview.convert("RGB").getpixel((preview.size[0] - 5, 5))[1] < 80


def test_evidence_has_no_public_url(started, inspector, as_user, client):
    key = item_key(started, "S-01")
    post_answer(as_user(inspector), started, key, "fail")
    post_photo(as_user(inspector), started, key, jpeg_bytes())
    photo = Photo.objects.get()
    assert client.get(photo.original.url).status_code == 404
    assert as_user(inspector).get(photo.original.url).status_code == 404
    assert client.get(f"/media/{photo.original.name}").status_code == 404


def test_every_look_at_evidence_is_logged(started, inspector, lead, auditor, as_user):
    key = item_key(started, "S-01")
    post_answer(as_user(inspector), started, key, "fail")
    post_photo(as_user(inspector), started, key, jpeg_bytes())
    photo = Photo.objects.get()
    for user, variant in ((lead, "preview"), (auditor, "thumb")):
        assert as_user(user).get(f"/inspections/photos/{photo.pk}/{variant}/").status_code == 200
    seen = set(EvidenceAccess.objects.values_list("user__username", "variant"))
    assert {("lead", "preview"), ("auditor", "thumb")} <= seen


def test_the_team_of_another_inspection_cannot_see_the_evidence(
    world, started, inspector, as_user, pool
):
    key = item_key(started, "S-01")
    post_answer(as_user(inspector), started, key, "fail")
    post_photo(as_user(inspector), started, key, jpeg_bytes())
    photo = Photo.objects.get()
    outsider = pool[2].user  # an inspector of the county, not on this team
    assert as_user(outsider).get(f"/inspections/photos/{photo.pk}/thumb/").status_code == 404
    assert as_user(inspector).get(f"/inspections/photos/{photo.pk}/original/").status_code == 404


# ---------------------------------------------------------------- notice and unannounced


def test_unannounced_inspections_are_invisible_to_the_manager_until_started(
    case, inspector, manager, as_user
):
    client = as_user(manager)
    paths = [
        f"/inspections/inspections/{case.pk}/",
        f"/inspections/inspections/{case.pk}/checklist/",
        f"/inspections/inspections/{case.pk}/finish/",
    ]
    for path in paths:
        assert client.get(path).status_code == 404
    assert (
        f"/inspections/inspections/{case.pk}/"
        not in client.get("/inspections/inspections/").content.decode()
    )
    assert not manager.notifications.exists()
    onsite_services.inspection_start(inspection=case, by=inspector)
    for path in paths:
        assert client.get(path).status_code == 200
    assert manager.notifications.exists()


def test_with_notice_the_facility_hears_3_working_days_ahead(drawn, world, lead, as_user, manager):
    inspection = drawn.inspections.exclude(status="cancelled").first()
    member = inspection.team.first().inspector.user
    inspection.facility.managers.add(manager)
    today = timezone.localdate()
    too_soon = add_working_days(today, 2).date
    client = as_user(member)
    response = client.post(
        f"/inspections/inspections/{inspection.pk}/schedule/",
        {"planned_date": too_soon.isoformat()},
        follow=True,
    )
    assert "须提前 3 个工作日通知机构" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.notified_at is None
    with pytest.raises(Exception, match="通知"):
        onsite_services.inspection_start(inspection=inspection, by=member)
    planned = max(add_working_days(today, 3).date, inspection.window_start)
    client.post(
        f"/inspections/inspections/{inspection.pk}/schedule/", {"planned_date": planned.isoformat()}
    )
    inspection.refresh_from_db()
    assert inspection.planned_date == planned and inspection.notified_at
    assert manager.notifications.filter(text__contains=planned.isoformat()).exists()


def test_my_inspections_groups_today_and_overdue(world, case, inspector, as_user):
    overdue = onsite_services.case_open(
        facility=world["other_facility"],
        complaint="投诉",
        inspectors=[m.inspector for m in case.team.all()],
        templates=[case.checklists.get().version.template],
        by=case.created_by,
    )
    overdue.window_end = timezone.localdate() - timedelta(days=1)
    overdue.save()
    page = as_user(inspector).get("/inspections/inspections/")
    groups = dict((str(title), items) for title, items in page.context["groups"])
    assert case in groups["今天"] and overdue in groups["已逾期"]


# ---------------------------------------------------------------- opening and self-inspection


def test_a_lead_opens_a_case_triggered_inspection_on_the_web(
    world, lead, inspector, inspector2, onsite_template, as_user
):
    response = as_user(lead).post(
        "/inspections/inspections/new/case/",
        {
            "facility": world["facility"].pk,
            "complaint": "家属投诉夜间无人值守",
            "inspectors": [inspector.inspector_profile.pk, inspector2.inspector_profile.pk],
            "templates": [onsite_template.pk],
        },
    )
    case = Inspection.objects.get(kind="case")
    assert response.status_code == 302 and case.unannounced
    assert case.source_note == "家属投诉夜间无人值守"
    assert inspector.notifications.exists()


def test_a_conflicted_inspector_cannot_join_a_case(
    world, lead, inspector, inspector2, onsite_template, as_user
):
    ConflictOfInterest.objects.create(
        inspector=inspector2.inspector_profile, facility=world["facility"], reason="曾在该院任职"
    )
    response = as_user(lead).post(
        "/inspections/inspections/new/case/",
        {
            "facility": world["facility"].pk,
            "complaint": "投诉",
            "inspectors": [inspector.inspector_profile.pk, inspector2.inspector_profile.pk],
            "templates": [onsite_template.pk],
        },
    )
    assert "须回避该机构" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_self_inspection_enters_the_register_and_is_compared_with_the_official_one(
    world, manager, started, inspector, inspector2, onsite_template, as_user
):
    from .test_onsite import answer, answer_all_passing, sign_and_confirm

    answer_all_passing(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    onsite_services.inspection_finish(inspection=started, by=inspector)

    client = as_user(manager)
    response = client.post(
        "/inspections/inspections/new/self/",
        {"facility": world["facility"].pk, "templates": [onsite_template.pk]},
    )
    own = Inspection.objects.get(kind="self")
    assert response["Location"].endswith(f"/inspections/inspections/{own.pk}/checklist/")
    assert own.status == "in_progress" and own.started_by == manager
    answer_all_passing(own, manager)
    answer(own, "S-01", "fail", manager, note="楼梯间堆放杂物")
    onsite_services.photo_add(
        inspection=own,
        key=item_key(own, "S-01"),
        upload=SimpleUploadedFile("p.jpg", jpeg_bytes((60, 40))),
        by=manager,
    )
    finished = client.post(
        f"/inspections/inspections/{own.pk}/finish/", {"conclusion_confirmed": "yes"}
    )
    assert finished.status_code == 302
    hazard = Hazard.objects.get(inspection=own)
    assert hazard.self_reported and hazard.source == "self"
    page = client.get(f"/inspections/facilities/{world['facility'].pk}/self-check/")
    assert page.context["disagreements"] == 1
    row = next(r for r in page.context["rows"] if r["disagree"])
    assert row["code"] == "S-01" and row["self"] == "fail" and row["official"] == "pass"
    assert 'class="disagree"' in page.content.decode()


def test_the_facility_does_not_see_who_complained(case, inspector, manager, lead, as_user):
    onsite_services.inspection_start(inspection=case, by=inspector)
    assert (
        case.source_note
        in as_user(lead).get(f"/inspections/inspections/{case.pk}/").content.decode()
    )
    page = as_user(manager).get(f"/inspections/inspections/{case.pk}/")
    assert page.status_code == 200 and case.source_note not in page.content.decode()


def test_a_replaced_inspector_loses_access(drawn, lead, as_user):
    inspection = drawn.inspections.exclude(status="cancelled").first()
    leaving = inspection.team.get(position=0)
    planning_services.draw_substitute(
        draw=drawn,
        facility_code=next(
            code
            for code, pk in drawn.code_map["facilities"].items()
            if pk == inspection.facility_id
        ),
        out_code=leaving.inspector.credential_no,
        reason="申请回避",
        by=lead,
    )
    page = as_user(leaving.inspector.user).get(f"/inspections/inspections/{inspection.pk}/")
    assert page.status_code == 404
