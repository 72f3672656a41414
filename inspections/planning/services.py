"""Writes for plans, draws and the inspections a draw creates.

Each function is atomic, validates, saves object by object (so history records
who did it) and raises ValidationError with a message for the user.
"""

import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import ChecklistTemplate
from core import limits
from core.audited import save_with_history, set_history_user
from core.notifications import notify
from core.timefmt import iso
from inspections import policy
from inspections.common import _user, notify_managers
from inspections.credit import coverage
from inspections.credit import rules as credit_rules
from inspections.onsite.models import Inspection, InspectionChecklist, TeamMember
from inspections.planning import drawing
from inspections.planning.models import Draw, Plan, PlanDepartment, PlanTemplate
from inspections.signals import inspection_changed
from registry.access import paths_q
from registry.models import (
    ConflictOfInterest,
    Department,
    Facility,
    InspectorProfile,
    Region,
    User,
)
from registry.services import set_members

PLAN_M2M = ("joining_departments", "scope_regions", "pool_departments", "pool_regions")


# ---------------------------------------------------------------- plans


@transaction.atomic
def plan_save(
    *,
    values: Mapping[str, Any],
    m2m: Mapping[str, Iterable[models.Model]],
    checklists: Mapping[ChecklistTemplate, bool],
    by: User,
    plan: Plan | None = None,
    departments: Sequence[Mapping[str, Any]] | None = None,
    checklist_departments: Mapping[ChecklistTemplate, Department | None] | None = None,
) -> Plan:
    """Create or change a draft plan. ``checklists`` maps each template to its key flag.

    ``departments`` makes the plan joint (部门联合抽查): a list of
    ``{"department", "team_size", "delegate"}``, one per department; ``[]`` makes it a
    plan of one pool again and ``None`` leaves the plan's departments as they are.
    ``checklist_departments`` names the department answering each checklist of a joint
    plan; a checklist not named goes to the plan's department of its kind.
    """
    if plan is None:
        plan = Plan(created_by=_user(by))
    else:
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if not plan.is_draft:
            raise ValidationError(_("An approved plan cannot be changed."))
    policy.require(policy.plan_manage_refusal(by, plan))
    for name, value in values.items():
        setattr(plan, name, value)
    policy.require(policy.plan_manage_refusal(by, plan))
    if not checklists:
        raise ValidationError(_("Choose at least one checklist."))
    m2m = dict(m2m)
    joint = None
    if departments is None and plan.pk:
        departments = [
            {"department": d.department, "team_size": d.team_size, "delegate": d.delegate}
            for d in plan.departments.select_related("department", "delegate")
        ]
        if checklist_departments is None:
            checklist_departments = {
                pt.template: pt.department
                for pt in plan.checklists.select_related("template", "department")
            }
    if departments:
        joint = _joint_layout(
            plan, departments, checklists, checklist_departments or {}, m2m.get("pool_regions")
        )
        plan.team_size = sum(entry["team_size"] for entry in departments)
        m2m["pool_departments"] = [entry["department"] for entry in departments]
        m2m["joining_departments"] = [
            entry["department"]
            for entry in departments
            if entry["department"].pk != plan.lead_department_id
        ]
    plan.full_clean()
    save_with_history(plan, by=by)
    for name in PLAN_M2M:
        set_members(plan, name, m2m.get(name, []), by=by)
    _save_departments(plan, departments or [], by)
    answering = joint or {}
    current = {pt.template_id: pt for pt in plan.checklists.all()}
    for template, key in checklists.items():
        entry = current.pop(template.pk, None)
        department = answering.get(template.pk)
        if entry is None:
            entry = PlanTemplate(plan=plan, template=template, key=key, department=department)
            save_with_history(entry, by=by)
        elif entry.key != key or entry.department != department:
            entry.key = key
            entry.department = department
            save_with_history(entry, by=by)
    for entry in current.values():
        set_history_user(entry, _user(by))
        entry.delete()
    return plan


