"""Times as their readers need them. They are stored in UTC; a person reads them in
the configured time zone (settings.TIME_ZONE), to the minute; a machine (JSON, the
API) gets ISO 8601 with the offset. Dates derived from times are local dates, so a
hazard closed at 00:30 in Shanghai is closed that day, not the day before (UTC).

Here, at the start of the one-way flow (registry → checklists → inspections →
workflows → reports/audit), so that every room can use the same formats."""

from datetime import date, datetime

from django.utils import timezone


def iso(moment: datetime | None) -> str | None:
    """``moment`` for machines: ISO 8601 in the current time zone with its offset,
    to the second (``2026-11-30T23:30:00+08:00``); None stays None."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def local_date(moment: datetime | None) -> date | None:
    """The date of ``moment`` in the current time zone; None stays None."""
    return timezone.localdate(moment) if moment else None


def for_people(moment: datetime | None) -> str:
    """``moment`` for people: ``2026-11-30 23:30`` in the current time zone; None
    gives an empty text."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
