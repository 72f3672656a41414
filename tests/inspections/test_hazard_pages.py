"""The rectification loop on the web: the facility acknowledges, reports a fix with a
photo, the inspector rejects, the facility reports again, the inspector accepts, and
the facility's open-hazard count reaches zero."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections.hazards import services
from inspections.hazards.models import Hazard


def after_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (30, 150, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")


def open_count(client, facility):
    return client.get(f"/inspections/hazards/?facility={facility.pk}").context["summary"]["open"]


def test_the_loop_on_the_web_ends_with_zero_open_hazards(
    lead,
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
    major = finished.hazards.get(severity="major")
    page = manager_client.get(f"/inspections/hazards/{major.pk}/").content.decode()
    assert "五落实" in page and "Report the rectification" not in page
    manager_client.post(
        f"/inspections/hazards/{major.pk}/plan/",
        {
            "measures": "更换防火门",
            "responsible_person": "王院长",
            "funds": "2万元，自筹",
            "plan_deadline": major.due_on.isoformat(),
            "contingency_plan": "24小时专人值守",
        },
    )
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
    # A verified major hazard stays open until the supervising lead signs it off.
    assert open_count(manager_client, facility) == 1
    assert "签字销号" in as_user(lead).get(f"/inspections/hazards/{major.pk}/").content.decode()
    as_user(lead).post(f"/inspections/hazards/{major.pk}/sign-off/", {"decision": "approve"})
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


@pytest.fixture
def filtered_register(world, lead, other_lead):
    """Hazards to filter: departments, a closure in November 2026 on time and one
    late, and one in the other county."""
    from datetime import datetime

    from django.utils import timezone

    from .conftest import make_hazard

    def local(*args):
        return timezone.make_aware(datetime(*args))

    closed = {"status": "closed", "department": "fire_rescue"}
    return {
        "open": make_hazard(world["facility"], lead, department="civil_affairs"),
        "on_time": make_hazard(
            world["other_facility"],
            lead,
            **closed,
            closed_at=local(2026, 11, 30, 23, 30),
            due_on=date(2026, 11, 30),
        ),
        "late": make_hazard(
            world["facility"],
            lead,
            **closed,
            closed_at=local(2026, 11, 10, 0, 30),
            due_on=date(2026, 11, 9),
        ),
        # 1 December locally, still November in UTC.
        "december": make_hazard(
            world["facility"], lead, status="closed", closed_at=local(2026, 12, 1, 0, 30)
        ),
        "far": make_hazard(world["far_facility"], other_lead, department="fire_rescue"),
    }


def listed(response):
    assert response.status_code == 200
    return {hazard.pk for hazard in response.context["page"]}


@pytest.mark.parametrize("code", ["430603", "999999", "x"])
def test_a_region_outside_the_users_scope_is_not_found(filtered_register, lead, as_user, code):
    assert as_user(lead).get("/inspections/hazards/", {"region": code}).status_code == 404


def test_a_manager_cannot_filter_by_region(filtered_register, manager, as_user):
    assert as_user(manager).get("/inspections/hazards/?region=430602").status_code == 404


def test_the_region_filter_includes_everything_below(world, filtered_register, as_user):
    from registry.models import User

    city_lead = User.objects.create_user(username="city", password="x", role=User.Role.LEAD)
    city_lead.regions.set([world["city"]])
    client = as_user(city_lead)
    everything = {hazard.pk for hazard in filtered_register.values()}
    assert listed(client.get("/inspections/hazards/?region=430600")) == everything
    county = listed(client.get("/inspections/hazards/?region=430602"))
    assert county == everything - {filtered_register["far"].pk}
    response = client.get("/inspections/hazards/?region=430603")
    assert listed(response) == {filtered_register["far"].pk}
    # The summary cards count the region only, and keep it in their links.
    assert response.context["summary"]["open"] == 1
    assert "region=430603&amp;status=open" in response.content.decode()


def test_the_closed_month_filter_counts_local_time(filtered_register, lead, as_user):
    client = as_user(lead)
    november = {filtered_register["on_time"].pk, filtered_register["late"].pk}
    assert listed(client.get("/inspections/hazards/?closed_month=2026-11")) == november
    on_time = listed(client.get("/inspections/hazards/?closed_month=2026-11&on_time=1"))
    assert on_time == {filtered_register["on_time"].pk}
    december = listed(client.get("/inspections/hazards/?closed_month=2026-12"))
    assert december == {filtered_register["december"].pk}


def test_a_bad_closed_month_is_reported_and_left_out(filtered_register, lead, as_user):
    response = as_user(lead).get("/inspections/hazards/?closed_month=2026-13")
    assert len(listed(response)) == 4
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_department_filter_and_its_summary(filtered_register, lead, as_user):
    response = as_user(lead).get("/inspections/hazards/?department=fire_rescue")
    assert listed(response) == {filtered_register["on_time"].pk, filtered_register["late"].pk}
    assert response.context["summary"]["open"] == 0


def test_the_list_shows_its_filters_with_a_way_to_remove_each(filtered_register, lead, as_user):
    response = as_user(lead).get(
        "/inspections/hazards/?region=430602&department=fire_rescue&closed_month=2026-11&on_time=1"
    )
    chosen = response.context["chosen"]
    assert [c["value"] for c in chosen][0] == "岳阳楼区"
    assert "2026-11" in [c["value"] for c in chosen]
    assert len(chosen) == 4
    by_name = {c["name"]: c["remove"] for c in chosen}
    assert "department" not in by_name["department"]
    assert "region=430602" in by_name["department"]
    html = response.content.decode()
    assert re.search(r"data-total>[^<]*\b1\b", html)
    # The filter form keeps them when the status or class changes.
    assert '<input type="hidden" name="closed_month" value="2026-11">' in html


def test_pages_keep_the_filters(world, lead, as_user):
    from .conftest import make_hazard

    for _n in range(26):
        make_hazard(world["facility"], lead, department="fire_rescue")
    make_hazard(world["facility"], lead)
    client = as_user(lead)
    first = client.get("/inspections/hazards/?department=fire_rescue&region=430602")
    assert first.context["page"].paginator.count == 26
    next_link = "?department=fire_rescue&amp;region=430602&amp;page=2"
    assert next_link in first.content.decode()
    second = client.get("/inspections/hazards/?department=fire_rescue&region=430602&page=2")
    assert len(second.context["page"]) == 1


PLAN = {
    "measures": "更换防火门",
    "responsible_person": "王院长",
    "funds": "2万元",
    "contingency_plan": "专人值守",
}


def test_supervision_pages_are_closed_to_other_facilities_and_counties(
    lead, finished, major, other_manager, other_lead, inspector, manager, as_user
):
    plan = {**PLAN, "plan_deadline": major.due_on.isoformat()}
    base = f"/inspections/hazards/{major.pk}"
    assert as_user(other_manager).post(f"{base}/plan/", plan).status_code == 404
    assert as_user(other_lead).post(f"{base}/progress/", {"text": "x"}).status_code == 404
    assert as_user(other_lead).post(f"{base}/sign-off/", {"decision": "approve"}).status_code == 404
    assert as_user(inspector).post(f"{base}/plan/", plan).status_code == 403
    assert as_user(inspector).post(f"{base}/sign-off/", {"decision": "approve"}).status_code == 403
    assert as_user(manager).post(f"{base}/reinspection/").status_code == 403
    major.supervision.refresh_from_db()
    assert major.supervision.plan_filed_at is None and not major.supervision.notes.exists()


def test_an_incomplete_plan_is_refused_with_a_message_and_nothing_kept(
    lead, finished, major, manager, as_user
):
    response = as_user(manager).post(f"/inspections/hazards/{major.pk}/plan/", PLAN, follow=True)
    assert "请填齐“五落实”" in response.content.decode()
    major.supervision.refresh_from_db()
    assert major.supervision.plan_filed_at is None and major.supervision.measures == ""


def test_a_general_hazard_has_no_supervision_page(finished, general, manager, as_user):
    page = as_user(manager).get(f"/inspections/hazards/{general.pk}/").content.decode()
    assert "挂牌督办" not in page
    assert (
        as_user(manager).post(f"/inspections/hazards/{general.pk}/plan/", PLAN).status_code == 403
    )
