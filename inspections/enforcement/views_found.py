"""Hazards as found on the web: the team registers a hazard no item names, a hazard is
raised to major, a major hazard's determination is recorded and its report served.
Thin: parse, scope, call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from inspections import access, policy
from inspections.enforcement import found
from inspections.enforcement.forms_found import DeterminationForm, HazardAddForm, RaiseForm
from inspections.enforcement.models import Determination
from inspections.hazards.models import Hazard

REPORT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}


def found_context(hazard, user):
    """What the hazard page shows and offers about how a major hazard was determined."""
    return {
        "determination": Determination.objects.filter(hazard=hazard)
        .select_related("criterion", "recorded_by")
        .first(),
        "can_raise": policy.allowed(policy.hazard_raise_refusal, user, hazard),
        "can_determine": policy.allowed(policy.determination_record_refusal, user, hazard),
    }


def _allowed_or_403(rule, user, obj):
    refusal = rule(user, obj)
    if refusal is not None:
        raise PermissionDenied(refusal)


@login_required
def hazard_add(request, pk):
    inspection = access.inspection_for_user(request.user, pk)
    _allowed_or_403(policy.hazard_add_refusal, request.user, inspection)
    form = HazardAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            hazard = found.hazard_add(
                inspection=inspection,
                uploads=request.FILES.getlist("photos"),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Hazard %(number)s is registered; it goes into the rectification notice.")
                % {"number": hazard.register_no},
            )
            if policy.allowed(policy.determination_record_refusal, request.user, hazard):
                return redirect("inspections:determination_record", pk=hazard.pk)
            return redirect(inspection)
    return render(
        request,
        "inspections/enforcement/hazard_add.html",
        {"inspection": inspection, "form": form},
    )


@login_required
def hazard_raise(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    _allowed_or_403(policy.hazard_raise_refusal, request.user, hazard)
    form = RaiseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            found.hazard_raise(hazard=hazard, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The hazard is now major and under supervision; the facility was told.")
            )
            return redirect(hazard)
    return render(
        request,
        "inspections/enforcement/hazard_raise.html",
        {"hazard": hazard, "form": form},
    )


@login_required
def determination_record(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    _allowed_or_403(policy.determination_record_refusal, request.user, hazard)
    form = DeterminationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            found.determination_record(hazard=hazard, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("How the hazard was determined is recorded."))
            return redirect(hazard)
    return render(
        request,
        "inspections/enforcement/determination_record.html",
        {"hazard": hazard, "form": form},
    )


@login_required
def determination_file(request, pk):
    """Stream a determination's report after checking access: never a public URL."""
    determination = access.determination_for_user(request.user, pk)
    if not determination.report_file:
        raise Http404
    extension = determination.report_file.name.rsplit(".", 1)[-1].lower()
    hazard: Hazard = determination.hazard
    response = FileResponse(
        determination.report_file.open("rb"),
        content_type=REPORT_TYPES.get(extension, "application/octet-stream"),
        as_attachment=True,
        filename=f"{hazard.register_no}-report.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
