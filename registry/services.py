"""Writes to the directories. Every function saves object by object so that
django-simple-history records who changed what."""

import csv
import os
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

import chinese_calendar
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.audited import save_with_history, set_history_user
from core.models import CalendarDay, CalendarYear

from .models import (
    Building,
    ConflictOfInterest,
    Facility,
    InspectorProfile,
    Region,
    User,
)

PACKAGE_SOURCE = "chinese-calendar {version} (State Council holiday schedule)"

_Row = TypeVar("_Row", bound=models.Model)
# A day of the calendar's exceptions: its kind (CalendarDay.Kind) and name.
DayEntry = tuple[str, str]


def changed_fields(obj: models.Model, values: Mapping[str, Any]) -> list[str]:
    """Names of the fields whose value in ``values`` differs from ``obj``'s."""
    names = []
    for name, value in values.items():
        field = obj._meta.get_field(name)
        assert isinstance(field, models.Field), f"{name} is not a field of {obj._meta.label}"
        if field.many_to_one or field.one_to_one:
            # Compare keys: reading an unset relation raises.
            current, wanted = getattr(obj, field.attname), getattr(value, "pk", value)
        else:
            current, wanted = getattr(obj, name), value
        if current != wanted:
            names.append(name)
    return names


def _apply(obj: models.Model, values: Mapping[str, Any]) -> bool:
    """Set ``values`` on ``obj``; return whether anything changed."""
    names = changed_fields(obj, values)
    for name in names:
        setattr(obj, name, values[name])
    return bool(names)


def upsert(
    model: type[_Row],
    *,
    lookup: dict[str, Any],
    values: Mapping[str, Any],
    by: User | None = None,
    reason: str | None = None,
) -> tuple[_Row, bool, bool]:
    """Create or update one row, saving (and recording history) only on a real change.

    Returns ``(obj, created, changed)``.
    """
    obj = model._default_manager.filter(**lookup).first()
    created = obj is None
    if obj is None:
        obj = model(**lookup)
    changed = _apply(obj, values)
    if created or changed:
        obj.full_clean()
        save_with_history(obj, by=by, reason=reason)
    return obj, created, changed


def set_members(
    obj: models.Model, field: str, wanted: Iterable[models.Model], *, by: User | None = None
) -> bool:
    """Make the many-to-many ``field`` of ``obj`` hold exactly ``wanted``."""
    manager = getattr(obj, field)
    current = set(manager.all())
    members = set(wanted)
    if current == members:
        return False
    if by is not None:
        set_history_user(obj, by)
    manager.set(members)
    return True


@transaction.atomic
def user_ensure(
    *,
    username: str,
    values: Mapping[str, Any],
    password: str | None = None,
    regions: Iterable[Region] | None = None,
    by: User | None = None,
) -> User:
    """Create or update a user. ``password`` is set only when the user is created, so
    re-running a seed never resets a password someone has changed."""
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
    if _apply(user, values) or created:
        save_with_history(user, by=by)
    if regions is not None:
        set_members(user, "regions", regions, by=by)
    return user


@transaction.atomic
def facility_save(
    *,
    values: Mapping[str, Any],
    by: User | None = None,
    facility: Facility | None = None,
    reason: str | None = None,
    buildings: Iterable[Mapping[str, Any]] | None = None,
) -> Facility:
    """Create a facility or update ``facility`` with ``values`` (validated). With
    ``buildings`` (from ``registry.buildings.parse``), its buildings become exactly
    those, matched by name."""
    if facility is None:
        facility = Facility()
    if _apply(facility, values) or facility.pk is None:
        facility.full_clean()
        save_with_history(facility, by=by, reason=reason)
    if buildings is not None:
        _set_buildings(facility, buildings, by=by, reason=reason)
    return facility


def _set_buildings(
    facility: Facility,
    buildings: Iterable[Mapping[str, Any]],
    *,
    by: User | None,
    reason: str | None,
) -> None:
    current = {b.name: b for b in facility.buildings.all()}
    wanted = {b["name"]: b for b in buildings}
    for name, stale in current.items():
        if name not in wanted:
            if by is not None:
                set_history_user(stale, by)
            stale.delete()
    for name, values in wanted.items():
        building = current.get(name) or Building(facility=facility, name=name)
        if _apply(building, values) or building.pk is None:
            building.full_clean()
            save_with_history(building, by=by, reason=reason)
    # The rule figures are cached per instance; the buildings just changed.
    facility.__dict__.pop("building_figures", None)


