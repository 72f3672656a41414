"""Staff pages of complaints. Thin: scope through ``access`` (the county's staff; a
facility's managers see none), ask ``policy`` which actions to offer, call one service.
Who complained is shown to the county's leads only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import pages, periods
from inspections import access, policy
from inspections.complaints import services
from inspections.complaints.forms import TRIAGE_FORMS, ReplyForm, StaffComplaintForm
from inspections.complaints.models import Complaint, ComplaintPhoto
from inspections.onsite import photos

FORM = "complaints/form.html"

TRIAGE = {
    "out_of_scope": (
        services.complaint_refuse,
        gettext_lazy("Not in scope"),
        gettext_lazy("The reason is the final reply the complainant reads; it cannot be changed."),
    ),
    "pass_on": (
        services.complaint_pass_on,
        gettext_lazy("Pass to another department"),
        gettext_lazy(
            "A numbered transfer case and its letter are recorded; they cannot be deleted."
        ),
    ),
    "answer": (
        services.complaint_answer,
        gettext_lazy("Answer directly"),
        gettext_lazy("The triage cannot be changed afterwards; the reply is recorded next."),
    ),
    "investigate": (
        services.complaint_investigate,
        gettext_lazy("Investigate by a case inspection"),
        gettext_lazy(
            "An unannounced case inspection is opened and its team told; it cannot be undone."
        ),
    ),
}


def _run(form, service, **kwargs):
    try:
        return service(**kwargs)
    except ValidationError as error:
        for message in pages.errors(error):
            form.add_error(None, message)
        return None


@access.staff_required
def complaint_list(request):
    found = access.complaints_for(request.user).select_related("facility", "region")
    chosen = {}
    status = request.GET.get("status", "")
    if status in Complaint.Status.values:
        found, chosen["status"] = found.filter(status=status), status
    category = request.GET.get("category", "")
    if category in Complaint.Category.values:
        found, chosen["category"] = found.filter(category=category), category
    facility = request.GET.get("facility", "")
    if facility.isdigit():
        found, chosen["facility"] = found.filter(facility_id=int(facility)), facility
    region = request.GET.get("region", "")
    if region.isdigit():
        found, chosen["region"] = found.filter(region__path__contains=f"{region}/"), region
    month = request.GET.get("month", "")
    try:
        first = periods.parse_month(month) if month else None
    except ValueError:
        first = None
    if first is not None:
        found = found.filter(
            periods.within("received_at", first, periods.next_month(first), moment=True)
        )
        chosen["month"] = month
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/list.html",
        {
            "page": pages.page(request, found.order_by("-received_at", "-pk")),
            "query": query.urlencode(),
            "chosen": chosen,
            "statuses": Complaint.Status.choices,
            "categories": Complaint.Category.choices,
            "facilities": access.facilities_for(request.user)
            .filter(complaints__isnull=False)
            .distinct()
            .order_by("name"),
            "may_record": access.can_record_complaints(request.user),
        },
    )


@login_required
def complaint_detail(request, pk):
    complaint = access.complaint_for_user(request.user, pk)
    user = request.user
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "identity": access.shows_complainant(user, complaint),
            "photos": complaint.photos.all(),
            "may_triage": policy.allowed(policy.complaint_triage_refusal, user, complaint),
            "may_reply": policy.allowed(policy.complaint_reply_refusal, user, complaint),
            "ways": [(way, label) for way, (_service, label, _warning) in TRIAGE.items()],
            "cases": access.cases_for(user)
            .filter(complaint=complaint)
            .prefetch_related("transfers"),
            "inspection_visible": complaint.inspection_id
            and access.inspections_for(user).filter(pk=complaint.inspection_id).exists(),
        },
    )


@login_required
def complaint_new(request):
    user = request.user
    if not access.can_record_complaints(user) or access.is_admin(user):
        raise PermissionDenied(
            _("Only the county's bureau leads and inspectors record complaints.")
        )
    regions = access.regions_for(user)
    form = StaffComplaintForm(
        request.POST or None,
        request.FILES or None,
        counties=services.counties().filter(pk__in=regions.values("pk")),
        facilities=access.facilities_for(user).filter(active=True),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        received = _run(
            form,
            services.complaint_record,
            channel=data["channel"],
            county=data["county"],
            facility=data["facility"],
            facility_text=data["facility_text"],
            category=data["category"],
            text=data["text"],
            occurred_on=data["occurred_on"],
            name=data["name"],
            phone=data["phone"],
            uploads=data["uploads"],
            by=user,
        )
        if received is not None:
            # The query code is shown once, on the next page, for the complainant.
            request.session["complaint_code"] = [received.complaint.pk, received.code]
            return redirect("inspections:complaint_recorded", pk=received.complaint.pk)
    return render(
        request,
        FORM,
        {
            "form": form,
            "title": _("Record a complaint"),
            "back": reverse("inspections:complaint_list"),
            "button": _("Record the complaint"),
            "warning": _("The complaint is numbered when it is recorded and cannot be deleted."),
            "multipart": True,
        },
    )


@login_required
def complaint_recorded(request, pk):
    complaint = access.complaint_for_user(request.user, pk)
    shown = request.session.pop("complaint_code", None)
    code = shown[1] if shown and shown[0] == complaint.pk else ""
    return render(request, "complaints/recorded.html", {"complaint": complaint, "code": code})


@login_required
def complaint_triage(request, pk, way):
    complaint = access.complaint_for_user(request.user, pk)
    if way not in TRIAGE:
        raise Http404
    user = request.user
    refusal = policy.complaint_triage_refusal(user, complaint)
    if refusal is not None:
        raise PermissionDenied(refusal)
    service, label, warning = TRIAGE[way]
    options = {}
    if way in ("pass_on", "investigate"):
        options["facilities"] = (
            None
            if complaint.facility_id
            else access.facilities_for(user).filter(
                active=True, region__path__startswith=complaint.region.path
            )
        )
    if way == "investigate":
        options["inspectors"] = (
            access.inspectors_for(user)
            .filter(active=True)
            .select_related("user", "department")
            .order_by("department__name", "user__username")
        )
    form = TRIAGE_FORMS[way](request.POST or None, **options)
    if request.method == "POST" and form.is_valid():
        if _run(form, service, complaint=complaint, by=user, **form.cleaned_data) is not None:
            messages.success(request, _("Complaint %(number)s triaged.") % {"number": complaint})
            return redirect(complaint.get_absolute_url())
    return render(
        request,
        FORM,
        {
            "form": form,
            "title": _("%(way)s: complaint %(number)s") % {"way": label, "number": complaint},
            "back": complaint.get_absolute_url(),
            "button": label,
            "warning": warning,
            "complaint": complaint,
        },
    )


@login_required
def complaint_reply(request, pk):
    complaint = access.complaint_for_user(request.user, pk)
    refusal = policy.complaint_reply_refusal(request.user, complaint)
    if refusal is not None:
        raise PermissionDenied(refusal)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            services.complaint_reply,
            complaint=complaint,
            by=request.user,
            **form.cleaned_data,
        ):
            messages.success(request, _("The reply was recorded; the complainant can read it."))
            return redirect(complaint.get_absolute_url())
    return render(
        request,
        FORM,
        {
            "form": form,
            "title": _("Reply to complaint %(number)s") % {"number": complaint},
            "back": complaint.get_absolute_url(),
            "button": _("Record the reply"),
            "warning": _("The reply is final: it cannot be changed once recorded."),
            "complaint": complaint,
        },
    )


@login_required
def complaint_photo(request, pk):
    """A complaint photo for the staff who see the complaint: re-encoded, without the
    original's metadata (a phone's GPS position could name the complainant)."""
    try:
        photo = ComplaintPhoto.objects.select_related("complaint").get(
            pk=pk, complaint__in=access.complaints_for(request.user).values("pk")
        )
    except (ComplaintPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    with photo.file.open("rb") as stored:
        processed = photos.process(stored.read(), stamp_lines=[photo.complaint.number])
    response = HttpResponse(processed.preview, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
