"""The official documents as PDF: what each one holds, its number, its page footer and
QR code, the render_documents command, and who may download which."""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from core.workdays import add_working_days
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Recheck
from inspections.publication import documents as document_numbers
from inspections.publication import services as publication_services
from inspections.publication.models import IssuedDocument
from reports import documents
from tests import snapshots
from tests.conftest import SUITE_START
from tests.inspections.conftest import item_key, make_plan
from tests.inspections.test_onsite import answer, answer_all_passing, jpeg, sign_and_confirm

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = SUITE_START.year  # the year of the suite clock (tests/conftest.py)


def pages(pdf):
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(pdf):
    """The PDF's text without white space: table cells wrap words anywhere."""
    return re.sub(r"\s+", "", "".join(pages(pdf)))


def embedded_images(pdf):
    """The images of every page (WeasyPrint may share one resource list between pages)."""
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def zh(message, **values):
    with translation.override("zh-hans"):
        text = gettext(message)
    return re.sub(r"\s+", "", text % values if values else text)


@pytest.fixture
def waiting(world, lead, inspector, inspector2, onsite_template):
    """Another case inspection, of the other facility, not started."""
    return onsite_services.case_open(
        facility=world["other_facility"],
        complaint="投诉",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[onsite_template],
        by=lead,
    )


@pytest.fixture
@snapshots.kept
def record(started, world, inspector, inspector2, manager):
    """A finished case inspection: S-01 (general) and S-02 (major) failed at exact
    locations, S-01 photographed with a 2000 x 1500 phone photo."""
    facility = world["facility"]
    facility.responsible_person = "张国华"
    facility.save()
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector, note="走道堆放纸箱", location="二楼东侧疏散走道")
    answer(started, "S-02", "fail", inspector, note="未设报警系统", location="一楼护理区")
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-01"), upload=jpeg((2000, 1500)), by=inspector
    )
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-02"), upload=jpeg(), by=inspector
    )
    sign_and_confirm(started, inspector, inspector2)
    return onsite_services.inspection_finish(inspection=started, by=inspector)


# ---------------------------------------------------------------- the record


def test_the_record_holds_facility_team_items_hazards_signatures_and_footer(record, inspector):
    rendered = documents.inspection_document(record, "record", by=inspector)
    text = squashed(rendered.pdf)
    facility = record.facility
    for field in (
        facility.name,
        facility.credit_code,
        facility.address,
        "张国华",
        "李喆",
        "43060200001",
        "王赟",
        "43060200002",
        "疏散通道是否畅通？",
        "二楼东侧疏散走道",
        "走道堆放纸箱",
        "刘院长",
        timezone.localtime(record.started_at).strftime("%Y-%m-%d%H:%M"),
    ):
        assert field in text, field
    for hazard in record.hazards.all():
        assert hazard.register_no in text
        assert hazard.due_on.isoformat() in text
    assert rendered.number == f"430602-JL-{YEAR}-0001"
    texts = pages(rendered.pdf)
    assert len(texts) >= 2
    for n, page in enumerate(texts, 1):
        footer = zh("Page %(page)s of %(pages)s", page=n, pages=len(texts))
        assert footer in re.sub(r"\s+", "", page)
        assert rendered.number in page


def test_the_record_embeds_photo_previews_never_originals(record, inspector):
    photo = record.photos.get(answer__item__code="S-01")
    assert (photo.width, photo.height) == (2000, 1500)
    pdf = documents.inspection_document(record, "record", by=inspector).pdf
    # The only large image: the 2000 x 1500 photo (the QR code and the others are small).
    large = {
        image.data: image.image.convert("RGB")
        for image in embedded_images(pdf)
        if image.image.width > 300
    }
    assert len(large) == 1
    [shown] = large.values()
    assert shown.width < 2000

    def distance(stored):
        with Image.open(stored.open("rb")) as image:
            difference = ImageChops.difference(shown, image.convert("RGB").resize(shown.size))
        return sum(ImageStat.Stat(difference).mean)

    # The preview carries the stamp (time, facility, inspector); the original does not.
    assert distance(photo.preview) * 3 < distance(photo.original)


# ---------------------------------------------------------------- the notice


