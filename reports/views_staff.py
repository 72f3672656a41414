"""Reports for staff (log-in required): the hazard register export, its jobs, and the
dashboard."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import exportkinds, periods
from inspections import access
from inspections.hazards import filters as hazard_filters
from inspections.hazards.models import Hazard

from . import dashboard, exports, jobs, policy
from .models import ExportJob

DASHBOARD_ROWS = 50
JOB_ROWS = 20
RECENT_JOBS = 5
JOB_REFRESH_SECONDS = 3


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
    """The register of the lead's regions as a file; the form when nothing is chosen.
    A set of at most ``EXPORT_INLINE_ROWS`` rows downloads at once; a larger one is
    posted to become a background job (a GET only offers that: it never creates one)."""
    data = request.POST if request.method == "POST" else request.GET
    form = ExportForm(
        data if "format" in data else None,
        regions=access.regions_for(request.user).order_by("path"),
    )
    if not (form.is_bound and form.is_valid()):
        return _export_page(request, form)
    fmt = form.cleaned_data["format"]
    parameters = jobs.hazard_parameters(
        user=request.user,
        region=form.cleaned_data["region"],
        status=form.cleaned_data["status"],
        fmt=fmt,
    )
    hazards = jobs.hazards_chosen(request.user, parameters)
    rows = hazards.count()
    if rows <= settings.EXPORT_INLINE_ROWS:
        response = StreamingHttpResponse(
            exports.chunks(hazards, fmt), content_type=exports.CONTENT_TYPES[fmt]
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="hazards-{stamp}.{fmt}"'
        return response
    if request.method != "POST":
        return _export_page(request, form, rows=rows)
    job = jobs.job_request(
        by=request.user, kind=ExportJob.Kind.HAZARDS, parameters=parameters, rows_total=rows
    )
    return redirect(job)


def _export_page(request, form, rows=None):
    recent = policy.export_jobs_for(request.user).filter(kind=ExportJob.Kind.HAZARDS)[:RECENT_JOBS]
    return render(
        request,
        "reports/hazard_export.html",
        {"form": form, "rows": rows, "inline_rows": settings.EXPORT_INLINE_ROWS, "jobs": recent},
    )


@policy.exports_required
@require_POST
def export_request(request, kind):
    """Queue an export asked for on another room's page (the auditor's history CSV,
    core.exportkinds): the kind reads its parameters from the form; the worker counts
    and writes the rows. A kind the user may not use does not exist for them."""
    try:
        export = exportkinds.get(kind)
    except ValueError:
        raise Http404 from None
    if export.parameters is None or kind not in exportkinds.usable_by(request.user):
        raise Http404
    try:
        parameters = export.parameters(request.user, request.POST)
    except ValidationError as error:
        context = {"errors": error.messages, "start": export}
        return render(request, "reports/export_refused.html", context, status=400)
    job = jobs.job_request(by=request.user, kind=kind, parameters=parameters)
    return redirect(job)


@policy.exports_required
def export_jobs(request):
    """The user's own export jobs, newest first."""
    page = Paginator(policy.export_jobs_for(request.user), JOB_ROWS).get_page(
        request.GET.get("page")
    )
    starts = [exportkinds.get(kind) for kind in exportkinds.usable_by(request.user)]
    return render(request, "reports/export_jobs.html", {"page": page, "starts": starts})


@policy.exports_required
def export_job(request, pk):
    """One job: its status and progress, and its file when it is ready. The page reloads
    itself while the job waits or runs (a Refresh header: no script needed)."""
    job = policy.export_job_for_user(request.user, pk)
    response = _job_page(request, job)
    if not job.is_finished:
        response["Refresh"] = str(JOB_REFRESH_SECONDS)
    return response


def _job_page(request, job, status=200, missing=False):
    context = {
        "job": job,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
        "missing": missing,
        "start": exportkinds.get(job.kind),
    }
    return render(request, "reports/export_job.html", context, status=status)


@policy.exports_required
def export_job_download(request, pk):
    job = policy.export_job_for_user(request.user, pk)
    if not policy.may_download(request.user, job):
        raise Http404
    if job.status == ExportJob.Status.EXPIRED:
        return _job_page(request, job, status=410)
    if job.status != ExportJob.Status.DONE:
        return redirect(job)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        # Removed by hand or lost with its disk: as good as expired.
        return _job_page(request, job, status=410, missing=True)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=jobs.export_filename(job),
        content_type=exportkinds.get(job.kind).formats[job.parameters["format"]],
    )


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
