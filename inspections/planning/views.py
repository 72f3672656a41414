"""Staff pages for plans, draws and inspections. Thin: parse, scope, call a service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import pages
from inspections import access
from inspections.planning import drawing, services
from inspections.planning.forms import PlanForm, RunForm, SubstituteForm, VoidForm
from inspections.planning.models import Draw
from inspections.planning.selectors import draw_names, draw_rows


@access.staff_required
def plan_list(request):
    plans = (
        access.plans_for(request.user)
        .select_related("region", "lead_department")
        .annotate(inspection_count=Count("inspections", filter=~Q(inspections__status="cancelled")))
        .order_by("-year", "-window_start", "-pk")
    )
    return render(
        request,
        "inspections/planning/plan_list.html",
        {"page": pages.page(request, plans), "can_edit": access.can_lead(request.user)},
    )


def _plan_form(request, plan=None):
    return PlanForm(
        request.POST or None,
        instance=plan,
        regions=access.regions_for(request.user).order_by("path"),
    )


def _save_plan(request, form, plan=None):
    m2m_names = services.PLAN_M2M
    values = {name: form.cleaned_data[name] for name in form.Meta.fields if name not in m2m_names}
    try:
        return services.plan_save(
            plan=plan,
            values=values,
            m2m={name: form.cleaned_data[name] for name in m2m_names},
            checklists=form.checklists(),
            departments=form.departments(),
            checklist_departments=form.checklist_departments(),
            by=request.user,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            form.add_error(None, error.messages)
        return None


@access.lead_required
def plan_create(request):
    form = _plan_form(request)
    if request.method == "POST" and form.is_valid():
        plan = _save_plan(request, form)
        if plan:
            messages.success(request, _("The plan was saved as a draft."))
            return redirect(plan)
    return render(request, "inspections/planning/plan_form.html", {"form": form})


@access.lead_required
def plan_edit(request, pk):
    plan = access.plan_for_user(request.user, pk)
    if not plan.is_draft:
        messages.error(request, _("An approved plan cannot be changed."))
        return redirect(plan)
    form = _plan_form(request, plan)
    if request.method == "POST" and form.is_valid():
        if _save_plan(request, form, plan):
            messages.success(request, _("The plan was saved."))
            return redirect(plan)
    return render(request, "inspections/planning/plan_form.html", {"form": form, "plan": plan})


@access.staff_required
def plan_detail(request, pk):
    plan = access.plan_for_user(request.user, pk)
    draws = plan.draws.all()
    return render(
        request,
        "inspections/planning/plan_detail.html",
        {
            "plan": plan,
            "checklists": plan.checklists.select_related("template", "version", "department"),
            "plan_departments": plan.departments.select_related("department", "delegate"),
            "draws": draws,
            "can_edit": access.can_lead(request.user),
            "can_freeze": not plan.is_draft and not any(d.is_open for d in draws),
        },
    )


@access.lead_required
def plan_approve(request, pk):
    plan = access.plan_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.plan_approve(plan=plan, by=request.user)
        except ValidationError as error:
            for problem in pages.errors(error):
                messages.error(request, problem)
        else:
            messages.success(request, _("The plan is approved and published."))
        return redirect(plan)
    return render(request, "inspections/planning/plan_approve.html", {"plan": plan})


@access.lead_required
def draw_freeze(request, pk):
    plan = access.plan_for_user(request.user, pk)
    if request.method == "POST":
        try:
            draw = services.draw_freeze(plan=plan, by=request.user)
        except ValidationError as error:
            for problem in pages.errors(error):
                messages.error(request, problem)
            return redirect(plan)
        messages.success(request, _("The draw is frozen and its commitment published."))
        return redirect(draw)
    document, _codes = services.plan_candidates(plan)
    return render(
        request,
        "inspections/planning/draw_freeze.html",
        {
            "plan": plan,
            "strata": {cls: len(codes) for cls, codes in document["strata"].items()},
            "inspector_count": len(drawing.pool_codes(document["inspectors"])),
            "department_pools": _department_pools(plan, document),
            "exclusion_count": len(document["exclusions"]),
            "required_count": len(document["parameters"].get("required", [])),
            "checked_count": len(document["parameters"].get("checked", [])),
        },
    )


def _department_pools(plan, document):
    """v3: each department of a joint plan, its inspectors per team and its pool's size."""
    pools = document["inspectors"]
    if not isinstance(pools, dict):
        return []
    return [
        {
            "department": pd.department,
            "team_size": pd.team_size,
            "pool": len(pools.get(pd.department.code, [])),
        }
        for pd in plan.departments.select_related("department")
    ]


