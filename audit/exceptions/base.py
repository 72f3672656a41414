"""What every exception report is, and the registry the pages read.

A report answers one question an auditor asks ("which results were published
late?") with ``Finding`` rows. It reaches the data only through the scoped
querysets of ``inspections.access`` and ``audit.access`` (the one policy layer):
a report never restates who may see what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.workdays import Countdown


@dataclass(frozen=True)
class Finding:
    """One row of a report.

    ``region`` and ``at`` place the row in the counts per region and period:
    ``at`` is the aware moment the row belongs to (counted in the bureau's local
    month). ``cells`` holds one value per column key: text, a number, a date, an
    aware datetime (shown in local time) or a bool.
    """

    region: Any  # registry.models.Region, or None for an object of no region
    at: datetime
    subject: str
    url: str | None
    history_url: str
    cells: dict[str, Any] = field(default_factory=dict)


class Report:
    """Subclasses set the class attributes and implement ``findings``."""

    key: ClassVar[str]  # the slug in the URL
    title: ClassVar[Any]  # gettext_lazy text
    explanation: ClassVar[Any]  # one sentence: why an auditor looks at this list
    columns: ClassVar[tuple[tuple[str, Any], ...]]  # (cell key, header), in order
    # The header over ``Finding.subject`` (the linked first cell, and the export's first column).
    subject_label: ClassVar[Any] = _("Object")

    def findings(self, user, start: datetime | None, end: datetime | None) -> Iterable[Finding]:
        """The rows ``user`` may read whose ``at`` lies in ``[start, end)``
        (either bound may be None), newest first."""
        raise NotImplementedError


REPORTS: dict[str, Report] = {}


def register(cls: type[Report]) -> type[Report]:
    if cls.key in REPORTS:
        raise ValueError(f"two exception reports share the key {cls.key!r}")
    REPORTS[cls.key] = cls()
    return cls


def history_link(obj) -> str:
    """The audit browser narrowed to ``obj``'s recorded changes."""
    query = urlencode({"model": obj._meta.label_lower, "object_id": str(obj.pk)})
    return f"{reverse('audit:history')}?{query}"


def in_period(rows: QuerySet, field: str, start: datetime | None, end: datetime | None) -> QuerySet:
    """``rows`` whose moment ``field`` lies in ``[start, end)`` (either bound may be None)."""
    if start is not None:
        rows = rows.filter(**{f"{field}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{field}__lt": end})
    return rows


class WorkingDaysLate:
    """Working days after a due date up to the day something happened (0 when on
    time), for many rows on one read of the calendar (``core.workdays``).

    ``Countdown.left`` counts signed working days from its anchor, so the working
    days in ``(due, on]`` are ``left(on) - left(due)`` whatever the anchor; the
    anchor is the first due date asked, near the rows, to keep the counting short.
    """

    def __init__(self) -> None:
        self._countdown: Countdown | None = None

    def __call__(self, due: date, on: date) -> int:
        if on <= due:
            return 0
        if self._countdown is None:
            self._countdown = Countdown(due)
        return self._countdown.left(on) - self._countdown.left(due)