def test_the_notice_lists_each_hazard_with_location_basis_action_and_deadline(record, inspector):
    notice = record.notice
    rendered = documents.inspection_document(record, "notice", by=inspector)
    assert rendered.number == notice.number
    text = squashed(rendered.pdf)
    for field in (
        notice.number,
        record.facility.name,
        record.facility.credit_code,
        record.facility.address,
        "张国华",
        "43060200001",
        "43060200002",
        timezone.localdate(record.started_at).isoformat(),
        "GB38600",
        "二楼东侧疏散走道",
        "一楼护理区",
        zh(
            "If you disagree with this notice, you may apply for administrative "
            "reconsideration within 60 days of receiving it, or bring an administrative "
            "lawsuit before a people's court within six months, according to law. "
            "Rectification is not suspended meanwhile."
        ),
    ):
        assert field in text, field
    hazards = list(notice.hazards.order_by("register_no"))
    assert len(hazards) == 2
    for hazard in hazards:
        assert hazard.register_no in text
        assert hazard.due_on.isoformat() in text
    # The re-inspection date: 3 working days after the last deadline.
    last = max(h.due_on for h in hazards)
    assert add_working_days(last, 3).date.isoformat() in text


# ---------------------------------------------------------------- the re-inspection opinion


@pytest.fixture
def reinspected(record, lead, inspector, inspector2):
    """A re-inspection of the record's open hazards: the general one fixed, the major
    one not fixed."""
    reinspection = onsite_services.reinspection_open(
        source=record,
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        by=lead,
    )
    reinspection = onsite_services.inspection_start(inspection=reinspection, by=inspector)
    for hazard in record.hazards.all():
        value = Recheck.FIXED if hazard.severity == "general" else Recheck.NOT_FIXED
        onsite_services.answer_save(
            inspection=reinspection,
            key=f"h{hazard.pk}",
            value=value,
            base_revision=0,
            note="已清理" if value == Recheck.FIXED else "仍未安装",
            by=inspector,
        )
    sign_and_confirm(reinspection, inspector, inspector2)
    return onsite_services.inspection_finish(inspection=reinspection, by=inspector)


def test_the_reinspection_opinion_gives_each_hazard_and_the_conclusion(
    reinspected, record, inspector
):
    assert documents.inspection_kinds(reinspected) == ["record", "reinspection"]
    rendered = documents.inspection_document(reinspected, "reinspection", by=inspector)
    assert rendered.number == f"430602-FC-{YEAR}-0001"
    text = squashed(rendered.pdf)
    for field in (
        record.notice.number,
        timezone.localdate(reinspected.started_at).isoformat(),
        "李喆",
        "43060200001",
        "43060200002",
        zh("Fixed"),
        zh("Not fixed"),
        "仍未安装",
        zh("Rectification continues: the hazards not fixed stay open."),
        "刘院长",
    ):
        assert field in text, field
    for hazard in record.hazards.all():
        assert hazard.register_no in text


def test_the_conclusion_is_close_out_when_everything_was_fixed(record, reinspected):
    rechecks = list(reinspected.answers.exclude(rechecked_hazard=None))
    assert documents.reinspection_conclusion(reinspected, rechecks)[0] == "continue"
    fixed = [a for a in rechecks if a.value == Recheck.FIXED]
    assert documents.reinspection_conclusion(reinspected, fixed)[0] == "close"


# ---------------------------------------------------------------- plan documents


def finish_drawn(inspection):
    """Take a drawn inspection (with notice) through to the end, in the plan's window."""
    members = [m.inspector.user for m in inspection.team.filter(active=True)]
    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=SHANGHAI), tick=False):
        onsite_services.inspection_schedule(
            inspection=inspection, planned_date=date(2026, 12, 7), by=members[0]
        )
    with time_machine.travel(datetime(2026, 12, 7, 10, tzinfo=SHANGHAI), tick=True):
        inspection = onsite_services.inspection_start(inspection=inspection, by=members[0])
        onsite_services.answer_save(
            inspection=inspection,
            key=item_key(inspection, "F-01"),
            value="pass",
            base_revision=0,
            by=members[0],
        )
        onsite_services.inspection_sign(
            inspection=inspection, by=members[0], signer_name="院长", typed="院长"
        )
        for member in members:
            onsite_services.member_confirm(inspection=inspection, by=member)
        return onsite_services.inspection_finish(inspection=inspection, by=members[0])


