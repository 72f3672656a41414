"""Licence pages: the list (what is expiring, for the bureau; what the facility holds,
for its managers), recording, renewing and deactivating a licence. Thin: scope through
``registry.licences``/``access``, call one service."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pages

from . import access, licences
from .forms_licences import DeactivateForm, LicenceFilterForm, LicenceForm


@access.member_required
def licence_list(request):
    user = request.user
    regions = None if access.is_manager(user) else access.regions_for(user)
    form = LicenceFilterForm(request.GET or None, regions=regions)
    found = access.licences_for(user).filter(active=True)
    # The bureau looks for what runs out; a manager for everything the facility holds.
    show = "all" if access.is_manager(user) else "expiring"
    if form.is_valid():
        data = form.cleaned_data
        show = data["show"] or show
        if data["kind"]:
            found = found.filter(kind=data["kind"])
        if data.get("region"):
            found = found.filter(facility__region__path__startswith=data["region"].path)
    today = timezone.localdate()
    if show == "expiring":
        found = licences.expiring(found, today)
    elif show == "expired":
        found = found.filter(expires_on__lt=today)
    found = found.select_related("facility__region").order_by("expires_on", "facility__name", "pk")
    page = pages.page(request, found)
    for licence in page:
        licence.state = licences.licence_state(licence, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/licence_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "show": show,
            "soon": today + timedelta(days=licences.EXPIRING_WITHIN_DAYS),
        },
    )


def _refuse_unless_editor(user, facility):
    refusal = licences.edit_refusal(user, facility)
    if refusal:
        raise PermissionDenied(refusal)


def _save(request, form, call, **kwargs):
    """Call the service with the form's values; its refusal goes on the form."""
    try:
        return call(values=form.cleaned_data, by=request.user, **kwargs)
    except ValidationError as error:
        for message in pages.errors(error):
            form.add_error(None, message)
        return None


@access.member_required
def licence_add(request, pk):
    facility = access.facility_for_user(request.user, pk)
    _refuse_unless_editor(request.user, facility)
    form = LicenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _save(request, form, licences.licence_add, facility=facility):
            messages.success(request, _("The licence was recorded."))
            return redirect(facility)
    return render(
        request, "registry/licence_form.html", {"form": form, "facility": facility, "licence": None}
    )


@access.member_required
def licence_edit(request, pk):
    licence = access.licence_for_user(request.user, pk)
    _refuse_unless_editor(request.user, licence.facility)
    form = LicenceForm(
        request.POST or None,
        initial={name: getattr(licence, name) for name in licences.EDITABLE},
    )
    if request.method == "POST" and form.is_valid():
        if _save(request, form, licences.licence_update, licence=licence):
            messages.success(request, _("The licence was saved."))
            return redirect(licence.facility)
    return render(
        request,
        "registry/licence_form.html",
        {"form": form, "facility": licence.facility, "licence": licence},
    )


@access.member_required
def licence_deactivate(request, pk):
    """A confirmation page, then the licence is marked as no longer held."""
    licence = access.licence_for_user(request.user, pk)
    _refuse_unless_editor(request.user, licence.facility)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            licences.licence_deactivate(
                licence=licence, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            pages.flash(request, error)
        else:
            messages.success(request, _("The licence is marked as no longer held."))
        return redirect(licence.facility)
    return render(request, "registry/licence_deactivate.html", {"form": form, "licence": licence})
