"""Status chips: a due date as a working-day countdown, in words and in colour, counted
on the holiday calendar; statuses with the class of their urgency."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

from core.templatetags.due import due, status
from core.workdays import Countdown
from registry import services


@pytest.fixture
def calendar_2026(db):
    services.calendar_load_from_package(years=[2026])


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def chip(today, due_on, **options):
    return due(Countdown(today), due_on, **options)


def test_a_countdown_across_a_weekend_counts_only_working_days(calendar_2026):
    # Friday 6 November to Tuesday the 10th: Monday and Tuesday.
    result = chip(date(2026, 11, 6), date(2026, 11, 10))
    assert (result.tone, result.text) == ("soon", "还剩 2 个工作日")


def test_a_countdown_across_the_national_day_skips_the_holiday_and_counts_the_make_up_day(
    calendar_2026,
):
    # 1–7 October are off; the 8th, 9th, Saturday the 10th (调休) and the 12th count.
    result = chip(date(2026, 9, 30), date(2026, 10, 12))
    assert (result.tone, result.text) == ("", "还剩 4 个工作日")


def test_overdue_is_red_and_says_by_how_many_working_days(calendar_2026):
    result = chip(date(2026, 10, 12), date(2026, 9, 30))
    assert (result.tone, result.text) == ("overdue", "已逾期 4 个工作日")
    assert result.css == "chip overdue"


def test_past_only_by_a_weekend_is_still_overdue(calendar_2026):
    result = chip(date(2026, 11, 8), date(2026, 11, 7))
    assert (result.tone, result.text) == ("overdue", "已逾期")


def test_due_today_is_amber(calendar_2026):
    result = chip(date(2026, 11, 10), date(2026, 11, 10))
    assert (result.css, result.text) == ("chip soon", "今天到期")


def test_due_within_three_working_days_is_amber_and_later_is_neutral(calendar_2026):
    assert chip(date(2026, 11, 9), date(2026, 11, 12)).tone == "soon"  # 3 left
    assert chip(date(2026, 11, 9), date(2026, 11, 13)).tone == ""  # 4 left
    assert chip(date(2026, 11, 9), date(2026, 11, 13)).css == "chip"
    assert chip(date(2026, 11, 9), date(2026, 11, 13), soon=5).tone == "soon"


def test_done_work_is_green_whatever_its_date(calendar_2026):
    result = chip(date(2026, 11, 9), date(2026, 10, 1), done=True)
    assert (result.css, result.text) == ("chip done", "已完成")


def test_the_words_in_english(calendar_2026):
    with translation.override("en"):
        assert chip(date(2026, 11, 6), date(2026, 11, 10)).text == "2 working days left"
        assert chip(date(2026, 11, 6), date(2026, 11, 9)).text == "1 working day left"
        assert chip(date(2026, 11, 10), date(2026, 11, 9)).text == "1 working day overdue"
        assert chip(date(2026, 11, 10), date(2026, 11, 10)).text == "Due today"


def test_statuses_take_the_class_of_their_meaning():
    assert status("overdue", "已逾期").css == "chip overdue"
    for done in ("closed", "finished", "published", "approved", "accepted"):
        assert status(done, "x").css == "chip done"
    assert status("registered", "已挂号").css == "chip"


def render(source, context, today):
    moment = datetime(today.year, today.month, today.day, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        return Template("{% load due %}" + source).render(context)


def test_the_tag_renders_an_overdue_chip_in_red_with_its_words(calendar_2026):
    request = RequestFactory().get("/")
    html = render(
        "{% due_chip due_on %}",
        RequestContext(request, {"due_on": date(2026, 9, 30)}),
        date(2026, 10, 12),
    )
    assert html == (
        '<span class="chip overdue" title="截止 2026-09-30" data-due="2026-09-30">'
        "已逾期 4 个工作日</span>"
    )


def test_the_tag_renders_nothing_without_a_date(db):
    assert render("{% due_chip None %}", Context({}), date(2026, 11, 9)) == ""


def test_the_status_tag_marks_a_closed_status_done():
    html = Template("{% load due %}{% status_chip 'closed' '已销号' %}").render(Context({}))
    assert html == '<span class="chip done" data-status="closed">已销号</span>'


def test_a_page_of_chips_reads_the_calendar_once(calendar_2026, django_assert_num_queries):
    request = RequestFactory().get("/")
    dates = [date(2026, 11, day) for day in range(1, 31)] + [date(2025, 6, 1), date(2027, 3, 1)]
    source = "{% for d in dates %}{% due_chip d %}{% endfor %}"
    with django_assert_num_queries(1):
        html = render(source, RequestContext(request, {"dates": dates}), date(2026, 11, 16))
    assert html.count('class="chip') == len(dates)


def test_a_chip_without_a_request_reads_the_calendar_once_per_render(
    calendar_2026, django_assert_num_queries
):
    dates = [date(2026, 11, day) for day in range(1, 31)]
    with django_assert_num_queries(1):
        render(
            "{% for d in dates %}{% due_chip d %}{% endfor %}",
            Context({"dates": dates}),
            date(2026, 11, 16),
        )


def test_a_time_counts_by_its_local_date(calendar_2026):
    # 23:30 UTC on Monday 9 November is already Tuesday the 10th in Shanghai.
    when = datetime(2026, 11, 9, 23, 30, tzinfo=ZoneInfo("UTC"))
    html = render("{% due_chip when %}", Context({"when": when}), date(2026, 11, 10))
    assert ">今天到期<" in html and 'data-due="2026-11-10"' in html