def _joint_layout(
    plan: Plan,
    departments: Sequence[Mapping[str, Any]],
    checklists: Mapping[ChecklistTemplate, bool],
    chosen: Mapping[ChecklistTemplate, Department | None],
    pool_regions: Iterable[Any] | None,
) -> dict[int, Department]:
    """Check a joint plan's departments; return the answering department of each checklist."""
    problems = []
    members = {entry["department"].pk: entry["department"] for entry in departments}
    if len(members) != len(departments):
        problems.append(_("Each department can be listed only once."))
    if len(members) < 2:
        problems.append(_("A joint inspection needs at least two departments."))
    for entry in departments:
        name = entry["department"].name
        if not isinstance(entry["team_size"], int) or entry["team_size"] < 1:
            problems.append(
                _("%(department)s must send at least one inspector to each inspection.")
                % {"department": name}
            )
        elif entry["team_size"] > 20:
            problems.append(
                _("%(department)s sends at most 20 inspectors to one inspection.")
                % {"department": name}
            )
        delegate = entry.get("delegate")
        if delegate is not None and (
            delegate.pk == entry["department"].pk or delegate.pk not in members
        ):
            problems.append(
                _(
                    "The hazards found by %(department)s can be verified only by itself or "
                    "by another department of the plan."
                )
                % {"department": name}
            )
    if sum(entry["team_size"] for entry in departments) < 2:
        problems.append(_("An inspection needs a team of at least two inspectors."))
    if plan.lead_department_id not in members:
        problems.append(_("The lead department must be one of the plan's departments."))
    answering: dict[int, Department] = {}
    by_code = sorted(members.values(), key=lambda d: d.code)
    for template in checklists:
        department = chosen.get(template) or next(
            (d for d in by_code if d.kind == template.department), None
        )
        if department is None or department.pk not in members:
            problems.append(
                _("Assign the checklist %(template)s to one of the plan's departments.")
                % {"template": template.title}
            )
        else:
            answering[template.pk] = department
    regions = list(pool_regions) if pool_regions is not None else list(plan.pool_regions.all())
    if regions:
        for department in members.values():
            if not _pool([department], regions, plan.pool_categories):
                problems.append(
                    _(
                        "%(department)s has no active inspector in the plan's inspector "
                        "regions with the required qualifications."
                    )
                    % {"department": department.name}
                )
    if problems:
        raise ValidationError(problems)
    return answering


def _save_departments(plan: Plan, departments: Sequence[Mapping[str, Any]], by: User) -> None:
    current = {pd.department_id: pd for pd in plan.departments.all()}
    for entry in departments:
        row = current.pop(entry["department"].pk, None) or PlanDepartment(
            plan=plan, department=entry["department"]
        )
        delegate = entry.get("delegate")
        if row.pk is None or row.team_size != entry["team_size"] or row.delegate != delegate:
            row.team_size = entry["team_size"]
            row.delegate = delegate
            save_with_history(row, by=by)
    for row in current.values():
        set_history_user(row, _user(by))
        row.delete()


def _pool(
    departments: Iterable[Department],
    regions: Iterable[Region],
    categories: Iterable[str] | None,
) -> list[tuple[int, str, int]]:
    """(pk, credential number, department pk) of the active inspectors of the
    departments in the regions, qualified for one of ``categories`` when any is given."""
    pool = InspectorProfile.objects.filter(
        active=True, user__is_active=True, department__in=list(departments)
    ).filter(paths_q([r.path for r in regions], "region__path"))
    wanted = set(categories or [])
    # JSON containment is not portable (SQLite has none): filter the short lists here.
    return [
        (pk, credential, department_id)
        for pk, credential, department_id, held in pool.values_list(
            "pk", "credential_no", "department_id", "categories"
        )
        if not wanted or wanted & set(held or [])
    ]


