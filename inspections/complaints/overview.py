"""Counts of complaints for the leads' overview: per category and month, and the
facilities with most complaints. Counts only: nothing here names a complainant."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core import periods


@dataclass
class Ranked:
    facility: int
    name: str
    n: int = 0
    substantiated: int = 0


@dataclass
class Counts:
    # (category, first day of the month) -> complaints received
    per_category_month: dict[tuple[str, date], int] = field(default_factory=dict)
    # the facilities with most complaints received, most first
    top_facilities: list[Ranked] = field(default_factory=list)


def _first_day(month: date | datetime) -> date:
    if isinstance(month, datetime):
        month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
    return month.replace(day=1)


def counts(complaints: QuerySet, first: date, end: date, *, top: int) -> Counts:
    """Complaints received from ``first`` to before ``end``, in one grouped query (its
    rows are at most the complaints of the period)."""
    rows = (
        complaints.filter(periods.within("received_at", first, end, moment=True))
        .order_by()
        .annotate(month=TruncMonth("received_at"))
        .values_list("category", "month", "facility", "facility__name", "substantiated")
        .annotate(n=Count("pk"))
    )
    result = Counts()
    ranked: dict[int, Ranked] = {}
    for category, month, facility, name, substantiated, n in rows:
        key = (category, _first_day(month))
        result.per_category_month[key] = result.per_category_month.get(key, 0) + n
        if facility is None:
            continue
        entry = ranked.setdefault(facility, Ranked(facility=facility, name=name))
        entry.n += n
        entry.substantiated += n if substantiated else 0
    result.top_facilities = sorted(ranked.values(), key=lambda r: (-r.n, r.name, r.facility))[:top]
    return result
