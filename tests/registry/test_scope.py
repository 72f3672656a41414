"""Who may open which URL: every role on every URL of the app.

A role that may not use a page gets 403; an object outside the user's scope gets
404 (its existence is not revealed); anonymous visitors are sent to log in.
The last test fails when a URL is added without a row here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import ChangeLog
from registry import services
from registry.models import InspectorProfile

ANON = "anonymous"
ROLES = [
    ANON,
    "inspector",
    "manager",
    "other_manager",
    "lead",
    "other_lead",
    "auditor",
    "admin_user",
]
STAFF = {"inspector": 200, "lead": 200, "other_lead": 200, "auditor": 200, "admin_user": 200}


def expect(default, **overrides):
    table = {role: default for role in ROLES if role != ANON}
    table.update(overrides)
    table[ANON] = 302
    return table


def facility(w):
    return {"pk": w["facility"].pk}


def far_facility(w):
    return {"pk": w["far_facility"].pk}


def inspector_profile(w):
    return {"pk": InspectorProfile.objects.get(user__username="inspector").pk}


def export_job(w):
    """A finished export job of the lead's (reports.jobs): theirs alone."""
    from reports import jobs
    from reports.models import ExportJob

    lead = w["facility"].region.users.get(username="lead")
    parameters = jobs.hazard_parameters(user=lead, region=None, status="", fmt="csv")
    jobs.job_request(by=lead, kind=ExportJob.Kind.HAZARDS, parameters=parameters)
    jobs.job_run(jobs.job_claim())
    return {"pk": ExportJob.objects.get(requested_by=lead, status="done").pk}


