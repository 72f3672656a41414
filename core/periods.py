"""Months and periods in list filters: parsing YYYY-MM, local-day boundaries, a range as a
query."""

import re
from collections.abc import Mapping
from datetime import date, datetime

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str | None) -> date:
    """``YYYY-MM`` as the first day of that month; ValueError for anything else."""
    match = MONTH.fullmatch(text or "")
    if not match:
        raise ValueError(text)
    year, month = int(match[1]), int(match[2])
    # The upper bound leaves room for the next month's first day.
    if not 1900 <= year <= 9998:
        raise ValueError(text)
    return date(year, month, 1)


def next_month(month: date) -> date:
    """The first day of the month after ``month`` (a first day)."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def within(field: str, start: date | None, end: date | None, *, moment: bool = False) -> Q:
    """``field`` from the day ``start`` up to, not including, the day ``end`` (either
    may be None); a ``moment`` (datetime) field is counted in local time."""
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": local_midnight(start) if moment else start})
    if end is not None:
        q &= Q(**{f"{field}__lt": local_midnight(end) if moment else end})
    return q


def month_range(
    params: QueryDict | Mapping[str, str], name: str
) -> tuple[date | None, date | None]:
    """The months ``<name>_from`` and ``<name>_to`` (YYYY-MM, either may be missing) as
    (first day, first day after the last month), each None when missing.
    ValueError when one is malformed."""
    first = params.get(f"{name}_from", "")
    last = params.get(f"{name}_to", "")
    return (
        parse_month(first) if first else None,
        next_month(parse_month(last)) if last else None,
    )
