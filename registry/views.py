import calendar as pycalendar
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import CalendarDay, CalendarYear
from core.workdays import years_official

from . import access, services
from .forms import CalendarYearForm, FacilityFilterForm, FacilityForm
from .models import Facility

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@access.member_required
def facility_list(request):
    form = FacilityFilterForm(request.GET or None)
    facilities = access.facilities_for(request.user).select_related("region")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            facilities = facilities.filter(
                Q(name__icontains=data["q"])
                | Q(credit_code__icontains=data["q"])
                | Q(address__icontains=data["q"])
            )
        if data["type"]:
            facilities = facilities.filter(type=data["type"])
        if data["risk_class"]:
            facilities = facilities.filter(risk_class=data["risk_class"])
        if data["filed"]:
            facilities = facilities.filter(filed=data["filed"] == "1")
    page = _page(request, facilities)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/facility_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_edit": access.can_lead(request.user),
        },
    )


@login_required
def facility_detail(request, pk):
    facility = access.facility_for_user(request.user, pk)
    show_conflicts = access.can_see_conflicts(request.user)
    return render(
        request,
        "registry/facility_detail.html",
        {
            "facility": facility,
            "managers": facility.managers.all(),
            "buildings": facility.buildings.all(),
            "conflicts": (
                facility.conflicts.select_related("inspector__user") if show_conflicts else None
            ),
            "can_edit": access.can_lead(request.user),
        },
    )


@access.lead_required
def facility_edit(request, pk):
    facility = access.facility_for_user(request.user, pk)
    form = FacilityForm(
        request.POST or None, instance=facility, regions=access.regions_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.facility_save(
            facility=Facility.objects.get(pk=facility.pk),
            values={name: form.cleaned_data[name] for name in form.editable()},
            buildings=form.cleaned_data["buildings"],
            by=request.user,
        )
        messages.success(request, _("The facility was saved."))
        return redirect(facility)
    return render(request, "registry/facility_form.html", {"form": form, "facility": facility})


@access.staff_required
def inspector_list(request):
    inspectors = access.inspectors_for(request.user).select_related("user", "department", "region")
    q = request.GET.get("q", "").strip()
    if q:
        inspectors = inspectors.filter(
            Q(user__full_name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(credential_no__icontains=q)
        )
    return render(
        request,
        "registry/inspector_list.html",
        {"page": _page(request, inspectors), "q": q, "query": urlencode({"q": q}) if q else ""},
    )


@access.staff_required
def inspector_detail(request, pk):
    inspector = access.inspector_for_user(request.user, pk)
    # Conflicts name facilities; show only those inside the viewer's own scope.
    conflicts = inspector.conflicts.filter(
        facility__in=access.facilities_for(request.user)
    ).select_related("facility")
    return render(
        request,
        "registry/inspector_detail.html",
        {"inspector": inspector, "conflicts": conflicts},
    )


@login_required
def calendar(request):
    form = CalendarYearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    exceptions = {
        day.date: day for day in CalendarDay.objects.filter(date__year=year).order_by("date")
    }
    official = CalendarYear.objects.filter(year=year).first()
    months = []
    cal = pycalendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            weeks.append(
                [
                    {
                        "date": d,
                        "in_month": d.month == month,
                        "working": (
                            exceptions[d].kind == CalendarDay.Kind.WORKDAY
                            if d in exceptions
                            else d.weekday() < 5
                        ),
                        "exception": exceptions.get(d) if d.year == year else None,
                    }
                    for d in week
                ]
            )
        months.append({"month": month, "weeks": weeks})
    return render(
        request,
        "registry/calendar.html",
        {
            "year": year,
            "official": official,
            "provisional": not years_official(year, year),
            "exceptions": list(exceptions.values()),
            "months": months,
            "previous": year - 1,
            "next": year + 1,
        },
    )
