"""Duty pages: the manager's "My duties" and a duty's log form (phone first), the
bureau's duty rules and its view of who is late. Thin: scope through ``access``,
ask ``policy`` what to offer, call one service."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import pages
from inspections import access, policy
from inspections.duties import forms as duty_forms
from inspections.duties import rules as duty_rules
from inspections.duties import services
from inspections.duties.models import Duty, DutyRule

Kind = DutyRule.Kind
# Open duties due within this many days are "due soon" on the manager's list.
SOON_DAYS = 3


def _query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------- the manager's duties


def _narrowed(user, found, data):
    """The region (404 outside the user's scope) and due dates asked for."""
    if data["region"]:
        region = access.region_for_user(user, data["region"])
        if region is None:
            raise Http404
        found = found.filter(facility__region__path__startswith=region.path)
    if data["due_from"]:
        found = found.filter(due_on__gte=data["due_from"])
    if data["due_to"]:
        found = found.filter(due_on__lte=data["due_to"])
    return found


@access.member_required
def duty_list(request):
    today = timezone.localdate()
    form = duty_forms.DutyFilterForm(request.GET or None)
    state, kind = "open", ""
    found = access.duties(request.user).select_related("facility")
    if form.is_valid():
        state = form.cleaned_data["state"] or "open"
        kind = form.cleaned_data["kind"]
        found = _narrowed(request.user, found, form.cleaned_data)
    if state == "done":
        found = found.filter(status=Duty.Status.DONE).order_by("-done_at", "-pk")
    elif state == "all":
        found = found.order_by("due_on", "facility__name", "pk")
    else:
        found = found.filter(status=Duty.Status.OPEN)
        if state == "late":
            found = found.filter(due_on__lt=today)
        found = found.order_by("due_on", "facility__name", "pk")
    if kind:
        found = found.filter(kind=kind)
    return render(
        request,
        "duties/duty_list.html",
        {
            "page": pages.page(request, found),
            "form": form,
            "state": state,
            "states": duty_forms.DutyFilterForm.STATES,
            "kind": kind,
            "query": _query(request),
            "today": today,
            "soon": today + timedelta(days=SOON_DAYS),
        },
    )


def _log_form(duty, data=None):
    form_class = duty_forms.LOG_FORMS.get(Kind(duty.kind))
    if form_class is None:
        return None, None
    form = form_class(data)
    dishes = None
    if duty.kind == Kind.FOOD_SAMPLE:
        dishes = duty_forms.DishFormSet(data, prefix="dishes")
    return form, dishes


def _record(request, duty, form, dishes):
    """Call the service of the duty's kind with the parsed form; True when saved."""
    data = dict(form.cleaned_data)
    if dishes is not None:
        data["dishes"] = duty_forms.dishes_of(dishes)
    try:
        if duty.kind == Kind.NIGHT_PATROL:
            services.night_round_add(duty=duty, data=data, by=request.user)
            messages.success(request, _("The round was added to the night's log."))
        else:
            services.duty_log_record(duty=duty, data=data, by=request.user)
            messages.success(request, _("The log was recorded; the duty is done."))
    except ValidationError as error:
        for message in pages.errors(error):
            form.add_error(None, message)
        return False
    return True


@login_required
def duty_detail(request, pk):
    duty = access.duty_for_user(request.user, pk)
    user = request.user
    may_log = policy.allowed(policy.duty_log_refusal, user, duty)
    form = dishes = None
    if may_log:
        posted = request.POST if request.method == "POST" else None
        form, dishes = _log_form(duty, posted)
        if posted is not None and form is not None:
            valid = form.is_valid() and (dishes is None or dishes.is_valid())
            if valid and _record(request, duty, form, dishes):
                return redirect(duty)
            if not valid and dishes is not None and not dishes.is_valid():
                form.add_error(None, _("Check the dishes: each row needs a name and a weight."))
    elif request.method == "POST":
        raise PermissionDenied(policy.duty_log_refusal(user, duty))
    logs = list(duty.logs.select_related("recorded_by"))
    return render(
        request,
        "duties/duty_detail.html",
        {
            "duty": duty,
            "logs": logs,
            "rounds": logs[0].entries if duty.kind == Kind.NIGHT_PATROL and logs else [],
            "form": form,
            "dishes": dishes,
            "late": duty.is_late(),
            "finish_form": duty_forms.FinishForm()
            if policy.allowed(policy.duty_finish_refusal, user, duty)
            else None,
            "may_start": policy.allowed(policy.duty_self_start_refusal, user, duty),
            "start_refusal": policy.duty_self_start_refusal(user, duty)
            if access.manages(duty.facility, user) and duty.kind == Kind.SELF_INSPECTION
            else None,
            "inspection_visible": duty.inspection_id
            and access.inspections_for(user).filter(pk=duty.inspection_id).exists(),
        },
    )


@login_required
@require_POST
def duty_finish(request, pk):
    duty = access.duty_for_user(request.user, pk)
    form = duty_forms.FinishForm(request.POST)
    if form.is_valid():
        pages.call(
            request,
            services.night_patrol_finish,
            _("The night patrol log is complete; the duty is done."),
            duty=duty,
        )
    else:
        pages.flash_invalid(request, form, _("Tick the box to confirm the log is complete."))
    return redirect(duty)


@login_required
@require_POST
def duty_self_start(request, pk):
    duty = access.duty_for_user(request.user, pk)
    try:
        inspection = services.duty_self_inspection_start(duty=duty, by=request.user)
    except ValidationError as error:
        pages.flash(request, error)
        return redirect(duty)
    return redirect("inspections:checklist", pk=inspection.pk)


# ---------------------------------------------------------------- the bureau's rules


@access.staff_required
def duty_rule_list(request):
    rules = access.duty_rules_for(request.user).select_related("region", "checklist")
    regions = access.regions_for(request.user)
    may_set = access.is_lead(request.user) and regions.exists()
    return render(
        request,
        "duties/rule_list.html",
        {
            "page": pages.page(request, rules.order_by("-active", "region__code", "kind", "pk")),
            "may_set": may_set,
            "standard_form": duty_forms.StandardForm(regions=regions) if may_set else None,
            "standard_note": duty_rules.STANDARD_NOTE,
            "query": _query(request),
        },
    )


@access.lead_required
def duty_rule_edit(request, pk=None):
    rule = access.duty_rule_for_user(request.user, pk) if pk else None
    if not access.is_lead(request.user):
        # Administrators run the site; duty rules are a bureau lead's decision.
        raise PermissionDenied
    if rule is not None and not policy.allowed(policy.duty_rule_refusal, request.user, rule.region):
        raise PermissionDenied(policy.duty_rule_refusal(request.user, rule.region))
    regions = access.regions_for(request.user)
    initial = {}
    if rule is not None:
        initial = {
            "region": rule.region,
            "kind": rule.kind,
            "every": rule.every,
            "facility_types": rule.facility_types,
            "checklist": rule.checklist,
            "grace_days": rule.grace_days,
            "starts_on": rule.starts_on,
        }
    form = duty_forms.RuleForm(request.POST or None, regions=regions, initial=initial)
    if rule is not None:
        form.fields["region"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            duty_rules.rule_save(rule=rule, values=dict(form.cleaned_data), by=request.user)
        except ValidationError as error:
            for message in pages.errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("The duty rule was saved."))
            return redirect("inspections:duty_rule_list")
    return render(request, "duties/rule_form.html", {"form": form, "rule": rule})


@access.lead_required
@require_POST
def duty_rule_active(request, pk):
    rule = access.duty_rule_for_user(request.user, pk)
    active = request.POST.get("active") == "1"
    pages.call(
        request,
        duty_rules.rule_set_active,
        _("The duty rule is active: its duties are created from the next dispatch.")
        if active
        else _("The duty rule is deactivated: no new duty is created from it."),
        rule=rule,
        active=active,
    )
    return redirect("inspections:duty_rule_list")


@access.lead_required
@require_POST
def duty_rules_standard(request):
    form = duty_forms.StandardForm(request.POST, regions=access.regions_for(request.user))
    if form.is_valid():
        try:
            added = duty_rules.rules_add_standard(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            pages.flash(request, error)
        else:
            if added:
                messages.success(
                    request,
                    _("%(n)s standard duties were added.") % {"n": len(added)},
                )
            else:
                messages.info(request, _("The region already has every standard duty."))
    else:
        pages.flash_invalid(request, form, _("Choose the region and a published checklist."))
    return redirect("inspections:duty_rule_list")


# ---------------------------------------------------------------- who is late


def late_counts(duties):
    """Per facility and per region: late duties by kind, in two grouped queries."""
    by_kind = {f"n_{kind}": Count("pk", filter=Q(kind=kind)) for kind in Kind.values}
    facilities = (
        duties.order_by()
        .values("facility", "facility__name", "facility__region__name")
        .annotate(total=Count("pk"), **by_kind)
        .order_by("-total", "facility__name", "facility")
    )
    regions = (
        duties.order_by()
        .values("facility__region", "facility__region__name", "facility__region__code")
        .annotate(total=Count("pk"), **by_kind)
        .order_by("facility__region__code")
    )
    return facilities, regions


def _row(row):
    return {**row, "kinds": [(label, row[f"n_{kind}"]) for kind, label in Kind.choices]}


@access.staff_required
def duties_late(request):
    today = timezone.localdate()
    regions = access.regions_for(request.user)
    form = duty_forms.LateFilterForm(request.GET or None, regions=regions)
    late = access.duties(request.user).filter(status=Duty.Status.OPEN, due_on__lt=today)
    if form.is_valid():
        region = form.cleaned_data["region"]
        if region is not None:
            late = late.filter(facility__region__path__startswith=region.path)
        if form.cleaned_data["kind"]:
            late = late.filter(kind=form.cleaned_data["kind"])
    facilities, by_region = late_counts(late)
    page = pages.page(request, facilities)
    listing = late.select_related("facility__region").order_by("due_on", "facility__name", "pk")
    return render(
        request,
        "duties/late.html",
        {
            "form": form,
            "kinds": Kind.choices,
            "regions": [_row(row) for row in by_region],
            "page": page,
            "facilities": [_row(row) for row in page],
            "listing": listing[: pages.PAGE_SIZE],
            "total": sum(row["total"] for row in by_region),
            "query": _query(request),
            "today": today,
        },
    )
