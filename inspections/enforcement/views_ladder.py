"""The ladder's pages: skipping ahead from a hazard's page, recording an interview
(约谈) from a hazard or a facility, an interview's record and a facility's list.
Thin: scope through ``access``, ask ``policy`` which actions to offer, call one
service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import pages
from inspections import access, policy
from inspections.enforcement import interviews, ladder
from inspections.enforcement.forms_ladder import InterviewForm, SkipForm


@login_required
@require_POST
def escalation_skip(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    refusal = policy.escalation_skip_refusal(request.user, hazard)
    if refusal is not None:
        raise PermissionDenied(refusal)
    form = SkipForm(request.POST)
    if form.is_valid():
        pages.call(
            request,
            ladder.escalation_skip,
            _("Skipped ahead: the step's task waits for the county's leads."),
            hazard=hazard,
            to_step=form.cleaned_data["to_step"],
            reason=form.cleaned_data["reason"],
        )
    else:
        pages.flash_invalid(request, form, _("Choose the step and give the reason."))
    return redirect(reverse("inspections:hazard_detail", args=[hazard.pk]) + "#ladder")


def _interview_form(request, *, facility, hazard=None):
    refusal = policy.interview_record_refusal(request.user, facility)
    if refusal is not None:
        raise PermissionDenied(refusal)
    form = InterviewForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            interview = interviews.interview_record(
                facility=facility, hazard=hazard, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for message in pages.errors(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The interview was recorded as %(number)s.") % {"number": interview.number},
            )
            return redirect(interview.get_absolute_url())
    return render(
        request,
        "inspections/enforcement/interview_form.html",
        {"facility": facility, "hazard": hazard, "form": form},
    )


@login_required
def hazard_interview_add(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    return _interview_form(request, facility=hazard.facility, hazard=hazard)


@login_required
def interview_add(request, pk):
    facility = access.facility_for_user(request.user, pk)
    return _interview_form(request, facility=facility)


@login_required
def interview_detail(request, pk):
    interview = access.interview_for_user(request.user, pk)
    return render(
        request,
        "inspections/enforcement/interview_detail.html",
        {"interview": interview},
    )


@login_required
def interview_list(request, pk):
    facility = access.facility_for_user(request.user, pk)
    found = access.interviews_for(request.user).filter(facility=facility).select_related("hazard")
    return render(
        request,
        "inspections/enforcement/interview_list.html",
        {
            "facility": facility,
            "page": pages.page(request, found.order_by("-held_on", "-pk")),
            "can_record": policy.allowed(policy.interview_record_refusal, request.user, facility),
        },
    )
