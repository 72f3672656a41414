"""Annual coverage (年度抽查覆盖): per risk class, how many facilities the year's ratio
asks the bureau to check, how many it has checked, and which are still unchecked;
and the key supervision list's members against their minimum number of checks.

Read-only. A facility counts as checked in a year when a bureau inspection of it
(any kind but the facility's own self-inspection) finished in that local year. The
draw's "cover what remains" (inspections.planning.services) reads the same
definitions, so the plan and this page cannot disagree.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from inspections.onsite.models import Inspection
from registry.models import Facility

from . import rules as credit_rules
from .models import CreditList, ListEntry

CLASSES = credit_rules.CLASSES


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of the local year and of the next one."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(date(year, 1, 1), time.min, zone)
    end = datetime.combine(date(year + 1, 1, 1), time.min, zone)
    return start, end


def checks_in(year: int) -> QuerySet[Inspection]:
    """Bureau inspections finished in the local ``year``."""
    start, end = year_bounds(year)
    return Inspection.objects.filter(
        status=Inspection.Status.FINISHED, finished_at__gte=start, finished_at__lt=end
    ).exclude(kind=Inspection.Kind.SELF)


def _checked(year: int) -> Exists:
    return Exists(checks_in(year).filter(facility=OuterRef("pk")))


# A draw's candidates can number hundreds of thousands: too many for one SQL IN list
# (SQLite caps the parameters), so these read the year's checks and the list whole,
# both far shorter, and intersect in Python.


def checked_ids(year: int, facility_ids: Collection[int]) -> set[int]:
    """Which of ``facility_ids`` were checked in ``year``."""
    checked = checks_in(year).order_by().values_list("facility_id", flat=True).distinct()
    return set(checked).intersection(facility_ids)


def key_list_ids(facility_ids: Collection[int]) -> set[int]:
    """Which of ``facility_ids`` are on the key supervision list (重点监管名单) now."""
    members = ListEntry.objects.filter(list_name=CreditList.KEY, exited_on=None).values_list(
        "facility_id", flat=True
    )
    return set(members).intersection(facility_ids)


@dataclass(frozen=True)
class ClassRow:
    cls: str
    ratio: int  # yearly percent of the class to check
    count: int  # active facilities in the class
    required: int  # ceil(ratio × count)
    checked: int  # of them, checked this year

    @property
    def to_check(self) -> int:
        """How many more must be checked this year to reach the ratio."""
        return max(0, self.required - self.checked)

    @property
    def unchecked(self) -> int:
        """How many of the class nobody has checked yet this year."""
        return self.count - self.checked


@dataclass(frozen=True)
class Coverage:
    year: int
    rules_version: int
    rows: list[ClassRow]
    key_minimum: int  # checks a year for a key-list member (0: no rule)
    # Per list (key, dishonest): checks a year a member needs at least (0: no rule).
    minimums: dict[str, int]

    @property
    def total(self) -> ClassRow:
        return ClassRow(
            cls="",
            ratio=0,
            count=sum(r.count for r in self.rows),
            required=sum(r.required for r in self.rows),
            checked=sum(r.checked for r in self.rows),
        )


def class_coverage(year: int, facilities: QuerySet[Facility]) -> Coverage:
    """Per class, in one query: facilities, how many must be checked and were."""
    rules = credit_rules.current()
    counts = {
        row["risk_class"]: row
        for row in facilities.filter(active=True)
        .order_by()
        .values("risk_class")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(_checked(year))))
    }
    rows = []
    for cls in CLASSES:
        row = counts.get(cls, {"n": 0, "done": 0})
        ratio = rules.ratios[cls]
        rows.append(
            ClassRow(
                cls=cls,
                ratio=ratio,
                count=row["n"],
                required=(row["n"] * ratio + 99) // 100,
                checked=row["done"],
            )
        )
    key = rules.lists.get(CreditList.KEY)
    return Coverage(
        year=year,
        rules_version=rules.version,
        rows=rows,
        key_minimum=key.min_checks_per_year if key else 0,
        minimums={
            name: rule.min_checks_per_year if (rule := rules.lists.get(name)) else 0
            for name in CreditList.values
        },
    )


def unchecked(year: int, facilities: QuerySet[Facility], cls: str) -> QuerySet[Facility]:
    """The active facilities of class ``cls`` nobody has checked in ``year``."""
    return (
        facilities.filter(active=True, risk_class=cls)
        .filter(~_checked(year))
        .select_related("region")
        .order_by("name", "pk")
    )


def key_members(
    year: int, facilities: QuerySet[Facility], list_name: str = CreditList.KEY
) -> QuerySet[ListEntry]:
    """Current entries of a list (the key list unless named) of ``facilities``, each
    with ``checks`` in ``year``; the fewest checks first (furthest behind their minimum)."""
    checks = (
        checks_in(year)
        .filter(facility=OuterRef("facility"))
        .order_by()
        .values("facility")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        ListEntry.objects.filter(
            list_name=list_name,
            exited_on=None,
            facility__in=facilities.filter(active=True),
        )
        .select_related("facility", "facility__region")
        .annotate(checks=Coalesce(Subquery(checks, output_field=IntegerField()), 0))
        .order_by("checks", "facility__name", "pk")
    )
