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

from core import limits, pages
from core.forms import DATE
from core.limits import LimitedCharField
from inspections import access, policy
from inspections.hazards import services
from inspections.hazards.models import Supervision


def _text(label, limit, rows=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return LimitedCharField(label=label, limit=limit, widget=widget)


class PlanForm(forms.ModelForm):
    """The five in place (五落实)."""

    measures = _text(gettext_lazy("Measures"), limits.TEXT, rows=3)
    responsible_person = _text(gettext_lazy("Responsible person"), limits.NAME)
    funds = _text(gettext_lazy("Funds (amount and source)"), limits.LINE)
    contingency_plan = _text(gettext_lazy("Contingency plan"), limits.TEXT, rows=3)

    class Meta:
        model = Supervision
        fields = ["measures", "responsible_person", "funds", "plan_deadline", "contingency_plan"]
        widgets = {"plan_deadline": DATE}
        labels = {"plan_deadline": gettext_lazy("Deadline")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class NoteForm(forms.Form):
    text = _text(gettext_lazy("Progress this month"), limits.TEXT, rows=2)


def supervision_context(hazard, user):
    """What the hazard page shows and offers about supervision."""
    supervision = Supervision.objects.filter(hazard=hazard).select_related("lead").first()
    if supervision is None:
        return {}
    return {
        "supervision": supervision,
        "supervision_notes": supervision.notes.select_related("written_by"),
        "awaiting_sign_off": policy.awaiting_sign_off(hazard),
        "can_file_plan": policy.allowed(policy.plan_file_refusal, user, supervision),
        "can_write_note": policy.allowed(policy.note_add_refusal, user, supervision),
        "can_sign_off": policy.allowed(policy.sign_off_refusal, user, supervision),
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
        pages.flash_invalid(
            request,
            form,
            _("Fill in all five: measures, responsible person, funds, deadline, contingency plan."),
        )
        return _back(hazard)
    pages.call(
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
    if not (access.manages(hazard.facility, request.user) or access.is_lead(request.user)):
        raise PermissionDenied
    form = NoteForm(request.POST)
    if not form.is_valid():
        pages.flash_invalid(request, form, _("Write what has progressed."))
        return _back(hazard)
    pages.call(
        request,
        services.supervision_note_add,
        _("The progress note was added."),
        supervision=supervision,
        text=form.cleaned_data["text"],
    )
    return _back(hazard)


@login_required
@require_POST
def sign_off(request, pk):
    hazard, supervision = _supervision_of(request, pk)
    if not access.is_lead(request.user):
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
        pages.flash(request, error)
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
    pages.call(
        request,
        services.reinspection_request,
        _("The bureau leads were asked to open an on-site re-inspection."),
        hazard=hazard,
    )
    return _back(hazard)
