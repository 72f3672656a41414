"""The rectification loop on the web: the facility acknowledges, reports a fix with a
photo, the inspector rejects, the facility reports again, the inspector accepts, and
the facility's open-hazard count reaches zero."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections import services
from inspections.models import Hazard


def after_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (30, 150, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")


def open_count(client, facility):
    return client.get(f"/inspections/hazards/?facility={facility.pk}").context["summary"]["open"]


def test_the_loop_on_the_web_ends_with_zero_open_hazards(
    finished,
    world,
    manager,
    inspector,
    as_user,
):
    facility = world["facility"]
    manager_client, inspector_client = as_user(manager), as_user(inspector)
    assert open_count(manager_client, facility) == 2
    notice = finished.notice
    assert manager_client.post(f"/inspections/notices/{notice.pk}/").status_code == 302
    for hazard in finished.hazards.order_by("pk"):
        extra = {"interim_measures": "专人值守"} if hazard.severity == "major" else {}
        manager_client.post(
            f"/inspections/hazards/{hazard.pk}/rectify/",
            {"description": "已整改", "photos": [after_photo()], **extra},
        )
        hazard.refresh_from_db()
        assert hazard.status == Hazard.Status.AWAITING
    first = finished.hazards.order_by("pk").first()
    inspector_client.post(
        f"/inspections/hazards/{first.pk}/verify/",
        {"decision": "reject", "reason": "照片未显示楼梯间全貌"},
    )
    first.refresh_from_db()
    assert first.status == Hazard.Status.RECTIFYING
    page = manager_client.get(f"/inspections/hazards/{first.pk}/").content.decode()
    assert "照片未显示楼梯间全貌" in page
    manager_client.post(
        f"/inspections/hazards/{first.pk}/rectify/",
        {"description": "已重新整改并补拍全景", "photos": [after_photo()]},
    )
    for hazard in finished.hazards.all():
        inspector_client.post(f"/inspections/hazards/{hazard.pk}/verify/", {"decision": "accept"})
    assert open_count(manager_client, facility) == 0
    assert (
        "目标已达成"
        in manager_client.get(f"/inspections/hazards/?facility={facility.pk}").content.decode()
    )


def test_the_facility_cannot_verify_its_own_fix_on_the_web(
    finished,
    manager,
    as_user,
    general,
):
    client = as_user(manager)
    client.post(f"/inspections/notices/{finished.notice.pk}/")
    client.post(
        f"/inspections/hazards/{general.pk}/rectify/",
        {"description": "已整改", "photos": [after_photo()]},
    )
    refused = client.post(f"/inspections/hazards/{general.pk}/verify/", {"decision": "accept"})
    assert refused.status_code == 403
    general.refresh_from_db()
    assert general.status == Hazard.Status.AWAITING


def test_an_extension_asked_and_approved_on_the_web(
    finished,
    manager,
    lead,
    as_user,
    general,
):
    as_user(manager).post(f"/inspections/notices/{finished.notice.pk}/")
    new_due = general.due_on + timedelta(days=7)
    as_user(manager).post(
        f"/inspections/hazards/{general.pk}/extension/",
        {"requested_due": new_due.isoformat(), "reasons": "待采购", "interim_measures": "巡查"},
    )
    as_user(lead).post(
        f"/inspections/hazards/{general.pk}/extension/decide/", {"decision": "approve"}
    )
    general.refresh_from_db()
    assert general.due_on == new_due


def test_hazards_of_another_county_are_not_found(finished, other_lead, as_user, general):
    assert as_user(other_lead).get(f"/inspections/hazards/{general.pk}/").status_code == 404
    listing = as_user(other_lead).get("/inspections/hazards/")
    assert general.register_no not in listing.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_register_list_costs_a_fixed_number_of_queries(
    count, world, lead, as_user, django_assert_max_num_queries
):
    for n in range(count):
        services.hazard_register(
            facility=world["facility"],
            severity="general",
            source="complaint",
            description=f"投诉{n}",
            found_on=date(2026, 11, 2),
            deadline_days=7,
            by=lead,
        )
    client = as_user(lead)
    with django_assert_max_num_queries(9):
        assert client.get("/inspections/hazards/").status_code == 200
