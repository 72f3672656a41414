"""Filters of the hazard register shared by its list and the reports' dashboard, so
that a number on the dashboard and the list it links to count the same hazards."""

import re
from datetime import date, datetime

from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from registry.models import Department

from . import access
from .models import Hazard

MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text):
    """``YYYY-MM`` as the first day of that month; ValueError for anything else."""
    match = MONTH.fullmatch(text or "")
    if not match:
        raise ValueError(text)
    year, month = int(match[1]), int(match[2])
    # The upper bound leaves room for the next month's first day.
    if not 1900 <= year <= 9998:
        raise ValueError(text)
    return date(year, month, 1)


def closed_in(month):
    """Closed within ``month`` (its first day), counted in local time."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    end = timezone.make_aware(datetime(following.year, following.month, 1))
    return Q(closed_at__gte=start, closed_at__lt=end)


# Closed by the due date: the local date of closure compared with the due date.
CLOSED_ON_TIME = Q(closed_at__date__lte=F("due_on"))


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
    ``severity``, ``closed_month`` (YYYY-MM) and ``on_time=1``. Returns the hazards,
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
    return hazards, chosen, errors


def department_label(value):
    """A hazard's department is the kind of the checklist's owning department."""
    return Department.Kind(value).label if value in Department.Kind.values else value
