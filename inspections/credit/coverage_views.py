"""Annual coverage (年度抽查覆盖) on the web: per class, how many facilities the year
asks for, how many were checked, which remain; and the key list's members against
their minimum number of checks. Read-only; scoped to the user's facilities."""

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import pages
from inspections import access

from . import coverage as selectors
from .models import CreditList

PREVIEW = 10  # unchecked facilities shown per class on the overview
KEY_PREVIEW = 20
KEY = "key"


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": _("Enter a year such as 2026."),
            "min_value": _("Choose a year from 2000 to 2100."),
            "max_value": _("Choose a year from 2000 to 2100."),
        },
    )


def _list(name, summary, rows, *, more):
    """One list's section: its members against the checks a year they need at least
    (the dishonesty list's members are under key supervision too)."""
    return {
        "name": name,
        "label": CreditList(name).label,
        "minimum": summary.minimums.get(name, 0),
        "rows": rows,
        "more": more,
    }


@access.coverage_required
def coverage(request):
    this_year = timezone.localdate().year
    form = YearForm(request.GET if "year" in request.GET else {"year": this_year})
    year = form.cleaned_data["year"] if form.is_valid() else this_year
    facilities = access.facilities_for(request.user)
    summary = selectors.class_coverage(year, facilities)
    show = request.GET.get("show", "")
    context = {"form": form, "year": year, "summary": summary, "show": show}

    if show in selectors.CLASSES:
        row = next(r for r in summary.rows if r.cls == show)
        context["page"] = pages.page(request, selectors.unchecked(year, facilities, show))
        context["sections"] = [(row, context["page"])]
    elif show in CreditList.values:
        context["page"] = pages.page(request, selectors.key_members(year, facilities, show))
        context["lists"] = [_list(show, summary, context["page"], more=False)]
    else:
        show = context["show"] = ""
        context["sections"] = [
            (row, list(selectors.unchecked(year, facilities, row.cls)[:PREVIEW]))
            for row in summary.rows
        ]
        context["lists"] = []
        for name in CreditList.values:
            rows = list(selectors.key_members(year, facilities, name)[: KEY_PREVIEW + 1])
            more = len(rows) > KEY_PREVIEW
            context["lists"].append(_list(name, summary, rows[:KEY_PREVIEW], more=more))
    context["query"] = f"year={year}&show={show}" if show else ""
    return render(request, "credit/coverage.html", context)