@transaction.atomic
def plan_approve(*, plan: Plan, by: User) -> Plan:
    """Approve and publish a draft: the plan is locked and its checklist versions pinned."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    policy.require(policy.plan_manage_refusal(by, plan))
    if not plan.is_draft:
        raise ValidationError(_("This plan is already approved."))
    if plan.window_end < timezone.localdate():
        # Its inspections could never start: they would only be cancelled as not carried out.
        raise ValidationError(
            _("The plan's window ended on %(date)s; change the window before approving it.")
            % {"date": plan.window_end.isoformat()}
        )
    problems = []
    entries = list(plan.checklists.select_related("template"))
    if not entries:
        problems.append(_("Choose at least one checklist."))
    for entry in entries:
        version = entry.template.current_version
        if version is None:
            problems.append(_("Checklist %(t)s has no published version.") % {"t": entry.template})
        entry.version = version
    if not plan.scope_regions.exists():
        problems.append(_("Choose the regions whose facilities may be drawn."))
    if not plan.pool_departments.exists() or not plan.pool_regions.exists():
        problems.append(_("Choose the departments and regions of the inspector pool."))
    if problems:
        raise ValidationError(problems)
    for entry in entries:
        save_with_history(entry, by=by)
    plan.approve(by=_user(by))
    return save_with_history(plan, by=by)


# ---------------------------------------------------------------- draws


def plan_candidates(plan: Plan) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """Facilities and inspectors the plan would draw from now, by published code."""
    facilities = Facility.objects.filter(active=True).filter(
        paths_q(plan.scope_regions.values_list("path", flat=True), "region__path")
    )
    if plan.scope_types:
        facilities = facilities.filter(type__in=plan.scope_types)
    if plan.scope_filed != Plan.Filed.ALL:
        facilities = facilities.filter(filed=plan.scope_filed == Plan.Filed.FILED)
    facility_codes: dict[str, int] = {}
    strata: dict[str, list[str]] = {cls: [] for cls in drawing.CLASSES}
    for pk, credit_code, directory_no, risk_class in facilities.values_list(
        "pk", "credit_code", "directory_no", "risk_class"
    ):
        code = credit_code or directory_no
        facility_codes[code] = pk
        strata[risk_class].append(code)
    for codes in strata.values():
        codes.sort()

    joint = list(plan.departments.select_related("department").order_by("department__code"))
    members = _pool(
        [pd.department for pd in joint] if joint else plan.pool_departments.all(),
        plan.pool_regions.all(),
        plan.pool_categories,
    )
    inspector_codes = {credential: pk for pk, credential, _department in members}

    code_of_facility = {pk: code for code, pk in facility_codes.items()}
    code_of_inspector = {pk: code for code, pk in inspector_codes.items()}
    excluded: dict[str, set[str]] = {}
    for facility_id, inspector_id in ConflictOfInterest.objects.filter(
        facility_id__in=code_of_facility, inspector_id__in=code_of_inspector
    ).values_list("facility_id", "inspector_id"):
        excluded.setdefault(code_of_facility[facility_id], set()).add(
            code_of_inspector[inspector_id]
        )
    if plan.exclude_last_inspectors:
        last: dict[int, int] = {}
        for inspection_id, facility_id in (
            Inspection.objects.filter(facility_id__in=code_of_facility)
            .exclude(status=Inspection.Status.CANCELLED)
            .exclude(plan=plan)
            .order_by("facility_id", "-window_start", "-pk")
            .values_list("pk", "facility_id")
        ):
            last.setdefault(facility_id, inspection_id)
        for facility_id, inspector_id in TeamMember.objects.filter(
            inspection_id__in=last.values(), active=True, inspector_id__in=code_of_inspector
        ).values_list("inspection__facility_id", "inspector_id"):
            excluded.setdefault(code_of_facility[facility_id], set()).add(
                code_of_inspector[inspector_id]
            )
    code_map: dict[str, dict[str, int]] = {
        "facilities": facility_codes,
        "inspectors": inspector_codes,
    }
    inspectors: list[str] | dict[str, list[str]] = sorted(inspector_codes)
    if joint:
        # v3: one pool per department, keyed by the department's code.
        code_of_department = {pd.department.pk: pd.department.code for pd in joint}
        pools: dict[str, list[str]] = {code: [] for code in code_of_department.values()}
        for _pk, credential, department_id in members:
            pools[code_of_department[department_id]].append(credential)
        inspectors = {code: sorted(codes) for code, codes in pools.items()}
        code_map["departments"] = {pd.department.code: pd.department.pk for pd in joint}
    document = drawing.candidates_document(
        parameters=_draw_parameters(plan, facility_codes, joint),
        strata=strata,
        inspectors=inspectors,
        exclusions={f: sorted(codes) for f, codes in sorted(excluded.items())},
    )
    return document, code_map


def _draw_parameters(
    plan: Plan, facility_codes: Mapping[str, int], joint: Sequence[PlanDepartment] = ()
) -> dict[str, Any]:
    """The parameters a draw of ``plan`` would freeze now.

    Plain ratios and no key-list member among the candidates: v1's three keys, as
    always. Otherwise v2's: the key list's members (always drawn) and, when the plan
    covers what remains of its year, the candidates already checked that year, with
    the yearly ratios of the credit rules (what the coverage page counts against).
    A joint plan freezes v3: v2's keys, always, plus its departments and the number
    of inspectors each sends (``team_size`` is their sum).
    """
    parameters: dict[str, Any] = {
        "ratios": plan.ratios,
        "team_size": plan.team_size,
        "max_per_inspector": plan.max_per_inspector,
    }
    ids = set(facility_codes.values())
    required = coverage.key_list_ids(ids)
    if joint:
        parameters["team_size"] = sum(pd.team_size for pd in joint)
        parameters["departments"] = [
            {"code": pd.department.code, "team_size": pd.team_size} for pd in joint
        ]
    elif not plan.cover_remaining and not required:
        return parameters
    checked: set[int] = set()
    if plan.cover_remaining:
        parameters["ratios"] = dict(credit_rules.current().ratios)
        checked = coverage.checked_ids(plan.year, ids)
    return {
        **parameters,
        "cover_remaining": plan.cover_remaining,
        "required": sorted(code for code, pk in facility_codes.items() if pk in required),
        "checked": sorted(code for code, pk in facility_codes.items() if pk in checked),
    }


@transaction.atomic
def draw_freeze(*, plan: Plan, by: User) -> Draw:
    """Lock the candidates, commit to a fresh secret, and publish the commitment."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    policy.require(policy.plan_manage_refusal(by, plan))
    if plan.is_draft:
        raise ValidationError(_("Approve the plan before freezing a draw."))
    if plan.draws.filter(status__in=[Draw.Status.FROZEN, Draw.Status.VALID]).exists():
        raise ValidationError(
            _("This plan already has a live draw; void it with a reason before a new one.")
        )
    document, code_map = plan_candidates(plan)
    if not any(document["strata"].values()):
        raise ValidationError(_("No active facility falls within the plan's scope."))
    if isinstance(document["inspectors"], dict):
        names = dict(plan.departments.values_list("department__code", "department__name"))
        short = [
            _(
                "The pool of %(department)s has %(n)d inspector(s), fewer than the "
                "%(team)d it sends to each inspection."
            )
            % {"department": names[entry["code"]], "n": n, "team": entry["team_size"]}
            for entry in document["parameters"]["departments"]
            if (n := len(document["inspectors"][entry["code"]])) < entry["team_size"]
        ]
        if short:
            raise ValidationError(short)
    elif len(document["inspectors"]) < plan.team_size:
        raise ValidationError(
            _("The inspector pool has %(n)d inspector(s), fewer than a team of %(team)d.")
            % {"n": len(document["inspectors"]), "team": plan.team_size}
        )
    secret = secrets.token_hex(32)
    draw = Draw(
        plan=plan,
        algorithm=drawing.algorithm_of(document["parameters"]),
        frozen_at=timezone.now(),
        frozen_by=_user(by),
        secret=secret,
        commitment=drawing.commitment_of(secret),
        candidates=document,
        candidates_sha256=drawing.candidates_sha256(document),
        code_map=code_map,
    )
    return save_with_history(draw, by=by)


