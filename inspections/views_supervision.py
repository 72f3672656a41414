"""Supervision of a major hazard (挂牌督办) on its page: the facility's five-in-place
plan, monthly progress notes, the lead's sign-off; and a verifier's request for an
on-site re-inspection. Thin: parse, scope, call one service."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access, services
from .forms import DATE
from .models import Hazard, Rectification, Supervision
from .views import _call, _flash

Role = access.Role


class PlanForm(forms.ModelForm):
    """The five in place (五落实)."""

    class Meta:
        model = Supervision
        fields = ["measures", "responsible_person", "funds", "plan_deadline", "contingency_plan"]
        widgets = {
            "measures": forms.Textarea(attrs={"rows": 3}),
            "contingency_plan": forms.Textarea(attrs={"rows": 3}),
            "plan_deadline": DATE,
        }
        labels = {
            "measures": gettext_lazy("Measures"),
            "responsible_person": gettext_lazy("Responsible person"),
            "funds": gettext_lazy("Funds (amount and source)"),
            "plan_deadline": gettext_lazy("Deadline"),
            "contingency_plan": gettext_lazy("Contingency plan"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Progress this month"), widget=forms.Textarea(attrs={"rows": 2})
    )


def supervision_context(hazard, user):
    """What the hazard page shows and offers about supervision."""
    supervision = Supervision.objects.filter(hazard=hazard).select_related("lead").first()
    if supervision is None:
        return {}
    manages = access.manages(hazard.facility, user)
    lead = user.role == Role.LEAD and access.can_verify(hazard, user)
    verified = (
        hazard.status == Hazard.Status.AWAITING
        and not hazard.rectifications.filter(decision=Rectification.Decision.PENDING).exists()
    )
    active = hazard.is_open and not supervision.signed_off_at
    return {
        "supervision": supervision,
        "supervision_notes": supervision.notes.select_related("written_by"),
        "awaiting_sign_off": verified,
        "can_file_plan": manages and active,
        "can_write_note": (manages or lead) and active,
        "can_sign_off": lead and verified,
        "plan_form": PlanForm(instance=supervision),
        "note_form": NoteForm(),
    }


def _supervision_of(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    supervision = Supervision.objects.filter(hazard=hazard).first()
    if supervision is None:
        raise PermissionDenied
    return hazard, supervision


def _back(hazard):
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def plan_file(request, pk):
    hazard, supervision = _supervision_of(request, pk)
    if not access.manages(hazard.facility, request.user):
        raise PermissionDenied
    # A copy: the service reads the stored plan afresh and keeps its history.
    form = PlanForm(request.POST, instance=Supervision.objects.get(pk=supervision.pk))
    if not form.is_valid():
        messages.error(
            request,
            _("Fill in all five: measures, responsible person, funds, deadline, contingency plan."),
        )
        return _back(hazard)
    _call(
        request,
        services.supervision_plan_file,
        _("The plan was filed with the supervising bureau."),
        supervision=supervision,
        **form.cleaned_data,
    )
    return _back(hazard)


@login_required
@require_POST
def note_add(request, pk):
    hazard, supervision = _supervision_of(request, pk)
    if not (access.manages(hazard.facility, request.user) or request.user.role == Role.LEAD):
        raise PermissionDenied
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Write what has progressed."))
        services.supervision_note_add(
            supervision=supervision, text=form.cleaned_data["text"], by=request.user
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("The progress note was added."))
    return _back(hazard)


@login_required
@require_POST
def sign_off(request, pk):
    hazard, supervision = _supervision_of(request, pk)
    if request.user.role != Role.LEAD:
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        services.supervision_sign_off(
            supervision=supervision,
            approve=approve,
            note=request.POST.get("reason", ""),
            by=request.user,
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        if approve:
            messages.success(request, _("Signed off: the major hazard is closed."))
        else:
            messages.success(request, _("Not signed off: the facility was told why."))
    return _back(hazard)


@login_required
@require_POST
def reinspection_request(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    if not access.can_verify(hazard, request.user):
        raise PermissionDenied
    _call(
        request,
        services.reinspection_request,
        _("The bureau leads were asked to open an on-site re-inspection."),
        hazard=hazard,
    )
    return _back(hazard)
