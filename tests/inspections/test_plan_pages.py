"""A bureau lead plans, approves, freezes, draws and voids on the web."""

from datetime import date

import pytest

from inspections.planning.models import Draw, Plan
from registry.models import Department


def plan_post(world, template, **overrides):
    data = {
        "name": "2026年专项检查",
        "region": world["county"].pk,
        "year": 2026,
        "kind": "special",
        "window_start": "2026-12-01",
        "window_end": "2026-12-20",
        "notice": "notice",
        "lead_department": world["civil"].pk,
        "joining_departments": [world["fire"].pk],
        "key_templates": [template.pk],
        "scope_regions": [world["county"].pk],
        "scope_filed": "all",
        "ratio_a": 5,
        "ratio_b": 20,
        "ratio_c": 40,
        "ratio_d": 80,
        "pool_departments": [d.pk for d in Department.objects.all()],
        "pool_regions": [world["county"].pk],
        "team_size": 2,
        "max_per_inspector": 10,
        "exclude_last_inspectors": "on",
    }
    data.update(overrides)
    return data


def test_the_whole_draw_on_the_web(world, lead, as_user, published_template, county_facilities,
                                   pool):  # fmt: skip
    web = as_user(lead)
    response = web.post("/inspections/plans/new/", plan_post(world, published_template))
    assert response.status_code == 302, response.context["form"].errors
    plan = Plan.objects.get(name="2026年专项检查")
    assert plan.is_draft and plan.created_by == lead
    assert plan.window_end == date(2026, 12, 20)

    assert "不能再修改" in web.get(f"/inspections/plans/{plan.pk}/approve/").content.decode()
    web.post(f"/inspections/plans/{plan.pk}/approve/")
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED
    assert plan.checklists.get().version is not None
    # Approved plans are locked.
    response = web.post(
        f"/inspections/plans/{plan.pk}/edit/", plan_post(world, published_template, name="改名")
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.name == "2026年专项检查"

    confirm = web.get(f"/inspections/plans/{plan.pk}/freeze/").content.decode()
    assert "冻结" in confirm
    response = web.post(f"/inspections/plans/{plan.pk}/freeze/")
    draw = Draw.objects.get(plan=plan)
    assert response.url == f"/inspections/draws/{draw.pk}/"
    page = web.get(response.url).content.decode()
    assert draw.commitment in page and draw.secret not in page

    response = web.post(
        f"/inspections/draws/{draw.pk}/run/",
        {"public_entropy": "03 07 12", "source": "双色球 2026135 期"},
    )
    assert response.status_code == 200, "the confirmation box is required"
    assert Draw.objects.get(pk=draw.pk).status == Draw.Status.FROZEN
    response = web.post(
        f"/inspections/draws/{draw.pk}/run/",
        {"public_entropy": "03 07 12", "source": "双色球 2026135 期", "confirm": "on"},
    )
    draw.refresh_from_db()
    assert draw.status == Draw.Status.VALID
    page = web.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert draw.secret in page and draw.inspections.first().facility.name in page

    response = web.post(f"/inspections/draws/{draw.pk}/void/", {"reason": ""})
    assert response.status_code == 200
    response = web.post(f"/inspections/draws/{draw.pk}/void/", {"reason": "测试作废"})
    draw.refresh_from_db()
    assert draw.status == Draw.Status.VOID


def test_the_plan_form_reports_bad_input_in_chinese(world, lead, as_user, published_template):
    response = as_user(lead).post(
        "/inspections/plans/new/",
        plan_post(
            world,
            published_template,
            window_end="2026-11-01",
            ratio_b=120,
            team_size=1,
            key_templates=[],
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "ratio_b" in errors and "team_size" in errors
    assert "请至少选择一张检查表。" in errors["key_templates"]
    assert "截止日期不能早于开始日期。" in str(errors)
    assert not Plan.objects.exists()


def test_a_lead_cannot_plan_for_another_county(world, lead, as_user, published_template):
    response = as_user(lead).post(
        "/inspections/plans/new/",
        plan_post(world, published_template, region=world["other_county"].pk),
    )
    assert response.status_code == 200 and "region" in response.context["form"].errors


def test_a_substitute_on_the_web(drawn, lead, as_user):
    web = as_user(lead)
    assignment = drawn.assignments[0]
    url = f"/inspections/draws/{drawn.pk}/substitute/?facility={assignment['facility']}"
    assert web.get(url).status_code == 200
    web.post(
        url,
        {
            "facility": assignment["facility"],
            "member": assignment["inspectors"][0],
            "reason": "出差",
        },
    )
    drawn.refresh_from_db()
    assert drawn.substitutions[0]["out"] == assignment["inspectors"][0]


@pytest.mark.parametrize("url", ["/inspections/plans/", "/inspections/inspections/"])
def test_list_pages_use_a_fixed_number_of_queries(url, drawn, lead, as_user,
                                                  django_assert_max_num_queries):  # fmt: skip
    web = as_user(lead)
    with django_assert_max_num_queries(12):
        assert web.get(url).status_code == 200