def _draw_context(draw):
    """Names for the codes of a draw, for people who read names."""
    names = draw_names(draw)
    facilities, inspectors = names
    substitutions = [
        {
            **s,
            "facility_obj": facilities.get(s["facility"]),
            "out_obj": inspectors.get(s["out"]),
            "in_obj": inspectors.get(s["in"]),
        }
        for s in draw.substitutions
    ]
    selected = draw.selected or {}
    strata_rows = [
        (cls, len(codes), len(selected[cls]) if cls in selected else None)
        for cls, codes in draw.candidates["strata"].items()
    ]
    return {
        "rows": draw_rows(draw, names),
        "substitutions": substitutions,
        "strata_rows": strata_rows,
    }


@access.staff_required
def draw_detail(request, pk):
    draw = access.draw_for_user(request.user, pk)
    lead = access.can_lead(request.user)
    context = {
        "draw": draw,
        "plan": draw.plan,
        "can_edit": lead,
        "run_form": RunForm() if lead and draw.status == Draw.Status.FROZEN else None,
        "revealed": draw.is_revealed(),
        **_draw_context(draw),
    }
    return render(request, "inspections/planning/draw_detail.html", context)


@access.lead_required
@require_POST
def draw_run(request, pk):
    draw = access.draw_for_user(request.user, pk)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            draw = services.draw_run(
                draw=draw,
                public_entropy=form.cleaned_data["public_entropy"],
                source=form.cleaned_data["source"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            if draw.status == Draw.Status.VALID:
                messages.success(request, _("The draw is done; the teams were notified."))
            else:
                messages.error(request, draw.failure)
            return redirect(draw)
    return render(
        request,
        "inspections/planning/draw_detail.html",
        {
            "draw": draw,
            "plan": draw.plan,
            "can_edit": True,
            "run_form": form,
            "revealed": False,
            **_draw_context(draw),
        },
    )


@access.lead_required
def draw_void(request, pk):
    draw = access.draw_for_user(request.user, pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.draw_void(draw=draw, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The draw is void. It stays public with your reason."))
            return redirect(draw)
    return render(request, "inspections/planning/draw_void.html", {"draw": draw, "form": form})


@access.lead_required
def draw_substitute(request, pk):
    draw = access.draw_for_user(request.user, pk)
    code = request.GET.get("facility") or request.POST.get("facility", "")
    row = next((r for r in _draw_context(draw)["rows"] if r["code"] == code), None)
    if draw.status != Draw.Status.VALID or row is None:
        messages.error(request, _("Choose a facility of a valid draw."))
        return redirect(draw)
    inspection = draw.inspections.filter(facility=row["facility"]).first()
    current = [
        (m.inspector.credential_no, m.inspector.user.display_name)
        for m in inspection.team.filter(active=True).select_related("inspector__user")
    ]
    form = SubstituteForm(request.POST or None, members=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.draw_substitute(
                draw=draw,
                facility_code=code,
                out_code=form.cleaned_data["member"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The substitute was drawn and notified."))
            return redirect(draw)
    return render(
        request,
        "inspections/planning/draw_substitute.html",
        {"draw": draw, "row": row, "form": form, "code": code},
    )
