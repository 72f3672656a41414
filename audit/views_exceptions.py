"""The auditor's exception reports (``audit.exceptions``): the index of reports with
their row counts for a period, each report's page, and its CSV and XLSX files.
Read-only, and scoped by the reports themselves through the access modules."""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from audit.access import auditor_required
from audit.exceptions import tables
from audit.exceptions.base import REPORTS
from audit.exceptions.tables import cell_text, collect, counts, csv_bytes, xlsx_bytes
from audit.forms import EARLIEST, LATEST, DateInput
from core.periods import local_midnight

PAGE_SIZE = 50
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", csv_bytes),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_bytes),
}


def _day_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput,
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )


class PeriodForm(forms.Form):
    date_from = _day_field(_("From"))
    date_to = _day_field(_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _period(request):
    """``(form, (start, end) or None)``: the local days chosen as aware bounds
    ``[start, end)``, this local year when none is chosen; None when invalid."""
    if "date_from" in request.GET or "date_to" in request.GET:
        form = PeriodForm(request.GET)
    else:
        year = timezone.localdate().year
        # ISO text, as a browser sends it: the date inputs show it as it is.
        form = PeriodForm({"date_from": f"{year:04d}-01-01", "date_to": f"{year:04d}-12-31"})
    if not form.is_valid():
        return form, None
    first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return form, (
        local_midnight(first) if first else None,
        local_midnight(last + timedelta(days=1)) if last else None,
    )


def _query(form):
    """The period as a query string, for the links between the pages."""
    return urlencode({name: form.data.get(name) or "" for name in PeriodForm.base_fields})


def _report(key):
    try:
        return REPORTS[key]
    except KeyError:
        raise Http404 from None


@auditor_required
@require_safe
def exception_index(request):
    form, period = _period(request)
    reports = []
    if period is not None:
        for report in REPORTS.values():
            rows, capped = collect(report, request.user, *period)
            reports.append({"report": report, "count": len(rows), "capped": capped})
    return render(
        request,
        "audit/exceptions.html",
        {"form": form, "reports": reports, "query": _query(form)},
        status=200 if period is not None else 400,
    )


def _report_page(request, report, form, period, *, status=200, refused=""):
    context = {
        "report": report,
        "form": form,
        "query": _query(form),
        "cap": tables.ROW_CAP,
        "refused": refused,
    }
    if period is None:
        return render(request, "audit/exception_report.html", context, status=400)
    rows, capped = collect(report, request.user, *period)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    per_region, per_month = counts(rows)
    context.update(
        count=len(rows),
        capped=capped,
        page=page,
        lines=[
            (row, [(label, cell_text(row.cells.get(key))) for key, label in report.columns])
            for row in page
        ],
        per_region=per_region,
        per_month=per_month,
    )
    return render(request, "audit/exception_report.html", context, status=status)


@auditor_required
@require_safe
def exception_report(request, key):
    report = _report(key)
    form, period = _period(request)
    return _report_page(request, report, form, period)


@auditor_required
@require_safe
def exception_export(request, key, fmt):
    report = _report(key)
    if fmt not in EXPORTS:
        raise Http404
    form, period = _period(request)
    if period is None:
        return _report_page(request, report, form, None)
    rows, capped = collect(report, request.user, *period)
    if capped:
        # A file silently cut short would pass for the whole list.
        return _report_page(
            request,
            report,
            form,
            period,
            status=400,
            refused=_("This period has too many rows to export: narrow it."),
        )
    content_type, render_file = EXPORTS[fmt]
    response = HttpResponse(render_file(report, rows), content_type=content_type)
    first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    span = "-".join(f"{day:%Y%m%d}" if day else "open" for day in (first, last))
    response["Content-Disposition"] = f'attachment; filename="{report.key}-{span}.{fmt}"'
    return response
