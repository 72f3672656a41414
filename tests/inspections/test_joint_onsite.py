"""Joint inspections (部门联合抽查) on site and after: each department answers and
confirms its own items, its hazards are verified by it (or its delegate), its
documents carry its name, and the published record lists each department's part.

The joint inspection is built directly (plan departments, checklists and team members
with their departments), not through the plan's draw."""

import csv
import io
import re
import uuid
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Answer, Inspection, InspectionChecklist, TeamMember
from inspections.planning.models import Plan, PlanDepartment
from inspections.publication import services as publication_services
from inspections.signals import inspection_changed
from registry.models import InspectorProfile, User
from reports import documents
from workflows import policy as workflow_policy
from workflows.models import TaskScope

from .conftest import item_key, make_template
from .test_onsite import jpeg

CIVIL = "岳阳楼区民政局"
FIRE = "岳阳楼区消防救援大队"
NO_PHOTO = {"photo_on_fail": False}


@pytest.fixture
def fire_template(db):
    return make_template(
        "t-joint-fire",
        [
            ("F-01", "疏散通道是否畅通？", {"hazard": "general", "deadline_days": 7, **NO_PHOTO}),
            ("F-02", "灭火器是否在有效期内？", {"hazard": "general", **NO_PHOTO}),
        ],
        title="消防联合检查表",
        category="fire",
        department="fire_rescue",
    )


@pytest.fixture
def civil_template(db):
    return make_template(
        "t-joint-civil",
        [
            ("C-01", "是否开展入住评估？", {"hazard": "general", "deadline_days": 15, **NO_PHOTO}),
            ("C-02", "是否签订服务协议？", {"hazard": "general", **NO_PHOTO}),
        ],
        title="民政联合检查表",
        category="service",
        department="civil_affairs",
    )


@pytest.fixture
def fire_mate(world):
    """A second fire-rescue inspector, not on the team."""
    user = User.objects.create_user(
        username="fire-mate", password="x", role=User.Role.INSPECTOR, full_name="消防员乙"
    )
    user.regions.set([world["county"]])
    InspectorProfile.objects.create(
        user=user, department=world["fire"], region=world["county"], credential_no="43060209999"
    )
    return user


@pytest.fixture
def joint(world, lead, inspector, inspector2, fire_template, civil_template):
    """A joint inspection under way: civil affairs (``inspector``) and fire rescue
    (``inspector2``) each with its checklist; fire rescue's hazards are verified by
    civil affairs (its delegate), civil affairs' by itself."""
    plan = Plan.objects.create(
        name="2026年第四季度部门联合抽查",
        region=world["county"],
        year=2026,
        window_start=date(2026, 12, 1),
        window_end=date(2026, 12, 31),
        lead_department=world["civil"],
        created_by=lead,
    )
    plan.joining_departments.set([world["fire"]])
    PlanDepartment.objects.create(plan=plan, department=world["civil"])
    PlanDepartment.objects.create(plan=plan, department=world["fire"], delegate=world["civil"])
    inspection = Inspection.objects.create(
        facility=world["facility"],
        plan=plan,
        kind=Inspection.Kind.ROUTINE,
        unannounced=True,
        window_start=plan.window_start,
        window_end=plan.window_end,
        created_by=lead,
    )
    for template, department in ((civil_template, "civil"), (fire_template, "fire")):
        InspectionChecklist.objects.create(
            inspection=inspection,
            version=template.current_version,
            key=True,
            department=world[department],
        )
    for position, (user, department) in enumerate(((inspector, "civil"), (inspector2, "fire"))):
        TeamMember.objects.create(
            inspection=inspection,
            inspector=user.inspector_profile,
            position=position,
            department=world[department],
        )
    inspection_changed.send(sender=Inspection, inspection=inspection, event="opened", by=lead)
    return onsite_services.inspection_start(inspection=inspection, by=inspector)


def answer(inspection, code, value, by, **extra):
    key = item_key(inspection, code)
    current = Answer.objects.filter(inspection=inspection, item_id=int(key[1:])).first()
    return onsite_services.answer_save(
        inspection=inspection,
        key=key,
        value=value,
        base_revision=current.revision if current else 0,
        by=by,
        **extra,
    )


