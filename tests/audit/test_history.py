from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import ChangeLog
from registry import services
from tests.audit.conftest import csv_rows

HISTORY = reverse("audit:history")
CSV_URL = reverse("audit:history_csv")
LOCAL = ZoneInfo(settings.TIME_ZONE)


def last_change(obj):
    return ChangeLog.objects.filter(
        model=obj._meta.label_lower, object_id=str(obj.pk), action="~"
    ).first()


@pytest.fixture
def beds_changed(world, lead):
    return services.facility_save(facility=world["facility"], values={"beds": 130}, by=lead)


def test_it_lists_a_facility_change_with_its_user(beds_changed, auditor, as_user):
    response = as_user(auditor).get(HISTORY)
    assert response.status_code == 200
    row = next(r for r in response.context["page"] if r.pk == last_change(beds_changed).pk)
    assert row.user.username == "lead"
    assert row.summary == ["Beds"]
    html = response.content.decode()
    assert "陈堃" in html
    assert beds_changed.name in html
    assert reverse("audit:change", args=[row.pk]) in html
    assert "changes: Beds" in html


def test_it_shows_system_for_a_change_without_a_user(world, auditor, as_user):
    response = as_user(auditor).get(HISTORY, {"model": "registry.facility"})
    assert "system" in response.content.decode()


