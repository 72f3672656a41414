"""Joint inspections (部门联合抽查): a plan of several departments, each drawn from its own
pool (``sha256-rank-v3``)."""

import pytest
from django.core.exceptions import ValidationError

from inspections.onsite.models import InspectionChecklist, TeamMember
from inspections.planning import drawing, services
from inspections.planning.forms import PlanForm
from inspections.planning.models import Draw, PlanDepartment
from registry.models import ConflictOfInterest, InspectorProfile, Region
from tests.inspections.conftest import make_plan, make_template


@pytest.fixture
def service_template(db):
    return make_template(
        "t-service",
        [("V-01", "服务记录是否完整？", {})],
        title="服务检查表",
        category="service",
        department="civil_affairs",
    )


FEW = {"ratio_a": 100, "ratio_b": 0, "ratio_c": 0, "ratio_d": 0}


def joint_plan(world, lead, templates, *, civil=1, fire=1, approve=True, **overrides):
    plan = make_plan(world, lead, templates[0], **overrides)
    plan = services.plan_save(
        plan=plan,
        values={},
        m2m={
            "scope_regions": [world["county"]],
            "pool_regions": [world["county"]],
        },
        checklists={t: True for t in templates},
        departments=[
            {"department": world["civil"], "team_size": civil, "delegate": None},
            {"department": world["fire"], "team_size": fire, "delegate": world["civil"]},
        ],
        by=lead,
    )
    return services.plan_approve(plan=plan, by=lead) if approve else plan


def run(plan, lead, entropy="03 07 12 19 25 31 + 09"):
    draw = services.draw_freeze(plan=plan, by=lead)
    return services.draw_run(draw=draw, public_entropy=entropy, source="test", by=lead)


def departments_of(world):
    return {
        p.credential_no: p.department.code
        for p in InspectorProfile.objects.select_related("department")
    }