def _facility_label(draw: Draw, code: str) -> str:
    facility = Facility.objects.filter(pk=draw.code_map["facilities"].get(code)).first()
    return f"{facility.name}（{code}）" if facility else code


def _department_label(draw: Draw, code: str) -> str:
    pk = draw.code_map.get("departments", {}).get(code)
    department = Department.objects.filter(pk=pk).first()
    return f"{department.name}（{code}）" if department else code


@transaction.atomic
def draw_run(*, draw: Draw, public_entropy: str, source: str, by: User) -> Draw:
    """Enter the public value and draw. A failed draw is recorded and assigns nothing."""
    draw = Draw.objects.select_for_update().select_related("plan").get(pk=draw.pk)
    policy.require(policy.plan_manage_refusal(by, draw.plan))
    if draw.status != Draw.Status.FROZEN:
        raise ValidationError(_("This draw has already been run or voided."))
    public_entropy = limits.text(public_entropy, limit=limits.SHORT, label=_("Public random value"))
    source = limits.text(source, limit=limits.SHORT, label=_("Where it was published"))
    if not public_entropy:
        raise ValidationError(_("Enter the public random value."))
    if not source:
        raise ValidationError(_("Say where the public random value was published."))
    candidates = draw.candidates
    parameters = candidates["parameters"]
    draw.public_entropy = public_entropy
    draw.public_entropy_source = source
    draw.seed = drawing.seed_of(draw.secret, public_entropy)
    try:
        if draw.algorithm == drawing.V3:
            result = drawing.draw_joint(
                seed=draw.seed,
                strata=candidates["strata"],
                ratios=parameters["ratios"],
                departments=parameters["departments"],
                inspectors=candidates["inspectors"],
                exclusions=candidates["exclusions"],
                max_per_inspector=parameters["max_per_inspector"],
                **drawing.selection_lists(parameters),
            )
        else:
            result = drawing.draw(
                seed=draw.seed,
                strata=candidates["strata"],
                ratios=parameters["ratios"],
                inspectors=candidates["inspectors"],
                exclusions=candidates["exclusions"],
                team_size=parameters["team_size"],
                max_per_inspector=parameters["max_per_inspector"],
                **drawing.selection_lists(parameters),
            )
    except drawing.DrawFailed as failed:
        draw.selected, _order = drawing.select(
            draw.seed,
            candidates["strata"],
            parameters["ratios"],
            **drawing.selection_lists(parameters),
        )
        if failed.department:
            draw.failure = _(
                "Facility %(facility)s has only %(n)d eligible inspector(s) of %(department)s, "
                "which sends %(team)d to each inspection. Widen that department's inspector "
                "pool, raise the most inspections per inspector, or lower the sampling "
                "ratios, then freeze a new draw."
            ) % {
                "facility": _facility_label(draw, failed.facility),
                "department": _department_label(draw, failed.department),
                "n": failed.available,
                "team": failed.team_size,
            }
        else:
            draw.failure = _(
                "Facility %(facility)s has only %(n)d eligible inspector(s) for a team of "
                "%(team)d. Widen the inspector pool, raise the most inspections per "
                "inspector, or lower the sampling ratios, then freeze a new draw."
            ) % {
                "facility": _facility_label(draw, failed.facility),
                "n": failed.available,
                "team": failed.team_size,
            }
        draw.fail(by=_user(by))
        return save_with_history(draw, by=by)
    draw.selected = result.selected
    draw.assignments = result.assignments
    draw.next_k = result.next_k
    draw.complete(by=_user(by))
    save_with_history(draw, by=by)
    _create_inspections(draw, by)
    return draw