@pytest.fixture
def plan_results(drawn, lead):
    """Three of the draw's inspections finished: one published, one published then
    withdrawn, one still awaiting review."""
    inspections = list(drawn.inspections.order_by("pk")[:3])
    shown, withdrawn, pending = (finish_drawn(i) for i in inspections)
    publication_services.publication_publish(
        publication=shown.publication, by=lead, follow_up="继续跟踪"
    )
    publication_services.publication_publish(
        publication=withdrawn.publication, by=lead, follow_up="不再公开"
    )
    publication_services.publication_withdraw(
        publication=withdrawn.publication, by=lead, reason="检查对象有误"
    )
    return {"shown": shown, "withdrawn": withdrawn, "pending": pending}


def test_the_results_announcement_shows_published_results_only(plan_results, drawn, lead):
    rendered = documents.plan_document(drawn.plan, "results", by=lead)
    assert rendered.number == f"430602-JG-{YEAR}-0001"
    text = squashed(rendered.pdf)
    shown, withdrawn, pending = (plan_results[k] for k in ("shown", "withdrawn", "pending"))
    assert drawn.plan.name in text
    assert shown.facility.name in text
    assert "继续跟踪" in text
    assert withdrawn.facility.name in text
    assert "检查对象有误" in text
    assert "不再公开" not in text
    assert pending.facility.name not in text


def test_the_plan_announcement_shows_the_plan_and_its_drawn_facilities_and_teams(drawn, lead):
    """Teams by credential number: a public document names no inspector."""
    rendered = documents.plan_document(drawn.plan, "plan", by=lead)
    assert rendered.number == f"430602-JH-{YEAR}-0001"
    text = squashed(rendered.pdf)
    for field in (
        drawn.plan.name,
        drawn.plan.lead_department.name,
        drawn.commitment,
        "福利彩票双色球",
    ):
        assert re.sub(r"\s+", "", field) in text, field
    for inspection in drawn.inspections.all():
        assert inspection.facility.name in text
        for member in inspection.team.filter(active=True):
            assert member.inspector.credential_no in text
            assert member.inspector.user.display_name not in text


def test_a_draft_plan_has_no_announcements(world, lead, published_template):
    draft = make_plan(world, lead, published_template)
    assert documents.plan_kinds(draft) == []
    # The exception names the kind that is unavailable (the view answers 404).
    with pytest.raises(documents.DocumentUnavailable, match="^plan$"):
        documents.plan_document(draft, "plan", by=lead)


# ---------------------------------------------------------------- numbers


def test_numbers_are_sequential_per_county_and_year_and_kept(
    record, waiting, world, lead, other_lead
):
    first = document_numbers.document_number(kind="record", inspection=record, by=lead)
    assert first == f"430602-JL-{YEAR}-0001"
    assert document_numbers.document_number(kind="record", inspection=record, by=lead) == first
    assert document_numbers.document_number(kind="record", inspection=waiting, by=lead) == (
        f"430602-JL-{YEAR}-0002"
    )
    # Another kind is another series; another county another counter.
    assert document_numbers.document_number(kind="reinspection", inspection=record, by=lead) == (
        f"430602-FC-{YEAR}-0001"
    )
    far = onsite_services.case_open(
        facility=world["far_facility"],
        complaint="投诉",
        inspectors=[m.inspector for m in record.team.all()],
        templates=[record.checklists.get().version.template],
        by=other_lead,
    )
    assert document_numbers.document_number(kind="record", inspection=far, by=None) == (
        f"430603-JL-{YEAR}-0001"
    )
    issued = IssuedDocument.objects.get(number=first)
    assert issued.issued_by == lead
    assert issued.history.first().history_user == lead
    assert IssuedDocument.objects.count() == 4


def test_a_number_is_for_a_plan_or_an_inspection_as_its_kind_says(record, lead):
    with pytest.raises(ValidationError, match="文书只能对应一个计划或一次检查，不能同时对应两者。"):
        document_numbers.document_number(kind="plan", inspection=record, by=lead)
    with pytest.raises(ValidationError, match="文书只能对应一个计划或一次检查，不能同时对应两者。"):
        document_numbers.document_number(kind="record", by=lead)
    with pytest.raises(ValidationError, match="未知的文书类型。"):
        document_numbers.document_number(kind="nonsense", inspection=record, by=lead)
    assert not IssuedDocument.objects.exists()


