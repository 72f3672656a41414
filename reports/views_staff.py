"""Reports for staff (log-in required): the hazard register export and dashboard."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core import periods
from inspections import access
from inspections.hazards import filters as hazard_filters
from inspections.hazards.models import Hazard

from . import dashboard, exports

DASHBOARD_ROWS = 50


class ExportForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=None, required=False, empty_label=_("All my regions")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status"))] + Hazard.Status.choices, required=False
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("json", "JSON")],
        initial="xlsx",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


@access.lead_required
def hazard_export(request):
    """The register of the lead's regions as a file; the form when nothing is chosen."""
    form = ExportForm(
        request.GET if "format" in request.GET else None,
        regions=access.regions_for(request.user).order_by("path"),
    )
    if form.is_bound and form.is_valid():
        hazards = exports.filtered(
            access.hazards_for(request.user),
            region=form.cleaned_data["region"],
            status=form.cleaned_data["status"],
        )
        fmt = form.cleaned_data["format"]
        response = HttpResponse(
            exports.render(hazards, fmt), content_type=exports.CONTENT_TYPES[fmt]
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="hazards-{stamp}.{fmt}"'
        return response
    return render(request, "reports/hazard_export.html", {"form": form})


@access.lead_required
def hazard_dashboard(request):
    """Per child region (or facility) of the lead's regions: open, overdue, closed in
    the month, the on-time closure rate and major hazards, each linked to its list."""
    get = request.GET
    month, month_error = timezone.localdate().replace(day=1), ""
    if get.get("month"):
        try:
            month = periods.parse_month(get["month"])
        except ValueError:
            month_error = gettext(
                "Give the month as YYYY-MM, for example 2026-11. Showing the current month."
            )
    departments = dashboard.departments(request.user)
    department = get.get("department") if get.get("department") in departments else ""
    severity = get.get("severity") if get.get("severity") in Hazard.Severity.values else ""
    order = get.get("sort", "-open")
    if order.lstrip("-") not in dashboard.SORTS:
        order = "-open"
    result = dashboard.build(
        request.user,
        by="facility" if get.get("by") == "facility" else "region",
        month=month,
        department=department,
        severity=severity,
    )
    page = Paginator(dashboard.sort(result.rows, order), DASHBOARD_ROWS).get_page(get.get("page"))
    numbers = {"month": month, "department": department, "severity": severity}
    for row in page:
        row.cells = dashboard.cells(row, **numbers)
    result.total.cells = dashboard.cells(result.total, **numbers)
    query = get.copy()
    query.pop("page", None)
    if month_error:
        query.pop("month")
    return render(
        request,
        "reports/hazard_dashboard.html",
        {
            "page": page,
            "total": result.total,
            "by": result.by,
            "columns": _columns(query, order, result.by, month),
            "query": query.urlencode(),
            "month": f"{month:%Y-%m}",
            "month_error": month_error,
            "department": department,
            "departments": [(d, hazard_filters.department_label(d)) for d in departments],
            "severity": severity,
            "severities": Hazard.Severity.choices,
            "sort": order,
        },
    )


def _columns(query, order, by, month):
    """Headers that sort by their column: a number first from the largest, the name
    from A; a second click reverses."""
    labels = {
        "name": _("Region") if by == "region" else _("Facility"),
        "open": pgettext_lazy("hazard status", "Open"),
        "overdue": _("Overdue"),
        "closed": _("Closed in %(month)s") % {"month": f"{month:%Y-%m}"},
        "rate": _("On-time closure rate"),
        "major": _("Major, under supervision"),
    }
    descending = order.startswith("-")
    columns = []
    for name, label in labels.items():
        current = order.lstrip("-") == name
        if current:
            direction = "descending" if descending else "ascending"
            sort = name if descending else f"-{name}"
        else:
            direction = ""
            sort = name if name == "name" else f"-{name}"
        sorted_by = query.copy()
        sorted_by["sort"] = sort
        columns.append(
            {"name": name, "label": label, "query": sorted_by.urlencode(), "aria_sort": direction}
        )
    return columns