def _create_inspections(draw: Draw, by: User) -> None:
    plan = draw.plan
    facility_pk = draw.code_map["facilities"]
    inspector_pk = draw.code_map["inspectors"]
    profiles = InspectorProfile.objects.select_related("user").in_bulk(inspector_pk.values())
    facilities = Facility.objects.in_bulk(facility_pk.values())
    versions = list(plan.checklists.select_related("version"))
    # v3: the department each inspector was drawn for (None for v1 and v2).
    department_pk = draw.code_map.get("departments", {})
    drawn_for = {
        code: department_pk[department]
        for code, department in drawing.department_of_codes(draw.candidates["inspectors"]).items()
    }
    for assignment in draw.assignments:
        facility = facilities[facility_pk[assignment["facility"]]]
        inspection = save_with_history(
            Inspection(
                facility=facility,
                plan=plan,
                draw=draw,
                kind=plan.kind,
                unannounced=plan.unannounced,
                window_start=plan.window_start,
                window_end=plan.window_end,
            ),
            by=by,
        )
        for entry in versions:
            save_with_history(
                InspectionChecklist(
                    inspection=inspection,
                    version=entry.version,
                    key=entry.key,
                    department_id=entry.department_id,
                ),
                by=by,
            )
        for position, code in enumerate(assignment["inspectors"]):
            profile = profiles[inspector_pk[code]]
            save_with_history(
                TeamMember(
                    inspection=inspection,
                    inspector=profile,
                    position=position,
                    department_id=drawn_for.get(code),
                ),
                by=by,
            )
            notify(
                user=profile.user,
                text=_("You were drawn to inspect %(facility)s (%(plan)s), %(start)s to %(end)s.")
                % {
                    "facility": facility.name,
                    "plan": plan.name,
                    "start": plan.window_start.isoformat(),
                    "end": plan.window_end.isoformat(),
                },
                url=inspection.get_absolute_url(),
                by=by,
            )
        inspection_changed.send(sender=Inspection, inspection=inspection, event="opened", by=by)


