"""The exception reports on changes and on the evidence access log: changes to domain
data outside working hours or by administrators, and evidence photos seen by people
outside the inspection's team."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from audit.exceptions import changes  # noqa: F401  (registers the reports)
from audit.exceptions.base import REPORTS
from audit.models import ChangeLog
from core.models import CalendarDay
from inspections.onsite import services as onsite_services
from registry import services as registry_services
from registry.models import User
from tests.conftest import PASSWORD
from tests.inspections.conftest import item_key
from tests.inspections.test_onsite import answer, jpeg

LOCAL = ZoneInfo("Asia/Shanghai")
DECEMBER = (datetime(2026, 12, 1, tzinfo=LOCAL), datetime(2027, 1, 1, tzinfo=LOCAL))
NOVEMBER = (datetime(2026, 11, 1, tzinfo=LOCAL), datetime(2026, 12, 1, tzinfo=LOCAL))
OUTSIDE = "changes-outside-hours"
BY_ADMIN = "changes-by-administrators"
PHOTOS = "photos-seen-outside-team"


def found(key, user, period=(None, None)):
    with translation.override("en"):
        return [
            (row, {k: str(v) for k, v in row.cells.items()})
            for row in REPORTS[key].findings(user, *period)
        ]


def beds_at(world, beds, moment, by):
    """Change the facility's beds at ``moment`` (local time), as ``by``."""
    with time_machine.travel(moment.replace(tzinfo=LOCAL), tick=False):
        registry_services.facility_save(facility=world["facility"], values={"beds": beds}, by=by)
    return ChangeLog.objects.filter(
        model="registry.facility", object_id=str(world["facility"].pk)
    ).latest("id")


def listed_beds(user, key=OUTSIDE, period=(None, None)):
    """Each listed change of beds: (local weekday and time, why it is listed)."""
    return [
        (row.cells["at"].astimezone(LOCAL).strftime("%a %H:%M"), cells.get("when"))
        for row, cells in found(key, user, period)
        if row.cells["fields"] == "Beds"
    ]


# ---------------------------------------------------------------- outside working hours


def test_working_hours_end_at_18_local_time(world, lead, auditor):
    """17:59 in Shanghai is 09:59 UTC and 18:00 is 10:00 UTC: only local time tells
    the second one is after hours."""
    beds_at(world, 121, datetime(2026, 12, 1, 17, 59), lead)
    beds_at(world, 122, datetime(2026, 12, 1, 18, 0), lead)
    assert listed_beds(auditor) == [("Tue 18:00", "After working hours")]


def test_working_hours_start_at_8_local_time(world, lead, auditor):
    beds_at(world, 121, datetime(2026, 12, 2, 7, 59), lead)
    beds_at(world, 122, datetime(2026, 12, 2, 8, 0), lead)
    assert listed_beds(auditor) == [("Wed 07:59", "Before working hours")]


def test_the_hours_are_a_setting(world, lead, auditor, settings):
    settings.AUDIT_WORKING_HOURS = (9, 17)
    beds_at(world, 121, datetime(2026, 12, 1, 8, 30), lead)
    beds_at(world, 122, datetime(2026, 12, 1, 17, 0), lead)
    beds_at(world, 123, datetime(2026, 12, 1, 12, 0), lead)
    assert listed_beds(auditor) == [
        ("Tue 17:00", "After working hours"),
        ("Tue 08:30", "Before working hours"),
    ]


def test_non_working_days_follow_the_calendar(world, lead, admin_user, auditor):
    # 12 December 2026 is a Saturday made a working day (调休); 8 December a Tuesday
    # made a holiday.
    registry_services.calendar_set_day(
        day=date(2026, 12, 12), kind=CalendarDay.Kind.WORKDAY, name="调休", by=admin_user
    )
    registry_services.calendar_set_day(
        day=date(2026, 12, 8), kind=CalendarDay.Kind.HOLIDAY, name="假日", by=admin_user
    )
    beds_at(world, 121, datetime(2026, 12, 5, 10, 0), lead)  # Saturday
    beds_at(world, 122, datetime(2026, 12, 8, 10, 0), lead)  # the holiday
    beds_at(world, 123, datetime(2026, 12, 12, 10, 0), lead)  # the working Saturday
    beds_at(world, 124, datetime(2026, 12, 9, 10, 0), lead)  # a plain Wednesday
    assert listed_beds(auditor) == [
        ("Tue 10:00", "Not a working day"),
        ("Sat 10:00", "Not a working day"),
    ]


def test_the_day_is_the_local_day(world, lead, auditor):
    """00:30 on Saturday in Shanghai is still Friday in UTC: the day is not a working
    day, whatever the hour."""
    beds_at(world, 121, datetime(2026, 12, 5, 0, 30), lead)
    assert listed_beds(auditor) == [("Sat 00:30", "Not a working day")]
    assert listed_beds(auditor, period=DECEMBER) == [("Sat 00:30", "Not a working day")]
    # A period ending at local midnight on Saturday leaves it out.
    friday = (DECEMBER[0], datetime(2026, 12, 5, tzinfo=LOCAL))
    assert listed_beds(auditor, period=friday) == []


