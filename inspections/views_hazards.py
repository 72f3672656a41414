"""The hazard register on the web: lists, a hazard's page with what each role may
do next, the rectification notice. Thin: parse, scope, call one service."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access, services
from .forms import DATE
from .models import Extension, Hazard, Rectification, RectificationNotice
from .views import _flash, _page

Role = access.Role


class RectifyForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What was done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    interim_measures = forms.CharField(
        label=gettext_lazy("Interim measures (required for a major hazard)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ExtensionForm(forms.Form):
    requested_due = forms.DateField(label=gettext_lazy("New due date"), widget=DATE)
    reasons = forms.CharField(
        label=gettext_lazy("Reasons"), widget=forms.Textarea(attrs={"rows": 2})
    )
    interim_measures = forms.CharField(
        label=gettext_lazy("Interim measures"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to reject or refuse)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


def _hazard_for(user, pk):
    try:
        return access.hazards_for(user).select_related("facility__region", "notice").get(pk=pk)
    except (Hazard.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@login_required
def hazard_list(request):
    """The register as the user may see it, filtered; with open counts by class and status."""
    hazards = access.hazards_for(request.user)
    facility = None
    if request.GET.get("facility"):
        facility = access.facility_for_user(request.user, request.GET["facility"])
        hazards = hazards.filter(facility=facility)
    status = request.GET.get("status", "")
    severity = request.GET.get("severity", "")
    summary = hazards.filter(status__in=Hazard.OPEN).aggregate(
        open=Count("pk"),
        major=Count("pk", filter=Q(severity=Hazard.Severity.MAJOR)),
        overdue=Count("pk", filter=Q(status=Hazard.Status.OVERDUE)),
        awaiting=Count("pk", filter=Q(status=Hazard.Status.AWAITING)),
    )
    if status == "open":
        hazards = hazards.filter(status__in=Hazard.OPEN)
    elif status in Hazard.Status.values:
        hazards = hazards.filter(status=status)
    if severity in Hazard.Severity.values:
        hazards = hazards.filter(severity=severity)
    hazards = hazards.select_related("facility").order_by("due_on", "register_no")
    return render(
        request,
        "inspections/hazard_list.html",
        {
            "page": _page(request, hazards),
            "facility": facility,
            "summary": summary,
            "status": status,
            "severity": severity,
            "statuses": Hazard.Status.choices,
            "severities": Hazard.Severity.choices,
        },
    )


@login_required
def hazard_detail(request, pk):
    hazard = _hazard_for(request.user, pk)
    user = request.user
    manages = access.manages(hazard.facility, user)
    today = timezone.localdate()
    pending_extension = hazard.extensions.filter(status=Extension.Status.PENDING).first()
    return render(
        request,
        "inspections/hazard_detail.html",
        {
            "hazard": hazard,
            "rectifications": hazard.rectifications.select_related(
                "submitted_by", "decided_by"
            ).prefetch_related("photos"),
            "extensions": hazard.extensions.select_related("requested_by", "decided_by"),
            "photos": hazard.answer.photos.all() if hazard.answer_id else [],
            "can_rectify": manages
            and hazard.status in (Hazard.Status.RECTIFYING, Hazard.Status.OVERDUE),
            "must_acknowledge": manages and hazard.notice_id and not hazard.notice.acknowledged_at,
            "can_extend": manages
            and hazard.status in (Hazard.Status.REGISTERED, Hazard.Status.RECTIFYING)
            and today <= hazard.due_on
            and pending_extension is None,
            "can_verify": hazard.status == Hazard.Status.AWAITING
            and access.can_verify(hazard, user),
            "pending_extension": pending_extension,
            "can_decide": pending_extension is not None
            and user.role == Role.LEAD
            and access.can_verify(hazard, user),
            "rectify_form": RectifyForm(),
            "extension_form": ExtensionForm(),
            "decision_form": DecisionForm(),
        },
    )


@login_required
@require_POST
def hazard_rectify(request, pk):
    hazard = _hazard_for(request.user, pk)
    if not access.manages(hazard.facility, request.user):
        raise PermissionDenied
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_submit(
                hazard=hazard,
                uploads=request.FILES.getlist("photos"),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("The rectification was sent for verification."))
    else:
        messages.error(request, _("Describe what was done."))
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def hazard_verify(request, pk):
    hazard = _hazard_for(request.user, pk)
    if not access.can_verify(hazard, request.user):
        raise PermissionDenied
    accept = request.POST.get("decision") == "accept"
    try:
        services.rectification_verify(
            hazard=hazard, accept=accept, reason=request.POST.get("reason", ""), by=request.user
        )
    except (ValidationError, Rectification.DoesNotExist) as error:
        _flash(request, error)
    else:
        if accept:
            messages.success(request, _("Accepted: the hazard is closed."))
        else:
            messages.success(request, _("Rejected: the facility was told why."))
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def extension_request(request, pk):
    hazard = _hazard_for(request.user, pk)
    if not access.manages(hazard.facility, request.user):
        raise PermissionDenied
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(hazard=hazard, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("The extension request was sent to the bureau."))
    else:
        messages.error(request, _("Give the new date, the reasons and the interim measures."))
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def extension_decide(request, pk):
    hazard = _hazard_for(request.user, pk)
    extension = hazard.extensions.filter(status=Extension.Status.PENDING).first()
    if extension is None or request.user.role != Role.LEAD:
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        services.extension_decide(
            extension=extension,
            approve=approve,
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("The decision was recorded and the facility told."))
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
def notice_detail(request, pk):
    try:
        notice = RectificationNotice.objects.select_related("facility", "inspection").get(
            pk=pk, inspection__in=access.inspections_for(request.user)
        )
    except (RectificationNotice.DoesNotExist, ValueError):
        raise Http404 from None
    if request.method == "POST":
        try:
            services.notice_acknowledge(notice=notice, by=request.user)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(
                request, _("You acknowledged the notice. Rectify each hazard by its date.")
            )
        return redirect("inspections:notice_detail", pk=notice.pk)
    return render(
        request,
        "inspections/notice_detail.html",
        {
            "notice": notice,
            "hazards": notice.hazards.order_by("register_no"),
            "can_acknowledge": access.manages(notice.facility, request.user)
            and not notice.acknowledged_at,
        },
    )