@transaction.atomic
def draw_void(*, draw: Draw, reason: str, by: User) -> Draw:
    """Void a frozen or valid draw with a written reason; it stays public, marked void."""
    draw = Draw.objects.select_for_update().select_related("plan").get(pk=draw.pk)
    policy.require(policy.plan_manage_refusal(by, draw.plan))
    # Kept as each cancelled inspection's reason too (a 500-character column).
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    if not reason:
        raise ValidationError(_("Write why the draw is voided."))
    if draw.status not in (Draw.Status.FROZEN, Draw.Status.VALID):
        raise ValidationError(_("Only a frozen or drawn draw can be voided."))
    inspections = list(draw.inspections.select_for_update())
    if any(i.started_at for i in inspections):
        raise ValidationError(
            _("An inspection of this draw has started; the draw can no longer be voided.")
        )
    draw.void(by=_user(by), reason=reason)
    save_with_history(draw, by=by, reason=reason)
    for inspection in inspections:
        if inspection.status == Inspection.Status.CANCELLED:
            continue
        _cancel(
            inspection,
            reason=reason,
            by=by,
            team_text=_("The inspection of %(facility)s was cancelled: the draw was voided."),
        )
    return draw


def _cancel(inspection: Inspection, *, reason: str, by: User | None, team_text: str) -> None:
    """Cancel an inspection not yet started, keeping why; tell its team, and the
    facility when it was told the date."""
    inspection.cancel()
    inspection.cancelled_reason = reason
    save_with_history(inspection, by=by, reason=reason)
    inspection_changed.send(sender=Inspection, inspection=inspection, event="cancelled", by=by)
    if inspection.notified_at:
        assert inspection.planned_date is not None  # the facility was told this date
        notify_managers(
            facility=inspection.facility,
            text=_("The announced inspection of %(facility)s on %(date)s is cancelled.")
            % {
                "facility": inspection.facility.name,
                "date": inspection.planned_date.isoformat(),
            },
            url=inspection.get_absolute_url(),
            by=by,
        )
    for member in inspection.team.filter(active=True).select_related("inspector__user"):
        notify(
            user=member.inspector.user,
            text=team_text % {"facility": inspection.facility.name},
            url=inspection.get_absolute_url(),
            by=by,
        )


@transaction.atomic
def plan_windows_close(*, today: date | None = None, by: User | None = None) -> list[Inspection]:
    """Cancel, as not carried out, every drawn inspection whose plan window ended
    before it started; the reason is recorded and shown to the public. Run by the
    dispatcher (``manage.py workflow_timers``) with ``by=None``: the system. Safe to
    run any number of times: only inspections still scheduled are touched. Returns
    the inspections cancelled."""
    today = today or timezone.localdate()
    # A second dispatcher waits here, then finds these no longer scheduled.
    expired = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("facility")
        .filter(plan__isnull=False, status=Inspection.Status.SCHEDULED, window_end__lt=today)
        .order_by("pk")
    )
    cancelled = []
    for inspection in expired:
        _cancel(
            inspection,
            reason=_("The plan's window ended on %(date)s before the inspection started.")
            % {"date": inspection.window_end.isoformat()},
            by=by,
            team_text=_(
                "The inspection of %(facility)s was not carried out: the plan's window ended."
            ),
        )
        cancelled.append(inspection)
    return cancelled


