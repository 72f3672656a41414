"""Searching the history by the numbers and names people use, by the field changed,
and reading its values in words."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import ChangeLog
from audit.search import LINKS
from registry import services
from tests.audit.conftest import csv_rows
from tests.inspections.conftest import make_hazard

HISTORY = reverse("audit:history")
CSV_URL = reverse("audit:history_csv")
LOCAL = ZoneInfo(settings.TIME_ZONE)


def found(client, **params):
    """``{(model, object_id)}`` of every change the history lists for ``params``."""
    response = client.get(HISTORY, params)
    assert response.status_code == 200, response.context["form"].errors
    rows = response.context["changes"]
    return set(rows.values_list("model", "object_id"))


def key(obj):
    return (obj._meta.label_lower, str(obj.pk))


@pytest.fixture
def other_changes(world, lead):
    """Changes of the county's other facility and of a hazard of it."""
    facility = services.facility_save(
        facility=world["other_facility"], values={"beds": 11}, by=lead
    )
    return facility, make_hazard(facility, lead)


def test_a_credit_code_finds_the_facilitys_inspection_and_hazards_and_no_other(
    world, finished, lead, other_changes, auditor, as_user
):
    facility = world["facility"]
    # A hazard reported by complaint belongs to no inspection: found through its facility.
    complaint = make_hazard(facility, lead)
    hits = found(as_user(auditor), q=facility.credit_code.lower())
    hazard = finished.hazards.first()
    assert {key(facility), key(finished), key(hazard), key(complaint)} <= hits
    assert key(finished.notice) in hits
    assert ("inspections.answer", str(finished.answers.first().pk)) in hits
    other_facility, other_hazard = other_changes
    assert key(other_facility) not in hits
    assert key(other_hazard) not in hits


def test_a_hazards_register_number_finds_that_hazard_only(world, finished, lead, auditor, as_user):
    general, major = finished.hazards.get(item_code="S-01"), finished.hazards.get(item_code="S-02")
    hits = found(as_user(auditor), q=general.register_no)
    assert key(general) in hits
    assert key(major) not in hits
    assert key(finished) not in hits


def test_a_notice_number_finds_the_notice_its_inspection_and_its_hazards(
    world, finished, other_changes, auditor, as_user
):
    notice = finished.notice
    hits = found(as_user(auditor), q=notice.number)
    assert {key(notice), key(finished)} <= hits
    assert {key(h) for h in finished.hazards.all()} <= hits
    assert key(world["facility"]) not in hits
    assert key(other_changes[1]) not in hits


def test_a_part_of_a_facilitys_name_finds_its_changes(world, other_changes, auditor, as_user):
    hits = found(as_user(auditor), q="康乐")
    assert key(world["facility"]) in hits
    assert key(world["other_facility"]) not in hits
    assert key(other_changes[1]) not in hits


def test_a_former_name_still_finds_the_facility(world, lead, auditor, as_user):
    facility = services.facility_save(
        facility=world["facility"], values={"name": "岳阳楼区新康养老院"}, by=lead
    )
    assert key(facility) in found(as_user(auditor), q="康乐养老院")


def test_the_links_list_owners_before_what_they_own():
    # An owner's objects are looked up once: a link into it listed after a link out of
    # it would be left out of the search.
    for i, link in enumerate(LINKS):
        assert not [later for later in LINKS[i + 1 :] if later.changed == link.owner]


def test_an_auditor_of_another_county_finds_nothing(world, finished, other_auditor, as_user):
    facility = world["facility"]
    client = as_user(other_auditor)
    for words in (facility.credit_code, finished.notice.number, "康乐"):
        assert found(client, q=words) == set()


def test_a_search_naming_nothing_finds_nothing(world, finished, auditor, as_user):
    assert found(as_user(auditor), q="430602-ZG-1999-9999") == set()


def test_the_search_is_honoured_by_the_csv_export(world, other_changes, auditor, as_user):
    _header, *rows = csv_rows(as_user(auditor).get(CSV_URL, {"q": "康乐"}))
    assert rows
    assert {row[4] for row in rows} == {world["facility"].name}


def test_a_very_long_search_is_refused_with_a_sentence(world, auditor, as_user):
    for url in (HISTORY, CSV_URL):
        response = as_user(auditor).get(url, {"q": "康" * 10_000})
        assert response.status_code == 400
        assert response.context["form"].errors == {
            "q": ["Search cannot be longer than 200 characters (it has 10000)."]
        }


# The field changed ---------------------------------------------------------------


@pytest.fixture
def beds_and_name(world, lead):
    facility = services.facility_save(facility=world["facility"], values={"beds": 130}, by=lead)
    beds = ChangeLog.objects.filter(model="registry.facility", object_id=str(facility.pk)).first()
    facility = services.facility_save(facility=facility, values={"phone": "0730-1234567"}, by=lead)
    phone = ChangeLog.objects.filter(model="registry.facility", object_id=str(facility.pk)).first()
    return beds, phone


