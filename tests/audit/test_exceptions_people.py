"""The exception reports on who inspects whom: the same inspector at the same facility
in consecutive plans, and inspectors sent near a conflict they declared."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from audit.exceptions import people  # noqa: F401  (registers the reports)
from audit.exceptions.base import REPORTS
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection, TeamMember
from inspections.planning import services as planning_services
from registry import services as registry_services
from registry.models import Region
from tests.conftest import add_facility
from tests.inspections.conftest import make_plan

LOCAL = ZoneInfo("Asia/Shanghai")
DECEMBER = (datetime(2026, 12, 1, tzinfo=LOCAL), datetime(2027, 1, 1, tzinfo=LOCAL))
NOVEMBER = (datetime(2026, 11, 1, tzinfo=LOCAL), datetime(2026, 12, 1, tzinfo=LOCAL))
CONSECUTIVE = "same-inspector-consecutive-plans"
CONFLICTS = "conflicts-near-assignments"


def found(key, user, period=(None, None)):
    return list(REPORTS[key].findings(user, *period))


# ---------------------------------------------------------------- consecutive plans


@pytest.fixture
def plans(world, lead, published_template, pool):
    """Three routine plans of the county one after the other, and a special campaign
    between the first two (another kind: no link in the routine sequence)."""

    def approved(name, start, end, **extra):
        plan = make_plan(
            world,
            lead,
            published_template,
            name=name,
            window_start=start,
            window_end=end,
            **extra,
        )
        return planning_services.plan_approve(plan=plan, by=lead)

    return {
        "first": approved("第一期", date(2026, 12, 1), date(2026, 12, 10)),
        "campaign": approved("专项行动", date(2026, 12, 5), date(2026, 12, 15), kind="special"),
        "second": approved("第二期", date(2026, 12, 11), date(2026, 12, 20)),
        "third": approved(
            "第三期", date(2026, 12, 21), date(2026, 12, 31), exclude_last_inspectors=False
        ),
    }


def visit(plan, facility, *inspectors, status=Inspection.Status.SCHEDULED):
    """An inspection of ``plan`` with its team, as a draw leaves it (test setup)."""
    inspection = Inspection.objects.create(
        facility=facility,
        plan=plan,
        kind=plan.kind,
        window_start=plan.window_start,
        window_end=plan.window_end,
        status=status,
    )
    for position, user in enumerate(inspectors):
        TeamMember.objects.create(
            inspection=inspection, inspector=user.inspector_profile, position=position
        )
    return inspection


def test_it_lists_an_inspector_back_at_a_facility_in_the_next_plan(
    world, plans, inspector, inspector2, auditor
):
    visit(plans["first"], world["facility"], inspector, inspector2)
    visit(plans["campaign"], world["facility"], inspector2)
    later = visit(plans["second"], world["facility"], inspector)
    (row,) = found(CONSECUTIVE, auditor)
    assert row.cells["inspector"] == "李喆"
    assert row.cells["facility"] == world["facility"].name
    assert (row.cells["earlier_plan"], row.cells["later_plan"]) == ("第一期", "第二期")
    assert row.cells["excludes_last"] is True
    assert row.region == world["county"]
    assert row.url == reverse("inspections:inspection_detail", args=[later.pk])
    assert f"object_id={later.pk}" in row.history_url


def test_it_skips_plans_that_are_not_consecutive_and_other_facilities(
    world, plans, inspector, inspector2, auditor
):
    visit(plans["first"], world["facility"], inspector)
    visit(plans["second"], world["other_facility"], inspector)
    visit(plans["third"], world["facility"], inspector)
    # The campaign comes after the first plan in window order, but is of another kind.
    visit(plans["campaign"], world["facility"], inspector2)
    visit(plans["second"], world["facility"], inspector2)
    # A visit called off is no visit.
    visit(plans["first"], world["other_facility"], inspector2, status=Inspection.Status.CANCELLED)
    visit(plans["second"], world["other_facility"], inspector2)
    assert found(CONSECUTIVE, auditor) == []


def test_a_third_plan_pairs_with_the_second(world, plans, inspector, auditor):
    visit(plans["first"], world["facility"], inspector)
    visit(plans["second"], world["facility"], inspector)
    visit(plans["third"], world["facility"], inspector)
    rows = found(CONSECUTIVE, auditor)
    assert [(r.cells["earlier_plan"], r.cells["later_plan"]) for r in rows] == [
        ("第二期", "第三期"),
        ("第一期", "第二期"),
    ]
    assert rows[0].cells["excludes_last"] is False


def test_an_auditor_of_another_county_sees_no_repeat(world, plans, inspector, other_auditor):
    visit(plans["first"], world["facility"], inspector)
    visit(plans["second"], world["facility"], inspector)
    assert found(CONSECUTIVE, other_auditor) == []


def test_repeats_are_counted_in_the_local_month_of_the_visit(world, plans, inspector, auditor):
    # Scheduled at the suite's start: 1 December in Shanghai, 30 November in UTC.
    visit(plans["first"], world["facility"], inspector)
    visit(plans["second"], world["facility"], inspector)
    assert len(found(CONSECUTIVE, auditor, DECEMBER)) == 1
    assert found(CONSECUTIVE, auditor, NOVEMBER) == []


# ---------------------------------------------------------------- conflicts


@pytest.fixture
def township(world):
    return Region.objects.create(code="430602001", name="洞庭街道", parent=world["county"])


def open_case(facility, team, template, lead, *, start=True):
    inspection = onsite_services.case_open(
        facility=facility,
        complaint="群众来电反映安全问题。",
        inspectors=[user.inspector_profile for user in team],
        templates=[template],
        by=lead,
    )
    if start:
        # Before it starts, an unannounced case is no auditor's business.
        inspection = onsite_services.inspection_start(inspection=inspection, by=team[0])
    return inspection


def declare(user, facility, reason="亲属任职"):
    return registry_services.conflict_declare(
        inspector=user.inspector_profile, facility=facility, reason=reason
    )


def relations(rows):
    return {(r.cells["inspector"], r.cells["facility"], str(r.cells["relation"])) for r in rows}


def test_it_lists_a_conflict_declared_with_the_facility_inspected(
    world, lead, inspector, inspector2, onsite_template, auditor
):
    case = open_case(world["facility"], [inspector, inspector2], onsite_template, lead)
    # Declared once the team was sent (the case refuses a conflicted team when it opens).
    declare(inspector2, world["facility"])
    with translation.override("en"):
        (row,) = found(CONFLICTS, auditor)
        assert str(row.cells["relation"]) == "the same facility"
    assert row.cells["inspector"] == "王赟"
    assert row.cells["conflict_facility"] == world["facility"].name
    assert row.cells["reason"] == "亲属任职"
    assert row.url == reverse("inspections:inspection_detail", args=[case.pk])
    assert row.region == world["county"]


def test_it_lists_a_facility_of_the_same_operator_or_township(
    world, lead, inspector, inspector2, manager, onsite_template, township, auditor
):
    sister = add_facility(world["county"], 71, "康乐养老院分院")
    sister.managers.add(manager)  # the manager of the world's facility runs it too
    near = add_facility(township, 72, "洞庭街道幸福院")
    neighbour = add_facility(township, 73, "洞庭街道敬老院")
    open_case(world["facility"], [inspector, inspector2], onsite_template, lead)
    open_case(near, [inspector, inspector2], onsite_template, lead)
    declare(inspector, sister)
    declare(inspector2, neighbour)
    # Another facility of the county: neither the same operator nor a township.
    declare(inspector2, world["other_facility"])
    with translation.override("en"):
        assert relations(found(CONFLICTS, auditor)) == {
            ("李喆", world["facility"].name, "the same operator (a shared manager account)"),
            ("王赟", near.name, "the same township"),
        }


def test_an_unstarted_case_stays_hidden_from_auditors(
    world, lead, inspector, inspector2, onsite_template, auditor
):
    open_case(world["facility"], [inspector, inspector2], onsite_template, lead, start=False)
    declare(inspector2, world["facility"])
    assert found(CONFLICTS, auditor) == []
    assert len(found(CONFLICTS, lead)) == 1


def test_an_auditor_of_another_county_sees_no_conflict(
    world, lead, inspector, inspector2, onsite_template, other_auditor
):
    open_case(world["facility"], [inspector, inspector2], onsite_template, lead)
    declare(inspector2, world["facility"])
    assert found(CONFLICTS, other_auditor) == []


def test_conflicts_are_counted_in_the_local_month_of_the_visit(
    world, lead, inspector, inspector2, onsite_template, auditor
):
    open_case(world["facility"], [inspector, inspector2], onsite_template, lead)
    declare(inspector2, world["facility"])
    assert len(found(CONFLICTS, auditor, DECEMBER)) == 1
    assert found(CONFLICTS, auditor, NOVEMBER) == []
