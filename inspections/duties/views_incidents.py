"""Incident pages (突发事件): the list (the bureau's, late reports marked; a manager's own),
reporting one with a confirmation step, an incident's page with its follow-ups. Thin:
scope through ``access``, ask ``policy`` which actions to offer, call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import pages
from inspections import access, policy
from inspections.duties import incidents
from inspections.duties.forms_incidents import FollowUpForm, IncidentFilterForm, IncidentForm


@access.member_required
def incident_list(request):
    user = request.user
    regions = None if access.is_manager(user) else access.regions_for(user)
    form = IncidentFilterForm(request.GET or None, regions=regions)
    found = access.incidents_for(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            found = found.filter(kind=data["kind"])
        if data["status"]:
            found = found.filter(status=data["status"])
        if data["late"] == "1":
            found = found.filter(reported_at__gt=F("report_due_at"))
        elif data["late"] == "0":
            found = found.filter(reported_at__lte=F("report_due_at"))
        if data.get("region"):
            found = found.filter(facility__region__path__startswith=data["region"].path)
    page = pages.page(
        request, found.select_related("facility__region").order_by("-occurred_at", "-pk")
    )
    for incident in page:
        incident.late_by = incidents.lateness_text(incident)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "duties/incident_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_report": access.is_manager(user),
        },
    )


def _managed(user):
    return access.facilities_for(user).filter(managers=user)


@access.manager_required
def incident_report(request):
    """The form, then a confirmation page (a report cannot be taken back), then the
    report is sent."""
    facilities = _managed(request.user)
    form = IncidentForm(request.POST or None, facilities=facilities)
    if request.method == "POST" and form.is_valid() and "edit" not in request.POST:
        data = form.cleaned_data
        refusal = policy.incident_report_refusal(request.user, data["facility"])
        if refusal:
            raise PermissionDenied(refusal)
        if request.POST.get("confirmed") == "1":
            try:
                incident = incidents.incident_report(by=request.user, **data)
            except ValidationError as error:
                for message in pages.errors(error):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Incident %(number)s was reported; the bureau was told.")
                    % {"number": incident.number},
                )
                return redirect(incident)
        else:
            due_at = incidents.report_due_at(data["kind"], data["occurred_at"])
            return render(
                request,
                "duties/incident_confirm.html",
                {"form": form, "data": data, "due_at": due_at},
            )
    return render(request, "duties/incident_form.html", {"form": form})


@login_required
def incident_detail(request, pk):
    incident = access.incident_for_user(request.user, pk)
    may_follow_up = policy.allowed(policy.incident_follow_up_refusal, request.user, incident)
    return render(
        request,
        "duties/incident_detail.html",
        {
            "incident": incident,
            "late_by": incidents.lateness_text(incident),
            "reports": incident.reports.select_related("written_by"),
            "form": FollowUpForm() if may_follow_up else None,
        },
    )


@login_required
@require_POST
def incident_follow_up(request, pk):
    """A follow-up; a final one asks for confirmation first (it closes the incident)."""
    incident = access.incident_for_user(request.user, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        pages.flash_invalid(request, form, _("Write the follow-up."))
        return redirect(incident)
    data = form.cleaned_data
    if data["final"] and request.POST.get("confirmed") != "1":
        return render(
            request, "duties/incident_close_confirm.html", {"incident": incident, "form": form}
        )
    pages.call(
        request,
        incidents.incident_follow_up,
        _("The final report was added; the incident is closed.")
        if data["final"]
        else _("The follow-up was added."),
        incident=incident,
        **data,
    )
    return redirect(incident)
