from datetime import date, timedelta

import pytest
from django.core.management import call_command

from core.models import CalendarDay, CalendarYear
from core.workdays import (
    Countdown,
    add_working_days,
    is_working_day,
    non_working_days,
    working_days_between,
)
from registry import services


@pytest.fixture
def calendar_2026(db):
    services.calendar_load_from_package(years=[2026])


def test_national_day_holiday_is_skipped_and_the_make_up_saturday_counts(calendar_2026):
    result = add_working_days(date(2026, 9, 30), 3)
    # 1–7 October are off; Thu 8th and Fri 9th count, and Saturday the 10th is a make-up day.
    assert result.date == date(2026, 10, 10)
    assert result.provisional is False


def test_the_day_before_the_holiday_counts(calendar_2026):
    assert add_working_days(date(2026, 9, 29), 3).date == date(2026, 10, 9)


def test_make_up_sunday_before_the_holiday_counts(calendar_2026):
    # Fri 18 Sep + 1 working day = Sun 20 Sep, a make-up working day (调休).
    assert add_working_days(date(2026, 9, 18), 1).date == date(2026, 9, 20)
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 5))
    assert not is_working_day(date(2026, 10, 11))


def test_non_working_days_of_a_span_agree_with_each_day(calendar_2026):
    # The National Day week: 1–7 October off, Saturday the 10th a make-up working day.
    days = non_working_days(date(2026, 9, 26), date(2026, 10, 11))
    assert days == [
        date(2026, 9, 26),
        date(2026, 9, 27),
        *(date(2026, 10, d) for d in range(1, 8)),
        date(2026, 10, 11),
    ]
    span = (date(2026, 9, 26) + timedelta(days=n) for n in range(16))
    assert days == [day for day in span if not is_working_day(day)]


@pytest.mark.parametrize(
    ("today", "n"),
    [
        (date(2026, 9, 30), 3),
        (date(2026, 9, 18), 1),
        (date(2026, 10, 3), 0),
        (date(2026, 1, 5), 600),
    ],
)
def test_the_request_countdown_looks_ahead_as_add_working_days_does(calendar_2026, today, n):
    # The home page's "due within five working days" reads the request's calendar;
    # 600 working days run past the two years it first reads.
    assert Countdown(today).ahead(n) == add_working_days(today, n).date


def test_zero_days_is_the_same_day(calendar_2026):
    assert add_working_days(date(2026, 10, 3), 0).date == date(2026, 10, 3)


def test_counting_working_days_between_two_dates(calendar_2026):
    # Between 30 Sep and 12 Oct: 8th, 9th, 10th and 12th.
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == 0


def test_a_deadline_in_a_year_without_an_official_schedule_is_provisional(calendar_2026):
    result = add_working_days(date(2026, 12, 30), 5)
    assert result.date == date(2027, 1, 6)
    assert result.provisional is True
    assert add_working_days(date(2026, 12, 1), 5).provisional is False


def test_loading_a_newly_announced_year_from_a_file(calendar_2026, tmp_path):
    schedule = tmp_path / "2027.csv"
    schedule.write_text(
        "\ufeff日期,类型,名称\n2027-01-01,休,元旦\n2027-01-04,休,元旦\n2027-01-09,班,元旦\n",
        encoding="utf-8",
    )
    call_command("load_calendar", "--year", "2027", "--file", str(schedule))
    assert CalendarYear.objects.filter(year=2027).exists()
    # Thu 31 Dec 2026 + 2: 1 Jan off, 4 Jan off (announced), so Tue 5th and Wed 6th.
    result = add_working_days(date(2026, 12, 31), 2)
    assert result.date == date(2027, 1, 6)
    assert result.provisional is False
    assert is_working_day(date(2027, 1, 9))


def test_a_bad_schedule_file_loads_nothing(calendar_2026, tmp_path, capsys):
    schedule = tmp_path / "2027.csv"
    schedule.write_text("日期,类型\n2027-13-01,休\n2027-01-02,假期\n2028-01-01,休\n", "utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="未加载任何内容。"):
        call_command("load_calendar", "--year", "2027", "--file", str(schedule))
    errors = capsys.readouterr().err
    assert "2" in errors and "3" in errors and "4" in errors  # every bad line is named
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year__in=[2027, 2028]).exists()


def test_reloading_the_package_writes_no_history(calendar_2026):
    before = CalendarDay.history.count()
    services.calendar_load_from_package(years=[2026])
    assert CalendarDay.history.count() == before


def test_the_calendar_page_marks_a_year_without_schedule_provisional(calendar_2026, lead, as_user):
    client = as_user(lead)
    page = client.get("/registry/calendar/?year=2026")
    assert page.status_code == 200
    assert "2026-10-10" in page.content.decode()
    assert page.context["provisional"] is False
    assert as_user(lead).get("/registry/calendar/?year=2031").context["provisional"] is True
