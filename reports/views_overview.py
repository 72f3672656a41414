"""The bureau leads' overview of a region and a period, as a page and as Excel."""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from inspections import access

from . import exports, overview


def _region_label(choice):
    return choice.region.name if choice.region else _("All my regions")


@access.lead_required
def overview_page(request):
    """Every section as a chart beside a table of the same numbers, each number a link
    to the list behind it."""
    choice = overview.choose(request.user, request.GET)
    result = overview.build(request.user, choice)
    period = choice.period
    default = overview.default_period()
    chips = [
        {
            "label": _("Region"),
            "value": _region_label(choice),
            # The query string without this filter; None when there is nothing to remove.
            "remove": urlencode(period.params()) if choice.region else None,
        },
        {
            "label": _("Period"),
            "value": f"{period.first:%Y-%m} – {period.last:%Y-%m}",
            "remove": urlencode({"region": choice.region.code} if choice.region else {})
            if period != default
            else None,
        },
    ]
    return render(
        request,
        "reports/overview.html",
        {
            "overview": result,
            "sections": result.sections,
            "chips": chips,
            "regions": access.regions_for(request.user).order_by("path"),
            "region": choice.region,
            "month_from": f"{period.first:%Y-%m}",
            "month_to": f"{period.last:%Y-%m}",
            "error": choice.error,
            "query": urlencode(choice.params()),
        },
    )


@access.lead_required
def overview_xlsx(request):
    """The whole overview as an Excel workbook, one sheet per section."""
    choice = overview.choose(request.user, request.GET)
    result = overview.build(request.user, choice)
    response = HttpResponse(
        overview.workbook(result, _region_label(choice)),
        content_type=exports.CONTENT_TYPES["xlsx"],
    )
    period = choice.period
    where = choice.region.code if choice.region else "all"
    name = f"overview-{where}-{period.first:%Y-%m}-{period.last:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