def test_each_team_takes_its_count_from_each_departments_pool(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(world, lead, [published_template, service_template], civil=1, fire=2, **FEW)
    assert plan.team_size == 3
    assert set(plan.joining_departments.all()) == {world["fire"]}
    draw = run(plan, lead)
    assert draw.algorithm == drawing.V3
    assert draw.status == Draw.Status.VALID
    parameters = draw.candidates["parameters"]
    assert parameters["departments"] == [
        {"code": "yyl-civil", "team_size": 1},
        {"code": "yyl-fire", "team_size": 2},
    ]
    dept = departments_of(world)
    assert all(dept[c] == "yyl-civil" for c in draw.candidates["inspectors"]["yyl-civil"])
    assert all(dept[c] == "yyl-fire" for c in draw.candidates["inspectors"]["yyl-fire"])
    for assignment in draw.assignments:
        team = [dept[code] for code in assignment["inspectors"]]
        assert team == ["yyl-civil", "yyl-fire", "yyl-fire"]
    load = {}
    for assignment in draw.assignments:
        for code in assignment["inspectors"]:
            load[code] = load.get(code, 0) + 1
    assert max(load.values()) <= plan.max_per_inspector


def test_created_inspections_carry_each_members_and_checklists_department(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(world, lead, [published_template, service_template])
    draw = run(plan, lead)
    inspection = draw.inspections.first()
    members = TeamMember.objects.filter(inspection=inspection).select_related("inspector")
    assert sorted(m.department.code for m in members) == ["yyl-civil", "yyl-fire"]
    assert all(m.department_id == m.inspector.department_id for m in members)
    checklists = {
        c.version.template.code: c.department.code
        for c in InspectionChecklist.objects.filter(inspection=inspection).select_related(
            "version__template", "department"
        )
    }
    # By default each checklist goes to the plan's department of its kind.
    assert checklists == {"t-fire": "yyl-fire", "t-service": "yyl-civil"}


def test_a_conflict_of_interest_excludes_the_inspector_within_their_department(
    world, lead, published_template, service_template, county_facilities, pool
):
    # Class A, drawn at 100 %; only class A is drawn, so the one fire inspector left for
    # the target stays under the per-inspector limit whatever the secret (with every class
    # drawn, about one draw in 40 filled that inspector up before the target's turn).
    target = county_facilities[0]
    fire_pool = [p for p in pool if p.department == world["fire"]]
    for profile in fire_pool[:3]:
        ConflictOfInterest.objects.create(
            facility=target, inspector=profile, reason="曾在该机构任职"
        )
    plan = joint_plan(
        world,
        lead,
        [published_template, service_template],
        exclude_last_inspectors=False,
        **FEW,
    )
    draw = run(plan, lead)
    assert draw.status == Draw.Status.VALID
    code = draw.code_map["facilities"]
    facility_code = next(c for c, pk in code.items() if pk == target.pk)
    team = next(a["inspectors"] for a in draw.assignments if a["facility"] == facility_code)
    assert team[1] == fire_pool[3].credential_no
    assert sorted(draw.candidates["exclusions"][facility_code]) == sorted(
        p.credential_no for p in fire_pool[:3]
    )


def test_a_department_short_of_eligible_inspectors_fails_the_draw_naming_it(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(
        world, lead, [published_template, service_template], fire=3, max_per_inspector=1,
        ratio_d=100,
    )  # fmt: skip
    draw = run(plan, lead)
    assert draw.status == Draw.Status.FAILED
    assert "岳阳楼区消防救援大队" in draw.failure
    assert draw.assignments == []
    assert not draw.inspections.exists()


def test_freezing_refuses_a_department_pool_smaller_than_its_team(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(world, lead, [published_template, service_template], fire=4)
    profile = next(p for p in pool if p.department == world["fire"])
    profile.active = False
    profile.save()
    with pytest.raises(ValidationError, match="岳阳楼区消防救援大队.*3.*4"):
        services.draw_freeze(plan=plan, by=lead)


def test_a_substitute_comes_from_the_leaving_members_department(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(world, lead, [published_template, service_template])
    draw = run(plan, lead)
    dept = departments_of(world)
    for position in (0, 1):
        assignment = draw.assignments[position]
        out = assignment["inspectors"][position]
        draw = services.draw_substitute(
            draw=draw, facility_code=assignment["facility"], out_code=out, reason="病假", by=lead
        )
        replacement = draw.substitutions[-1]["in"]
        assert replacement != out
        assert dept[replacement] == dept[out]
        member = TeamMember.objects.get(
            inspection__draw=draw, inspector__credential_no=replacement, active=True,
            inspection__facility_id=draw.code_map["facilities"][assignment["facility"]],
        )  # fmt: skip
        assert member.department.code == dept[out]


def test_substitution_refuses_when_the_department_has_nobody_left(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(world, lead, [published_template, service_template], fire=4, **FEW)
    draw = run(plan, lead)
    assignment = draw.assignments[0]
    with pytest.raises(ValidationError, match="岳阳楼区消防救援大队"):
        services.draw_substitute(
            draw=draw, facility_code=assignment["facility"],
            out_code=assignment["inspectors"][1], reason="病假", by=lead,
        )  # fmt: skip


def test_v3_draw_is_the_plain_python_algorithm(
    world, lead, published_template, service_template, county_facilities, pool
):
    plan = joint_plan(world, lead, [published_template, service_template])
    draw = run(plan, lead)
    parameters = draw.candidates["parameters"]
    again = drawing.draw_joint(
        seed=draw.seed,
        strata=draw.candidates["strata"],
        ratios=parameters["ratios"],
        departments=parameters["departments"],
        inspectors=draw.candidates["inspectors"],
        exclusions=draw.candidates["exclusions"],
        max_per_inspector=parameters["max_per_inspector"],
        **drawing.selection_lists(parameters),
    )
    assert again.assignments == draw.assignments


def test_plans_without_departments_still_draw_v1(
    world, lead, published_template, county_facilities, pool
):
    plan = services.plan_approve(plan=make_plan(world, lead, published_template), by=lead)
    draw = run(plan, lead)
    assert draw.algorithm == drawing.V1
    assert isinstance(draw.candidates["inspectors"], list)
    assert not TeamMember.objects.filter(inspection__draw=draw, department__isnull=False).exists()
    assert not InspectionChecklist.objects.filter(
        inspection__draw=draw, department__isnull=False
    ).exists()


@pytest.mark.parametrize(
    ("departments", "message"),
    [
        ([("civil", 2, None)], "至少需要两个部门|at least two departments"),
        ([("civil", 1, None), ("fire", 1, "fire")], "本部门|itself"),
        ([("fire", 1, None), ("market", 1, None)], "牵头部门|lead department"),
    ],
)
def test_plan_save_refuses_a_bad_joint_plan(
    world, lead, published_template, pool, departments, message
):
    from registry.models import Department

    world = {**world, "market": Department.objects.create(
        code="yyl-market", name="岳阳楼区市场监管局", kind=Department.Kind.MARKET
    )}  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        services.plan_save(
            values={},
            plan=make_plan(world, lead, published_template),
            m2m={"scope_regions": [world["county"]], "pool_regions": [world["county"]]},
            checklists={published_template: True},
            departments=[
                {"department": world[d], "team_size": n, "delegate": world[g] if g else None}
                for d, n, g in departments
            ],
            by=lead,
        )


def test_plan_save_refuses_a_department_without_inspectors_or_checklist_owner(
    world, lead, published_template, service_template, pool
):
    from registry.models import Department

    market = Department.objects.create(
        code="yyl-market", name="岳阳楼区市场监管局", kind=Department.Kind.MARKET
    )
    with pytest.raises(ValidationError, match="岳阳楼区市场监管局.*没有|岳阳楼区市场监管局 has no"):
        services.plan_save(
            values={},
            plan=make_plan(world, lead, published_template),
            m2m={"scope_regions": [world["county"]], "pool_regions": [world["county"]]},
            checklists={published_template: True},
            departments=[
                {"department": world["civil"], "team_size": 1, "delegate": None},
                {"department": market, "team_size": 1, "delegate": None},
            ],
            by=lead,
        )
    # Neither department is of the fire checklist's kind: it must be assigned by hand.
    with pytest.raises(ValidationError, match="消防检查表"):
        services.plan_save(
            values={},
            plan=make_plan(world, lead, published_template),
            m2m={"scope_regions": [world["county"]], "pool_regions": [world["county"]]},
            checklists={published_template: True, service_template: False},
            departments=[
                {"department": world["civil"], "team_size": 1, "delegate": None},
                {"department": market, "team_size": 1, "delegate": None},
            ],
            by=lead,
        )


def _form_data(world, published_template, **extra):
    data = {
        "name": "联合抽查",
        "region": world["county"].pk,
        "year": 2026,
        "kind": "routine",
        "window_start": "2026-12-01",
        "window_end": "2026-12-31",
        "notice": "notice",
        "lead_department": world["civil"].pk,
        "scope_regions": [world["county"].pk],
        "scope_filed": "all",
        "ratio_a": 5,
        "ratio_b": 20,
        "ratio_c": 40,
        "ratio_d": 80,
        "pool_departments": [world["civil"].pk, world["fire"].pk],
        "pool_regions": [world["county"].pk],
        "team_size": 2,
        "max_per_inspector": 5,
        "key_templates": [published_template.pk],
    }
    data.update(extra)
    return data


def test_the_plan_form_makes_a_joint_plan(world, lead, client, published_template, pool):
    client.force_login(lead)
    data = _form_data(
        world,
        published_template,
        **{
            f"dept_{world['civil'].pk}_size": 1,
            f"dept_{world['fire'].pk}_size": 2,
            f"dept_{world['fire'].pk}_delegate": world["civil"].pk,
        },
    )
    response = client.post("/inspections/plans/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entries = PlanDepartment.objects.order_by("department__code")
    assert [(e.department.code, e.team_size) for e in entries] == [
        ("yyl-civil", 1),
        ("yyl-fire", 2),
    ]
    assert entries[1].delegate == world["civil"]
    page = client.get(response["Location"]).content.decode()
    assert "岳阳楼区消防救援大队" in page and "联合" in page


def test_the_plan_form_explains_bad_joint_input(world, lead, client, published_template, pool):
    client.force_login(lead)
    data = _form_data(
        world,
        published_template,
        **{
            f"dept_{world['civil'].pk}_size": 1,
            f"dept_{world['fire'].pk}_size": -1,
            f"dept_{world['fire'].pk}_delegate": world["civil"].pk,
        },
    )
    page = client.post("/inspections/plans/new/", data).content.decode()
    assert "The number of inspectors cannot be negative." in page or "不能为负" in page
    data[f"dept_{world['fire'].pk}_size"] = 0
    page = client.post("/inspections/plans/new/", data).content.decode()
    assert "does not take part" in page or "未参加" in page
    assert not PlanDepartment.objects.exists()


def test_the_form_shows_the_joint_fields(world, lead, published_template, pool):
    form = PlanForm(regions=Region.objects.filter(pk=world["county"].pk))
    assert {d.code for d, _size, _delegate in form.department_rows()} >= {"yyl-civil", "yyl-fire"}
    assert [f.label for f in form.checklist_rows()] == ["消防检查表"]
