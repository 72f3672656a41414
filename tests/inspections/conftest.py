"""A county with enough facilities and inspectors to draw from, and an approved plan."""

from datetime import date

import pytest

from checklists import services as checklist_services
from inspections.hazards import services as hazard_services
from inspections.onsite import services as onsite_services
from inspections.planning import services as planning_services
from registry.models import Department, Facility, InspectorProfile, User
from tests import snapshots
from tests.conftest import make_credit_code

CLASSES = "ABCDBCDCDD"  # 10 facilities per block: A 1, B 2, C 3, D 4


@pytest.fixture
def published_template(db):
    template = checklist_services.template_create(
        code="t-fire", title="消防检查表", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    section = checklist_services.section_save(version=version, values={"title": "疏散"})
    checklist_services.item_save(
        section=section,
        values={"code": "F-01", "question": "疏散通道是否畅通？", "legal_basis": "GB 50016"},
    )
    checklist_services.version_publish(version=version)
    return template


@pytest.fixture
@snapshots.kept
def county_facilities(world):
    """40 more facilities in the county (plus the world's two), classes A–D."""
    made = []
    for n in range(40):
        made.append(
            Facility.objects.create(
                name=f"测试养老院{n:02d}",
                credit_code=make_credit_code("430602", 1000 + n) if n % 5 else None,
                type=Facility.Type.CARE_HOME,
                address=f"岳阳楼区测试路{n}号",
                region=world["county"],
                risk_class=CLASSES[n % 10],
            )
        )
    return made


@pytest.fixture
@snapshots.kept
def pool(world, inspector, inspector2):
    """Eight inspectors in the county (the two personas and six more)."""
    profiles = [inspector.inspector_profile, inspector2.inspector_profile]
    for n in range(6):
        user = User.objects.create_user(
            username=f"pool{n}", password="x", role=User.Role.INSPECTOR, full_name=f"检查员{n}"
        )
        user.regions.set([world["county"]])
        profiles.append(
            InspectorProfile.objects.create(
                user=user,
                department=world["civil"] if n % 2 else world["fire"],
                region=world["county"],
                credential_no=f"4306029{n:04d}",
                categories=["fire"],
            )
        )
    return profiles


def make_plan(world, lead, template, **overrides):
    values = {
        "name": "2026年第四季度双随机抽查",
        "region": world["county"],
        "year": 2026,
        "window_start": date(2026, 12, 1),
        "window_end": date(2026, 12, 31),
        "lead_department": world["civil"],
        "max_per_inspector": 10,
    }
    values.update(overrides)
    return planning_services.plan_save(
        values=values,
        m2m={
            "scope_regions": [world["county"]],
            "pool_departments": list(Department.objects.all()),
            "pool_regions": [world["county"]],
        },
        checklists={template: True},
        by=lead,
    )


@pytest.fixture
@snapshots.kept
def plan(world, lead, published_template, county_facilities, pool):
    return planning_services.plan_approve(plan=make_plan(world, lead, published_template), by=lead)


@pytest.fixture
@snapshots.kept
def drawn(plan, lead):
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    return planning_services.draw_run(
        draw=draw,
        public_entropy="03 07 12 19 25 31 + 09",
        source="福利彩票双色球 2026135 期",
        by=lead,
    )


@pytest.fixture
@snapshots.kept
def unannounced(world, lead, published_template, county_facilities, pool):
    """A drawn unannounced plan: hidden from the public while a visit can still start."""
    plan = planning_services.plan_approve(
        plan=make_plan(world, lead, published_template, notice="unannounced"), by=lead
    )
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    return planning_services.draw_run(draw=draw, public_entropy="9", source="test", by=lead)


def make_template(code, items, *, title="现场检查表", category="fire", department="fire_rescue"):
    """A published template with ``items`` ([(code, question, extra values)]) in one section."""
    template = checklist_services.template_create(
        code=code, title=title, category=category, department=department
    )
    version = checklist_services.version_new_draft(template=template)
    section = checklist_services.section_save(version=version, values={"title": "现场"})
    for item_code, question, extra in items:
        checklist_services.item_save(
            section=section,
            values={"code": item_code, "question": question, "legal_basis": "GB 38600", **extra},
        )
    checklist_services.version_publish(version=version)
    return template


@pytest.fixture
def onsite_template(db):
    """Five items: a general hazard needing a photo, a major hazard, a number, an item
    needing a photo when passed, and one that makes no hazard."""
    return make_template(
        "t-onsite",
        [
            ("S-01", "疏散通道是否畅通？", {"hazard": "general", "deadline_days": 15}),
            ("S-02", "是否设置火灾自动报警系统？", {"hazard": "major", "deadline_days": 30}),
            (
                "S-03",
                "灭火器数量",
                {
                    "answer_type": "number",
                    "min_value": 2,
                    "unit": "具",
                    "photo_on_fail": False,
                    "deadline_days": 7,
                },
            ),
            ("S-04", "消防控制室是否有人值班？", {"photo_on_pass": True, "photo_on_fail": False}),
            ("S-05", "是否张贴消防安全承诺书？", {"hazard": "none", "photo_on_fail": False}),
        ],
    )


@pytest.fixture
def case(world, lead, inspector, inspector2, onsite_template):
    """A case-triggered inspection of the world's facility by the two inspector personas."""
    return onsite_services.case_open(
        facility=world["facility"],
        complaint="群众来电反映夜间疏散通道堆放杂物。",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[onsite_template],
        by=lead,
    )


@pytest.fixture
def started(case, inspector):
    return onsite_services.inspection_start(inspection=case, by=inspector)


def item_key(inspection, code):
    from checklists.models import Item

    versions = inspection.checklists.values("version")
    return f"i{Item.objects.get(code=code, version__in=versions).pk}"


@pytest.fixture
@snapshots.kept
def finished(started, inspector, inspector2, manager):
    """A finished inspection with one general (S-01) and one major (S-02) hazard."""
    from .test_onsite import answer, answer_all_passing, jpeg, sign_and_confirm

    answer_all_passing(started, inspector)
    for code in ("S-01", "S-02"):
        answer(started, code, "fail", inspector, note=f"{code} 不合格")
        onsite_services.photo_add(
            inspection=started, key=item_key(started, code), upload=jpeg(), by=inspector
        )
    sign_and_confirm(started, inspector, inspector2)
    return onsite_services.inspection_finish(inspection=started, by=inspector)


@pytest.fixture
def general(finished):
    return finished.hazards.get(item_code="S-01")


@pytest.fixture
def major(finished):
    return finished.hazards.get(item_code="S-02")


def make_hazard(facility, by, *, severity="general", status="registered", department="", **fields):
    """A hazard registered through the service, then put in ``status`` with ``fields``
    (closed_at, due_on...) set directly and saved with history: test setup, not a
    transition (queryset updates are refused on audited models)."""
    hazard = hazard_services.hazard_register(
        facility=facility,
        severity=severity,
        source="complaint",
        description="消防通道堆放杂物",
        found_on=date(2026, 10, 8),
        deadline_days=7,
        department=department,
        by=by,
    )
    hazard.status = status
    for name, value in fields.items():
        setattr(hazard, name, value)
    hazard.save()
    return hazard


def _county_lead(facility):
    """A bureau lead of ``facility``'s county: case inspections are the bureau's decision."""
    from registry.models import User

    lead, created = User.objects.get_or_create(
        username=f"case-lead-{facility.region.code}",
        defaults={"role": User.Role.LEAD, "full_name": "立案负责人"},
    )
    if created:
        lead.regions.set([facility.region])
    return lead


def finish_case(facility, template, team, *, fail=("S-01",), on=None):
    """A finished case inspection of ``facility``, started on ``on`` (a date, 10:00 in
    Shanghai), with a failed, photographed item for each code in ``fail``: its result
    awaits review."""
    from contextlib import nullcontext
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from .test_onsite import answer, answer_all_passing, jpeg, sign_and_confirm

    inspector, inspector2 = team
    moment = (
        datetime.combine(on, datetime.min.time(), ZoneInfo("Asia/Shanghai")).replace(hour=10)
        if on
        else None
    )
    with time_machine.travel(moment, tick=True) if moment else nullcontext():
        inspection = onsite_services.case_open(
            facility=facility,
            complaint="群众来电反映安全问题。",
            inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
            templates=[template],
            by=_county_lead(facility),
        )
        inspection = onsite_services.inspection_start(inspection=inspection, by=inspector)
        answer_all_passing(inspection, inspector)
        for code in fail:
            answer(inspection, code, "fail", inspector, note=f"{code} 不合格")
            onsite_services.photo_add(
                inspection=inspection, key=item_key(inspection, code), upload=jpeg(), by=inspector
            )
        sign_and_confirm(inspection, inspector, inspector2)
        return onsite_services.inspection_finish(inspection=inspection, by=inspector)