def pks(client, **params):
    response = client.get(HISTORY, params)
    assert response.status_code == 200, response.context["form"].errors
    return set(response.context["changes"].values_list("pk", flat=True))


@pytest.mark.parametrize("typed", ["beds", "Beds", "BEDS"])
def test_the_field_filter_finds_a_change_of_that_field_by_name_or_label(
    beds_and_name, auditor, as_user, typed
):
    beds, phone = beds_and_name
    hits = pks(as_user(auditor), field=typed, action="~")
    assert beds.pk in hits
    assert phone.pk not in hits


def test_with_an_object_type_the_fields_are_offered_by_their_labels(
    beds_and_name, auditor, as_user
):
    beds, phone = beds_and_name
    client = as_user(auditor)
    response = client.get(HISTORY, {"model": "registry.facility", "field": "beds"})
    choices = dict(response.context["form"].fields["field"].choices)
    assert choices["beds"] == "Beds"
    assert choices["managers"] == "Managers"
    assert "id" not in choices
    assert '<option value="beds" selected>Beds</option>' in response.content.decode()
    hits = set(response.context["changes"].values_list("pk", flat=True))
    assert beds.pk in hits
    assert phone.pk not in hits


def test_the_field_filter_is_honoured_by_the_csv_export(beds_and_name, auditor, as_user):
    _header, *rows = csv_rows(as_user(auditor).get(CSV_URL, {"field": "phone", "action": "~"}))
    assert [row[7] for row in rows] == ["Phone: — → 0730-1234567"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"field": "没有这个字段"}, "No recorded field is called “没有这个字段”."),
        ({"model": "registry.facility", "field": "nothing"}, "Select a valid choice."),
        ({"field": "f" * 101}, "Field changed cannot be longer than 100 characters"),
    ],
)
def test_an_unknown_field_is_refused_with_a_sentence(world, auditor, as_user, params, error):
    for url in (HISTORY, CSV_URL):
        response = as_user(auditor).get(url, params)
        assert response.status_code == 400
        assert error in response.context["form"].errors["field"][0]


# Values in words ------------------------------------------------------------------


def test_choices_users_and_times_are_shown_in_words(world, lead, auditor, as_user):
    closed_at = datetime(2026, 11, 30, 23, 45, tzinfo=LOCAL)
    hazard = make_hazard(
        world["facility"], lead, status="closed", closed_at=closed_at, closed_by=lead
    )
    change = ChangeLog.objects.filter(model="inspections.hazard", object_id=str(hazard.pk)).first()
    assert change.changes["closed_by"] == [None, str(lead.pk)]
    client = as_user(auditor)
    html = client.get(reverse("audit:change", args=[change.pk])).content.decode()
    assert "<del>Registered</del>" in html
    assert "<ins>Closed</ins>" in html
    assert "<ins>陈堃</ins>" in html
    assert "<ins>2026-11-30 23:45</ins>" in html
    _header, *rows = csv_rows(client.get(CSV_URL, {"q": hazard.register_no, "action": "~"}))
    [row] = rows
    assert row[1] == "陈堃 (lead)"
    assert "Status: Registered → Closed" in row[7]
    assert "Closed by: — → 陈堃" in row[7]
    assert "Closed at: — → 2026-11-30 23:45" in row[7]


def test_a_page_of_found_changes_costs_a_fixed_number_of_queries(
    world, lead, auditor, as_user, django_assert_max_num_queries
):
    client = as_user(auditor)
    params = {"q": world["facility"].credit_code, "field": "beds"}
    with CaptureQueriesContext(connection) as few_rows:
        client.get(HISTORY, params)
    facility = world["facility"]
    for beds in range(121, 181):
        facility = services.facility_save(facility=facility, values={"beds": beds}, by=lead)
    with django_assert_max_num_queries(8) as full_page:
        response = client.get(HISTORY, params)
    assert len(response.context["page"]) == 50
    assert response.context["page"].has_next()
    assert len(full_page.captured_queries) == len(few_rows.captured_queries)


def test_the_type_filter_lists_every_recorded_model_without_reading_every_change(world):
    """The labels come from the index one probe each (a loose scan), equal to DISTINCT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.forms import _recorded_models, object_type_choices
    from audit.models import ChangeLog

    expected = set(ChangeLog.objects.order_by().values_list("model", flat=True).distinct())
    assert len(expected) >= 3
    with CaptureQueriesContext(connection) as captured:
        assert _recorded_models() == expected
    assert len(captured) == 1
    assert "DISTINCT" not in captured[0]["sql"].upper()
    assert expected <= {label for label, _name in object_type_choices()}