def test_it_leaves_out_the_systems_changes_and_technical_data(world, lead, admin_user, auditor):
    beds_at(world, 121, datetime(2026, 12, 1, 20, 0), None)
    with time_machine.travel(datetime(2026, 12, 1, 20, 0, tzinfo=LOCAL), tick=False):
        registry_services.calendar_set_day(
            day=date(2026, 12, 12), kind=CalendarDay.Kind.WORKDAY, by=admin_user
        )
        registry_services.user_ensure(
            username="night", values={"role": User.Role.INSPECTOR}, by=admin_user
        )
    assert ChangeLog.objects.filter(model="core.calendarday").exists()
    assert found(OUTSIDE, auditor) == []


def test_an_auditor_of_another_county_sees_no_change_after_hours(world, lead, other_auditor):
    beds_at(world, 121, datetime(2026, 12, 1, 20, 0), lead)
    assert found(OUTSIDE, other_auditor) == []


def test_a_row_names_the_change_and_links_it(world, lead, auditor):
    change = beds_at(world, 121, datetime(2026, 12, 1, 20, 0), lead)
    ((row, cells),) = found(OUTSIDE, auditor)
    assert row.region == world["county"]
    assert row.url == reverse("audit:change", args=[change.pk])
    assert "model=registry.facility" in row.history_url
    assert f"object_id={world['facility'].pk}" in row.history_url
    assert cells["user"] == "陈堃"
    assert cells["object"] == world["facility"].name
    assert cells["action"] == "changed"


# ---------------------------------------------------------------- administrators


def test_it_lists_administrators_changes_to_domain_data(world, lead, admin_user, auditor):
    root = User.objects.create_superuser(
        username="root", password=PASSWORD, role=User.Role.LEAD, full_name="超级用户"
    )
    registry_services.facility_save(facility=world["facility"], values={"beds": 121}, by=lead)
    registry_services.facility_save(facility=world["facility"], values={"beds": 122}, by=admin_user)
    registry_services.facility_save(facility=world["facility"], values={"beds": 123}, by=root)
    # Setting the site up is an administrator's work: not domain data.
    registry_services.calendar_set_day(
        day=date(2026, 12, 12), kind=CalendarDay.Kind.WORKDAY, by=admin_user
    )
    registry_services.user_ensure(
        username="new",
        values={"role": User.Role.INSPECTOR},
        regions=[world["county"]],
        by=admin_user,
    )
    rows = found(BY_ADMIN, auditor)
    assert [(cells["user"], cells["fields"]) for _row, cells in rows] == [
        ("超级用户", "Beds"),
        ("管理员", "Beds"),
    ]


def test_an_auditor_of_another_county_sees_no_administrators_change(
    world, admin_user, other_auditor
):
    registry_services.facility_save(facility=world["facility"], values={"beds": 122}, by=admin_user)
    assert found(BY_ADMIN, other_auditor) == []


# ---------------------------------------------------------------- evidence photos


@pytest.fixture
def photo(started, inspector):
    answer(started, "S-01", "fail", inspector, note="通道堵塞")
    return onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-01"), upload=jpeg(), by=inspector
    )


def test_it_lists_a_lead_viewing_photos_but_not_the_team(
    photo, started, inspector, inspector2, lead, auditor
):
    onsite_services.photo_viewed(photo=photo, variant="preview", by=inspector)
    onsite_services.photo_viewed(photo=photo, variant="thumb", by=inspector2)
    onsite_services.photo_viewed(photo=photo, variant="thumb", by=lead)
    onsite_services.photo_viewed(photo=photo, variant="preview", by=lead)
    ((row, cells),) = found(PHOTOS, auditor)
    assert cells["viewer"] == "陈堃"
    assert cells["role"] == "Bureau lead"
    assert (cells["photos"], cells["views"]) == ("1", "2")
    assert row.url == reverse("inspections:inspection_detail", args=[started.pk])
    assert row.region == started.facility.region


def test_a_member_replaced_off_the_team_is_outside_it(photo, started, inspector2, auditor):
    member = started.team.get(inspector=inspector2.inspector_profile)
    member.active = False
    member.save()
    onsite_services.photo_viewed(photo=photo, variant="thumb", by=inspector2)
    assert [cells["viewer"] for _row, cells in found(PHOTOS, auditor)] == ["王赟"]


def test_an_auditor_of_another_county_sees_no_photo_view(photo, lead, other_auditor):
    onsite_services.photo_viewed(photo=photo, variant="thumb", by=lead)
    assert found(PHOTOS, other_auditor) == []


def test_photo_views_are_counted_in_the_local_month(photo, lead, auditor):
    # Viewed at the suite's start: 1 December in Shanghai, 30 November in UTC.
    onsite_services.photo_viewed(photo=photo, variant="thumb", by=lead)
    assert len(found(PHOTOS, auditor, DECEMBER)) == 1
    assert found(PHOTOS, auditor, NOVEMBER) == []