@transaction.atomic
def draw_substitute(
    *, draw: Draw, facility_code: str, out_code: str, reason: str, by: User
) -> Draw:
    """Replace an unavailable inspector with the next eligible one of the facility's sequence."""
    draw = Draw.objects.select_for_update().select_related("plan").get(pk=draw.pk)
    policy.require(policy.plan_manage_refusal(by, draw.plan))
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    if draw.status != Draw.Status.VALID:
        raise ValidationError(_("Only a valid draw's teams can change."))
    if not reason:
        raise ValidationError(_("Write why the inspector is unavailable."))
    inspection = (
        draw.inspections.select_for_update()
        .filter(facility_id=draw.code_map["facilities"].get(facility_code))
        .first()
    )
    if inspection is None:
        raise ValidationError(_("That facility was not drawn."))
    if inspection.started_at:
        raise ValidationError(_("The inspection has started; its team can no longer change."))
    candidates = draw.candidates
    parameters = candidates["parameters"]
    changes = [(s["facility"], s["out"]) for s in draw.substitutions]
    changes.append((facility_code, out_code))
    result = drawing.Result(
        selected=draw.selected,
        order=[a["facility"] for a in draw.assignments],
        assignments=draw.assignments,
        next_k=draw.next_k,
    )
    try:
        if draw.algorithm == drawing.V3:
            chosen, _teams = drawing.substitutes_joint(
                seed=draw.seed,
                inspectors=candidates["inspectors"],
                exclusions=candidates["exclusions"],
                max_per_inspector=parameters["max_per_inspector"],
                result=result,
                changes=changes,
            )
        else:
            chosen, _teams = drawing.substitutes(
                seed=draw.seed,
                inspectors=candidates["inspectors"],
                exclusions=candidates["exclusions"],
                team_size=parameters["team_size"],
                max_per_inspector=parameters["max_per_inspector"],
                result=result,
                changes=changes,
            )
    except ValueError:
        raise ValidationError(_("That inspector is not on this facility's team.")) from None
    except drawing.NoSubstitute:
        if draw.algorithm == drawing.V3:
            department = drawing.department_of_codes(candidates["inspectors"])[out_code]
            raise ValidationError(
                _(
                    "No eligible inspector of %(department)s is left for this facility; "
                    "void the draw and draw again."
                )
                % {"department": _department_label(draw, department)}
            ) from None
        raise ValidationError(
            _("No eligible inspector is left for this facility; void the draw and draw again.")
        ) from None
    in_code = chosen[-1]
    now = timezone.now()
    draw.substitutions = [
        *draw.substitutions,
        {
            "facility": facility_code,
            "out": out_code,
            "in": in_code,
            "reason": reason,
            "at": iso(now),
        },
    ]
    save_with_history(draw, by=by, reason=reason)
    inspector_pk = draw.code_map["inspectors"]
    leaving = inspection.team.select_related("inspector__user").get(
        inspector_id=inspector_pk[out_code], active=True
    )
    leaving.active = False
    leaving.replaced_reason = reason
    save_with_history(leaving, by=by, reason=reason)
    joining = InspectorProfile.objects.select_related("user").get(pk=inspector_pk[in_code])
    save_with_history(
        TeamMember(
            inspection=inspection,
            inspector=joining,
            position=leaving.position,
            department_id=leaving.department_id,
        ),
        by=by,
        reason=reason,
    )
    notify(
        user=joining.user,
        text=_("You replace an unavailable inspector at %(facility)s (%(plan)s).")
        % {"facility": inspection.facility.name, "plan": draw.plan.name},
        url=inspection.get_absolute_url(),
        by=by,
    )
    notify(
        user=leaving.inspector.user,
        text=_("You were replaced on the inspection of %(facility)s.")
        % {"facility": inspection.facility.name},
        url="",
        by=by,
    )
    return draw
