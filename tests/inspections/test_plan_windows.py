"""A plan's window: drawn inspections start within it only; at its end those not
started are cancelled as not carried out (once, by the timer dispatcher), and only
then is an unannounced draw revealed; a plan whose window has ended is not approved."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from viewflow.workflow.models import Process

from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from inspections.planning import services as planning_services
from workflows.flows import InspectionFlow

from .conftest import make_plan

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The fixtures' plans run from 1 to 31 December 2026.
IN_WINDOW = datetime(2026, 12, 10, 10, tzinfo=SHANGHAI)
AFTER_WINDOW = datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)


def member_of(inspection):
    return inspection.team.filter(active=True).select_related("inspector__user")[0].inspector.user


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 11, 30, 10, tzinfo=SHANGHAI), datetime(2027, 1, 1, 10, tzinfo=SHANGHAI)],
    ids=["before", "after"],
)
def test_it_refuses_to_start_a_drawn_inspection_outside_its_window(unannounced, moment):
    inspection = unannounced.inspections.first()
    with time_machine.travel(moment, tick=False):
        with pytest.raises(
            ValidationError, match="只能在计划的检查期内开始：2026-12-01 至 2026-12-31"
        ):
            onsite_services.inspection_start(inspection=inspection, by=member_of(inspection))
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SCHEDULED and inspection.started_at is None


def test_the_inspection_page_offers_no_start_after_the_window(unannounced, as_user):
    inspection = unannounced.inspections.first()
    url = f"/inspections/inspections/{inspection.pk}/"
    with time_machine.travel(IN_WINDOW, tick=False):
        assert f"{url}start/" in as_user(member_of(inspection)).get(url).content.decode()
    with time_machine.travel(AFTER_WINDOW, tick=False):
        page = as_user(member_of(inspection)).get(url).content.decode()
    assert f"{url}start/" not in page and "只能在计划的检查期内开始" in page


def test_a_case_inspection_has_no_plan_window_and_starts_later(case, inspector):
    # Opened with a fortnight to go; the team may still go after it.
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        started = onsite_services.inspection_start(inspection=case, by=inspector)
    assert started.status == Inspection.Status.IN_PROGRESS


def test_the_sweep_cancels_what_did_not_start_with_its_reason_once(unannounced):
    started, *missed = list(unannounced.inspections.order_by("pk"))
    with time_machine.travel(IN_WINDOW, tick=False):
        onsite_services.inspection_start(inspection=started, by=member_of(started))
    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 31, 23, 50)), tick=False):
        assert planning_services.plan_windows_close() == [], (
            "the last day of the window still counts"
        )
    with time_machine.travel(AFTER_WINDOW, tick=False):
        cancelled = planning_services.plan_windows_close()
        assert {i.pk for i in cancelled} == {i.pk for i in missed}
        for inspection in missed:
            inspection.refresh_from_db()
            assert inspection.status == Inspection.Status.CANCELLED
            assert inspection.cancelled_reason == "计划的检查期已于 2026-12-31 结束，检查未能开始。"
            change = inspection.history.first()
            # The system did it, at the window's end.
            assert change.history_user is None and change.history_date == timezone.now()
            process = Process.objects.get(
                flow_class=InspectionFlow, artifact_object_id=inspection.pk
            )
            assert process.status == "CANCELED"
            team = member_of(inspection)
            assert team.notifications.filter(text__contains="未实施").exists()
        started.refresh_from_db()
        assert started.status == Inspection.Status.IN_PROGRESS
        changes = sum(i.history.count() for i in missed)
        # A second run (or a dispatcher that runs twice) changes nothing.
        assert planning_services.plan_windows_close() == []
    assert sum(i.history.count() for i in missed) == changes


def test_the_timer_dispatcher_runs_the_sweep(unannounced):
    with time_machine.travel(AFTER_WINDOW, tick=False):
        call_command("workflow_timers", stdout=StringIO())
    statuses = set(unannounced.inspections.values_list("status", flat=True))
    assert statuses == {Inspection.Status.CANCELLED}
    assert unannounced.is_revealed()


def test_a_sweep_that_fails_runs_again_on_the_next_dispatch(unannounced, monkeypatch):
    real = planning_services.plan_windows_close

    def broken(**kwargs):
        real(**kwargs)
        raise OperationalError("database is locked")

    with time_machine.travel(AFTER_WINDOW, tick=False):
        monkeypatch.setattr(planning_services, "plan_windows_close", broken)
        with pytest.raises(OperationalError, match="database is locked"):
            call_command("workflow_timers", stdout=StringIO())
        assert not unannounced.inspections.filter(status=Inspection.Status.CANCELLED).exists()
        monkeypatch.setattr(planning_services, "plan_windows_close", real)
        call_command("workflow_timers", stdout=StringIO())
    assert not unannounced.inspections.exclude(status=Inspection.Status.CANCELLED).exists()


def test_an_unannounced_draw_stays_hidden_while_a_visit_can_start(unannounced):
    first, *others = list(unannounced.inspections.order_by("pk"))
    with time_machine.travel(IN_WINDOW, tick=False):
        for inspection in others:
            onsite_services.inspection_start(inspection=inspection, by=member_of(inspection))
        assert not unannounced.is_revealed(), "one visit is still to come"
    with time_machine.travel(AFTER_WINDOW, tick=False):
        assert not unannounced.is_revealed(), "not before the sweep recorded it as not made"
        planning_services.plan_windows_close()
        assert unannounced.is_revealed()


def test_it_refuses_to_approve_a_plan_whose_window_has_ended(
    world, lead, published_template, county_facilities, pool
):
    today = timezone.localdate()
    ended = today - timedelta(days=1)
    plan = make_plan(
        world,
        lead,
        published_template,
        year=ended.year,
        window_start=max(ended - timedelta(days=20), date(ended.year, 1, 1)),
        window_end=ended,
    )
    with pytest.raises(ValidationError, match=f"检查期已于 {ended.isoformat()} 结束"):
        planning_services.plan_approve(plan=plan, by=lead)
    plan.refresh_from_db()
    assert plan.is_draft
    # A window ending today can still be approved.
    plan = make_plan(
        world,
        lead,
        published_template,
        name="今日截止",
        year=today.year,
        window_start=max(today - timedelta(days=20), date(today.year, 1, 1)),
        window_end=today,
    )
    assert not planning_services.plan_approve(plan=plan, by=lead).is_draft
