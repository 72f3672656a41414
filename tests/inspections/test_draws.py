"""Freeze, draw, void, redraw and substitution through the services."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from audit.models import ChangeLog
from core.models import Notification
from inspections.onsite.models import Inspection, TeamMember
from inspections.planning import drawing, services
from inspections.planning.models import Draw
from inspections.planning.selectors import draw_record
from registry import services as registry_services
from tests.inspections.conftest import make_plan


def test_freezing_commits_to_a_secret_and_snapshots_the_candidates(plan, lead, world):
    draw = services.draw_freeze(plan=plan, by=lead)

    assert draw.status == Draw.Status.FROZEN
    assert len(draw.secret) == 64
    assert draw.commitment == hashlib.sha256(draw.secret.encode()).hexdigest()
    strata = draw.candidates["strata"]
    assert sum(len(codes) for codes in strata.values()) == 42, "the county's, not the other's"
    assert world["far_facility"].credit_code not in str(strata)
    assert world["facility"].credit_code in strata["B"]
    assert any(code.startswith("430602-") for code in strata["B"] + strata["C"]), (
        "a facility without a credit code takes part by its directory number"
    )
    assert len(draw.candidates["inspectors"]) == 8
    assert draw.candidates_sha256 == drawing.candidates_sha256(draw.candidates)


def test_the_secret_is_in_no_history_row(plan, lead):
    draw = services.draw_freeze(plan=plan, by=lead)
    assert not hasattr(draw.history.model, "secret")
    assert draw.secret not in str(list(ChangeLog.objects.values_list("changes", flat=True)))


def test_a_draw_creates_one_inspection_per_selected_facility_with_its_team(drawn, plan):
    assert drawn.status == Draw.Status.VALID
    expected = sum(
        drawing.sample_size(len(codes), plan.ratios[cls])
        for cls, codes in drawn.candidates["strata"].items()
    )
    inspections = Inspection.objects.filter(draw=drawn)
    assert inspections.count() == expected == len(drawn.assignments)
    for inspection in inspections:
        team = list(inspection.team.values_list("inspector__credential_no", flat=True))
        assert len(team) == 2 == len(set(team))
        assert inspection.checklists.get().version.is_published
        assert inspection.window_start == plan.window_start and not inspection.unannounced
    member = TeamMember.objects.filter(inspection__draw=drawn).first()
    assert Notification.objects.filter(user=member.inspector.user).exists()


def test_declared_conflicts_are_honoured(plan, lead, world, pool):
    facility = world["facility"]  # class B
    for profile in pool[:6]:
        registry_services.conflict_declare(inspector=profile, facility=facility, reason="亲属")
    # Approved plans are locked; only the test changes it: every B facility is drawn, and
    # no limit can keep the two remaining inspectors off this one.
    plan.ratio_b = 100
    plan.max_per_inspector = 50
    plan.save()

    draw = services.draw_freeze(plan=plan, by=lead)
    assert draw.candidates["exclusions"][facility.credit_code] == sorted(
        p.credential_no for p in pool[:6]
    )
    services.draw_run(draw=draw, public_entropy="1 2 3", source="test", by=lead)

    team = set(
        Inspection.objects.get(draw=draw, facility=facility).team.values_list(
            "inspector", flat=True
        )
    )
    assert team == {pool[6].pk, pool[7].pk}


def test_a_failed_draw_is_recorded_and_assigns_nothing(world, lead, published_template, pool,
                                                       county_facilities):  # fmt: skip
    plan = services.plan_approve(
        plan=make_plan(world, lead, published_template, max_per_inspector=1, ratio_d=100), by=lead
    )
    draw = services.draw_freeze(plan=plan, by=lead)
    draw = services.draw_run(draw=draw, public_entropy="7", source="test", by=lead)

    assert draw.status == Draw.Status.FAILED
    assert not Inspection.objects.filter(draw=draw).exists()
    assert "只有 0 名" in draw.failure and "检查人员" in draw.failure
    record = draw_record(draw)
    assert record["status"] == "void" and record["assignments"] == []
    assert record["void_reason"] == draw.failure
    # A failed draw is over: a new freeze is allowed at once.
    services.draw_freeze(plan=plan, by=lead)


def test_the_public_value_and_its_source_are_required(plan, lead):
    draw = services.draw_freeze(plan=plan, by=lead)
    with pytest.raises(ValidationError, match="请填写公开随机数。"):
        services.draw_run(draw=draw, public_entropy="  ", source="双色球", by=lead)
    with pytest.raises(ValidationError, match="请填写公开随机数的来源。"):
        services.draw_run(draw=draw, public_entropy="1 2 3", source="", by=lead)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.FROZEN and not draw.seed


def test_no_second_draw_while_one_is_live_and_void_needs_a_reason(drawn, plan, lead):
    with pytest.raises(ValidationError, match="作废"):
        services.draw_freeze(plan=plan, by=lead)
    with pytest.raises(ValidationError, match="请填写作废理由。"):
        services.draw_void(draw=drawn, reason="  ", by=lead)
    with pytest.raises(ValidationError, match="该抽取已经执行或已作废。"):
        services.draw_run(draw=drawn, public_entropy="again", source="x", by=lead)


def test_voiding_cancels_its_inspections_and_a_redraw_needs_a_new_commitment(drawn, plan, lead):
    services.draw_void(draw=drawn, reason="公共随机数期号录入错误", by=lead)
    drawn.refresh_from_db()

    assert drawn.status == Draw.Status.VOID and drawn.voided_by == lead
    assert set(drawn.inspections.values_list("status", flat=True)) == {"cancelled"}
    assert draw_record(drawn)["status"] == "void"
    assert draw_record(drawn)["void_reason"] == "公共随机数期号录入错误"

    again = services.draw_freeze(plan=plan, by=lead)
    assert again.commitment != drawn.commitment and again.secret != drawn.secret
    assert list(plan.draws.order_by("pk")) == [drawn, again], "the void draw stays"


def test_a_started_inspection_blocks_voiding(drawn, lead):
    from django.utils import timezone

    inspection = drawn.inspections.first()
    inspection.started_at = timezone.now()
    inspection.save()
    with pytest.raises(ValidationError, match="该抽取的检查已经开始，不能再作废。"):
        services.draw_void(draw=drawn, reason="太晚了", by=lead)


def test_a_substitute_joins_in_the_same_place_and_is_published(drawn, lead):
    assignment = drawn.assignments[0]
    facility, out = assignment["facility"], assignment["inspectors"][1]

    services.draw_substitute(
        draw=drawn, facility_code=facility, out_code=out, reason="病假", by=lead
    )
    drawn.refresh_from_db()

    substitution = drawn.substitutions[0]
    assert substitution["facility"] == facility and substitution["out"] == out
    assert substitution["reason"] == "病假" and substitution["in"] not in assignment["inspectors"]
    inspection = drawn.inspections.get(facility_id=drawn.code_map["facilities"][facility])
    active = inspection.team.filter(active=True).order_by("position")
    assert [m.inspector.credential_no for m in active] == [
        assignment["inspectors"][0],
        substitution["in"],
    ]
    assert inspection.team.get(active=False).replaced_reason == "病假"
    assert draw_record(drawn)["assignments"][0] == assignment, "the draw itself is unchanged"


def test_a_substitution_needs_a_member_of_the_team(drawn, lead):
    assignment = drawn.assignments[0]
    stranger = next(c for c in drawn.candidates["inspectors"] if c not in assignment["inspectors"])
    with pytest.raises(ValidationError, match="该检查人员不在此机构的检查组中。"):
        services.draw_substitute(
            draw=drawn, facility_code=assignment["facility"], out_code=stranger, reason="x", by=lead
        )
    assert Draw.objects.get(pk=drawn.pk).substitutions == []


def test_the_previous_team_is_excluded_from_the_next_plan(drawn, world, lead, published_template):
    later = services.plan_approve(
        plan=make_plan(world, lead, published_template, name="2026年专项检查"), by=lead
    )
    draw = services.draw_freeze(plan=later, by=lead)
    for assignment in drawn.assignments:
        assert set(assignment["inspectors"]) <= set(
            draw.candidates["exclusions"].get(assignment["facility"], [])
        )


def test_the_admin_can_read_but_not_change_a_draw(drawn, admin_user, as_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    web = as_user(admin_user)
    page = web.get(f"/admin/inspections/draw/{drawn.pk}/change/")
    assert page.status_code == 200 and drawn.secret not in page.content.decode()
    response = web.post(f"/admin/inspections/draw/{drawn.pk}/change/", {"seed": "0" * 64})
    assert response.status_code == 403
    assert Draw.objects.get(pk=drawn.pk).seed == drawn.seed
