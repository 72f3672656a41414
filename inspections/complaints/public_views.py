"""The public complaint form and the status lookup (no log-in).

The lookup answers only to a tracking number with its query code, and says the same
for a wrong code as for an unknown number; it is limited per client (a keyed hash of
the address, in the cache) against guessing codes."""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from core import pages
from core.clientip import client_ip
from inspections.complaints import services
from inspections.complaints.forms import LookupForm, PublicComplaintForm
from inspections.complaints.models import Complaint
from registry.models import Facility

# What the complainant reads of each status: the bureau's words, not its workflow.
PUBLIC_STATUS = {
    Complaint.Status.RECEIVED: gettext_lazy("Received: the county bureau is examining it."),
    Complaint.Status.OUT_OF_SCOPE: gettext_lazy("Not within the bureau's remit: see the reply."),
    Complaint.Status.PASSED_ON: gettext_lazy(
        "Passed to the competent department, which handles it."
    ),
    Complaint.Status.ANSWERING: gettext_lazy("Being handled by the county bureau."),
    Complaint.Status.INVESTIGATING: gettext_lazy(
        "Being investigated by an inspection of the facility."
    ),
    Complaint.Status.REPLIED: gettext_lazy("Replied: see the reply."),
}


def _public_form(data=None, files=None):
    return PublicComplaintForm(
        data,
        files,
        counties=services.counties(),
        facilities=Facility.objects.filter(active=True),
    )


@csrf_protect
@never_cache
def complaint_form(request):
    form = _public_form(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            received = services.complaint_submit(
                county=data["county"],
                facility=data["facility"],
                facility_text=data["facility_text"],
                category=data["category"],
                text=data["text"],
                occurred_on=data["occurred_on"],
                name=data["name"],
                phone=data["phone"],
                uploads=data["uploads"],
                address=client_ip(request),
            )
        except services.RateLimited as error:
            status = 429
            for message in pages.errors(error):
                form.add_error(None, message)
        except ValidationError as error:
            for message in pages.errors(error):
                form.add_error(None, message)
        else:
            request.session["complaint_code"] = [received.complaint.pk, received.code]
            request.session["complaint_number"] = received.complaint.number
            return redirect("complaints_public:done")
    return render(request, "complaints/public_form.html", {"form": form}, status=status)


@never_cache
def complaint_done(request):
    """The tracking number and the query code, shown once."""
    shown = request.session.pop("complaint_code", None)
    number = request.session.pop("complaint_number", "")
    code = shown[1] if shown else ""
    return render(request, "complaints/public_done.html", {"number": number, "code": code})


def _lookups(request):
    """This request's number in its client's current lookup window."""
    window = settings.COMPLAINT_LOOKUP_WINDOW_SECONDS
    slot = int(time.time() // window)
    key = f"complaint-lookups:{services.fingerprint(client_ip(request))}:{slot}"
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        return 1


@csrf_protect
@never_cache
def complaint_lookup(request):
    form = LookupForm(request.POST or None)
    complaint, status, not_found = None, 200, False
    if request.method == "POST":
        if _lookups(request) > settings.COMPLAINT_LOOKUP_LIMIT:
            status = 429
            form.add_error(
                None,
                _("Too many look-ups from here. Please try again in %(minutes)d minutes.")
                % {"minutes": max(1, settings.COMPLAINT_LOOKUP_WINDOW_SECONDS // 60)},
            )
        elif form.is_valid():
            complaint = services.lookup(form.cleaned_data["number"], form.cleaned_data["code"])
            not_found = complaint is None
    return render(
        request,
        "complaints/public_lookup.html",
        {
            "form": form,
            "complaint": complaint,
            "not_found": not_found,
            "status_text": PUBLIC_STATUS.get(complaint.status, "") if complaint else "",
        },
        status=status,
    )
