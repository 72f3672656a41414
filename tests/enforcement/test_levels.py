"""Supervision of lower levels: a city lead's 约谈 or 通报 of a county bureau."""

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from core.notifications import Notification
from inspections.enforcement import levels
from inspections.enforcement.models import LevelAction
from registry.models import User
from tests.conftest import _user
from tests.inspections.conftest import make_hazard


@pytest.fixture(autouse=True)
def english(settings, request):
    """Refusals are asserted by their English msgids; a test marked ``chinese`` reads
    the default language (the documents)."""
    if request.node.get_closest_marker("chinese"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def city_lead(world):
    return _user("city_lead", User.Role.LEAD, regions=[world["city"]], full_name="刘市")


def interview(world, by, **overrides):
    values = {
        "kind": LevelAction.Kind.INTERVIEW,
        "issuer_region": world["city"],
        "target_region": world["county"],
        "subject": "重大隐患逾期未整改约谈",
        "reason": "岳阳楼区有三处隐患逾期未整改。",
        "content": "约谈指出问题，要求限期整改到位。",
        "attendees": "市局：刘市；区局：陈堃",
        "commitments": "一个月内全部整改。",
        "held_on": timezone.localdate(),
        "by": by,
        **overrides,
    }
    return levels.level_action_record(**values)


def pdf_text(content):
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", "", text)


def test_a_city_lead_records_an_interview_of_a_county_numbered_per_city(world, city_lead):
    first = interview(world, city_lead)
    second = interview(
        world, city_lead, kind=LevelAction.Kind.CIRCULAR, attendees="", commitments=""
    )
    year = timezone.localdate().year
    assert first.number == f"430600-{year}-JY0001"
    assert second.number == f"430600-{year}-TB0001"
    assert first.issued_by == city_lead
    assert first.history.count() == 1


def test_the_county_leads_are_told_and_no_one_else(world, city_lead, lead, other_lead):
    action = interview(world, city_lead)
    told = Notification.objects.filter(url=action.get_absolute_url())
    assert list(told.values_list("user", flat=True)) == [lead.pk]
    assert action.number in told.get().text


def test_it_refuses_a_target_not_below_the_issuer(world, city_lead):
    with pytest.raises(ValidationError, match="is not a region below"):
        interview(world, city_lead, target_region=world["city"])
    with pytest.raises(ValidationError, match="is not a region below"):
        interview(world, city_lead, target_region=world["province"])
    assert not LevelAction.objects.exists()


def test_it_refuses_a_user_who_does_not_lead_the_issuing_region(world, lead, auditor):
    # A county lead sees the county but does not speak for the city's bureau.
    with pytest.raises(ValidationError, match="Only a bureau lead of"):
        interview(world, lead)
    city_auditor = _user("city_auditor", User.Role.AUDITOR, regions=[world["city"]])
    with pytest.raises(ValidationError, match="Only a bureau lead of"):
        interview(world, city_auditor)


def test_a_province_lead_may_address_a_county_two_levels_down(world):
    province_lead = _user("province_lead", User.Role.LEAD, regions=[world["province"]])
    action = interview(world, province_lead, issuer_region=world["province"])
    assert action.number.startswith("430000-")


def test_an_interview_needs_its_attendees(world, city_lead):
    with pytest.raises(ValidationError, match="Name the attendees"):
        interview(world, city_lead, attendees="  ")


def test_a_circular_has_no_attendees(world, city_lead):
    with pytest.raises(ValidationError, match="A circular has no attendees"):
        interview(world, city_lead, kind=LevelAction.Kind.CIRCULAR)


def test_it_refuses_a_future_date_and_a_date_years_back(world, city_lead):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="must be between"):
        interview(world, city_lead, held_on=today + timedelta(days=1))
    with pytest.raises(ValidationError, match="must be between"):
        interview(world, city_lead, held_on=today - timedelta(days=800))


def test_it_refuses_text_over_its_limit_and_an_empty_subject(world, city_lead):
    with pytest.raises(ValidationError, match="cannot be longer than"):
        interview(world, city_lead, subject="长" * 201)
    with pytest.raises(ValidationError, match="is required"):
        interview(world, city_lead, subject=" ")


