"""Writes to the directories. Every function saves object by object so that
django-simple-history records who changed what."""

import csv
from datetime import date

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _

from core.audited import save_with_history

from .models import (
    CalendarDay,
    CalendarYear,
    ConflictOfInterest,
    Facility,
    InspectorProfile,
    User,
)

PACKAGE_SOURCE = "chinese-calendar {version} (State Council holiday schedule)"


def changed_fields(obj, values):
    """Names of the fields whose value in ``values`` differs from ``obj``'s."""
    names = []
    for name, value in values.items():
        field = obj._meta.get_field(name)
        if field.many_to_one or field.one_to_one:
            # Compare keys: reading an unset relation raises.
            current, wanted = getattr(obj, field.attname), getattr(value, "pk", value)
        else:
            current, wanted = getattr(obj, name), value
        if current != wanted:
            names.append(name)
    return names


def _apply(obj, values):
    """Set ``values`` on ``obj``; return whether anything changed."""
    names = changed_fields(obj, values)
    for name in names:
        setattr(obj, name, values[name])
    return bool(names)


def upsert(model, *, lookup, values, by=None, reason=None):
    """Create or update one row, saving (and recording history) only on a real change.

    Returns ``(obj, created, changed)``.
    """
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup)
    changed = _apply(obj, values)
    if created or changed:
        obj.full_clean()
        save_with_history(obj, by=by, reason=reason)
    return obj, created, changed


def set_members(obj, field, wanted, *, by=None):
    """Make the many-to-many ``field`` of ``obj`` hold exactly ``wanted``."""
    manager = getattr(obj, field)
    current = set(manager.all())
    wanted = set(wanted)
    if current == wanted:
        return False
    if by is not None:
        obj._history_user = by
    manager.set(wanted)
    return True


@transaction.atomic
def user_ensure(*, username, values, password=None, regions=None, by=None):
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
def facility_save(*, values, by=None, facility=None, reason=None):
    """Create a facility or update ``facility`` with ``values`` (validated)."""
    if facility is None:
        facility = Facility()
    if _apply(facility, values) or facility.pk is None:
        facility.full_clean()
        save_with_history(facility, by=by, reason=reason)
    return facility


@transaction.atomic
def conflict_declare(*, inspector, facility, reason, by=None):
    conflict, _created, _changed = upsert(
        ConflictOfInterest,
        lookup={"inspector": inspector, "facility": facility},
        values={"reason": reason},
        by=by,
    )
    return conflict


@transaction.atomic
def conflict_withdraw(*, conflict, by=None):
    if by is not None:
        conflict._history_user = by
    conflict.delete()


def inspector_set_active(*, inspector: InspectorProfile, active, by=None):
    if inspector.active != active:
        inspector.active = active
        save_with_history(inspector, by=by)
    return inspector


@transaction.atomic
def calendar_set_day(*, day: date, kind, name="", by=None):
    """Record a holiday or make-up working day; kind None removes the exception."""
    existing = CalendarDay.objects.filter(date=day).first()
    if kind is None:
        if existing:
            if by is not None:
                existing._history_user = by
            existing.delete()
        return None
    obj, _created, _changed = upsert(
        CalendarDay, lookup={"date": day}, values={"kind": kind, "name": name}, by=by
    )
    return obj


@transaction.atomic
def calendar_load_year(*, year, days, source, by=None):
    """Replace ``year``'s exceptions with ``days`` ({date: (kind, name)}) and mark the
    year official. Unchanged days write nothing."""
    for day in CalendarDay.objects.filter(date__year=year).exclude(date__in=list(days)):
        if by is not None:
            day._history_user = by
        day.delete()
    for day, (kind, name) in sorted(days.items()):
        upsert(CalendarDay, lookup={"date": day}, values={"kind": kind, "name": name}, by=by)
    calendar_year, _created, _changed = upsert(
        CalendarYear, lookup={"year": year}, values={"source": source}, by=by
    )
    return calendar_year


def package_years():
    dates = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return sorted({d.year for d in dates})


def calendar_load_from_package(*, years=None, by=None):
    """Load the official schedules bundled in the ``chinese-calendar`` package."""
    available = package_years()
    years = available if years is None else [y for y in years if y in available]
    source = PACKAGE_SOURCE.format(version=chinese_calendar.__version__)
    for year in years:
        days = {}
        for day, name in chinese_calendar.holidays.items():
            if day.year == year and day.weekday() < 5:
                days[day] = (CalendarDay.Kind.HOLIDAY, _holiday_name(name))
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5:
                days[day] = (CalendarDay.Kind.WORKDAY, _holiday_name(name))
        calendar_load_year(year=year, days=days, source=source, by=by)
    return years


def _holiday_name(value):
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
    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def calendar_parse_file(path, year):
    """Read a schedule file: CSV with columns 日期 (YYYY-MM-DD), 类型 (休/班), 名称.

    Returns {date: (kind, name)} or raises CalendarFileError listing every bad line.
    """
    errors = []
    days = {}
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
