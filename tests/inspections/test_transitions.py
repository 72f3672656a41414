"""Every lifecycle is a declared transition that stamps its own time and person: the
hazard loop (extension and rectification decisions, the closing of a hazard, which every
path stamps once), plans and draws, inspections, publications and checklist versions.
The services only call the transitions. An illegal transition raises and stamps nothing."""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from viewflow.fsm import TransitionNotAllowed

from checklists.models import ChecklistVersion
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Extension, Hazard, Rectification
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from inspections.planning import services as planning_services
from inspections.planning.models import Draw, Plan
from inspections.publication import services as publication_services
from inspections.publication.models import Publication
from registry.models import User

from .conftest import make_plan
from .test_hazards import file_plan, recheck, submit
from .test_onsite import answer_all_passing, sign_and_confirm

MOMENT = datetime(2026, 12, 3, 10, 15, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(MOMENT, tick=False):
        yield


def at(moment: datetime) -> time_machine.travel:
    """The clock stopped at ``moment``, for one service call."""
    return time_machine.travel(moment, tick=False)


Closing = tuple[Hazard, User | None, datetime | None]


@pytest.fixture
def closings(monkeypatch: pytest.MonkeyPatch) -> list[Closing]:
    """Each stamp of closed_at/closed_by, as (hazard, by, at) passed to the one stamp."""
    calls: list[Closing] = []
    stamp = Hazard._closed

    def spy(hazard: Hazard, by: User | None, at: datetime | None) -> None:
        calls.append((hazard, by, at))
        stamp(hazard, by, at)

    monkeypatch.setattr(Hazard, "_closed", spy)
    return calls


def assert_closed_once(hazard: Hazard, closings: list[Closing], by: User) -> None:
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.CLOSED
    assert [(closed.pk, who) for closed, who, _at in closings] == [(hazard.pk, by)]
    assert hazard.closed_by == by and hazard.closed_at is not None
    # History: stamped when it closed, and never stamped again or otherwise.
    stamped = hazard.history.exclude(closed_at=None)
    assert {(r.status, r.closed_at, r.closed_by_id) for r in stamped} == {
        (Hazard.Status.CLOSED, hazard.closed_at, by.pk)
    }


@pytest.fixture
def rectifying(finished: Inspection, manager: User, general: Hazard) -> Hazard:
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


def extension_of(hazard: Hazard, manager: User) -> Extension:
    hazard.refresh_from_db()
    return hazard_services.extension_request(
        hazard=hazard,
        requested_due=hazard.due_on + timedelta(days=10),
        reasons="防火门需厂家定制",
        interim_measures="专人值守楼梯间",
        by=manager,
    )


# ---------------------------------------------------------------- extensions


@pytest.mark.parametrize(
    "move, status, reason",
    [
        ("approve", "approved", ""),
        ("approve", "approved", "同意"),
        ("refuse", "refused", "无需延期"),
    ],
)
def test_an_extension_decision_stamps_when_who_and_why(
    lead: User, frozen: None, move: str, status: str, reason: str
) -> None:
    extension = Extension(status=Extension.Status.PENDING)
    getattr(extension, move)(by=lead, reason=reason)
    assert extension.status == status
    assert (extension.decided_at, extension.decided_by, extension.decision_reason) == (
        MOMENT,
        lead,
        reason,
    )


@pytest.mark.parametrize("status", ["approved", "refused"])
@pytest.mark.parametrize("move", ["approve", "refuse"])
def test_a_decided_extension_cannot_be_decided_again(lead: User, status: str, move: str) -> None:
    extension = Extension(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(extension, move)(by=lead, reason="再议")
    assert extension.status == status
    assert extension.decided_at is None and extension.decided_by is None


def test_deciding_an_extension_stamps_it_through_its_transition(
    rectifying: Hazard, manager: User, lead: User
) -> None:
    approved = hazard_services.extension_decide(
        extension=extension_of(rectifying, manager), approve=True, by=lead
    )
    approved.refresh_from_db()
    assert approved.status == Extension.Status.APPROVED and approved.decided_by == lead
    assert approved.decided_at is not None
    refused = hazard_services.extension_decide(
        extension=extension_of(rectifying, manager), approve=False, reason="资金已到位", by=lead
    )
    refused.refresh_from_db()
    assert (refused.status, refused.decided_by, refused.decision_reason) == (
        Extension.Status.REFUSED,
        lead,
        "资金已到位",
    )
    with pytest.raises(ValidationError, match="该延期申请已审批"):
        hazard_services.extension_decide(extension=refused, approve=True, by=lead)


# ---------------------------------------------------------------- rectifications


@pytest.mark.parametrize(
    "move, decision, reason",
    [("accept", "accepted", ""), ("reject", "rejected", "照片看不出通道全貌")],
)
def test_a_rectification_decision_stamps_when_who_and_why(
    inspector: User, frozen: None, move: str, decision: str, reason: str
) -> None:
    rectification = Rectification()
    getattr(rectification, move)(by=inspector, reason=reason)
    assert rectification.decision == decision
    assert (rectification.decided_at, rectification.decided_by, rectification.reason) == (
        MOMENT,
        inspector,
        reason,
    )


@pytest.mark.parametrize("decision", ["accepted", "rejected"])
@pytest.mark.parametrize("move", ["accept", "reject"])
def test_a_decided_rectification_cannot_be_decided_again(
    inspector: User, decision: str, move: str
) -> None:
    rectification = Rectification(decision=decision)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{decision}"'):
        getattr(rectification, move)(by=inspector, reason="再议")
    assert rectification.decided_at is None and rectification.decided_by is None


def test_verifying_stamps_the_rectification_and_the_closing_at_the_same_moment(
    rectifying: Hazard, manager: User, inspector: User, closings: list[Closing]
) -> None:
    submit(rectifying, manager)
    hazard_services.rectification_verify(hazard=rectifying, accept=True, by=inspector)
    rectification = rectifying.rectifications.get()
    assert rectification.decision == Rectification.Decision.ACCEPTED
    assert rectification.decided_by == inspector
    assert_closed_once(rectifying, closings, inspector)
    assert rectifying.closed_at == rectification.decided_at


def test_a_rejection_stamps_the_rectification_and_leaves_the_hazard_open(
    rectifying: Hazard, manager: User, lead: User, closings: list[Closing]
) -> None:
    submit(rectifying, manager)
    hazard_services.rectification_verify(
        hazard=rectifying, accept=False, reason="通道仍有杂物", by=lead
    )
    rectification = rectifying.rectifications.get()
    assert (rectification.decision, rectification.decided_by, rectification.reason) == (
        Rectification.Decision.REJECTED,
        lead,
        "通道仍有杂物",
    )
    rectifying.refresh_from_db()
    assert rectifying.closed_at is None and rectifying.closed_by is None and closings == []


# ---------------------------------------------------------------- closing a hazard


@pytest.mark.parametrize(
    "status, move",
    [
        ("registered", "close_on_spot"),
        ("awaiting_verification", "accept"),
        ("rectifying", "close_on_recheck"),
        ("overdue", "close_on_recheck"),
    ],
)
def test_each_closing_transition_stamps_when_and_who(
    inspector: User, frozen: None, status: str, move: str
) -> None:
    hazard = Hazard(status=status)
    getattr(hazard, move)(by=inspector)
    assert (hazard.status, hazard.closed_at, hazard.closed_by) == ("closed", MOMENT, inspector)
    earlier = MOMENT - timedelta(hours=2)
    hazard = Hazard(status=status)
    getattr(hazard, move)(by=None, at=earlier)  # the system, at a moment already recorded
    assert (hazard.closed_at, hazard.closed_by) == (earlier, None)


@pytest.mark.parametrize(
    "status, move",
    [
        ("rectifying", "close_on_spot"),
        ("overdue", "accept"),
        ("awaiting_verification", "close_on_recheck"),
        ("closed", "accept"),
        ("closed", "close_on_spot"),
        ("closed", "close_on_recheck"),
    ],
)
def test_an_illegal_closing_raises_and_stamps_nothing(
    inspector: User, status: str, move: str
) -> None:
    hazard = Hazard(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(hazard, move)(by=inspector)
    assert hazard.status == status
    assert hazard.closed_at is None and hazard.closed_by is None


def test_closing_on_the_spot_stamps_once(
    world: dict, inspector: User, closings: list[Closing]
) -> None:
    hazard = hazard_services.hazard_register(
        facility=world["facility"],
        severity="general",
        source="complaint",
        description="灭火器压力不足，已当场更换",
        found_on=timezone.localdate(),
        deadline_days=7,
        corrected_on_spot=True,
        by=inspector,
    )
    assert_closed_once(hazard, closings, inspector)
    assert hazard.next_alarm_at is None


def test_signing_off_a_major_hazard_stamps_once(
    lead: User,
    finished: Inspection,
    manager: User,
    inspector: User,
    major: Hazard,
    closings: list[Closing],
) -> None:
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    major.refresh_from_db()
    file_plan(major, manager)
    submit(major, manager, interim_measures="专人值守")
    hazard_services.rectification_verify(hazard=major, accept=True, by=inspector)
    assert closings == []  # verified, not closed: the supervising lead signs it off
    hazard_services.supervision_sign_off(
        supervision=major.supervision, approve=True, note="整改到位", by=lead
    )
    assert_closed_once(major, closings, lead)
    major.supervision.refresh_from_db()
    assert major.supervision.signed_off_at == major.closed_at


def test_closing_on_a_re_check_stamps_once_at_the_end_of_the_re_inspection(
    rectifying: Hazard,
    major: Hazard,
    finished: Inspection,
    lead: User,
    inspector: User,
    inspector2: User,
    closings: list[Closing],
) -> None:
    again = recheck(finished, {rectifying: "fixed", major: "partly"}, lead, inspector, inspector2)
    assert_closed_once(rectifying, closings, inspector)
    assert rectifying.closed_at == again.finished_at


# ---------------------------------------------------------------- plans and draws


def test_approving_a_plan_stamps_when_and_who(lead: User, frozen: None) -> None:
    plan = Plan()
    plan.approve(by=lead)
    assert (plan.status, plan.approved_at, plan.approved_by) == ("approved", MOMENT, lead)


def test_an_approved_plan_cannot_be_approved_again(lead: User) -> None:
    plan = Plan(status="approved")
    with pytest.raises(TransitionNotAllowed, match='no transition from "approved"'):
        plan.approve(by=lead)
    assert plan.status == "approved"
    assert plan.approved_at is None and plan.approved_by is None


@pytest.mark.parametrize("move, status", [("complete", "valid"), ("fail", "failed")])
def test_running_a_draw_stamps_when_and_who_whatever_its_outcome(
    lead: User, frozen: None, move: str, status: str
) -> None:
    draw = Draw()
    getattr(draw, move)(by=lead)
    assert (draw.status, draw.drawn_at, draw.drawn_by) == (status, MOMENT, lead)


@pytest.mark.parametrize("status", ["valid", "failed", "void"])
@pytest.mark.parametrize("move", ["complete", "fail"])
def test_a_draw_is_run_only_once(lead: User, status: str, move: str) -> None:
    draw = Draw(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(draw, move)(by=lead)
    assert draw.status == status
    assert draw.drawn_at is None and draw.drawn_by is None


@pytest.mark.parametrize("status", ["frozen", "valid"])
def test_voiding_a_draw_stamps_when_who_and_why(lead: User, frozen: None, status: str) -> None:
    draw = Draw(status=status)
    draw.void(by=lead, reason="公共随机数期号录入错误")
    assert (draw.status, draw.voided_at, draw.voided_by, draw.void_reason) == (
        "void",
        MOMENT,
        lead,
        "公共随机数期号录入错误",
    )


@pytest.mark.parametrize("status", ["failed", "void"])
def test_a_failed_or_void_draw_cannot_be_voided(lead: User, status: str) -> None:
    draw = Draw(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        draw.void(by=lead, reason="再作废")
    assert draw.status == status
    assert (draw.voided_at, draw.voided_by, draw.void_reason) == (None, None, "")


def test_the_planning_services_stamp_through_the_transitions(
    world: dict, lead: User, published_template: object, county_facilities: list, pool: list
) -> None:
    with at(MOMENT):
        plan = planning_services.plan_approve(
            plan=make_plan(world, lead, published_template), by=lead
        )
    plan.refresh_from_db()
    assert (plan.approved_at, plan.approved_by) == (MOMENT, lead)
    assert plan.history.get(status="approved").approved_by_id == lead.pk

    draw = planning_services.draw_freeze(plan=plan, by=lead)
    with at(MOMENT + timedelta(hours=1)):
        planning_services.draw_run(draw=draw, public_entropy="9", source="test", by=lead)
    with at(MOMENT + timedelta(hours=2)):
        planning_services.draw_void(draw=draw, reason="期号录入错误", by=lead)
    draw.refresh_from_db()
    assert (draw.drawn_at, draw.drawn_by) == (MOMENT + timedelta(hours=1), lead)
    assert (draw.voided_at, draw.voided_by, draw.void_reason) == (
        MOMENT + timedelta(hours=2),
        lead,
        "期号录入错误",
    )


def test_a_failed_draw_is_stamped_as_drawn_through_its_transition(
    world: dict, lead: User, published_template: object, county_facilities: list, pool: list
) -> None:
    plan = planning_services.plan_approve(
        plan=make_plan(world, lead, published_template, max_per_inspector=1, ratio_d=100), by=lead
    )
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    with at(MOMENT):
        draw = planning_services.draw_run(draw=draw, public_entropy="7", source="test", by=lead)
    draw.refresh_from_db()
    assert (draw.status, draw.drawn_at, draw.drawn_by) == (Draw.Status.FAILED, MOMENT, lead)


# ---------------------------------------------------------------- inspections


@pytest.mark.parametrize(
    "move, source, target, stamp",
    [
        ("start", "scheduled", "in_progress", "started"),
        ("finish", "in_progress", "finished", "finished"),
    ],
)
def test_starting_and_finishing_an_inspection_stamp_when_and_who(
    inspector: User, frozen: None, move: str, source: str, target: str, stamp: str
) -> None:
    inspection = Inspection(status=source)
    getattr(inspection, move)(by=inspector)
    assert inspection.status == target
    assert (getattr(inspection, f"{stamp}_at"), getattr(inspection, f"{stamp}_by")) == (
        MOMENT,
        inspector,
    )


@pytest.mark.parametrize(
    "move, status, stamp",
    [
        ("start", "in_progress", "started"),
        ("start", "finished", "started"),
        ("start", "cancelled", "started"),
        ("finish", "scheduled", "finished"),
        ("finish", "finished", "finished"),
        ("finish", "cancelled", "finished"),
    ],
)
def test_an_illegal_start_or_finish_raises_and_stamps_nothing(
    inspector: User, move: str, status: str, stamp: str
) -> None:
    inspection = Inspection(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(inspection, move)(by=inspector)
    assert inspection.status == status
    assert getattr(inspection, f"{stamp}_at") is None
    assert getattr(inspection, f"{stamp}_by") is None


def test_the_onsite_services_stamp_through_the_transitions(
    case: Inspection, inspector: User, inspector2: User
) -> None:
    with at(MOMENT):
        inspection = onsite_services.inspection_start(inspection=case, by=inspector)
    with time_machine.travel(MOMENT + timedelta(minutes=1), tick=True):
        answer_all_passing(inspection, inspector)
        sign_and_confirm(inspection, inspector, inspector2)
    with at(MOMENT + timedelta(hours=2)):
        onsite_services.inspection_finish(inspection=inspection, by=inspector2)
    inspection.refresh_from_db()
    assert (inspection.started_at, inspection.started_by) == (MOMENT, inspector)
    assert (inspection.finished_at, inspection.finished_by) == (
        MOMENT + timedelta(hours=2),
        inspector2,
    )


def test_a_self_inspection_is_stamped_started_by_the_manager_who_opens_it(
    world: dict, manager: User, onsite_template: object
) -> None:
    with at(MOMENT):
        inspection = onsite_services.self_open(
            facility=world["facility"], templates=[onsite_template], by=manager
        )
    inspection.refresh_from_db()
    assert (inspection.status, inspection.started_at, inspection.started_by) == (
        Inspection.Status.IN_PROGRESS,
        MOMENT,
        manager,
    )


# ---------------------------------------------------------------- publications


@pytest.mark.parametrize(
    "move, source, target, stamp",
    [
        ("send_back", "pending", "returned", "returned"),
        ("withdraw", "published", "withdrawn", "withdrawn"),
    ],
)
def test_returning_and_withdrawing_a_result_stamp_when_who_and_why(
    lead: User, frozen: None, move: str, source: str, target: str, stamp: str
) -> None:
    publication = Publication(status=source)
    getattr(publication, move)(by=lead, reason="检查对象有误")
    assert publication.status == target
    assert (
        getattr(publication, f"{stamp}_at"),
        getattr(publication, f"{stamp}_by"),
        getattr(publication, f"{stamp}_reason"),
    ) == (MOMENT, lead, "检查对象有误")


@pytest.mark.parametrize(
    "move, status, stamp",
    [
        ("send_back", "returned", "returned"),
        ("send_back", "published", "returned"),
        ("send_back", "withdrawn", "returned"),
        ("withdraw", "pending", "withdrawn"),
        ("withdraw", "returned", "withdrawn"),
        ("withdraw", "withdrawn", "withdrawn"),
    ],
)
def test_an_illegal_return_or_withdrawal_raises_and_stamps_nothing(
    lead: User, move: str, status: str, stamp: str
) -> None:
    publication = Publication(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(publication, move)(by=lead, reason="再议")
    assert publication.status == status
    assert (
        getattr(publication, f"{stamp}_at"),
        getattr(publication, f"{stamp}_by"),
        getattr(publication, f"{stamp}_reason"),
    ) == (None, None, "")


def test_publishing_a_returned_result_drops_the_reason_and_keeps_who_returned_it(
    lead: User,
) -> None:
    publication = Publication(
        status="returned", returned_reason="描述不完整", returned_at=MOMENT, returned_by=lead
    )
    publication.publish()
    assert (publication.status, publication.returned_reason) == ("published", "")
    assert (publication.returned_at, publication.returned_by) == (MOMENT, lead)


def test_the_publication_services_stamp_through_the_transitions(
    finished: Inspection, lead: User, inspector: User
) -> None:
    publication = finished.publication
    with at(MOMENT):
        publication_services.publication_return(
            publication=publication, by=lead, reason="整改情况描述不完整"
        )
    publication.refresh_from_db()
    assert (publication.returned_at, publication.returned_by, publication.returned_reason) == (
        MOMENT,
        lead,
        "整改情况描述不完整",
    )
    publication_services.publication_resubmit(
        publication=publication, by=inspector, category=None, follow_up="责令限期整改"
    )
    publication_services.publication_publish(publication=publication, by=lead)
    with at(MOMENT + timedelta(days=1)):
        publication_services.publication_withdraw(
            publication=publication, by=lead, reason="检查对象有误"
        )
    publication.refresh_from_db()
    assert publication.returned_reason == "" and publication.returned_by == lead
    assert (publication.withdrawn_at, publication.withdrawn_by, publication.withdrawn_reason) == (
        MOMENT + timedelta(days=1),
        lead,
        "检查对象有误",
    )


# ---------------------------------------------------------------- checklist versions


@pytest.mark.parametrize(
    "move, source, target, stamp",
    [
        ("submit", "draft", "submitted", "submitted"),
        ("publish", "draft", "published", "published"),
        ("publish", "submitted", "published", "published"),
    ],
)
def test_submitting_and_publishing_a_version_stamp_when_and_who(
    lead: User, frozen: None, move: str, source: str, target: str, stamp: str
) -> None:
    version = ChecklistVersion(status=source)
    getattr(version, move)(by=lead)
    assert version.status == target
    assert (getattr(version, f"{stamp}_at"), getattr(version, f"{stamp}_by")) == (MOMENT, lead)


@pytest.mark.parametrize(
    "move, status, stamp",
    [
        ("submit", "submitted", "submitted"),
        ("submit", "published", "submitted"),
        ("publish", "published", "published"),
    ],
)
def test_an_illegal_submission_or_publication_raises_and_stamps_nothing(
    lead: User, move: str, status: str, stamp: str
) -> None:
    version = ChecklistVersion(status=status)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        getattr(version, move)(by=lead)
    assert version.status == status
    assert getattr(version, f"{stamp}_at") is None and getattr(version, f"{stamp}_by") is None


def test_withdrawing_a_submitted_version_removes_its_submission_stamp(lead: User) -> None:
    version = ChecklistVersion(status="submitted", submitted_at=MOMENT, submitted_by=lead)
    version.withdraw()
    assert (version.status, version.submitted_at, version.submitted_by) == ("draft", None, None)


@pytest.mark.parametrize("status", ["draft", "published"])
def test_an_illegal_withdrawal_raises_and_keeps_the_stamps(lead: User, status: str) -> None:
    version = ChecklistVersion(status=status, submitted_at=MOMENT, submitted_by=lead)
    with pytest.raises(TransitionNotAllowed, match=f'no transition from "{status}"'):
        version.withdraw()
    assert (version.status, version.submitted_at, version.submitted_by) == (status, MOMENT, lead)


# ---------------------------------------------------------------- no stamps by hand

STAMPED = re.compile(
    r"\.(status|decision|closed_at|closed_by|decided_at|decided_by|decision_reason"
    r"|approved_at|approved_by|drawn_at|drawn_by|voided_at|voided_by|void_reason"
    r"|started_at|started_by|finished_at|finished_by"
    r"|returned_at|returned_by|returned_reason|withdrawn_at|withdrawn_by|withdrawn_reason"
    r"|submitted_at|submitted_by|published_at|published_by)\s*=(?!=)"
)
# The demo dates a visit back on purpose, after the services stamped it.
DATED_BACK = {"inspections/demo.py"}


def test_no_code_outside_the_models_sets_these_lifecycles_by_hand() -> None:
    base = Path(settings.BASE_DIR)
    by_hand = [
        f"{path.relative_to(base)}:{number}: {line.strip()}"
        for root in ("inspections", "checklists")
        for path in (base / root).rglob("*.py")
        if path.name != "models.py"
        and "migrations" not in path.parts
        and str(path.relative_to(base)) not in DATED_BACK
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STAMPED.search(line)
    ]
    assert by_hand == []
