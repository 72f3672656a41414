"""Filters of the hazard register shared by its list and the reports' dashboard, so
that a number on the dashboard and the list it links to count the same hazards."""

from datetime import date, datetime

from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.periods import local_midnight, month_range, next_month, parse_month, within
from inspections import access
from inspections.hazards.models import Hazard
from registry.models import Category, Department


def closed_in(month):
    """Closed within ``month`` (its first day), counted in local time."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    end = timezone.make_aware(datetime(following.year, following.month, 1))
    return Q(closed_at__gte=start, closed_at__lt=end)


# Closed by the due date: the local date of closure compared with the due date.
CLOSED_ON_TIME = Q(closed_at__date__lte=F("due_on"))


def open_at_end_of(month):
    """Open at the end of ``month``: found by then and not closed by then."""
    end = next_month(month)
    return Q(found_on__lt=end) & (Q(closed_at=None) | Q(closed_at__gte=local_midnight(end)))


UNCATEGORISED = "none"


def by_place(hazards, user, params):
    """Narrow ``hazards`` to where they are: ``facility``, ``region`` (and everything
    below it) and ``department``. A facility or region outside the user's scope is
    404. Returns the hazards, the chosen filters as (parameter, label, value), and
    the facility when one was chosen."""
    chosen, facility = [], None
    if params.get("facility"):
        facility = access.facility_for_user(user, params["facility"])
        hazards = hazards.filter(facility=facility)
        chosen.append(("facility", _("Facility"), facility.name))
    if params.get("region"):
        region = access.region_for_user(user, params["region"])
        if region is None:
            raise Http404
        hazards = hazards.filter(facility__region__path__startswith=region.path)
        chosen.append(("region", _("Region"), region.name))
    department = params.get("department", "")
    if department:
        hazards = hazards.filter(department=department)
        chosen.append(("department", _("Department"), department_label(department)))
    return hazards, chosen, facility


def by_kind(hazards, params):
    """Narrow ``hazards`` to what they are: ``status`` (``open`` or one status),
    ``severity``, ``closed_month`` (YYYY-MM), ``on_time`` (1 on time, 0 late),
    ``category`` and the month ranges of ``_by_months``. Returns the hazards,
    the chosen filters as (parameter, label, value), and errors to show."""
    chosen, errors = [], []
    status = params.get("status", "")
    if status == "open":
        hazards = hazards.filter(status__in=Hazard.OPEN)
        chosen.append(("status", _("Status"), pgettext("hazard status", "Open")))
    elif status in Hazard.Status.values:
        hazards = hazards.filter(status=status)
        chosen.append(("status", _("Status"), Hazard.Status(status).label))
    severity = params.get("severity", "")
    if severity in Hazard.Severity.values:
        hazards = hazards.filter(severity=severity)
        chosen.append(("severity", _("Class"), Hazard.Severity(severity).label))
    if params.get("closed_month"):
        try:
            month = parse_month(params["closed_month"])
        except ValueError:
            errors.append(_("Give the month closed as YYYY-MM, for example 2026-11."))
        else:
            hazards = hazards.filter(closed_in(month))
            chosen.append(("closed_month", _("Closed in"), f"{month:%Y-%m}"))
    if params.get("on_time") == "1":
        hazards = hazards.filter(CLOSED_ON_TIME)
        chosen.append(("on_time", _("Closed"), _("on or before the due date")))
    elif params.get("on_time") == "0":
        hazards = hazards.exclude(closed_at=None).exclude(CLOSED_ON_TIME)
        chosen.append(("on_time", _("Closed"), _("after the due date")))
    hazards = _by_category(hazards, params, chosen)
    hazards = _by_months(hazards, params, chosen, errors)
    return hazards, chosen, errors


def _by_category(hazards, params, chosen):
    """``category``: a checklist category, or ``none`` for hazards without one."""
    category = params.get("category", "")
    if category == UNCATEGORISED:
        chosen.append(("category", _("Category"), _("Uncategorised")))
        return hazards.filter(category="")
    if category in Category.values:
        chosen.append(("category", _("Category"), Category(category).label))
        return hazards.filter(category=category)
    return hazards


def _by_months(hazards, params, chosen, errors):
    """Month ranges (``found_from``/``found_to``, ``closed_from``/``closed_to``) and
    ``open_end`` (open at the end of a month), all YYYY-MM."""
    ranges = (
        ("found", "found_on", False, _("Found from"), _("Found until")),
        ("closed", "closed_at", True, _("Closed from"), _("Closed until")),
    )
    for name, field, moment, since, until in ranges:
        try:
            start, end = month_range(params, name)
        except ValueError:
            errors.append(_("Give the months as YYYY-MM, for example 2026-11."))
            continue
        hazards = hazards.filter(within(field, start, end, moment=moment))
        for param, label, given in ((f"{name}_from", since, start), (f"{name}_to", until, end)):
            if given is not None:
                chosen.append((param, label, params[param]))
    if params.get("open_end"):
        try:
            month = parse_month(params["open_end"])
        except ValueError:
            errors.append(_("Give the months as YYYY-MM, for example 2026-11."))
        else:
            hazards = hazards.filter(open_at_end_of(month))
            chosen.append(("open_end", _("Open at the end of"), f"{month:%Y-%m}"))
    return hazards


def department_label(value):
    """A hazard's department is the kind of the checklist's owning department."""
    return Department.Kind(value).label if value in Department.Kind.values else value