def test_re_rendering_prints_the_same_number(record, inspector, lead):
    once = documents.inspection_document(record, "record", by=inspector)
    again = documents.inspection_document(record, "record", by=lead)
    assert once.number == again.number
    assert once.number in squashed(again.pdf)
    assert IssuedDocument.objects.filter(inspection=record).count() == 1


# ---------------------------------------------------------------- QR code


def qr_matrix_in(pdf, size):
    """The QR modules of the first image of ``size`` modules on page 1, read back from
    the bitmap embedded in the PDF."""
    side = (size + 2 * documents.QR_BORDER) * documents.QR_SCALE
    for image in PdfReader(io.BytesIO(pdf)).pages[0].images:
        bitmap = image.image.convert("L")
        if bitmap.size != (side, side):
            continue
        middle = documents.QR_SCALE // 2
        return [
            [
                bitmap.getpixel(
                    (
                        (documents.QR_BORDER + x) * documents.QR_SCALE + middle,
                        (documents.QR_BORDER + y) * documents.QR_SCALE + middle,
                    )
                )
                < 128
                for x in range(size)
            ]
            for y in range(size)
        ]
    return None


def assert_qr_encodes(pdf, target):
    code = segno.make(target, error="m", micro=False)
    expected = [[bool(module) for module in row] for row in code.matrix]
    assert qr_matrix_in(pdf, len(expected)) == expected


def test_an_unpublished_record_links_to_the_log_in_for_its_page(record, inspector, settings):
    settings.SITE_URL = "https://safety.example.org"
    target = documents.qr_target(record)
    assert target == (
        f"https://safety.example.org/accounts/login/?next=/inspections/inspections/{record.pk}/"
    )
    assert_qr_encodes(documents.inspection_document(record, "record", by=inspector).pdf, target)
    notice_target = documents.qr_target(record.notice)
    assert notice_target == (
        f"https://safety.example.org/accounts/login/?next=/inspections/notices/{record.notice.pk}/"
    )


def test_a_published_record_links_to_its_public_page(record, inspector, lead, settings):
    settings.SITE_URL = "https://safety.example.org"
    publication_services.publication_publish(publication=record.publication, by=lead)
    record.refresh_from_db()
    public = f"https://safety.example.org/public/results/{record.publication.pk}/"
    assert documents.qr_target(record) == public
    assert documents.qr_target(record.notice) == public
    pdf = documents.inspection_document(record, "notice", by=inspector).pdf
    assert_qr_encodes(pdf, public)


def test_a_plan_links_to_its_public_page_once_approved(drawn, world, lead, published_template):
    assert documents.qr_target(drawn.plan).endswith(f"/public/plans/{drawn.plan.pk}/")
    draft = make_plan(world, lead, published_template, name="草案")
    assert documents.qr_target(draft).endswith(
        f"/accounts/login/?next=/inspections/plans/{draft.pk}/"
    )


# ---------------------------------------------------------------- the command


@pytest.fixture
def out_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_the_command_writes_an_inspections_documents(record, out_dir):
    out = io.StringIO()
    call_command(
        "render_documents", "--inspection", str(record.pk), "--out", str(out_dir), stdout=out
    )
    names = sorted(path.name for path in out_dir.iterdir())
    assert names == sorted(
        [f"record-430602-JL-{YEAR}-0001.pdf", f"notice-{record.notice.number}.pdf"]
    )
    for path in out_dir.iterdir():
        assert path.read_bytes().startswith(b"%PDF-")
        assert str(path) in out.getvalue()