def test_the_detail_page_shows_before_and_after(beds_changed, auditor, as_user):
    change = last_change(beds_changed)
    response = as_user(auditor).get(reverse("audit:change", args=[change.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Beds" in html
    assert "<del>120</del>" in html
    assert "<ins>130</ins>" in html
    assert "陈堃" in html


def test_the_detail_page_links_the_previous_and_next_change_of_the_object(
    beds_changed, lead, auditor, as_user
):
    first = last_change(beds_changed)
    services.facility_save(facility=beds_changed, values={"beds": 140}, by=lead)
    second = last_change(beds_changed)
    created = ChangeLog.objects.get(
        model="registry.facility", object_id=str(beds_changed.pk), action="+"
    )
    response = as_user(auditor).get(reverse("audit:change", args=[first.pk]))
    assert response.context["older"] == created.pk
    assert response.context["newer"] == second.pk
    assert response.context["object_count"] == 3
    html = response.content.decode()
    assert f"model=registry.facility&amp;object_id={beds_changed.pk}" in html


def test_choices_and_relations_are_shown_by_their_labels(world, lead, admin_user, as_user):
    facility = services.facility_save(
        facility=world["facility"],
        values={"risk_class": "D", "region": world["other_county"], "has_clinic": True},
        by=lead,
    )
    response = as_user(admin_user).get(reverse("audit:change", args=[last_change(facility).pk]))
    html = response.content.decode()
    assert "<ins>D (high risk)</ins>" in html
    assert "<del>岳阳楼区 (430602)</del>" in html
    assert "<ins>yes</ins>" in html


def test_it_filters_by_object_type(beds_changed, auditor, as_user):
    client = as_user(auditor)
    facilities = client.get(HISTORY, {"model": "registry.facility"}).context["page"]
    assert {r.model for r in facilities} == {"registry.facility"}
    departments = client.get(HISTORY, {"model": "registry.department"}).context["page"]
    assert {r.model for r in departments} == {"registry.department"}
    choices = dict(client.get(HISTORY).context["form"].fields["model"].choices)
    assert choices["registry.facility"] == "Facility"
    assert "core.calendarday" in choices  # audited, even with no change yet
    assert not any(".historical" in label for label in choices)


def test_it_filters_by_user(beds_changed, auditor, as_user):
    rows = list(as_user(auditor).get(HISTORY, {"user": "lead"}).context["page"])
    assert [r.pk for r in rows] == [last_change(beds_changed).pk]
    assert not list(as_user(auditor).get(HISTORY, {"user": "nobody"}).context["page"])


def test_it_filters_by_action(beds_changed, auditor, as_user):
    rows = as_user(auditor).get(HISTORY, {"action": "~"}).context["page"]
    assert {r.action for r in rows} == {"~"}


def test_the_date_range_is_inclusive_in_local_time(beds_changed, auditor, as_user):
    change = last_change(beds_changed)
    # 00:30 in Beijing is still the previous day in UTC.
    change.at = datetime(2025, 1, 1, 0, 30, tzinfo=LOCAL)
    change.save()
    client = as_user(auditor)

    def pks(**params):
        return [r.pk for r in client.get(HISTORY, params).context["page"]]

    assert change.pk in pks(date_from="2025-01-01", date_to="2025-01-01")
    assert change.pk not in pks(date_from="2024-12-31", date_to="2024-12-31")
    assert change.pk not in pks(date_from="2025-01-02")
    assert change.pk in pks(date_to="2025-01-01")


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2025-02-01", "date_to": "2025-01-01"},
        {"date_from": "not-a-date"},
        {"date_to": "0001-01-01"},
        {"model": "nowhere.nothing"},
    ],
)
def test_bad_filters_give_a_form_error_not_a_crash(world, auditor, as_user, params):
    for url in (HISTORY, CSV_URL):
        response = as_user(auditor).get(url, params)
        assert response.status_code == 400
        assert response.context["form"].errors
        assert "Correct the filters" in response.content.decode()


def test_the_end_date_before_the_start_date_is_explained(world, auditor, as_user):
    response = as_user(auditor).get(HISTORY, {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.context["form"].errors == {
        "date_to": ["The end date is before the start date."]
    }


def test_the_csv_export_has_the_header_and_the_rows(beds_changed, auditor, as_user):
    response = as_user(auditor).get(CSV_URL, {"user": "lead"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == [
        "time",
        "user",
        "object type",
        "object id",
        "object",
        "action",
        "reason",
        "changes",
    ]
    change = last_change(beds_changed)
    assert rows == [
        [
            change.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
            "陈堃 (lead)",
            "Facility",
            str(beds_changed.pk),
            beds_changed.name,
            "changed",
            "",
            "Beds: 120 → 130",
        ]
    ]


def test_the_csv_export_neutralises_formulas(world, lead, auditor, as_user):
    services.facility_save(
        facility=world["facility"], values={"name": '=HYPERLINK("http://x","y")'}, by=lead
    )
    _header, *rows = csv_rows(as_user(auditor).get(CSV_URL, {"user": "lead"}))
    assert rows[0][4] == '\'=HYPERLINK("http://x","y")'
    assert rows[0][7].startswith("Name: ")
    all_cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in all_cells)


@pytest.mark.parametrize("persona", ["lead", "inspector", "manager"])
def test_other_roles_are_refused(request, world, as_user, persona):
    user = request.getfixturevalue(persona)
    change = ChangeLog.objects.first()
    client = as_user(user)
    for url in (HISTORY, CSV_URL, reverse("audit:change", args=[change.pk])):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(world, anonymous):
    change = ChangeLog.objects.first()
    for url in (HISTORY, CSV_URL, reverse("audit:change", args=[change.pk])):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_administrators_see_every_change(world, admin_user, as_user):
    response = as_user(admin_user).get(HISTORY)
    assert response.status_code == 200
    assert response.context["changes"].count() == ChangeLog.objects.count()


def test_it_answers_no_post(beds_changed, auditor, as_user):
    client = as_user(auditor)
    change = last_change(beds_changed)
    for url in (HISTORY, CSV_URL, reverse("audit:change", args=[change.pk])):
        assert client.post(url).status_code == 405


def test_an_auditor_of_another_county_cannot_see_the_change(beds_changed, other_auditor, as_user):
    change = last_change(beds_changed)
    client = as_user(other_auditor)
    assert client.get(reverse("audit:change", args=[change.pk])).status_code == 404
    listed = client.get(HISTORY).context["changes"]
    assert not listed.filter(pk=change.pk).exists()
    assert beds_changed.name not in client.get(HISTORY).content.decode()
    _header, *rows = csv_rows(client.get(CSV_URL))
    assert beds_changed.name not in {row[4] for row in rows}


def test_auditors_see_their_own_county_and_unscoped_models(world, other_auditor, as_user):
    rows = as_user(other_auditor).get(HISTORY).context["changes"]
    objects = set(rows.values_list("model", "object_id"))
    assert ("registry.facility", str(world["far_facility"].pk)) in objects
    assert ("registry.facility", str(world["facility"].pk)) not in objects
    assert ("registry.region", str(world["other_county"].pk)) in objects
    assert ("registry.region", str(world["county"].pk)) not in objects
    assert ("registry.region", str(world["province"].pk)) not in objects
    assert ("registry.department", str(world["civil"].pk)) in objects


def test_a_withdrawn_conflict_stays_visible_to_its_region_only(
    world, inspector, lead, auditor, other_auditor, as_user
):
    profile = inspector.inspector_profile
    conflict = services.conflict_declare(
        inspector=profile, facility=world["facility"], reason="亲属", by=lead
    )
    services.conflict_withdraw(conflict=conflict, by=lead)
    params = {"model": "registry.conflictofinterest"}
    seen = as_user(auditor).get(HISTORY, params).context["page"]
    assert sorted(r.action for r in seen) == ["+", "-"]
    assert not list(as_user(other_auditor).get(HISTORY, params).context["page"])


def test_the_list_costs_a_fixed_number_of_queries(
    world, lead, auditor, as_user, django_assert_max_num_queries
):
    client = as_user(auditor)
    with CaptureQueriesContext(connection) as few_rows:
        client.get(HISTORY)
    facility = world["facility"]
    for beds in range(121, 181):
        facility = services.facility_save(facility=facility, values={"beds": beds}, by=lead)
    with django_assert_max_num_queries(8) as full_page:
        response = client.get(HISTORY)
    assert len(response.context["page"]) == 50
    assert response.context["page"].has_next()
    assert len(full_page.captured_queries) == len(few_rows.captured_queries)
