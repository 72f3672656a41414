"""The hazard register on the web: lists, a hazard's page with what each role may
do next, the rectification notice. Thin: parse, scope, call one service."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import limits, pages
from core.forms import DATE
from core.limits import LimitedCharField
from inspections import access, policy
from inspections.enforcement import ladder
from inspections.enforcement.views_found import found_context
from inspections.hazards import filters as hazard_filters
from inspections.hazards import services
from inspections.hazards.models import Extension, Hazard, RectificationNotice
from inspections.hazards.services import RECTIFICATION_PHOTOS, too_many_photos
from inspections.hazards.supervision_views import supervision_context


class RectifyForm(forms.Form):
    description = LimitedCharField(
        label=gettext_lazy("What was done"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    interim_measures = LimitedCharField(
        label=gettext_lazy("Interim measures (required for a major hazard)"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    photo_limit = RECTIFICATION_PHOTOS  # the page's file input ("photos") says so

    def clean(self):
        refusal = too_many_photos(len(self.files.getlist("photos")))
        if refusal is not None:
            raise refusal
        return super().clean()


class ExtensionForm(forms.Form):
    requested_due = forms.DateField(label=gettext_lazy("New due date"), widget=DATE)
    reasons = LimitedCharField(
        label=gettext_lazy("Reasons"), limit=limits.TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    interim_measures = LimitedCharField(
        label=gettext_lazy("Interim measures"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    """Shown for the decisions; their views read ``reason`` and the service bounds it."""

    reason = LimitedCharField(
        label=gettext_lazy("Reason (required to reject or refuse)"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


@login_required
def hazard_list(request):
    """The register as the user may see it, filtered; with open counts by class and status.

    Where the hazards are (facility, region, department) narrows the counts too;
    what they are (status, class, month closed, on time) narrows only the list."""
    hazards, place, facility = hazard_filters.by_place(
        access.hazards_for(request.user), request.user, request.GET
    )
    summary = hazards.filter(status__in=Hazard.OPEN).aggregate(
        open=Count("pk"),
        major=Count("pk", filter=Q(severity=Hazard.Severity.MAJOR)),
        overdue=Count("pk", filter=Q(status=Hazard.Status.OVERDUE)),
        awaiting=Count("pk", filter=Q(status=Hazard.Status.AWAITING)),
    )
    hazards, kind, errors = hazard_filters.by_kind(hazards, request.GET)
    for error in errors:
        messages.error(request, error)
    query = request.GET.copy()
    query.pop("page", None)
    chosen = []
    for name, label, value in place + kind:
        rest = query.copy()
        rest.pop(name)
        chosen.append({"name": name, "label": label, "value": value, "remove": rest.urlencode()})
    names = [c["name"] for c in chosen]
    hazards = hazards.select_related("facility").order_by("due_on", "register_no")
    return render(
        request,
        "inspections/hazards/hazard_list.html",
        {
            "page": pages.page(request, hazards),
            "query": query.urlencode(),
            "facility": facility,
            "summary": summary,
            # The summary cards keep where the hazards are; the form keeps, as hidden
            # inputs, the chosen filters it has no field for.
            "scope_query": urlencode({name: query[name] for name, _l, _v in place}),
            "hidden": {n: query[n] for n in names if n not in ("status", "severity")},
            "chosen": chosen,
            "status": request.GET.get("status", ""),
            "severity": request.GET.get("severity", ""),
            "statuses": Hazard.Status.choices,
            "severities": Hazard.Severity.choices,
        },
    )


@login_required
def hazard_detail(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    user = request.user
    pending_extension = hazard.extensions.filter(status=Extension.Status.PENDING).first()
    return render(
        request,
        "inspections/hazards/hazard_detail.html",
        {
            "hazard": hazard,
            "rectifications": hazard.rectifications.select_related(
                "submitted_by", "decided_by"
            ).prefetch_related("photos"),
            "extensions": hazard.extensions.select_related("requested_by", "decided_by"),
            # A hazard no item names keeps its evidence on itself (enforcement.found).
            "photos": hazard.answer.photos.kept()
            if hazard.answer_id
            else hazard.photos.kept().filter(rectification=None),
            "can_rectify": policy.allowed(policy.rectify_refusal, user, hazard),
            "must_acknowledge": hazard.notice_id
            and not hazard.notice.acknowledged_at
            and policy.allowed(policy.acknowledge_refusal, user, hazard.notice),
            "can_extend": policy.allowed(policy.extension_request_refusal, user, hazard),
            "can_verify": policy.allowed(policy.verify_refusal, user, hazard),
            "pending_extension": pending_extension,
            "can_decide": pending_extension is not None
            and policy.allowed(policy.extension_decide_refusal, user, pending_extension),
            "rectify_form": RectifyForm(),
            "extension_form": ExtensionForm(),
            "decision_form": DecisionForm(),
            "can_open_reinspection": hazard.inspection_id is not None
            and policy.allowed(policy.reinspection_open_refusal, user, hazard.inspection),
            **supervision_context(hazard, user),
            **found_context(hazard, user),
            **ladder.hazard_ladder(hazard, user),
        },
    )


@login_required
@require_POST
def hazard_rectify(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    if not access.manages(hazard.facility, request.user):
        raise PermissionDenied
    form = RectifyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.rectification_submit(
                hazard=hazard,
                uploads=request.FILES.getlist("photos"),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            pages.flash(request, error)
        else:
            messages.success(request, _("The rectification was sent for verification."))
    else:
        pages.flash_invalid(request, form, _("Describe what was done."))
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def hazard_verify(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    if not access.can_verify(hazard, request.user):
        raise PermissionDenied
    accept = request.POST.get("decision") == "accept"
    try:
        services.rectification_verify(
            hazard=hazard, accept=accept, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as error:
        pages.flash(request, error)
    else:
        if accept and hazard.severity == Hazard.Severity.MAJOR:
            messages.success(request, _("Accepted: the supervising bureau lead signs it off."))
        elif accept:
            messages.success(request, _("Accepted: the hazard is closed."))
        else:
            messages.success(request, _("Rejected: the facility was told why."))
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def extension_request(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    if not access.manages(hazard.facility, request.user):
        raise PermissionDenied
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(hazard=hazard, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            pages.flash(request, error)
        else:
            messages.success(request, _("The extension request was sent to the bureau."))
    else:
        pages.flash_invalid(
            request, form, _("Give the new date, the reasons and the interim measures.")
        )
    return redirect("inspections:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def extension_decide(request, pk):
    hazard = access.hazard_for_user(request.user, pk)
    extension = hazard.extensions.filter(status=Extension.Status.PENDING).first()
    if extension is None or not access.is_lead(request.user):
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
        pages.flash(request, error)
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
            pages.flash(request, error)
        else:
            messages.success(
                request, _("You acknowledged the notice. Rectify each hazard by its date.")
            )
        return redirect("inspections:notice_detail", pk=notice.pk)
    return render(
        request,
        "inspections/hazards/notice_detail.html",
        {
            "notice": notice,
            "hazards": notice.hazards.order_by("register_no"),
            "can_acknowledge": not notice.acknowledged_at
            and policy.allowed(policy.acknowledge_refusal, request.user, notice),
        },
    )