def test_the_command_writes_a_plans_announcements(drawn, out_dir):
    call_command("render_documents", "--plan", str(drawn.plan.pk), "--out", str(out_dir))
    assert sorted(path.name for path in out_dir.iterdir()) == [
        f"plan-430602-JH-{YEAR}-0001.pdf",
        f"results-430602-JG-{YEAR}-0001.pdf",
    ]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--inspection", "999999"], "No inspection with ID 999999"),
        (["--plan", "999999"], "No plan with ID 999999"),
    ],
)
def test_the_command_refuses_unknown_ids(db, out_dir, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("render_documents", *arguments, "--out", str(out_dir))
    assert not list(out_dir.iterdir())


def test_the_command_refuses_an_unfinished_inspection_and_a_bad_directory(waiting, record, out_dir):
    with pytest.raises(CommandError, match="no documents"):
        call_command("render_documents", "--inspection", str(waiting.pk), "--out", str(out_dir))
    not_a_folder = out_dir / "file.pdf"
    not_a_folder.write_bytes(b"")
    with pytest.raises(CommandError, match="not a directory"):
        call_command("render_documents", "--inspection", str(record.pk), "--out", str(not_a_folder))
    with pytest.raises(CommandError, match="not a directory"):
        call_command(
            "render_documents", "--inspection", str(record.pk), "--out", str(out_dir / "none")
        )
    assert [p.name for p in out_dir.iterdir()] == ["file.pdf"]


def test_a_failed_write_leaves_nothing_behind(record, out_dir, monkeypatch):
    import os

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(CommandError, match="No space left"):
        call_command("render_documents", "--inspection", str(record.pk), "--out", str(out_dir))
    assert not list(out_dir.iterdir())


# ---------------------------------------------------------------- downloads


def test_staff_download_the_documents_of_records_they_may_see(
    record, lead, other_lead, manager, other_manager, as_user, client
):
    url = reverse("reports_staff:inspection_document", args=[record.pk, "record"])
    response = as_user(lead).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    assert as_user(manager).get(url).status_code == 200
    assert as_user(other_lead).get(url).status_code == 404
    assert as_user(other_manager).get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    # Only the documents the record has.
    missing = reverse("reports_staff:inspection_document", args=[record.pk, "reinspection"])
    assert as_user(lead).get(missing).status_code == 404


def test_the_pages_link_their_documents(record, lead, as_user):
    page = as_user(lead).get(record.get_absolute_url()).content.decode()
    for kind in ("record", "notice"):
        assert reverse("reports_staff:inspection_document", args=[record.pk, kind]) in page
    notice_page = (
        as_user(lead)
        .get(reverse("inspections:notice_detail", args=[record.notice.pk]))
        .content.decode()
    )
    assert reverse("reports_staff:inspection_document", args=[record.pk, "notice"]) in notice_page


def test_the_public_pdf_exists_only_for_a_published_result(record, lead, client):
    publication = record.publication
    url = reverse("reports:result_pdf", args=[publication.pk])
    assert client.get(url).status_code == 404
    publication_services.publication_publish(publication=publication, by=lead, follow_up="限期整改")
    response = client.get(url)
    assert response.status_code == 200
    text = squashed(response.content)
    assert record.facility.name in text
    assert "限期整改" in text
    # No inspector's name, no photo the lead did not choose: the QR code is the only image.
    assert "李喆" not in text
    assert len({image.data for image in embedded_images(response.content)}) == 1
    publication_services.publication_withdraw(publication=publication, by=lead, reason="对象有误")
    text = squashed(client.get(url).content)
    assert "对象有误" in text
    assert "限期整改" not in text


def test_public_plan_pdfs_exist_only_for_approved_plans(drawn, world, lead, client):
    for name in ("reports:plan_announcement_pdf", "reports:plan_results_pdf"):
        response = client.get(reverse(name, args=[drawn.plan.pk]))
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")
    draft = make_plan(world, lead, drawn.plan.checklists.get().template, name="草案")
    for name in ("reports:plan_announcement_pdf", "reports:plan_results_pdf"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404


def test_the_record_download_takes_a_fixed_number_of_queries(
    record, lead, as_user, django_assert_max_num_queries
):
    """Five items, three photos, two hazards, two inspectors: one query per kind of row
    (a query per item, photo or member would show here)."""
    client = as_user(lead)
    url = reverse("reports_staff:inspection_document", args=[record.pk, "record"])
    client.get(url)  # the number is issued the first time
    # 15: the lead's region ids are resolved once per request (registry.access.region_q).
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def test_rendering_a_pdf_leaves_truncated_uploads_refused():
    """WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported; a damaged
    evidence photo must still be refused after a document was rendered."""
    from PIL import ImageFile

    from inspections.onsite import photos
    from reports.documents import html_to_pdf

    html_to_pdf("<p>x</p>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as if another import turned it on again
    data = io.BytesIO()
    Image.effect_noise((200, 150), 40).convert("RGB").save(data, "JPEG")
    with pytest.raises(photos.PhotoRefused, match="照片已损坏或不完整，无法打开。"):
        photos.process(data.getvalue()[:1500], stamp_lines=[])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
