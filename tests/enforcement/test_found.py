"""Hazards as found: a hazard no item names registered on site, a general hazard raised
to major, and the determination basis of a major hazard (13号 第四条(二))."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from core.models import Notification
from inspections.enforcement import found
from inspections.enforcement.models import Determination, MajorCriterion
from inspections.hazards.models import Hazard, Supervision
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Photo
from tests.inspections.conftest import *  # noqa: F403
from tests.inspections.conftest import make_hazard
from tests.inspections.test_onsite import answer_all_passing, jpeg, sign_and_confirm


@pytest.fixture(autouse=True)
def english(settings):
    """Refusals are asserted with their English msgids."""
    settings.LANGUAGE_CODE = "en"
    yield
    from django.utils import translation

    translation.deactivate()


def criterion(code):
    return MajorCriterion.objects.get(code=code)


def pdf_file(name="report.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")


def add(inspection, by, **overrides):
    values = {
        "category": "fire",
        "severity": "general",
        "location": "三楼东侧配电间",
        "description": "配电间堆放可燃杂物",
        "deadline_days": 10,
        "uploads": [jpeg()],
    }
    values.update(overrides)
    return found.hazard_add(inspection=inspection, by=by, **values)


def raise_(hazard, by, **overrides):
    values = {
        "reason": "同一场所多处堆放，且紧邻配电柜，情节严重",
        "criterion": criterion("5-99"),
        "determined_by": "team",
    }
    values.update(overrides)
    return found.hazard_raise(hazard=hazard, by=by, **values)


def squashed(pdf):
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


# ---------------------------------------------------------------- a hazard no item names


def test_a_hazard_no_item_names_is_registered_on_site_with_its_photo(started, inspector):
    hazard = add(started, inspector)
    assert hazard.inspection == started and hazard.item is None and hazard.answer is None
    assert hazard.status == Hazard.Status.REGISTERED
    assert hazard.severity == "general" and hazard.category == "fire"
    assert hazard.location == "三楼东侧配电间" and hazard.deadline_days == 10
    assert hazard.source == Hazard.Source.CASE
    photo = Photo.objects.get(hazard=hazard)
    assert photo.inspection == started and photo.purpose == Photo.Purpose.EVIDENCE


def test_it_appears_in_the_notice_and_the_record_when_the_inspection_finishes(
    started, inspector, inspector2, lead, as_user
):
    # Every item passes: the only hazard is the one no item names.
    answer_all_passing(started, inspector)
    hazard = add(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    onsite_services.inspection_finish(inspection=started, by=inspector)
    hazard.refresh_from_db()
    assert hazard.notice is not None and hazard.notice.inspection == started
    client = as_user(lead)
    for kind in ("notice", "record"):
        url = reverse("reports_staff:inspection_document", args=[started.pk, kind])
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = squashed(body)
        assert hazard.register_no in text and "配电间堆放可燃杂物" in text


def test_a_major_hazard_found_on_site_goes_under_supervision(started, inspector):
    hazard = add(started, inspector, severity="major")
    assert Supervision.objects.filter(hazard=hazard).exists()


def test_registering_clears_the_teams_confirmations(started, inspector, inspector2):
    answer_all_passing(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    add(started, inspector)
    started.refresh_from_db()
    assert not started.signed_at
    assert not started.team.exclude(confirmed_at=None).exists()


def test_it_refuses_a_hazard_when_the_inspection_is_not_under_way(case, inspector):
    with pytest.raises(ValidationError, match="not under way"):
        add(case, inspector)


def test_it_refuses_a_hazard_from_someone_not_on_the_team(started, lead, manager):
    for user in (lead, manager):
        with pytest.raises(ValidationError, match="Only the inspection team"):
            add(started, user)
    assert not started.hazards.exists()


def test_it_refuses_a_hazard_without_a_photo_or_location(started, inspector):
    with pytest.raises(ValidationError, match="at least one photo"):
        add(started, inspector, uploads=[])
    with pytest.raises(ValidationError, match="exact location"):
        add(started, inspector, location=" ")
    with pytest.raises(ValidationError, match="working days"):
        add(started, inspector, deadline_days=400)


def test_the_form_registers_and_other_counties_get_404(started, inspector, other_lead, as_user):
    url = reverse("inspections:hazard_add", args=[started.pk])
    assert as_user(other_lead).get(url).status_code == 404
    response = as_user(inspector).post(
        url,
        {
            "description": "楼梯间堆放杂物",
            "location": "二楼楼梯间",
            "category": "fire",
            "severity": "general",
            "deadline_days": "5",
            "photos": [jpeg()],
        },
    )
    assert response.status_code == 302
    hazard = started.hazards.get()
    assert hazard.description == "楼梯间堆放杂物"
    page = as_user(inspector).get(hazard.get_absolute_url())
    assert page.context["photos"].count() == 1


# ---------------------------------------------------------------- raising to major


def test_a_team_member_raises_a_general_hazard_to_major(general, inspector, manager):
    raised = raise_(general, inspector)
    assert raised.severity == Hazard.Severity.MAJOR
    supervision = Supervision.objects.get(hazard=general)
    assert supervision.plan_due_on > general.found_on  # counted from today, not found_on
    determination = Determination.objects.get(hazard=general)
    assert determination.raised_from_general and determination.criterion.code == "5-99"
    assert determination.determined_by == "team" and "情节严重" in determination.reason
    assert Notification.objects.filter(user=manager, text__contains=general.register_no).exists()


def test_a_lead_of_the_county_raises_too(general, lead):
    assert raise_(general, lead).severity == Hazard.Severity.MAJOR


def test_raising_needs_a_reason(general, inspector):
    with pytest.raises(ValidationError, match="Give the reason"):
        raise_(general, inspector, reason="  ")
    general.refresh_from_db()
    assert general.severity == "general" and not Determination.objects.exists()


def test_a_closed_hazard_is_not_raised(world, lead):
    closed = make_hazard(world["facility"], lead, status=Hazard.Status.CLOSED)
    with pytest.raises(ValidationError, match="This hazard is closed"):
        raise_(closed, lead)


def test_a_major_hazard_is_not_raised_again(major, inspector):
    with pytest.raises(ValidationError, match="already major"):
        raise_(major, inspector)


def test_a_lead_of_another_county_cannot_raise(general, other_lead, as_user):
    with pytest.raises(ValidationError, match="Only the team that found the hazard"):
        raise_(general, other_lead)
    assert (
        as_user(other_lead).get(reverse("inspections:hazard_raise", args=[general.pk])).status_code
        == 404
    )


def test_the_facility_cannot_raise_its_own_hazard(general, manager, as_user):
    with pytest.raises(ValidationError, match="Only the team that found the hazard"):
        raise_(general, manager)
    url = reverse("inspections:hazard_raise", args=[general.pk])
    assert as_user(manager).get(url).status_code == 403


# ---------------------------------------------------------------- the determination basis


def test_the_team_cannot_determine_a_construction_or_fire_defect_alone(major, inspector):
    with pytest.raises(ValidationError, match="cannot determine it alone"):
        found.determination_record(
            hazard=major, criterion=criterion("1-08"), determined_by="team", by=inspector
        )


def test_a_named_department_is_required(major, inspector):
    with pytest.raises(ValidationError, match="Name the department"):
        found.determination_record(
            hazard=major, criterion=criterion("1-08"), determined_by="department", by=inspector
        )
    determination = found.determination_record(
        hazard=major,
        criterion=criterion("1-08"),
        determined_by="department",
        department_name="岳阳楼区消防救援大队",
        by=inspector,
    )
    assert determination.department_name == "岳阳楼区消防救援大队"


def test_a_third_party_assessment_needs_its_number_and_a_real_file(major, lead):
    values = {
        "hazard": major,
        "criterion": criterion("1-01"),
        "determined_by": "third_party",
        "assessor": "湖南某房屋安全鉴定有限公司",
        "by": lead,
    }
    with pytest.raises(ValidationError, match="number of the assessment report"):
        found.determination_record(report_file=pdf_file(), **values)
    with pytest.raises(ValidationError, match="Attach the assessment report"):
        found.determination_record(report_no="YYJD-2026-031", **values)
    fake = SimpleUploadedFile("report.pdf", b"just some text, not a report\n")
    with pytest.raises(ValidationError, match="must be a PDF or a scanned image"):
        found.determination_record(report_no="YYJD-2026-031", report_file=fake, **values)
    assert not Determination.objects.exists()
    determination = found.determination_record(
        report_no="YYJD-2026-031", report_file=pdf_file(), **values
    )
    assert determination.report_file.name.endswith(".pdf")
    assert len(determination.report_sha256) == 64


def test_a_scan_is_accepted_as_the_report(major, lead):
    determination = found.determination_record(
        hazard=major,
        criterion=criterion("1-01"),
        determined_by="third_party",
        assessor="湖南某房屋安全鉴定有限公司",
        report_no="YYJD-2026-032",
        report_file=jpeg(),
        by=lead,
    )
    assert determination.report_file.name.endswith(".jpg")


def test_a_second_determination_is_refused(major, inspector):
    values = {"hazard": major, "criterion": criterion("5-99"), "determined_by": "team"}
    found.determination_record(by=inspector, **values)
    with pytest.raises(ValidationError, match="already recorded"):
        found.determination_record(by=inspector, **values)


def test_a_general_hazard_records_no_determination(general, inspector):
    with pytest.raises(ValidationError, match="Only a major hazard"):
        found.determination_record(
            hazard=general, criterion=criterion("5-99"), determined_by="team", by=inspector
        )


def test_the_hazard_page_says_when_the_determination_is_missing(major, inspector, as_user):
    page = as_user(inspector).get(major.get_absolute_url())
    assert "Determination not recorded." in page.content.decode()
    found.determination_record(
        hazard=major, criterion=criterion("5-99"), determined_by="team", by=inspector
    )
    page = as_user(inspector).get(major.get_absolute_url())
    assert "Determination not recorded." not in page.content.decode()
    assert MajorCriterion.objects.get(code="5-99").text in page.content.decode()


def test_the_report_is_served_only_within_scope(
    major, lead, manager, other_manager, other_lead, as_user
):
    determination = found.determination_record(
        hazard=major,
        criterion=criterion("1-01"),
        determined_by="third_party",
        assessor="湖南某房屋安全鉴定有限公司",
        report_no="YYJD-2026-033",
        report_file=pdf_file(),
        by=lead,
    )
    url = reverse("inspections:determination_file", args=[determination.pk])
    response = as_user(manager).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert as_user(other_manager).get(url).status_code == 404
    assert as_user(other_lead).get(url).status_code == 404