def answer_part(inspection, values, by):
    for code, value in values.items():
        answer(inspection, code, value, by, note=f"{code} 不合格" if value == "fail" else "")


CIVIL_ITEMS = {"C-01": "fail", "C-02": "pass"}
FIRE_ITEMS = {"F-01": "fail", "F-02": "pass"}


def member(inspection, user):
    return inspection.team.get(inspector__user=user)


@pytest.fixture
def finished(joint, inspector, inspector2):
    """The joint inspection finished: one failed item (so one hazard) per department."""
    answer_part(joint, CIVIL_ITEMS, inspector)
    answer_part(joint, FIRE_ITEMS, inspector2)
    onsite_services.inspection_sign(
        inspection=joint, by=inspector2, signer_name="刘院长", typed="刘院长"
    )
    onsite_services.member_confirm(inspection=joint, by=inspector)
    onsite_services.member_confirm(inspection=joint, by=inspector2)
    return onsite_services.inspection_finish(inspection=joint, by=inspector)


def submitted(hazard, manager):
    if not hazard.notice.acknowledged_at:
        hazard_services.notice_acknowledge(notice=hazard.notice, by=manager)
    hazard = Hazard.objects.get(pk=hazard.pk)
    hazard_services.rectification_submit(
        hazard=hazard, description="已清理通道并张贴标识。", uploads=[jpeg()], by=manager
    )
    return Hazard.objects.get(pk=hazard.pk)


# ---------------------------------------------------------------- answering


def test_a_fire_inspector_cannot_answer_civil_affairs_items(joint, inspector2):
    with pytest.raises(ValidationError, match=f"{CIVIL}.*民政联合检查表"):
        answer(joint, "C-01", "pass", inspector2)
    assert not joint.answers.exists()


def test_a_civil_affairs_inspector_cannot_answer_fire_items(joint, inspector):
    with pytest.raises(ValidationError, match=f"{FIRE}.*消防联合检查表"):
        answer(joint, "F-01", "fail", inspector)


def test_each_department_answers_its_own_items(joint, inspector, inspector2):
    answer_part(joint, CIVIL_ITEMS, inspector)
    answer_part(joint, FIRE_ITEMS, inspector2)
    by_code = {a.item.code: a.answered_by for a in joint.answers.select_related("item")}
    assert by_code == {"C-01": inspector, "C-02": inspector, "F-01": inspector2, "F-02": inspector2}


def test_a_photo_of_another_departments_item_is_refused(joint, inspector, inspector2):
    answer(joint, "C-01", "fail", inspector)
    with pytest.raises(ValidationError, match=CIVIL):
        onsite_services.photo_add(
            inspection=joint, key=item_key(joint, "C-01"), upload=jpeg(), by=inspector2
        )
    assert not joint.photos.exists()


def test_an_answer_queued_offline_for_another_department_is_refused_and_replayed(
    joint, inspector2, as_user
):
    client = as_user(inspector2)
    url = reverse("inspections:answer_save", args=[joint.pk])
    data = {"key": item_key(joint, "C-01"), "value": "fail", "revision": "0"}
    client_id = str(uuid.uuid4())
    first = client.post(url, data, HTTP_X_CLIENT_ID=client_id, HTTP_ACCEPT="application/json")
    assert first.status_code == 400
    assert first.json()["ok"] is False and CIVIL in first.json()["message"]
    again = client.post(url, data, HTTP_X_CLIENT_ID=client_id, HTTP_ACCEPT="application/json")
    assert again.status_code == 400 and again["X-Client-Replay"] == "1"
    assert again.json() == first.json()
    assert not joint.answers.exists()


def _article(html, key):
    return re.search(rf'<article[^>]*id="{key}".*?</article>', html, re.S).group(0)


