"""The exception reports on draws and plans: draws voided or with substitutions, and
plans approved once their window had opened."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from audit.exceptions import draws  # noqa: F401  (registers the reports)
from audit.exceptions.base import REPORTS
from inspections.planning import services as planning_services
from tests.inspections.conftest import make_plan

LOCAL = ZoneInfo("Asia/Shanghai")
DECEMBER = (datetime(2026, 12, 1, tzinfo=LOCAL), datetime(2027, 1, 1, tzinfo=LOCAL))
NOVEMBER = (datetime(2026, 11, 1, tzinfo=LOCAL), datetime(2026, 12, 1, tzinfo=LOCAL))


def found(key, user, period=(None, None)):
    return list(REPORTS[key].findings(user, *period))


def rerun(plan, lead):
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    return planning_services.draw_run(draw=draw, public_entropy="11", source="test", by=lead)


# ---------------------------------------------------------------- draws


def test_it_lists_a_voided_draw_with_its_reason(drawn, lead, auditor):
    planning_services.draw_void(draw=drawn, reason="公证员未到场", by=lead)
    (row,) = found("draws-voided-or-substituted", auditor)
    assert row.subject == str(drawn)
    assert row.region == drawn.plan.region
    assert row.url == reverse("inspections:draw_detail", args=[drawn.pk])
    assert f"object_id={drawn.pk}" in row.history_url
    assert row.cells["voided"] is True
    assert row.cells["void_reason"] == "公证员未到场"
    assert row.cells["substitutions"] == 0
    assert row.at == row.cells["drawn_at"]


def test_it_lists_a_draw_once_an_inspector_is_substituted(drawn, lead, auditor):
    planning_services.draw_void(draw=drawn, reason="公证员未到场", by=lead)
    clean = rerun(drawn.plan, lead)
    listed = [row.subject for row in found("draws-voided-or-substituted", auditor)]
    assert listed == [str(drawn)], "a valid draw without substitutions is not listed"

    assignment = clean.assignments[0]
    planning_services.draw_substitute(
        draw=clean,
        facility_code=assignment["facility"],
        out_code=assignment["inspectors"][0],
        reason="生病住院",
        by=lead,
    )
    newest, older = found("draws-voided-or-substituted", auditor)
    assert (newest.subject, older.subject) == (str(clean), str(drawn)), "newest first"
    assert newest.cells["voided"] is False
    assert newest.cells["substitutions"] == 1
    assert newest.cells["substitution_reasons"] == "生病住院"


def test_an_auditor_of_another_county_sees_no_draw(drawn, lead, other_auditor):
    planning_services.draw_void(draw=drawn, reason="公证员未到场", by=lead)
    assert found("draws-voided-or-substituted", other_auditor) == []


def test_draws_are_counted_in_the_local_month_they_ran(drawn, lead, auditor):
    # The suite's draw ran early on 1 December in Shanghai, still 30 November in UTC.
    planning_services.draw_void(draw=drawn, reason="公证员未到场", by=lead)
    assert len(found("draws-voided-or-substituted", auditor, DECEMBER)) == 1
    assert found("draws-voided-or-substituted", auditor, NOVEMBER) == []


# ---------------------------------------------------------------- plans


@pytest.fixture
def draft(world, lead, published_template, pool):
    def make(name, start, end=date(2026, 12, 31)):
        return make_plan(
            world, lead, published_template, name=name, window_start=start, window_end=end
        )

    return make


def approve_at(plan, lead, moment):
    with time_machine.travel(moment, tick=False):
        return planning_services.plan_approve(plan=plan, by=lead)


def test_it_lists_a_plan_approved_after_its_window_opened(draft, lead, auditor):
    late = approve_at(
        draft("迟批计划", date(2026, 11, 20)), lead, datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL)
    )
    approve_at(
        draft("按时计划", date(2026, 12, 2)), lead, datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL)
    )
    (row,) = found("plans-approved-in-window", auditor)
    assert row.subject == "迟批计划"
    assert row.url == reverse("inspections:plan_detail", args=[late.pk])
    assert row.region == late.region
    assert row.cells["days_late"] == 11
    assert row.cells["approved_by"] == "陈堃"
    assert row.at == late.approved_at


def test_the_window_opens_at_local_midnight(draft, lead, auditor):
    """Both approvals fall on 30 November in UTC; only the second is on 1 December
    in Shanghai, the window's first day."""
    eve = approve_at(
        draft("前夜批准", date(2026, 12, 1)), lead, datetime(2026, 11, 30, 23, 59, tzinfo=LOCAL)
    )
    first_day = approve_at(
        draft("当日批准", date(2026, 12, 1)), lead, datetime(2026, 12, 1, 0, 30, tzinfo=LOCAL)
    )
    assert eve.approved_at.astimezone(ZoneInfo("UTC")).date() == date(2026, 11, 30)
    assert first_day.approved_at.astimezone(ZoneInfo("UTC")).date() == date(2026, 11, 30)
    rows = found("plans-approved-in-window", auditor)
    assert [row.subject for row in rows] == ["当日批准"]
    assert rows[0].cells["days_late"] == 0
    assert [r.subject for r in found("plans-approved-in-window", auditor, DECEMBER)] == ["当日批准"]
    assert found("plans-approved-in-window", auditor, NOVEMBER) == []


def test_an_auditor_of_another_county_sees_no_plan(draft, lead, other_auditor):
    approve_at(
        draft("迟批计划", date(2026, 11, 20)), lead, datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL)
    )
    assert found("plans-approved-in-window", other_auditor) == []
