"""The facility's own duties: rules, the dispatcher, the log forms, the self-inspection
that completes a duty, who sees what, and the bureau's view of who is late."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core.models import Notification
from inspections.duties import rules as duty_rules
from inspections.duties import schedule
from inspections.duties import services as duty_services
from inspections.duties.models import Duty, DutyLog, DutyRule
from inspections.onsite import services as onsite_services
from registry.models import Facility
from tests.conftest import add_facility
from tests.inspections.conftest import item_key

Kind, Every = DutyRule.Kind, DutyRule.Every
TODAY = date(2026, 11, 18)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def make_rule(region, kind=Kind.FIRE_PATROL, every=Every.DAY, **extra):
    return DutyRule.objects.create(
        region=region, kind=kind, every=every, starts_on=date(2026, 1, 1), **extra
    )


def duty_of(world, kind=Kind.FIRE_PATROL, every=Every.DAY, on=TODAY, **extra):
    rule = make_rule(world["county"], kind, every, **extra)
    schedule.duties_dispatch(today=on)
    return Duty.objects.get(rule=rule, facility=world["facility"])


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("every", "day", "start", "end"),
    [
        (Every.DAY, date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 1)),
        (Every.MONTH, date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
        (Every.MONTH, date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        (Every.QUARTER, date(2026, 5, 31), date(2026, 4, 1), date(2026, 6, 30)),
        (Every.HALF_YEAR, date(2026, 6, 30), date(2026, 1, 1), date(2026, 6, 30)),
        (Every.HALF_YEAR, date(2026, 7, 1), date(2026, 7, 1), date(2026, 12, 31)),
        (Every.YEAR, date(2026, 12, 31), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_each_recurrence_has_its_period(every, day, start, end):
    assert schedule.period_of(every, day) == (start, end)


def test_the_period_follows_the_local_date_not_utc(world):
    rule = make_rule(world["county"], Kind.FIRE_DRILL, Every.HALF_YEAR, grace_days=0)
    # 23:30 on 30 June in Beijing is still the first half of the year...
    with time_machine.travel(utc(2026, 6, 30, 15, 30), tick=False):
        schedule.duties_dispatch()
    assert Duty.objects.get(rule=rule, facility=world["facility"]).period_start == date(2026, 1, 1)
    # ...and 00:30 on 1 July in Beijing is the second half, while UTC still reads 30 June.
    with time_machine.travel(utc(2026, 6, 30, 16, 30), tick=False):
        schedule.duties_dispatch()
        assert schedule.late_duties().filter(period_start=date(2026, 1, 1)).count() == 2
    second = Duty.objects.get(rule=rule, facility=world["facility"], period_start=date(2026, 7, 1))
    assert second.period_end == date(2026, 12, 31)
    assert second.due_on == date(2026, 12, 31)


# ---------------------------------------------------------------- dispatch


def test_dispatch_creates_each_duty_once_across_runs_and_a_restart(world, manager):
    rule = make_rule(world["county"], grace_days=1)
    assert schedule.duties_dispatch(today=TODAY) == 2  # the county's two facilities
    assert schedule.duties_dispatch(today=TODAY) == 0
    # A dispatcher that died after one insert: the restarted one adds only the missing.
    Duty.objects.filter(facility=world["other_facility"]).delete()
    with time_machine.travel(utc(2026, 11, 18, 2, 0), tick=False):
        call_command("workflow_timers", stdout=open("/dev/null", "w"))
        call_command("workflow_timers", stdout=open("/dev/null", "w"))
    duties = Duty.objects.filter(rule=rule)
    assert duties.count() == 2
    assert {d.due_on for d in duties} == {date(2026, 11, 19)}
    assert schedule.duties_dispatch(today=date(2026, 11, 19)) == 2  # the next day's


def test_a_second_dispatcher_racing_the_first_creates_nothing(world):
    rule = make_rule(world["county"])
    start, end = schedule.period_of(rule.every, TODAY)
    assert schedule._create(rule, world["facility"].pk, start, end) is True
    # The other dispatcher read "missing" before the first inserted.
    assert schedule._create(rule, world["facility"].pk, start, end) is False
    assert Duty.objects.filter(rule=rule).count() == 1


def test_dispatch_costs_queries_per_rule_not_per_facility(world, django_assert_max_num_queries):
    for n in range(15):
        add_facility(world["county"], 500 + n, f"批量养老院{n:02d}")
    make_rule(world["county"])
    schedule.duties_dispatch(today=TODAY)
    with django_assert_max_num_queries(3):
        assert schedule.duties_dispatch(today=TODAY) == 0


def test_no_duty_for_inactive_rules_facilities_other_types_or_regions(world):
    make_rule(world["county"], active=False)
    make_rule(world["county"], Kind.NIGHT_PATROL, facility_types=[Facility.Type.WELFARE_HOME])
    later = make_rule(world["county"], Kind.FIRE_DRILL, Every.HALF_YEAR)
    later.starts_on = date(2027, 1, 1)
    later.save()
    food = make_rule(world["county"], Kind.FOOD_SAMPLE, facility_types=[Facility.Type.CARE_HOME])
    world["facility"].active = False
    world["facility"].save()
    add_facility(world["county"], 77, "岳阳楼区新开养老院")
    schedule.duties_dispatch(today=TODAY)
    assert list(Duty.objects.values_list("rule", "facility__name")) == [
        (food.pk, "岳阳楼区新开养老院")
    ]


def test_a_city_rule_covers_its_counties(world):
    rule = make_rule(world["city"])
    schedule.duties_dispatch(today=TODAY)
    assert Duty.objects.filter(rule=rule).count() == 3


def test_a_late_duty_is_told_to_the_managers_once(world, manager):
    duty = duty_of(world, on=TODAY)
    assert schedule.duties_late_notify(today=TODAY) == 0  # due today: not late yet
    assert schedule.duties_late_notify(today=date(2026, 11, 19)) == 2  # the county's two
    assert schedule.duties_late_notify(today=date(2026, 11, 20)) == 0
    duty.refresh_from_db()
    assert duty.late_notified_at is not None
    told = Notification.objects.filter(user=manager)
    assert told.count() == 1
    assert "2026-11-18" in told.get().text and duty.get_absolute_url() == told.get().url


# ---------------------------------------------------------------- the log forms


def test_a_fire_patrol_is_recorded_and_the_duty_done(world, manager):
    duty = duty_of(world)
    with time_machine.travel(utc(2026, 11, 18, 6, 0), tick=False):
        with pytest.raises(ValidationError, match="2026-11-18"):
            duty_services.duty_log_record(
                duty=duty,
                data={"on": date(2026, 11, 17), "time": time(9, 0), "areas": "走廊"},
                by=manager,
            )
        log = duty_services.duty_log_record(
            duty=duty,
            data={
                "on": TODAY,
                "time": time(9, 30),
                "areas": "疏散通道、防火门",
                "problems": "3楼防火门被推开",
                "handled": True,
            },
            by=manager,
        )
    duty.refresh_from_db()
    assert duty.status == Duty.Status.DONE and duty.done_by == manager
    assert log.entries[0]["time"] == "09:30" and log.entries[0]["handled"] is True


def test_a_fire_patrol_needs_its_areas(world, manager):
    duty = duty_of(world)
    with time_machine.travel(utc(2026, 11, 18, 6, 0), tick=False):
        with pytest.raises(ValidationError, match="areas|区域|部位"):
            duty_services.duty_log_record(
                duty=duty, data={"on": TODAY, "time": time(9, 0), "areas": " "}, by=manager
            )


def test_food_samples_under_125_g_or_kept_under_48_hours_are_refused(world, manager):
    duty = duty_of(world, Kind.FOOD_SAMPLE)
    data = {"on": TODAY, "meal": "午餐", "keeper": "刘厨师", "hours": 48}
    with time_machine.travel(utc(2026, 11, 18, 6, 0), tick=False):
        with pytest.raises(ValidationError, match="红烧肉.*100.*125"):
            duty_services.duty_log_record(
                duty=duty,
                data={
                    **data,
                    "dishes": [{"dish": "米饭", "grams": 150}, {"dish": "红烧肉", "grams": 100}],
                },
                by=manager,
            )
        with pytest.raises(ValidationError, match="48"):
            duty_services.duty_log_record(
                duty=duty,
                data={**data, "hours": 24, "dishes": [{"dish": "米饭", "grams": 150}]},
                by=manager,
            )
        log = duty_services.duty_log_record(
            duty=duty, data={**data, "dishes": [{"dish": "米饭", "grams": 150}]}, by=manager
        )
    assert log.entries == [
        {"meal": "午餐", "dish": "米饭", "grams": 150, "hours": 48, "keeper": "刘厨师"}
    ]


def test_a_fire_drill_needs_participants_and_a_date_in_its_half_year(world, manager):
    duty = duty_of(world, Kind.FIRE_DRILL, Every.HALF_YEAR)
    data = {"scenario": "厨房起火疏散", "participants": 35, "evaluation": "疏散用时4分钟"}
    with time_machine.travel(utc(2026, 11, 18, 6, 0), tick=False):
        with pytest.raises(ValidationError, match="2026-07-01"):
            duty_services.duty_log_record(
                duty=duty, data={**data, "on": date(2026, 6, 30)}, by=manager
            )
        with pytest.raises(ValidationError, match="10000"):
            duty_services.duty_log_record(
                duty=duty, data={**data, "on": TODAY, "participants": 0}, by=manager
            )
        duty_services.duty_log_record(duty=duty, data={**data, "on": date(2026, 9, 9)}, by=manager)
    assert Duty.objects.get(pk=duty.pk).status == Duty.Status.DONE


def test_night_rounds_must_be_in_order_and_at_night(world, manager):
    duty = duty_of(world, Kind.NIGHT_PATROL)
    add = duty_services.night_round_add
    add(duty=duty, data={"time": time(23, 0), "checked": True, "ok": True}, by=manager)
    add(duty=duty, data={"time": time(1, 0), "checked": True, "ok": True}, by=manager)
    with pytest.raises(ValidationError, match="00:30.*01:00"):
        add(duty=duty, data={"time": time(0, 30), "checked": True, "ok": True}, by=manager)
    with pytest.raises(ValidationError, match="20:00.*08:00"):
        add(duty=duty, data={"time": time(14, 0), "checked": True, "ok": True}, by=manager)
    with pytest.raises(ValidationError, match="note|备注|说明"):
        add(duty=duty, data={"time": time(2, 0), "checked": True, "ok": False}, by=manager)
    log = DutyLog.objects.get(duty=duty)
    assert [row["time"] for row in log.entries] == ["23:00", "01:00"]


def test_night_patrol_partial_saves_keep_every_row(world, manager, as_user):
    duty = duty_of(world, Kind.NIGHT_PATROL)
    client = as_user(manager)
    url = duty.get_absolute_url()
    for at in ("22:00", "23:00", "00:00"):
        response = client.post(url, {"time": at, "checked": "on", "ok": "on"})
        assert response.status_code == 302
    page = client.get(url)
    assert page.context["rounds"] == [
        {"time": t, "checked": True, "ok": True, "note": ""} for t in ("22:00", "23:00", "00:00")
    ]
    assert Duty.objects.get(pk=duty.pk).status == Duty.Status.OPEN
    # Completing needs the confirmation; then no round can be added.
    client.post(f"{url}finish/", {})
    assert Duty.objects.get(pk=duty.pk).status == Duty.Status.OPEN
    client.post(f"{url}finish/", {"confirm": "on"})
    assert Duty.objects.get(pk=duty.pk).status == Duty.Status.DONE
    assert client.post(url, {"time": "01:00", "checked": "on", "ok": "on"}).status_code == 403
    assert len(DutyLog.objects.get(duty=duty).entries) == 3


def test_the_food_sample_page_refuses_a_light_sample(world, manager, as_user):
    duty = duty_of(world, Kind.FOOD_SAMPLE)
    with time_machine.travel(utc(2026, 11, 18, 6, 0), tick=False):
        response = as_user(manager).post(
            duty.get_absolute_url(),
            {
                "on": "2026-11-18",
                "meal": "午餐",
                "hours": "48",
                "keeper": "刘厨师",
                "dishes-TOTAL_FORMS": "2",
                "dishes-INITIAL_FORMS": "0",
                "dishes-0-dish": "青菜",
                "dishes-0-grams": "90",
                "dishes-1-dish": "",
                "dishes-1-grams": "",
            },
        )
    assert response.status_code == 200
    assert "青菜" in str(response.context["form"].non_field_errors())
    assert "90" in str(response.context["form"].non_field_errors())
    assert not DutyLog.objects.exists()


# ---------------------------------------------------------------- self-inspection


def test_finishing_the_self_inspection_completes_the_duty(
    world,
    manager,
    published_template,
    as_user,
):
    duty = duty_of(world, Kind.SELF_INSPECTION, Every.MONTH, checklist=published_template)
    response = as_user(manager).post(f"{duty.get_absolute_url()}self-inspection/")
    duty.refresh_from_db()
    inspection = duty.inspection
    assert response.status_code == 302 and inspection is not None
    onsite_services.answer_save(
        inspection=inspection,
        key=item_key(inspection, "F-01"),
        value="pass",
        base_revision=0,
        by=manager,
    )
    onsite_services.inspection_finish(inspection=inspection, by=manager)
    duty.refresh_from_db()
    assert duty.status == Duty.Status.DONE and duty.done_by == manager


def test_a_self_inspection_duty_cannot_be_logged_by_hand(world, manager):
    duty = duty_of(world, Kind.SELF_INSPECTION, Every.MONTH)
    with pytest.raises(ValidationError, match="self-inspection|自查"):
        duty_services.duty_log_record(duty=duty, data={"on": TODAY}, by=manager)


# ---------------------------------------------------------------- access


def test_only_the_facility_and_its_county_see_a_duty(
    world, manager, other_manager, inspector, lead, other_lead, as_user
):
    duty = duty_of(world, Kind.NIGHT_PATROL)
    url = duty.get_absolute_url()
    assert as_user(manager).get(url).status_code == 200
    assert as_user(other_manager).get(url).status_code == 404
    assert as_user(other_lead).get(url).status_code == 404
    assert as_user(lead).get(url).status_code == 200
    # The county's staff read it; only the facility records it.
    assert as_user(inspector).post(url, {"time": "23:00", "checked": "on"}).status_code == 403
    with pytest.raises(ValidationError, match="manager|负责人|管理"):
        duty_services.night_round_add(duty=duty, data={"time": time(23, 0)}, by=other_manager)


def test_my_duties_lists_only_my_facility_late_first(
    world, manager, other_manager, as_user, django_assert_max_num_queries
):
    make_rule(world["county"])
    schedule.duties_dispatch(today=date(2026, 11, 16))
    schedule.duties_dispatch(today=date(2026, 11, 17))
    client = as_user(manager)
    with time_machine.travel(utc(2026, 11, 17, 4, 0), tick=False):
        client.get("/")  # warm the session
        with django_assert_max_num_queries(12):
            page = client.get("/inspections/duties/")
    duties = list(page.context["page"])
    assert {d.facility for d in duties} == {world["facility"]}
    assert [d.period_start for d in duties] == [date(2026, 11, 16), date(2026, 11, 17)]
    assert 'class="late"' in page.content.decode()


# ---------------------------------------------------------------- rules and the bureau's view


def test_a_lead_sets_the_standard_duties_and_deactivates_one(
    world,
    lead,
    other_lead,
    published_template,
    as_user,
):
    client = as_user(lead)
    client.post(
        "/inspections/duty-rules/standard/",
        {
            "region": world["county"].pk,
            "checklist": published_template.pk,
            "starts_on": "2026-11-01",
        },
    )
    rules = DutyRule.objects.filter(region=world["county"])
    assert sorted(rules.values_list("kind", flat=True)) == sorted(Kind.values)
    assert rules.get(kind=Kind.SELF_INSPECTION).checklist == published_template
    assert Facility.Type.COMMUNITY not in rules.get(kind=Kind.FOOD_SAMPLE).facility_types
    # Again: nothing is duplicated.
    client.post(
        "/inspections/duty-rules/standard/",
        {
            "region": world["county"].pk,
            "checklist": published_template.pk,
            "starts_on": "2026-11-01",
        },
    )
    assert rules.count() == 5
    drill = rules.get(kind=Kind.FIRE_DRILL)
    assert (
        as_user(other_lead)
        .post(f"/inspections/duty-rules/{drill.pk}/active/", {"active": "0"})
        .status_code
        == 404
    )
    client.post(f"/inspections/duty-rules/{drill.pk}/active/", {"active": "0"})
    drill.refresh_from_db()
    assert drill.active is False and DutyRule.objects.filter(pk=drill.pk).exists()


def test_a_self_inspection_rule_needs_a_published_checklist(world, lead):
    with pytest.raises(ValidationError, match="checklist|检查表"):
        duty_rules.rule_save(
            rule=None,
            values={"region": world["county"], "kind": Kind.SELF_INSPECTION, "every": Every.MONTH},
            by=lead,
        )
    with pytest.raises(ValidationError, match="90"):
        duty_rules.rule_save(
            rule=None,
            values={
                "region": world["county"],
                "kind": Kind.FIRE_PATROL,
                "every": Every.DAY,
                "grace_days": 400,
            },
            by=lead,
        )


def test_another_county_lead_cannot_set_rules_here(world, other_lead):
    with pytest.raises(ValidationError, match="lead|负责人|领导"):
        duty_rules.rule_save(
            rule=None,
            values={"region": world["county"], "kind": Kind.FIRE_PATROL, "every": Every.DAY},
            by=other_lead,
        )


def test_the_late_view_counts_per_facility_region_and_kind(
    world, lead, other_lead, as_user, django_assert_max_num_queries
):
    make_rule(world["city"])
    make_rule(world["city"], Kind.NIGHT_PATROL, facility_types=[Facility.Type.CARE_HOME])
    schedule.duties_dispatch(today=date(2026, 11, 16))
    schedule.duties_dispatch(today=date(2026, 11, 17))
    with time_machine.travel(utc(2026, 11, 18, 4, 0), tick=False):
        client = as_user(lead)
        client.get("/")
        with django_assert_max_num_queries(12):
            page = client.get("/inspections/duties/late/")
        rows = {row["facility__name"]: row for row in page.context["facilities"]}
        assert set(rows) == {world["facility"].name, world["other_facility"].name}
        here = rows[world["facility"].name]
        assert here["total"] == 4
        assert dict(here["kinds"])[Kind.FIRE_PATROL.label] == 2
        assert dict(here["kinds"])[Kind.NIGHT_PATROL.label] == 2
        assert rows[world["other_facility"].name]["total"] == 2
        assert page.context["total"] == 6
        assert [r["facility__region__name"] for r in page.context["regions"]] == ["岳阳楼区"]
        narrowed = client.get("/inspections/duties/late/", {"kind": Kind.NIGHT_PATROL})
        assert narrowed.context["total"] == 2
        theirs = as_user(other_lead).get("/inspections/duties/late/")
        assert theirs.context["total"] == 2  # the far facility's fire patrols
        overview = client.get("/reports/overview/")
        late = {s.key: s for s in overview.context["sections"]}["late_duties"]
        patrol = next(line for line in late.lines if line.label == str(Kind.FIRE_PATROL.label))
        assert patrol.cells[1].value == 4
        listing = client.get(patrol.cells[1].href)
        assert listing.context["page"].paginator.count == 4