def _checklist(w):
    from checklists import services as checklist_services

    template = checklist_services.template_create(
        code="scope", title="范围", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    section = checklist_services.section_save(version=version, values={"title": "S"})
    item = checklist_services.item_save(
        section=section, values={"code": "S-1", "question": "Q", "legal_basis": "B"}
    )
    return template, version, section, item


def checklist_template(w):
    return {"pk": _checklist(w)[0].pk}


def checklist_version(w):
    return {"pk": _checklist(w)[1].pk}


def two_versions(w):
    from checklists import services as checklist_services

    _t, version, _s, _i = _checklist(w)
    other = checklist_services.version_new_draft(template=version.template, from_version=version)
    return {"pk": version.pk, "other_pk": other.pk}


def checklist_section(w):
    _t, version, section, _i = _checklist(w)
    return {"version_pk": version.pk, "pk": section.pk}


def checklist_section_items(w):
    _t, version, section, _i = _checklist(w)
    return {"version_pk": version.pk, "section_pk": section.pk}


def checklist_item(w):
    _t, version, _s, item = _checklist(w)
    return {"version_pk": version.pk, "pk": item.pk}


def checklist_item_kind(w):
    _t, version, _s, item = _checklist(w)
    return {"version_pk": version.pk, "kind": "item", "pk": item.pk}


def facility_change(w):
    services.facility_save(facility=w["facility"], values={"beds": 121})
    return {"pk": ChangeLog.objects.filter(model="registry.facility").first().pk}


def _plan(w, approve=True):
    from datetime import date

    from inspections.planning import services as planning_services
    from registry.models import Department, User

    lead = User.objects.get(username="lead")
    template = _checklist(w)[0]
    from checklists import services as checklist_services

    checklist_services.version_publish(version=template.versions.get())
    plan = planning_services.plan_save(
        values={
            "name": "范围测试计划",
            "region": w["county"],
            "year": 2026,
            "window_start": date(2026, 12, 1),
            "window_end": date(2026, 12, 31),
            "lead_department": w["civil"],
            "max_per_inspector": 10,
        },
        m2m={
            "scope_regions": [w["county"]],
            "pool_departments": list(Department.objects.all()),
            "pool_regions": [w["county"]],
        },
        checklists={template: True},
        by=lead,
    )
    if approve:
        plan = planning_services.plan_approve(plan=plan, by=lead)
    return plan, lead


def draft_plan(w):
    return {"pk": _plan(w, approve=False)[0].pk}


def approved_plan(w):
    return {"pk": _plan(w)[0].pk}


def _drawn(w):
    from inspections.planning import services as planning_services

    plan, lead = _plan(w)
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    return planning_services.draw_run(draw=draw, public_entropy="1", source="test", by=lead)


def drawn(w):
    return {"pk": _drawn(w).pk}


def drawn_inspection(w):
    return {"pk": _drawn(w).inspections.get(facility=w["facility"]).pk}


def _case(w):
    """A started case-triggered inspection of the world's facility with one photo."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from inspections.onsite import services as onsite_services
    from registry.models import User

    template = _checklist(w)[0]
    from checklists import services as checklist_services

    checklist_services.version_publish(version=template.versions.get())
    inspector = User.objects.get(username="inspector")
    profiles = [
        inspector.inspector_profile,
        User.objects.get(username="inspector2").inspector_profile,
    ]
    case = onsite_services.case_open(
        facility=w["facility"],
        complaint="投诉",
        inspectors=profiles,
        templates=[template],
        by=User.objects.get(username="lead"),
    )
    case = onsite_services.inspection_start(inspection=case, by=inspector)
    key = f"i{template.versions.get().items.get().pk}"
    onsite_services.answer_save(
        inspection=case, key=key, value="fail", base_revision=0, by=inspector
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    photo = onsite_services.photo_add(
        inspection=case,
        key=key,
        upload=SimpleUploadedFile("p.jpg", buffer.getvalue()),
        by=inspector,
    )
    return case, photo


def case(w):
    return {"pk": _case(w)[0].pk}


def case_task(w):
    """The started case's open task: the facility's signature, the team's to collect."""
    from workflows.models import TaskScope

    return {"pk": TaskScope.objects.get(inspection=_case(w)[0], kind="sign", open=True).pk}


def case_photo(w):
    return {"pk": _case(w)[1].pk, "variant": "thumb"}


def case_upload(w):
    """A photo upload the inspector opened on the case: it is theirs alone."""
    import uuid

    from inspections.onsite import services as onsite_services
    from registry.models import User

    case = _case(w)[0]
    upload, _created = onsite_services.upload_open(
        inspection=case,
        client_id=uuid.uuid4(),
        key=f"i{case.answers.get().item_id}",
        purpose="evidence",
        size=1000,
        sha256="0" * 64,
        name="p.jpg",
        content_type="image/jpeg",
        by=User.objects.get(username="inspector"),
    )
    return {"client_id": str(upload.client_id)}


def _case_hazard(w):
    from django.utils import timezone

    from inspections.hazards import services as hazard_services
    from registry.models import User

    case = _case(w)[0]
    lead = User.objects.get(username="lead")
    hazard = hazard_services.hazard_register(
        facility=w["facility"],
        inspection=case,
        severity="general",
        source="case",
        description="通道堆放杂物",
        found_on=timezone.localdate(),
        deadline_days=7,
        by=lead,
    )
    notice = hazard_services.notice_issue(inspection=case, hazards=[hazard], by=lead)
    return hazard, notice


def interview(w):
    from django.utils import timezone

    from inspections.enforcement import interviews
    from registry.models import User

    record = interviews.interview_record(
        facility=w["facility"],
        held_on=timezone.localdate(),
        place="会议室",
        attendees="双方",
        minutes="约谈",
        commitments="整改",
        signed_by_name="张玥",
        by=User.objects.get(username="lead"),
    )
    return {"pk": record.pk}


def case_hazard(w):
    return {"pk": _case_hazard(w)[0].pk}


def case_notice(w):
    return {"pk": _case_hazard(w)[1].pk}


def case_publication(w):
    """A result of the case inspection awaiting review (made directly: the case is
    not finished here)."""
    from django.utils import timezone

    from inspections.publication.models import Publication

    publication = Publication(
        inspection=_case(w)[0], due_on=timezone.localdate(), category="ordered"
    )
    publication.save()
    return {"pk": publication.pk}


def _published(w):
    """The case inspection finished and its result published with its photo."""
    from inspections.onsite import services as onsite_services
    from inspections.publication import services as publication_services
    from registry.models import User

    case, photo = _case(w)
    inspector, inspector2 = (User.objects.get(username=n) for n in ("inspector", "inspector2"))
    onsite_services.inspection_sign(inspection=case, by=inspector, signer_name="院长", typed="院长")
    onsite_services.member_confirm(inspection=case, by=inspector)
    onsite_services.member_confirm(inspection=case, by=inspector2)
    case = onsite_services.inspection_finish(inspection=case, by=inspector)
    publication = publication_services.publication_publish(
        publication=case.publication,
        by=User.objects.get(username="lead"),
        photos=[photo],
        no_person_confirmed=True,
    )
    return publication, photo


def published_result(w):
    return {"pk": _published(w)[0].pk}


def published_version(w):
    return {"pk": _published(w)[0].pk, "number": 1}


def published_photo(w):
    publication, photo = _published(w)
    return {"pk": publication.pk, "photo_pk": photo.pk}


def published_facility(w):
    return {"pk": _published(w)[0].inspection.facility_id}


def credit_facility(w):
    """A facility with no public result whose class a lead decided: its credit is public."""
    from core.audited import save_with_history
    from inspections.credit import services as credit_services
    from inspections.credit.models import CreditCase
    from registry.models import User

    case = save_with_history(
        CreditCase(facility=w["other_facility"], kind=CreditCase.Kind.CLASS, proposed_class="C")
    )
    credit_services.case_decide(
        case=case, decision=CreditCase.Decision.ACCEPTED, by=User.objects.get(username="lead")
    )
    return {"pk": w["other_facility"].pk}


def pending_photo(w):
    from inspections.onsite.models import Photo

    pk = case_publication(w)["pk"]
    return {"pk": pk, "photo_pk": Photo.objects.get(inspection__publication=pk).pk}


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _credit_event(w):
    """An entry refused, recorded by the lead in the world facility's credit file: a
    hand-made event (withdrawable) that the recompute turns into a class case (B → D)
    and a proposed entry to the dishonesty list."""
    from django.utils import timezone

    from inspections.credit import services as credit_services
    from registry.models import User

    return credit_services.credit_event_record(
        facility=w["facility"],
        kind="entry_refused",
        occurred_on=timezone.localdate(),
        detail="拒绝检查人员进入",
        by=User.objects.get(username="lead"),
    )


def credit_event(w):
    return {"pk": _credit_event(w).pk}


def credit_class_case(w):
    return {"pk": _credit_event(w).facility.credit_cases.get(kind="class").pk}


def credit_objection(w):
    """The manager's objection to the event, with a PDF."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.credit import services as credit_services
    from registry.models import User

    case = credit_services.objection_file(
        event=_credit_event(w),
        reasons="当日院长不在，并非拒绝",
        evidence=SimpleUploadedFile("说明.pdf", PDF),
        by=User.objects.get(username="manager"),
    )
    return {"pk": case.pk}


def credit_list_entry(w):
    """The facility put on the dishonesty list by the lead's decision."""
    from inspections.credit import services as credit_services
    from registry.models import User

    case = _credit_event(w).facility.credit_cases.get(kind="list_entry")
    case = credit_services.case_decide(
        case=case, decision="accepted", by=User.objects.get(username="lead")
    )
    return {"pk": case.entry.pk}


def level_action(w):
    """A city lead's 约谈 of the world's county: its staff see it, the other county not."""
    from django.utils import timezone

    from inspections.enforcement import levels
    from registry.models import User

    city_lead = User.objects.create_user(username="scope-city-lead", role=User.Role.LEAD)
    city_lead.regions.set([w["city"]])
    action = levels.level_action_record(
        kind="interview",
        issuer_region=w["city"],
        target_region=w["county"],
        subject="约谈",
        reason="隐患逾期",
        content="要求整改",
        attendees="陈堃",
        held_on=timezone.localdate(),
        by=city_lead,
    )
    return {"pk": action.pk}


# POST-only pages of the bureau leads: a GET is refused for the method.
LEADS_POST = {"lead": 405, "other_lead": 405, "admin_user": 405}


def _duty_rule(w):
    from inspections.duties.models import DutyRule

    return DutyRule.objects.create(region=w["county"], kind="night_patrol", every="day")


def duty_rule(w):
    return {"pk": _duty_rule(w).pk}


def duty(w):
    """Tonight's night patrol duty of the world's facility, as the dispatcher makes it."""
    from inspections.duties.models import Duty
    from inspections.duties.schedule import duties_dispatch

    rule = _duty_rule(w)
    duties_dispatch()
    return {"pk": Duty.objects.get(rule=rule, facility=w["facility"]).pk}


def control_order(w):
    """A control order a lead of the county issued on the world's facility."""
    from inspections.enforcement import orders
    from registry.models import User

    order = orders.control_order_issue(
        facility=w["facility"],
        kind="stop_use",
        scope="building",
        scope_detail="2号楼",
        reason="C级危房",
        legal_basis="《养老机构管理办法》第四十六条",
        by=User.objects.get(username="lead"),
    )
    return {"pk": order.pk}


def licence(w):
    """A food business licence of the world's facility, recorded by a lead of the county."""
    from datetime import date

    from registry import licences
    from registry.models import User

    held = licences.licence_add(
        facility=w["facility"],
        values={
            "kind": "food",
            "number": "JY14306020000001",
            "issued_on": date(2022, 1, 5),
            "expires_on": date(2027, 1, 4),
        },
        by=User.objects.get(username="lead"),
    )
    return {"pk": held.pk}


def incident(w):
    """An incident the world's facility's manager reported."""
    from datetime import timedelta

    from django.utils import timezone

    from inspections.duties import incidents
    from registry.models import User

    reported = incidents.incident_report(
        facility=w["facility"],
        kind="fall",
        occurred_at=timezone.now() - timedelta(hours=1),
        summary="老人在走廊跌倒，髋部骨折",
        by=User.objects.get(username="manager"),
    )
    return {"pk": reported.pk}


def _enforcement_case(w):
    """An enforcement case a lead of the county opened on the world's facility."""
    from inspections.enforcement import cases
    from registry.models import User

    return cases.case_open(
        facility=w["facility"],
        kind="transfer",
        facts="疏散通道堵塞，逾期未改正",
        legal_basis="《中华人民共和国消防法》第六十条",
        by=User.objects.get(username="lead"),
    )


def enforcement_case(w):
    return {"pk": _enforcement_case(w).pk}


def _transfer(w):
    from django.utils import timezone

    from inspections.enforcement import cases
    from registry.models import User

    return cases.transfer_send(
        case=_enforcement_case(w),
        department="fire",
        department_name="岳阳楼区消防救援大队",
        contact="",
        sent_on=timezone.localdate(),
        by=User.objects.get(username="lead"),
    )


def transfer(w):
    return {"pk": _transfer(w).pk}


def penalty(w):
    from django.utils import timezone

    from inspections.enforcement import cases
    from registry.models import User

    decided = cases.penalty_record(
        case=_enforcement_case(w),
        decision_no="罚决字〔2026〕1号",
        authority="岳阳楼区民政局",
        kind="warning",
        legal_basis="《养老机构管理办法》第四十六条",
        decided_on=timezone.localdate(),
        by=User.objects.get(username="lead"),
    )
    return {"pk": decided.pk}


# A case and what hangs on it: the county's staff see them; a lead of the county acts.
SEES_ENFORCEMENT = expect(200, manager=404, other_manager=404, other_lead=404)
RUNS_ENFORCEMENT = expect(403, lead=200, manager=404, other_manager=404, other_lead=404)

PUBLIC = {role: 200 for role in ROLES}
# Nothing unpublished exists on the public site, for anyone.
NOWHERE = {role: 404 for role in ROLES}
API = {role: 401 for role in ROLES}
# Those who see the world facility's inspections.
SEES_CASE = expect(200, other_manager=404, other_lead=404)
# Only the team works on it: others who see it get 403.
TEAM_ONLY = expect(403, inspector=200, other_manager=404, other_lead=404)

# Checklists are a shared library: every bureau lead edits drafts, everyone reads.
LEADS_ONLY = expect(403, lead=200, other_lead=200, admin_user=200)
EDITS_LICENCES = expect(403, lead=200, admin_user=200, other_manager=404, other_lead=404)


def _case_major(w):
    """A major hazard the started case registered, its determination not recorded."""
    from django.utils import timezone

    from inspections.hazards import services as hazard_services
    from registry.models import User

    return hazard_services.hazard_register(
        facility=w["facility"],
        inspection=_case(w)[0],
        severity="major",
        source="case",
        description="未设火灾自动报警系统",
        found_on=timezone.localdate(),
        deadline_days=30,
        by=User.objects.get(username="lead"),
    )


def case_major(w):
    return {"pk": _case_major(w).pk}


def determination_report(w):
    """A third-party determination of the case's major hazard, with its report file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.enforcement import found
    from inspections.enforcement.models import MajorCriterion
    from registry.models import User

    determination = found.determination_record(
        hazard=_case_major(w),
        criterion=MajorCriterion.objects.get(code="1-08"),
        determined_by="third_party",
        assessor="评估机构",
        report_no="PG-1",
        report_file=SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n"),
        by=User.objects.get(username="lead"),
    )
    return {"pk": determination.pk}


def _complaint(w, *, photo=False):
    """A complaint about the world's facility from the public form."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from inspections.complaints import services

    uploads = []
    if photo:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
        uploads = [SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")]
    return services.complaint_submit(
        county=w["county"],
        facility=w["facility"],
        facility_text="",
        category="care",
        text="夜间无人值守",
        name="王某",
        phone="13800000000",
        uploads=uploads,
        address="192.0.2.1",
    ).complaint


def complaint(w):
    return {"pk": _complaint(w).pk}


def complaint_triage(w):
    return {"pk": _complaint(w).pk, "way": "answer"}


def complaint_answering(w):
    from inspections.complaints import services
    from registry.models import User

    answered = services.complaint_answer(
        complaint=_complaint(w), reason="", by=User.objects.get(username="lead")
    )
    return {"pk": answered.pk}


def complaint_photo(w):
    return {"pk": _complaint(w, photo=True).photos.get().pk}


# url name -> (kwargs builder, {role: status})
CASES = {
    "home": (None, expect(200)),
    "registry:facility_list": (None, expect(200)),
    "registry:facility_detail": (
        facility,
        expect(200, other_manager=404, other_lead=404),
    ),
    "registry:facility_detail#far": (
        far_facility,
        expect(404, other_lead=200, admin_user=200),
    ),
    "registry:facility_edit": (
        facility,
        expect(403, lead=200, other_lead=404, admin_user=200),
    ),
    "registry:inspector_list": (None, expect(403, **STAFF)),
    "registry:inspector_detail": (
        inspector_profile,
        expect(403, inspector=200, lead=200, auditor=200, admin_user=200, other_lead=404),
    ),
    "registry:calendar": (None, expect(200)),
    # Every account changes its own password; resetting one needs no log-in at all.
    "password_change": (None, expect(200)),
    "password_change_done": (None, expect(200)),
    "password_reset": (None, {**expect(200), ANON: 200}),
    "password_reset_done": (None, {**expect(200), ANON: 200}),
    # A made-up link: the page says it is invalid, for everyone alike.
    "password_reset_confirm": (
        lambda w: {"uidb64": "MQ", "token": "bad-token"},
        {**expect(200), ANON: 200},
    ),
    "password_reset_complete": (None, {**expect(200), ANON: 200}),
    "registry:import_facilities": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    "registry:import_inspectors": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    "registry:import_template": (
        lambda w: {"kind": "facilities"},
        expect(403, lead=200, other_lead=200, admin_user=200),
    ),
    # Without an upload waiting in the session, the preview sends a lead back to upload.
    "registry:import_preview": (
        lambda w: {"kind": "facilities"},
        expect(403, lead=302, other_lead=302, admin_user=302),
    ),
    "registry:import_confirm": (
        lambda w: {"kind": "inspectors"},
        expect(403, lead=405, other_lead=405, admin_user=405),
    ),
    "registry:import_cancel": (
        lambda w: {"kind": "facilities"},
        expect(403, lead=405, other_lead=405, admin_user=405),
    ),
    "checklists:template_list": (None, expect(200)),
    "checklists:template_create": (None, LEADS_ONLY),
    "checklists:template_detail": (checklist_template, expect(200)),
    "checklists:version_detail": (checklist_version, expect(200)),
    "checklists:version_preview": (checklist_version, expect(200)),
    "checklists:version_export": (checklist_version, expect(200)),
    "checklists:version_compare": (two_versions, expect(200)),
    "checklists:version_edit": (checklist_version, LEADS_ONLY),
    "checklists:version_publish": (checklist_version, LEADS_ONLY),
    "checklists:version_discard": (checklist_version, LEADS_ONLY),
    # POST-only: a GET is refused with 405 for those who may use it.
    "checklists:version_new_draft": (
        checklist_version,
        expect(403, lead=405, other_lead=405, admin_user=405),
    ),
    "checklists:version_submit": (
        checklist_version,
        expect(403, lead=405, other_lead=405, admin_user=405),
    ),
    "checklists:version_withdraw": (
        checklist_version,
        expect(403, lead=405, other_lead=405, admin_user=405),
    ),
    "checklists:section_create": (lambda w: {"version_pk": _checklist(w)[1].pk}, LEADS_ONLY),
    "checklists:section_edit": (checklist_section, LEADS_ONLY),
    "checklists:item_create": (checklist_section_items, LEADS_ONLY),
    "checklists:item_edit": (checklist_item, LEADS_ONLY),
    "checklists:remove": (checklist_item_kind, LEADS_ONLY),
    "checklists:move": (checklist_item_kind, expect(403, lead=405, other_lead=405, admin_user=405)),
    "inspections:plan_list": (None, expect(403, **STAFF)),
    "inspections:plan_create": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    "inspections:plan_detail": (approved_plan, expect(403, **{**STAFF, "other_lead": 404})),
    "inspections:plan_edit": (draft_plan, expect(403, lead=200, other_lead=404, admin_user=200)),
    "inspections:plan_approve": (draft_plan, expect(403, lead=200, other_lead=404, admin_user=200)),
    "inspections:draw_freeze": (
        approved_plan,
        expect(403, lead=200, other_lead=404, admin_user=200),
    ),
    "inspections:draw_detail": (drawn, expect(403, **{**STAFF, "other_lead": 404})),
    "inspections:draw_run": (drawn, expect(403, lead=405, other_lead=405, admin_user=405)),
    "inspections:draw_void": (drawn, expect(403, lead=200, other_lead=404, admin_user=200)),
    # Without ?facility= the page sends a lead back to the draw.
    "inspections:draw_substitute": (drawn, expect(403, lead=302, other_lead=404, admin_user=302)),
    # Names the facilities not yet inspected this year: the bureau and its auditors.
    "inspections:credit_coverage": (
        None,
        expect(403, lead=200, other_lead=200, auditor=200, admin_user=200),
    ),
    "inspections:inspection_list": (None, expect(200)),
    "inspections:inspection_detail": (
        drawn_inspection,
        expect(200, other_manager=404, other_lead=404),
    ),
    "inspections:case_open": (None, LEADS_ONLY),
    "inspections:self_open": (
        None,
        expect(403, manager=200, other_manager=200, admin_user=200),
    ),
    "inspections:inspection_schedule": (case, expect(405)),
    "inspections:inspection_start": (case, TEAM_ONLY),
    "inspections:checklist": (case, SEES_CASE),
    "inspections:answer_save": (case, expect(405)),
    "inspections:photo_add": (case, expect(405)),
    "inspections:upload_open": (case, expect(405)),
    # An upload is its uploader's: anyone else is told it does not exist.
    "inspections:upload": (case_upload, expect(404, inspector=200)),
    "inspections:photo_remove": (lambda w: {"pk": _case(w)[1].pk}, expect(405)),
    "inspections:finish": (case, SEES_CASE),
    "inspections:confirm": (case, expect(405)),
    "inspections:sign": (case, expect(405)),
    "inspections:reinspection_open": (
        case,
        expect(403, lead=200, other_lead=404, admin_user=200),
    ),
    "inspections:photo": (case_photo, SEES_CASE),
    "inspections:compare": (facility, expect(200, other_manager=404, other_lead=404)),
    "inspections:hazard_list": (None, expect(200)),
    "inspections:hazard_detail": (case_hazard, SEES_CASE),
    "inspections:hazard_rectify": (case_hazard, expect(405)),
    "inspections:hazard_verify": (case_hazard, expect(405)),
    "inspections:extension_request": (case_hazard, expect(405)),
    "inspections:extension_decide": (case_hazard, expect(405)),
    "inspections:supervision_plan": (case_hazard, expect(405)),
    "inspections:supervision_note": (case_hazard, expect(405)),
    "inspections:supervision_sign_off": (case_hazard, expect(405)),
    "inspections:reinspection_request": (case_hazard, expect(405)),
    "inspections:escalation_skip": (case_hazard, expect(405)),
    "inspections:hazard_interview_add": (
        case_hazard,
        expect(403, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:interview_add": (
        facility,
        expect(403, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:interview_list": (facility, expect(200, other_manager=404, other_lead=404)),
    "inspections:interview_detail": (interview, expect(200, other_manager=404, other_lead=404)),
    "inspections:notice_detail": (case_notice, SEES_CASE),
    "inspections:publication_list": (
        None,
        expect(200, manager=403, other_manager=403),
    ),
    "inspections:publication_review": (
        case_publication,
        expect(200, manager=404, other_manager=404, other_lead=404),
    ),
    "inspections:publication_publish": (case_publication, expect(405)),
    "inspections:publication_return": (case_publication, expect(405)),
    "inspections:publication_resubmit": (case_publication, expect(405)),
    "inspections:publication_correct": (case_publication, expect(405)),
    "inspections:publication_withdraw": (case_publication, expect(405)),
    # The credit file: what the facility's staff and managers see; leads act.
    "inspections:credit_file": (facility, expect(200, other_manager=404, other_lead=404)),
    "inspections:credit_event_record": (facility, expect(403, lead=200, other_lead=404)),
    "inspections:credit_cases": (None, expect(200)),
    "inspections:credit_case": (
        credit_class_case,
        expect(200, other_manager=404, other_lead=404),
    ),
    "inspections:credit_case_evidence": (
        credit_objection,
        expect(200, other_manager=404, other_lead=404),
    ),
    "inspections:credit_object": (credit_event, expect(403, manager=200, other_manager=404)),
    "inspections:credit_event_withdraw": (credit_event, expect(403, lead=200, other_lead=404)),
    "inspections:credit_lists": (None, expect(200)),
    # Hazards as found: the team registers on site; the team or a lead of the county
    # raises a hazard and records its determination; the report is whoever sees the hazard's.
    "inspections:hazard_add": (case, TEAM_ONLY),
    "inspections:hazard_raise": (
        case_hazard,
        expect(403, inspector=200, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:determination_record": (
        case_major,
        expect(403, inspector=200, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:determination_file": (
        determination_report,
        expect(200, other_manager=404, other_lead=404),
    ),
    # Credit repair waits a year after entry: the manager is told so on the file.
    "inspections:credit_repair": (
        credit_list_entry,
        expect(403, manager=302, other_manager=404),
    ),
    "portal:notifications": (None, expect(200)),
    "portal:notifications_read": (None, expect(405)),
    "portal:outbox": (None, expect(200)),
    # A task is its people's (the team here) and the county's leads'.
    "workflows:queue": (None, expect(403, lead=200, other_lead=200)),
    "workflows:task_detail": (case_task, expect(404, inspector=200, lead=200)),
    "workflows:task_reassign": (case_task, expect(404, inspector=302, lead=302)),
    # The service worker and the manifest are static files the browser fetches without
    # a session: the same for everyone, anonymous visitors included.
    "portal:service_worker": (None, {**expect(200), ANON: 200}),
    "portal:manifest": (None, {**expect(200), ANON: 200}),
    "reports_staff:hazard_export": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    # Leads and auditors have exports of their own (the hazard register, the change
    # history: core.exportkinds); each lists only their own jobs.
    "reports_staff:export_jobs": (
        None,
        expect(403, lead=200, other_lead=200, admin_user=200, auditor=200),
    ),
    # POST-only (the history page's form): a GET is refused with 405 for those who may
    # use exports.
    "reports_staff:export_request": (
        lambda w: {"kind": "audit_history"},
        expect(403, lead=405, other_lead=405, admin_user=405, auditor=405),
    ),
    # An export job is its requester's: every other lead, the auditor and the
    # administrator get 404.
    "reports_staff:export_job": (
        export_job,
        expect(403, lead=200, other_lead=404, admin_user=404, auditor=404),
    ),
    "reports_staff:export_job_download": (
        export_job,
        expect(403, lead=200, other_lead=404, admin_user=404, auditor=404),
    ),
    "reports_staff:hazard_dashboard": (
        None,
        expect(403, lead=200, other_lead=200, admin_user=200),
    ),
    "reports_staff:overview": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    "reports_staff:overview_xlsx": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    # Documents (PDF): the record of the finished case, a plan's announcements.
    "reports_staff:inspection_document": (
        lambda w: {"pk": _published(w)[0].inspection_id, "kind": "record"},
        SEES_CASE,
    ),
    # The facility's own duties: its managers record them, the county's staff read them.
    "inspections:duty_list": (None, expect(200)),
    "inspections:duty_detail": (duty, expect(200, other_manager=404, other_lead=404)),
    "inspections:duty_finish": (duty, expect(405)),
    "inspections:duty_self_start": (duty, expect(405)),
    "inspections:duties_late": (None, expect(403, **STAFF)),
    "inspections:duty_rule_list": (None, expect(403, **STAFF)),
    "inspections:duty_rule_new": (None, expect(403, lead=200, other_lead=200)),
    "inspections:duty_rule_edit": (duty_rule, expect(403, lead=200, other_lead=404)),
    "inspections:duty_rules_standard": (None, expect(403, **LEADS_POST)),
    "inspections:duty_rule_active": (duty_rule, expect(403, **LEADS_POST)),
    # Control orders: the county's staff and the facility's managers see them.
    "inspections:control_order_list": (None, expect(403, **STAFF)),
    "inspections:control_order_detail": (
        control_order,
        expect(200, other_manager=404, other_lead=404),
    ),
    # Issued by a lead of the county, or on the spot by the team of an inspection under way.
    "inspections:control_order_issue": (
        lambda w: {**facility(w), "source": "facility"},
        expect(403, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:control_order_issue#inspection": (
        lambda w: {**case(w), "source": "inspection"},
        expect(403, inspector=200, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:control_order_issue#hazard": (
        lambda w: {**case_hazard(w), "source": "hazard"},
        expect(403, inspector=200, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:control_order_acknowledge": (control_order, expect(405)),
    # Licences: read by whoever sees the facility, recorded by a lead of its region.
    "registry:licence_list": (None, expect(200)),
    "registry:licence_add": (facility, EDITS_LICENCES),
    "registry:licence_edit": (licence, EDITS_LICENCES),
    "registry:licence_deactivate": (licence, EDITS_LICENCES),
    # Incidents: reported by the facility's managers, read by the county's staff.
    "inspections:incident_list": (None, expect(200)),
    "inspections:incident_report": (
        None,
        expect(403, manager=200, other_manager=200, admin_user=200),
    ),
    "inspections:incident_detail": (incident, expect(200, other_manager=404, other_lead=404)),
    "inspections:incident_follow_up": (incident, expect(405)),
    "inspections:control_order_lift": (control_order, expect(405)),
    "reports_staff:enforcement_document#control": (
        lambda w: {**control_order(w), "kind": "control"},
        expect(200, other_manager=404, other_lead=404),
    ),
    # An enforcement document of no registered kind is not found, for everyone.
    "reports_staff:enforcement_document": (lambda w: {"kind": "none", "pk": 1}, expect(404)),
    "reports_staff:enforcement_document#interview": (
        lambda w: {"kind": "interview", **interview(w)},
        expect(200, other_manager=404, other_lead=404),
    ),
    "reports_staff:enforcement_document#level": (
        lambda w: {**level_action(w), "kind": "level"},
        expect(200, manager=404, other_manager=404, other_lead=404),
    ),
    # Enforcement cases, transfers (移送) and penalties: the county's staff; managers see
    # none (they see the penalties on the public page and the control orders served).
    "inspections:case_list": (None, expect(403, **STAFF)),
    "inspections:case_detail": (enforcement_case, SEES_ENFORCEMENT),
    "inspections:enforcement_case_open": (
        lambda w: {**facility(w), "source": "facility"},
        expect(403, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:enforcement_case_open#hazard": (
        lambda w: {**case_hazard(w), "source": "hazard"},
        expect(403, lead=200, other_manager=404, other_lead=404),
    ),
    "inspections:case_decide": (enforcement_case, RUNS_ENFORCEMENT),
    "inspections:case_close": (enforcement_case, RUNS_ENFORCEMENT),
    "inspections:transfer_send": (enforcement_case, RUNS_ENFORCEMENT),
    "inspections:penalty_record": (enforcement_case, RUNS_ENFORCEMENT),
    "inspections:transfer_detail": (transfer, SEES_ENFORCEMENT),
    # Complaints: the county's staff see them (who complained: its leads only); a
    # facility's managers see none; a lead of the county triages and replies.
    "inspections:complaint_list": (None, expect(403, **STAFF)),
    "inspections:complaint_new": (
        None,
        expect(403, inspector=200, lead=200, other_lead=200),
    ),
    "inspections:complaint_detail": (complaint, SEES_ENFORCEMENT),
    "inspections:complaint_recorded": (complaint, SEES_ENFORCEMENT),
    "inspections:complaint_triage": (complaint_triage, RUNS_ENFORCEMENT),
    "inspections:complaint_reply": (complaint_answering, RUNS_ENFORCEMENT),
    "inspections:complaint_photo": (complaint_photo, SEES_ENFORCEMENT),
    "complaints_public:form": (None, PUBLIC),
    "complaints_public:done": (None, PUBLIC),
    "complaints_public:lookup": (None, PUBLIC),
    "inspections:transfer_receive": (transfer, RUNS_ENFORCEMENT),
    "inspections:transfer_answer": (transfer, RUNS_ENFORCEMENT),
    "inspections:penalty_withdraw": (penalty, RUNS_ENFORCEMENT),
    "reports_staff:enforcement_document#transfer": (
        lambda w: {**transfer(w), "kind": "transfer"},
        SEES_ENFORCEMENT,
    ),
    "reports:penalties_json": (None, PUBLIC),
    "reports:penalties_csv": (None, PUBLIC),
    # Supervision of lower levels: the county's staff see what the city addressed to it.
    "inspections:level_actions": (None, expect(403, **STAFF)),
    "inspections:level_action_add": (None, expect(403, lead=200, other_lead=200, admin_user=200)),
    "inspections:level_action_detail": (
        level_action,
        expect(200, manager=403, other_manager=403, other_lead=404),
    ),
    "reports_staff:plan_document": (
        lambda w: {**approved_plan(w), "kind": "plan"},
        expect(403, **{**STAFF, "other_lead": 404}),
    ),
    "reports:plan_list": (None, PUBLIC),
    "reports:plan_detail": (approved_plan, PUBLIC),
    "reports:draw_list_json": (None, PUBLIC),
    "reports:draw_json": (drawn, PUBLIC),
    "reports:index": (None, PUBLIC),
    "reports:result_list": (None, PUBLIC),
    "reports:results_csv": (None, PUBLIC),
    "reports:results_json": (None, PUBLIC),
    "reports:result_detail": (published_result, PUBLIC),
    "reports:result_detail#pending": (case_publication, NOWHERE),
    "reports:result_version": (published_version, PUBLIC),
    "reports:result_version#pending": (lambda w: {**case_publication(w), "number": 1}, NOWHERE),
    "reports:result_photo": (published_photo, PUBLIC),
    "reports:result_photo#pending": (pending_photo, NOWHERE),
    "reports:facility_detail": (published_facility, PUBLIC),
    "reports:facility_detail#unpublished": (facility, NOWHERE),
    "reports:facility_detail#credit": (credit_facility, PUBLIC),
    "reports:result_pdf": (published_result, PUBLIC),
    "reports:result_pdf#pending": (case_publication, NOWHERE),
    "reports:plan_announcement_pdf": (approved_plan, PUBLIC),
    "reports:plan_announcement_pdf#draft": (draft_plan, NOWHERE),
    "reports:plan_results_pdf": (approved_plan, PUBLIC),
    "reports:plan_results_pdf#draft": (draft_plan, NOWHERE),
    # The API takes a token only: a logged-in session is no credential there (401).
    # tests/reports/test_api.py covers tokens and their regions.
    "api:schema": (None, PUBLIC),
    "api:docs": (None, PUBLIC),
    "api:plan-list": (None, API),
    "api:plan-detail": (approved_plan, API),
    "api:draw-list": (None, API),
    "api:draw-detail": (drawn, API),
    "api:result-list": (None, API),
    # Refused before any lookup, so no publication is needed.
    "api:result-detail": (lambda w: {"pk": 1}, API),
    "api:hazard-list": (None, API),
    "api:hazard-detail": (lambda w: {"register_no": _case_hazard(w)[0].register_no}, API),
    "api:credit-list": (None, API),
    "api:credit-detail": (lambda w: {"directory_no": w["facility"].directory_no}, API),
    # Any other URL under /api/ (reversed: /api/ itself) is the API's JSON 404, behind the token.
    "api:not_found": (None, API),
    "audit:history": (None, expect(403, auditor=200, admin_user=200)),
    "audit:history_csv": (None, expect(403, auditor=200, admin_user=200)),
    "audit:chain_jsonl": (None, expect(403, auditor=200, admin_user=200)),
    "audit:exceptions": (None, expect(403, auditor=200, admin_user=200)),
    "audit:exception_report": (
        lambda w: {"key": "late-publication"},
        expect(403, auditor=200, admin_user=200),
    ),
    "audit:exception_export": (
        lambda w: {"key": "closed-by-finder", "fmt": "xlsx"},
        expect(403, auditor=200, admin_user=200),
    ),
    # The seals are public: anyone keeps a copy.
    "audit_public:seal_list": (None, PUBLIC),
    "audit_public:seals_json": (None, PUBLIC),
    "audit:change": (facility_change, expect(403, auditor=200, admin_user=200)),
}


@pytest.fixture
def people(
    world, inspector, inspector2, manager, other_manager, lead, other_lead, auditor, admin_user
):
    return {
        "inspector": inspector,
        "manager": manager,
        "other_manager": other_manager,
        "lead": lead,
        "other_lead": other_lead,
        "auditor": auditor,
        "admin_user": admin_user,
    }


@pytest.mark.parametrize("case", list(CASES))
def test_every_role_on_every_url(case, world, people, as_user, client):
    kwargs_for, expected = CASES[case]
    url = reverse(case.split("#")[0], kwargs=kwargs_for(world) if kwargs_for else None)
    for role in ROLES:
        http = client if role == ANON else as_user(people[role])
        status = http.get(url).status_code
        assert status == expected[role], f"{role} on {url}: {status}, expected {expected[role]}"


def test_facility_lists_show_only_facilities_in_scope(world, people, as_user):
    names = {
        role: as_user(people[role]).get("/registry/facilities/").content.decode()
        for role in ("lead", "other_lead", "manager", "inspector")
    }
    assert world["facility"].name in names["lead"]
    assert world["far_facility"].name not in names["lead"]
    assert world["far_facility"].name in names["other_lead"]
    assert world["facility"].name not in names["other_lead"]
    assert world["facility"].name in names["manager"]
    assert world["other_facility"].name not in names["manager"]
    assert world["far_facility"].name not in names["inspector"]


def test_a_lead_cannot_move_a_facility_out_of_their_scope(world, lead, as_user):
    page = as_user(lead).get(f"/registry/facilities/{world['facility'].pk}/edit/")
    regions = page.context["form"].fields["region"].queryset
    assert world["county"] in regions
    assert world["other_county"] not in regions


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in (None, "admin") or entry.app_name == "admin":
                continue
            yield from _named_urls(entry, f"{namespace}{entry.namespace}:")
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_named_url_has_a_scope_row():
    covered = {case.split("#")[0] for case in CASES}
    ignored = {"login", "logout", "set_language"}
    missing = set(_named_urls()) - covered - ignored
    assert not missing, f"add these URLs to CASES: {sorted(missing)}"
