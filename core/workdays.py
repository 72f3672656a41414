"""Working days under the State Council's holiday schedule (调休 included).

Dates not in ``CalendarDay`` follow the weekday rule (Monday–Friday work). A
result that passes through a year with no official schedule loaded
(``CalendarYear``) is provisional: the schedule for that year may still move it.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta

from django.http import HttpRequest
from django.utils import timezone

from core.models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class WorkingDayResult:
    date: date
    provisional: bool


# Inside ``calendar_read_once``: the calendar's exceptions by year, read a year at a time.
_years: ContextVar[dict[int, dict[date, str]] | None] = ContextVar("workday_years", default=None)


@contextmanager
def calendar_read_once() -> Iterator[None]:
    """Within it, each year of the calendar is read from the database once: for a
    caller that counts working days for many objects (the alarm dispatcher's batch),
    instead of one query per count."""
    token = _years.set({})
    try:
        yield
    finally:
        _years.reset(token)


def _exceptions(start: date, end: date) -> dict[date, str]:
    years = _years.get()
    if years is None:
        return dict(
            CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
        )
    span = range(start.year, end.year + 1)
    missing = [year for year in span if year not in years]
    if missing:
        for year in missing:
            years[year] = {}
        rows = CalendarDay.objects.filter(date__year__in=missing).values_list("date", "kind")
        for day, kind in rows:
            years[day.year][day] = kind
    return {day: kind for year in span for day, kind in years[year].items() if start <= day <= end}


def _is_working(day: date, exceptions: dict[date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> WorkingDayResult:
    """The date ``n`` working days after ``start`` (``n`` = 0 gives ``start``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    # Holidays run at most ~9 days, so 2n + 30 days nearly always covers n working
    # days in one query; the loop fetches the next span if it does not.
    span_end = start + timedelta(days=2 * n + 30)
    exceptions = _exceptions(start, span_end)
    while remaining:
        day += timedelta(days=1)
        if day > span_end:
            span_end = day + timedelta(days=2 * remaining + 30)
            exceptions.update(_exceptions(day, span_end))
        if _is_working(day, exceptions):
            remaining -= 1
    return WorkingDayResult(day, provisional=not years_official(start.year, day.year))


def working_days_before(end: date, n: int) -> date:
    """The date ``n`` working days before ``end`` (``n`` = 0 gives ``end``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = end
    span_start = end - timedelta(days=2 * n + 30)
    exceptions = _exceptions(span_start, end)
    while n:
        day -= timedelta(days=1)
        if day < span_start:
            span_start = day - timedelta(days=2 * n + 30)
            exceptions.update(_exceptions(span_start, day))
        if _is_working(day, exceptions):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if _is_working(day, exceptions):
            count += 1
    return count


def is_working_day(day: date) -> bool:
    return _is_working(day, _exceptions(day, day))


def non_working_days(start: date, end: date) -> list[date]:
    """The days from ``start`` to ``end`` (both included) that are not working days,
    in one query: what ``is_working_day`` answers for each, for a whole span."""
    exceptions = _exceptions(start, end)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if not _is_working(day, exceptions)]


def years_official(first: int, last: int) -> bool:
    wanted = set(range(first, last + 1))
    loaded = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return wanted <= loaded


def working_days_left(today: date, due_dates: Sequence[date]) -> list[int]:
    """For each due date: working days from ``today`` to it (0 on the day itself),
    negative by the working days it is past. One query for the whole list."""
    if not due_dates:
        return []
    countdown = Countdown(today)
    countdown.cover(min(due_dates), max(due_dates))
    return [countdown.left(due) for due in due_dates]


class Countdown:
    """Working days from ``today`` to any number of due dates, for one request.

    The calendar is read once for a span around today (two years each side hold
    nearly every due date a page shows); a date outside it widens the span by one
    more query of at least two years, so the queries do not grow with the rows."""

    MARGIN = timedelta(days=731)

    def __init__(self, today: date) -> None:
        self.today = today
        self._first: date | None = None
        self._last: date | None = None
        self._exceptions: dict[date, str] = {}
        # A page's rows share few due dates (lists are sorted by them).
        self._left: dict[date, int] = {}

    def cover(self, first: date, last: date) -> None:
        """Read the calendar for ``first``..``last`` (and today) unless already read."""
        first, last = min(first, self.today), max(last, self.today)
        if self._first is None or self._last is None:
            self._exceptions = _exceptions(first, last)
            self._first, self._last = first, last
            return
        if first < self._first:
            self._exceptions.update(_exceptions(first, self._first - timedelta(days=1)))
            self._first = first
        if last > self._last:
            self._exceptions.update(_exceptions(self._last + timedelta(days=1), last))
            self._last = last

    def ahead(self, n: int) -> date:
        """The date ``n`` working days after today (``add_working_days`` on the
        request's calendar)."""
        if self._first is None or self._last is None:
            self.cover(self.today - self.MARGIN, self.today + self.MARGIN)
        day = self.today
        while n > 0:
            day += timedelta(days=1)
            if self._last is not None and day > self._last:
                self.cover(self.today, day + self.MARGIN)
            n -= _is_working(day, self._exceptions)
        return day

    def left(self, due: date) -> int:
        """Working days after today up to ``due``; negative by those after ``due`` up to today."""
        if due in self._left:
            return self._left[due]
        if self._first is None or self._last is None:
            self.cover(self.today - self.MARGIN, self.today + self.MARGIN)
        elif not self._first <= due <= self._last:
            self.cover(min(due - self.MARGIN, self._first), max(due + self.MARGIN, self._last))
        start, end, sign = (self.today, due, 1) if due >= self.today else (due, self.today, -1)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += _is_working(day, self._exceptions)
        self._left[due] = sign * count
        return sign * count


def countdown_for(request: HttpRequest) -> Countdown:
    """The request's countdown from today's local date, made on first use: every
    list, chip and view of one request shares its one calendar query."""
    today = timezone.localdate()
    countdown: Countdown | None = getattr(request, "_working_day_countdown", None)
    if countdown is None or countdown.today != today:
        countdown = Countdown(today)
        request._working_day_countdown = countdown  # type: ignore[attr-defined]
    return countdown
