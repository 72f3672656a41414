"""The hazard register by region for bureau leads: per child region of the lead's
regions (or per facility) the open, overdue, closed-in-a-month, on-time and major
counts, all from one grouped query whatever the number of rows."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from inspections import access
from inspections.hazards import filters as hazard_filters
from inspections.hazards.models import Hazard
from registry.models import Facility, Region

COUNTS = ("open", "overdue", "closed", "on_time", "major")
SORTS = ("name", "open", "overdue", "closed", "rate", "major")


@dataclass
class Row:
    name: str
    # The hazard list's parameters that select exactly this row's hazards.
    target: dict = field(default_factory=dict)
    code: str = ""  # a region's; empty for a facility
    open: int = 0
    overdue: int = 0
    closed: int = 0
    on_time: int = 0
    major: int = 0

    @property
    def rate(self):
        """The share of the month's closures made by the due date; None if none closed."""
        return self.on_time / self.closed if self.closed else None

    def add(self, counts):
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + counts[name])


@dataclass
class Dashboard:
    rows: list
    total: Row
    by: str


def roots_for(user):
    """The regions the dashboard is about: the lead's own, leaving out any that lies
    inside another of them; for an administrator, the top-level regions."""
    regions = Region.objects.filter(parent=None) if access.is_admin(user) else user.regions.all()
    roots = []
    for region in sorted(regions, key=lambda r: r.path):
        if not any(region.path.startswith(root.path) for root in roots):
            roots.append(region)
    return roots


def departments(user):
    """The departments present in the hazards the user may see."""
    return list(
        access.hazards_for(user)
        .exclude(department="")
        .order_by("department")
        .values_list("department", flat=True)
        .distinct()
    )


def build(user, *, by, month, department="", severity=""):
    """Rows by child region (``by="region"``) or by facility, and their total.

    By region, a facility registered directly in one of the lead's regions rather than
    in a child region is a row of its own, so that the rows add up to the total; with
    no child region holding facilities, the rows are the facilities."""
    facilities = access.facilities_for(user).order_by()
    children = []
    if by == "region":
        roots = roots_for(user)
        holds_facilities = Exists(
            Facility.objects.filter(region__path__startswith=OuterRef("path"))
        )
        children = list(Region.objects.filter(holds_facilities, parent__in=roots).order_by("path"))
        facilities = facilities.filter(region__in=roots)
    rows = {
        f"r{region.code}": Row(name=region.name, target={"region": region.code}, code=region.code)
        for region in children
    }
    for pk, name in facilities.values_list("pk", "name"):
        rows[f"f{pk}"] = Row(name=name, target={"facility": pk})

    hazards = access.hazards_for(user)
    if department:
        hazards = hazards.filter(department=department)
    if severity:
        hazards = hazards.filter(severity=severity)
    total = Row(name="")
    for counts in grouped(hazards, _row_key(children), month):
        total.add(counts)
        if counts["row"] in rows:
            rows[counts["row"]].add(counts)
    return Dashboard(rows=list(rows.values()), total=total, by="region" if children else "facility")


def _row_key(children):
    """``r<code>`` for hazards under a child region, else ``f<facility pk>``."""
    facility_key = Concat(Value("f"), Cast("facility_id", CharField()), output_field=CharField())
    if not children:
        return facility_key
    return Case(
        *[
            When(facility__region__path__startswith=region.path, then=Value(f"r{region.code}"))
            for region in children
        ],
        default=facility_key,
        output_field=CharField(),
    )


def grouped(hazards, key, month):
    """One query: the counts of each row, grouped by ``key``."""
    open_ = Q(status__in=Hazard.OPEN)
    closed = hazard_filters.closed_in(month)
    return (
        hazards.order_by()
        .annotate(row=key)
        .values("row")
        .annotate(
            open=Count("pk", filter=open_),
            overdue=Count("pk", filter=Q(status=Hazard.Status.OVERDUE)),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & hazard_filters.CLOSED_ON_TIME),
            major=Count("pk", filter=open_ & Q(severity=Hazard.Severity.MAJOR)),
        )
    )


def sort(rows, order):
    """``order`` is a column of SORTS, descending with a leading ``-``; rows without a
    rate go last either way, and ties keep name order."""
    descending, column = order.startswith("-"), order.lstrip("-")
    rows = sorted(rows, key=lambda row: row.name)
    if column == "name":
        return sorted(rows, key=lambda row: row.name, reverse=descending)
    rated = [row for row in rows if getattr(row, column) is not None]
    unrated = [row for row in rows if getattr(row, column) is None]
    return sorted(rated, key=lambda row: getattr(row, column), reverse=descending) + unrated


def cells(row, *, month, department="", severity=""):
    """The numbers of a row in column order, each with the link to its hazards (none
    for a zero: there is nothing to open)."""
    where = {**row.target, **({"department": department} if department else {})}
    kind = {**where, **({"severity": severity} if severity else {})}
    closed = {**kind, "closed_month": f"{month:%Y-%m}"}
    rate = "—" if row.rate is None else f"{row.rate:.0%}"
    numbers = [
        ("open", row.open, str(row.open), {**kind, "status": "open"}),
        ("overdue", row.overdue, str(row.overdue), {**kind, "status": "overdue"}),
        ("closed", row.closed, str(row.closed), closed),
        ("rate", row.on_time, rate, {**closed, "on_time": "1"}),
        ("major", row.major, str(row.major), {**where, "status": "open", "severity": "major"}),
    ]
    url = reverse("inspections:hazard_list")
    return [
        {
            "column": column,
            "count": count,
            "text": text,
            "detail": f"{row.on_time}/{row.closed}" if column == "rate" and row.closed else "",
            "href": f"{url}?{urlencode(params)}" if count else "",
        }
        for column, count, text, params in numbers
    ]