def test_the_checklist_shows_other_departments_items_read_only(joint, inspector2, as_user):
    html = as_user(inspector2).get(reverse("inspections:checklist", args=[joint.pk])).text
    civil = _article(html, item_key(joint, "C-01"))
    fire = _article(html, item_key(joint, "F-01"))
    assert re.search(r"<fieldset[^>]*disabled", civil)
    assert "data-photo-form" not in civil
    assert not re.search(r"<fieldset[^>]*disabled", fire)
    assert "data-photo-form" in fire
    assert CIVIL in html and FIRE in html
    assert html.count("data-read-only") == 1


def test_a_single_department_inspection_is_answered_by_anyone_on_the_team(started, inspector2):
    from .test_onsite import answer as single_answer

    assert single_answer(started, "S-01", "pass", inspector2).answered_by == inspector2


# ---------------------------------------------------------------- confirmation


def test_each_member_confirms_their_own_departments_part(joint, inspector, inspector2):
    answer_part(joint, FIRE_ITEMS, inspector2)
    with pytest.raises(ValidationError, match="C-01"):
        onsite_services.member_confirm(inspection=joint, by=inspector)
    # The fire part is complete while the civil one is not: fire rescue confirms it.
    assert onsite_services.member_confirm(inspection=joint, by=inspector2).confirmed_at
    answer_part(joint, CIVIL_ITEMS, inspector)
    assert onsite_services.member_confirm(inspection=joint, by=inspector).confirmed_at
    # A change to the civil part voids the civil confirmation only.
    answer(joint, "C-02", "na", inspector)
    assert member(joint, inspector).confirmed_at is None
    assert member(joint, inspector2).confirmed_at is not None


def test_finishing_waits_for_every_department_and_the_facilitys_one_signature(
    joint, inspector, inspector2
):
    answer_part(joint, FIRE_ITEMS, inspector2)
    onsite_services.member_confirm(inspection=joint, by=inspector2)
    onsite_services.inspection_sign(
        inspection=joint, by=inspector2, signer_name="刘院长", typed="刘院长"
    )
    with pytest.raises(ValidationError, match="C-01"):
        onsite_services.inspection_finish(inspection=joint, by=inspector2)
    answer_part(joint, CIVIL_ITEMS, inspector)
    onsite_services.inspection_sign(
        inspection=joint, by=inspector2, signer_name="刘院长", typed="刘院长"
    )
    with pytest.raises(ValidationError, match="李喆"):
        onsite_services.inspection_finish(inspection=joint, by=inspector2)
    onsite_services.member_confirm(inspection=joint, by=inspector)
    finished = onsite_services.inspection_finish(inspection=joint, by=inspector2)
    assert finished.status == Inspection.Status.FINISHED
    assert finished.signer_name == "刘院长"


# ---------------------------------------------------------------- verification


def test_hazards_are_verified_by_their_department_or_its_delegate(finished, world):
    by_code = {h.item_code: h for h in finished.hazards.all()}
    assert by_code["C-01"].verifying_department == world["civil"]
    # Fire rescue delegated the verification of its hazards to civil affairs.
    assert by_code["F-01"].verifying_department == world["civil"]


def test_a_hazard_is_verified_only_by_its_department(
    finished, world, manager, inspector, inspector2, fire_mate
):
    hazard = submitted(finished.hazards.get(item_code="F-01"), manager)
    for outsider in (inspector2, fire_mate):
        with pytest.raises(ValidationError, match=f"{CIVIL}"):
            hazard_services.rectification_verify(hazard=hazard, accept=True, by=outsider)
    closed = hazard_services.rectification_verify(hazard=hazard, accept=True, by=inspector)
    assert closed.status == Hazard.Status.CLOSED


def test_a_lead_keeps_the_power_to_verify(finished, manager, lead):
    hazard = submitted(finished.hazards.get(item_code="C-01"), manager)
    closed = hazard_services.rectification_verify(hazard=hazard, accept=True, by=lead)
    assert closed.status == Hazard.Status.CLOSED


def test_the_verification_task_is_offered_to_the_verifying_department_only(
    finished, manager, inspector, inspector2
):
    hazard = submitted(finished.hazards.get(item_code="F-01"), manager)
    verify = TaskScope.objects.get(hazard=hazard, kind=TaskScope.Kind.VERIFY, open=True)
    assert workflow_policy.is_offered(inspector, verify)
    assert not workflow_policy.is_offered(inspector2, verify)
    assert list(workflow_policy.assignees(verify)) == [inspector]