@pytest.mark.chinese
def test_the_pdf_carries_the_number_and_the_chinese_text(world, city_lead, as_user):
    action = interview(world, city_lead)
    response = as_user(city_lead).get(
        reverse("reports_staff:enforcement_document", args=["level", action.pk])
    )
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert action.number in text
    for chinese in ("岳阳市", "岳阳楼区", "重大隐患逾期未整改约谈", "一个月内全部整改"):
        assert chinese in text


@pytest.mark.chinese
def test_the_circular_pdf_carries_its_text(world, city_lead, lead, as_user):
    action = interview(
        world, city_lead, kind=LevelAction.Kind.CIRCULAR, attendees="", commitments=""
    )
    response = as_user(lead).get(
        reverse("reports_staff:enforcement_document", args=["level", action.pk])
    )
    text = pdf_text(response.content)
    assert action.number in text and "约谈指出问题" in text


def test_the_list_shows_it_to_the_county_and_not_to_another_county(
    world, city_lead, lead, other_lead, as_user
):
    action = interview(world, city_lead)
    url = reverse("inspections:level_actions")
    assert action.number in as_user(lead).get(url).content.decode()
    assert action.number in as_user(city_lead).get(url).content.decode()
    assert action.number not in as_user(other_lead).get(url).content.decode()
    # Filtered by the county, from the city lead's list.
    page = as_user(city_lead).get(url, {"region": world["other_county"].code}).content.decode()
    assert action.number not in page
    page = as_user(city_lead).get(url, {"region": world["county"].code}).content.decode()
    assert action.number in page
    # A region outside the scope is not found.
    assert as_user(lead).get(url, {"region": world["city"].code}).status_code == 404


def test_the_detail_page_is_404_for_another_county(world, city_lead, lead, other_lead, as_user):
    action = interview(world, city_lead)
    url = action.get_absolute_url()
    assert action.subject in as_user(lead).get(url).content.decode()
    assert as_user(other_lead).get(url).status_code == 404
    pdf = reverse("reports_staff:enforcement_document", args=["level", action.pk])
    assert as_user(other_lead).get(pdf).status_code == 404


def test_the_list_counts_its_queries(world, city_lead, as_user, django_assert_max_num_queries):
    for _n in range(3):
        interview(world, city_lead)
    client = as_user(city_lead)
    # 9: the lead's region ids are resolved once per request (registry.access.region_q).
    with django_assert_max_num_queries(9):
        client.get(reverse("inspections:level_actions"))


def test_the_form_shows_the_lower_regions_overdue_hazards(world, city_lead, lead, as_user):
    make_hazard(world["facility"], lead, status="overdue")
    make_hazard(world["other_facility"], lead, status="overdue")
    make_hazard(world["facility"], lead, status="rectifying")
    page = as_user(city_lead).get(reverse("inspections:level_action_add"))
    figures = {f.region.code: f for f in page.context["figures"]}
    assert figures["430602"].overdue_hazards == 2
    assert figures["430603"].overdue_hazards == 0
    assert figures["430602"].late_publications == 0


def test_the_form_records_and_redirects_to_the_action(world, city_lead, as_user):
    client = as_user(city_lead)
    url = reverse("inspections:level_action_add")
    page = client.get(url, {"target": world["county"].code})
    assert page.context["form"].initial["target_region"] == world["county"].pk
    response = client.post(
        url,
        {
            "kind": "interview",
            "issuer_region": world["city"].pk,
            "target_region": world["county"].pk,
            "held_on": timezone.localdate().isoformat(),
            "subject": "约谈",
            "reason": "逾期隐患",
            "content": "要求整改",
            "attendees": "",
            "commitments": "",
        },
    )
    # Without attendees the service refuses, and the page says why.
    assert response.status_code == 200
    assert "Name the attendees" in str(response.context["form"].non_field_errors())
    response = client.post(
        url,
        {
            "kind": "interview",
            "issuer_region": world["city"].pk,
            "target_region": world["county"].pk,
            "held_on": timezone.localdate().isoformat(),
            "subject": "约谈",
            "reason": "逾期隐患",
            "content": "要求整改",
            "attendees": "陈堃",
            "commitments": "",
        },
    )
    action = LevelAction.objects.get()
    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()


def test_a_county_lead_has_no_lower_region_to_address(world, lead, as_user):
    page = as_user(lead).get(reverse("inspections:level_action_add"))
    assert page.status_code == 200
    assert page.context["has_targets"] is False