@transaction.atomic
def conflict_declare(
    *, inspector: InspectorProfile, facility: Facility, reason: str, by: User | None = None
) -> ConflictOfInterest:
    conflict, _created, _changed = upsert(
        ConflictOfInterest,
        lookup={"inspector": inspector, "facility": facility},
        values={"reason": reason},
        by=by,
    )
    return conflict


@transaction.atomic
def conflict_withdraw(*, conflict: ConflictOfInterest, by: User | None = None) -> None:
    if by is not None:
        set_history_user(conflict, by)
    conflict.delete()


def inspector_set_active(
    *, inspector: InspectorProfile, active: bool, by: User | None = None
) -> InspectorProfile:
    if inspector.active != active:
        inspector.active = active
        save_with_history(inspector, by=by)
    return inspector


@transaction.atomic
def calendar_set_day(
    *, day: date, kind: str | None, name: str = "", by: User | None = None
) -> CalendarDay | None:
    """Record a holiday or make-up working day; kind None removes the exception."""
    existing = CalendarDay.objects.filter(date=day).first()
    if kind is None:
        if existing:
            if by is not None:
                set_history_user(existing, by)
            existing.delete()
        return None
    obj, _created, _changed = upsert(
        CalendarDay, lookup={"date": day}, values={"kind": kind, "name": name}, by=by
    )
    return obj


@transaction.atomic
def calendar_load_year(
    *, year: int, days: Mapping[date, DayEntry], source: str, by: User | None = None
) -> CalendarYear:
    """Replace ``year``'s exceptions with ``days`` ({date: (kind, name)}) and mark the
    year official. Unchanged days write nothing."""
    for stale in CalendarDay.objects.filter(date__year=year).exclude(date__in=list(days)):
        if by is not None:
            set_history_user(stale, by)
        stale.delete()
    for day, (kind, name) in sorted(days.items()):
        upsert(CalendarDay, lookup={"date": day}, values={"kind": kind, "name": name}, by=by)
    calendar_year, _created, _changed = upsert(
        CalendarYear, lookup={"year": year}, values={"source": source}, by=by
    )
    return calendar_year


def package_years() -> list[int]:
    dates = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return sorted({d.year for d in dates})


def calendar_load_from_package(
    *, years: Iterable[int] | None = None, by: User | None = None
) -> list[int]:
    """Load the official schedules bundled in the ``chinese-calendar`` package."""
    available = package_years()
    loaded = available if years is None else [y for y in years if y in available]
    source = PACKAGE_SOURCE.format(version=chinese_calendar.__version__)
    for year in loaded:
        days: dict[date, DayEntry] = {}
        for day, name in chinese_calendar.holidays.items():
            if day.year == year and day.weekday() < 5:
                days[day] = (CalendarDay.Kind.HOLIDAY, _holiday_name(name))
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5:
                days[day] = (CalendarDay.Kind.WORKDAY, _holiday_name(name))
        calendar_load_year(year=year, days=days, source=source, by=by)
    return loaded


def _holiday_name(value: object) -> str:
    # chinese-calendar stores English names ("National Day"); keep them as data.
    return str(value) if value else ""


KIND_WORDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
}


class CalendarFileError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def calendar_parse_file(path: str | os.PathLike[str], year: int) -> dict[date, DayEntry]:
    """Read a schedule file: CSV with columns 日期 (YYYY-MM-DD), 类型 (休/班), 名称.

    Returns {date: (kind, name)} or raises CalendarFileError listing every bad line.
    """
    errors: list[str] = []
    days: dict[date, DayEntry] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for line_no, row in enumerate(reader, start=1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if line_no == 1 and row[0].strip() in {"日期", "date"}:
                continue
            cells = [cell.strip() for cell in row] + ["", "", ""]
            try:
                day = date.fromisoformat(cells[0])
            except ValueError:
                errors.append(
                    _("Line %(line)d: “%(value)s” is not a date like 2027-10-01.")
                    % {"line": line_no, "value": cells[0]}
                )
                continue
            kind = KIND_WORDS.get(cells[1].lower())
            if kind is None:
                errors.append(
                    _("Line %(line)d: the type must be 休 (holiday) or 班 (working day).")
                    % {"line": line_no}
                )
                continue
            if day.year != year:
                errors.append(
                    _("Line %(line)d: %(day)s is not in %(year)d.")
                    % {"line": line_no, "day": day, "year": year}
                )
                continue
            days[day] = (kind, cells[2])
    if not days and not errors:
        errors.append(_("The file holds no dates."))
    if errors:
        raise CalendarFileError(errors)
    return days