def test_the_hazard_page_names_the_verifying_department(finished, manager, inspector2, as_user):
    hazard = submitted(finished.hazards.get(item_code="F-01"), manager)
    html = as_user(inspector2).get(reverse("inspections:hazard_detail", args=[hazard.pk])).text
    assert re.search(rf"data-verifying-department>{CIVIL}<", html)
    assert 'id="verify"' not in html


def test_a_hazard_a_member_finds_on_site_is_their_departments(joint, world, inspector2):
    from inspections.enforcement import found

    hazard = found.hazard_add(
        inspection=joint,
        category="fire",
        severity="general",
        location="二楼东侧",
        description="电动车在走廊充电",
        deadline_days=3,
        department="",
        uploads=[jpeg()],
        by=inspector2,
    )
    assert hazard.department == "fire_rescue"
    assert hazard.verifying_department == world["civil"]


# ---------------------------------------------------------------- documents


def _html(inspection, kind, by):
    template, context, _photos, _number = documents.prepare_inspection_document(
        inspection, kind, by=by
    )
    return documents.render_html(template, context)


def test_the_record_lists_the_team_and_the_items_by_department(finished, lead):
    html = _html(finished, "record", lead)
    headings = re.findall(r'<h3 class="department">([^<·]+)', html)
    assert [h.strip() for h in headings] == [CIVIL, FIRE]
    civil_at = html.index(f'<h3 class="department">{CIVIL}')
    fire_at = html.index(f'<h3 class="department">{FIRE}')
    assert civil_at < html.index("C-01") < fire_at < html.index("F-01")
    groups = re.findall(r'<th scope="rowgroup" colspan="3">([^<]+)</th>', html)
    assert groups == [CIVIL, FIRE]


def test_the_notice_lists_hazards_under_their_department_with_who_verifies(finished, lead):
    html = _html(finished, "notice", lead)
    # The heading reads "Found by <department>" in the page's language.
    heading = r'<h3 class="department">[^<]*{}[^<]*</h3>'
    civil_at = re.search(heading.format(re.escape(CIVIL)), html).start()
    fire_at = re.search(heading.format(re.escape(FIRE)), html).start()
    assert civil_at < html.index("C-01 不合格") < fire_at < html.index("F-01 不合格")
    # Both are verified by civil affairs (fire rescue's delegate).
    hazards = html[civil_at:]
    verified_by = re.findall(
        r'<tr><th scope="row">[^<]+</th><td>([^<]+)</td></tr>\s*</table>', hazards
    )
    assert verified_by == [CIVIL, CIVIL]


def test_the_notice_of_a_single_department_inspection_is_unchanged(
    world, onsite_template, inspector, inspector2, lead
):
    from .conftest import finish_case

    single = finish_case(world["facility"], onsite_template, (inspector, inspector2))
    html = _html(single, "notice", lead)
    assert 'class="department"' not in html and "rowgroup" not in html


# ---------------------------------------------------------------- publication


def test_the_published_record_lists_each_departments_part(finished, lead, client):
    publication = publication_services.publication_publish(
        publication=finished.publication, by=lead
    )
    parts = publication.current.content["parts"]
    assert [p["department"] for p in parts] == [CIVIL, FIRE]
    assert [(p["checked"], p["failed"], p["hazards"]) for p in parts] == [(2, 1, 1), (2, 1, 1)]
    assert publication.current.content["category"] == publication.category
    page = client.get(reverse("reports:result_detail", args=[publication.pk])).text
    table = re.search(r"<table data-joint-parts>.*?</table>", page, re.S).group(0)
    assert CIVIL in table and FIRE in table
    for name in ("李喆", "王赟"):
        assert name not in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(client.get(reverse("reports:results_csv")).streaming_content).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert CIVIL in rows[0]["department_parts"] and FIRE in rows[0]["department_parts"]
