"""Every role on every state-changing action of the supervision loop.

Each row names an action, the personas allowed to take it and the refusal every
other persona gets from the service. The rules live in inspections/policy.py and
the access module; this table is how a reviewer sees them all at once, and it
fails if a service forgets to ask them.
"""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Extension, Hazard
from inspections.onsite import services as onsite_services
from inspections.planning import services as planning_services
from inspections.publication import services as publication_services
from tests.registry.test_scope import ANON, ROLES

from .conftest import make_plan
from .test_hazards import file_plan, photo, submit

TEAM_REFUSAL = "只有该次检查的检查组可以修改此结果"
REVIEW_REFUSAL = "只有本辖区民政局负责人可以审核结果"
PLAN_REFUSAL = "只有计划所属辖区的民政局负责人可以管理该计划及其抽取"
# Every persona of the URL table but the anonymous visitor (services need a user).
PERSONAS = [role for role in ROLES if role != ANON]


@pytest.fixture
def rectifying(finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


@pytest.fixture
def awaiting(rectifying, manager):
    submit(rectifying, manager)
    rectifying.refresh_from_db()
    return rectifying


@pytest.fixture
def pending_extension(rectifying, manager):
    return hazard_services.extension_request(
        hazard=rectifying,
        requested_due=rectifying.due_on + timedelta(days=10),
        reasons="材料未到货",
        interim_measures="专人看守",
        by=manager,
    )


@pytest.fixture
def supervised(finished, manager, major):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    major.refresh_from_db()
    return major.supervision


@pytest.fixture
def verified_major(supervised, manager, inspector):
    major = supervised.hazard
    file_plan(major, manager)
    submit(major, manager, interim_measures="专人值守")
    hazard_services.rectification_verify(hazard=major, accept=True, by=inspector)
    supervised.refresh_from_db()
    return supervised


def _acknowledge(state, user):
    hazard_services.notice_acknowledge(notice=state["finished"].notice, by=user)


def _rectify(state, user):
    hazard_services.rectification_submit(
        hazard=state["rectifying"], description="已清理", uploads=[photo()], by=user
    )


def _verify(state, user):
    hazard_services.rectification_verify(hazard=state["awaiting"], accept=True, by=user)


def _ask_reinspection(state, user):
    hazard_services.reinspection_request(hazard=state["awaiting"], by=user)


def _ask_extension(state, user):
    hazard = state["rectifying"]
    hazard_services.extension_request(
        hazard=hazard,
        requested_due=hazard.due_on + timedelta(days=10),
        reasons="材料未到货",
        interim_measures="专人看守",
        by=user,
    )


def _decide_extension(state, user):
    hazard_services.extension_decide(extension=state["pending_extension"], approve=True, by=user)


def _file_plan(state, user):
    file_plan(state["supervised"].hazard, user)


def _write_note(state, user):
    hazard_services.supervision_note_add(
        supervision=state["supervised"], text="本月已完成招标", by=user
    )


def _sign_off(state, user):
    hazard_services.supervision_sign_off(supervision=state["verified_major"], approve=True, by=user)


def _open_case(state, user):
    onsite_services.case_open(
        facility=state["world"]["facility"],
        complaint="来电反映",
        inspectors=[state["inspector"].inspector_profile, state["inspector2"].inspector_profile],
        templates=[state["onsite_template"]],
        by=user,
    )


def _open_reinspection(state, user):
    onsite_services.reinspection_open(
        source=state["finished"],
        inspectors=[state["inspector"].inspector_profile, state["inspector2"].inspector_profile],
        by=user,
    )


def _self_inspect(state, user):
    onsite_services.self_open(
        facility=state["world"]["facility"], templates=[state["onsite_template"]], by=user
    )


def _start(state, user):
    onsite_services.inspection_start(inspection=state["case"], by=user)


def _approve_plan(state, user):
    planning_services.plan_approve(plan=state["draft_plan"], by=user)


def _freeze_draw(state, user):
    planning_services.draw_freeze(plan=state["plan"], by=user)


def _void_draw(state, user):
    planning_services.draw_void(draw=state["drawn"], reason="期号录入错误", by=user)


def _publish(state, user):
    publication_services.publication_publish(publication=state["finished"].publication, by=user)


def _return_result(state, user):
    publication_services.publication_return(
        publication=state["finished"].publication, by=user, reason="整改情况描述不完整"
    )


def _resubmit(state, user):
    publication_services.publication_resubmit(
        publication=state["returned"], by=user, category="ordered", follow_up="到期复查"
    )


@pytest.fixture
def returned(finished, lead):
    return publication_services.publication_return(
        publication=finished.publication, by=lead, reason="整改情况描述不完整"
    )


@pytest.fixture
def draft_plan(world, lead, published_template, county_facilities, pool):
    return make_plan(world, lead, published_template)


# (action, the fixtures its state needs, who may, the refusal of everyone else)
TABLE = [
    (_acknowledge, ["finished"], {"manager"}, "只有本机构负责人可以签收整改通知书"),
    (_rectify, ["rectifying"], {"manager"}, "只有本机构负责人可以提交整改情况"),
    (
        _verify,
        ["awaiting"],
        {"inspector", "inspector2", "lead"},
        "只有本辖区的检查人员或民政局负责人可以复核整改",
    ),
    (
        _ask_reinspection,
        ["awaiting"],
        {"inspector", "inspector2", "lead"},
        "只有本辖区的检查人员或民政局负责人可以复核整改",
    ),
    (_ask_extension, ["rectifying"], {"manager"}, "只有本机构负责人可以申请延期"),
    (_decide_extension, ["pending_extension"], {"lead"}, "只有本辖区民政局负责人可以审批延期"),
    (_file_plan, ["supervised"], {"manager"}, "只有本机构负责人可以报送整改方案"),
    (
        _write_note,
        ["supervised"],
        {"manager", "lead"},
        "只有本机构或本辖区民政局负责人可以填写进展",
    ),
    (
        _sign_off,
        ["verified_major"],
        {"lead"},
        "只有本辖区民政局负责人可以为重大事故隐患签字销号",
    ),
    (
        _open_case,
        ["onsite_template"],
        {"lead"},
        "只有本辖区民政局负责人可以立案启动个案检查",
    ),
    (_open_reinspection, ["finished"], {"lead"}, "只有本辖区民政局负责人可以安排复查"),
    (_self_inspect, ["onsite_template"], {"manager"}, "只有本机构负责人可以对本机构开展自查"),
    (_start, ["case"], {"inspector", "inspector2"}, "只有检查组成员可以进行此操作"),
    (_publish, ["finished"], {"lead"}, REVIEW_REFUSAL),
    (_return_result, ["finished"], {"lead"}, REVIEW_REFUSAL),
    (
        _resubmit,
        ["returned"],
        {"inspector", "inspector2", "lead"},
        "只有该次检查的检查组可以修改此结果",
    ),
    (_approve_plan, ["draft_plan"], {"lead", "admin_user"}, PLAN_REFUSAL),
    (_freeze_draw, ["plan"], {"lead", "admin_user"}, PLAN_REFUSAL),
    (_void_draw, ["drawn"], {"lead", "admin_user"}, PLAN_REFUSAL),
]


@pytest.mark.parametrize(
    ("action", "needs", "allowed", "refusal"), TABLE, ids=[row[0].__name__ for row in TABLE]
)
def test_every_role_on_every_action(request, action, needs, allowed, refusal):
    """One state per action; each persona tries it in a savepoint that is rolled
    back, so every persona meets the same state (and the suite builds it once)."""
    state = {
        name: request.getfixturevalue(name)
        for name in ("world", "inspector", "inspector2", "manager", "lead", *needs)
    }
    wrong = []
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        with transaction.atomic():
            try:
                action(state, user)
            except ValidationError as error:
                if persona in allowed or not re.search(refusal, " ".join(error.messages)):
                    wrong.append(f"{persona}: refused with {error.messages}")
            else:
                if persona not in allowed:
                    wrong.append(f"{persona}: allowed")
            transaction.set_rollback(True)
    assert not wrong, wrong


def test_the_hazard_page_offers_exactly_what_the_services_allow(
    awaiting, as_user, inspector, manager, lead, other_lead
):
    """The buttons come from the same rules: the verifier sees 复核, the facility does not."""
    url = awaiting.get_absolute_url()
    for user, sees in ((inspector, True), (lead, True), (manager, False)):
        page = as_user(user).get(url)
        assert page.status_code == 200
        assert page.context["can_verify"] is sees, user
    assert as_user(other_lead).get(url).status_code == 404


def test_an_extension_is_not_offered_once_one_is_waiting(pending_extension, as_user, manager):
    page = as_user(manager).get(pending_extension.hazard.get_absolute_url())
    assert page.context["can_extend"] is False
    assert Extension.objects.filter(status=Extension.Status.PENDING).count() == 1


def test_rectification_is_not_offered_for_a_major_hazard_without_its_plan(
    supervised, as_user, manager
):
    hazard = supervised.hazard
    assert hazard.status == Hazard.Status.RECTIFYING
    assert as_user(manager).get(hazard.get_absolute_url()).context["can_rectify"] is False
    file_plan(hazard, manager)
    assert as_user(manager).get(hazard.get_absolute_url()).context["can_rectify"] is True
