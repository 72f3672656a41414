"""The dispatcher of recurring duties (``manage.py workflow_timers`` calls it every run).

``duties_dispatch`` creates each active rule's duty of the current period for every
active facility of the rule's region (and below) and types, once: the unique
constraint (rule, facility, period_start) and ``get_or_create`` in a savepoint make a
second dispatcher, or a restart halfway through, harmless. Only the current period is
created: a rule set mid-year, or a facility registered mid-month, starts with the
period it is in, never with a backlog of periods before it.

``duties_late_notify`` tells the managers of a facility, once, that a duty is late
(still open after its due date, by the local date).
"""

import calendar
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import save_with_history
from inspections.common import notify_managers
from inspections.duties.models import Duty, DutyRule
from registry.models import Facility

# The first month of each period of a multi-month recurrence.
_MONTHS = {DutyRule.Every.QUARTER: 3, DutyRule.Every.HALF_YEAR: 6, DutyRule.Every.YEAR: 12}


def period_of(every: str, day: date) -> tuple[date, date]:
    """The first and last day of the period of recurrence ``every`` that holds ``day``."""
    if every == DutyRule.Every.DAY:
        return day, day
    months = 1 if every == DutyRule.Every.MONTH else _MONTHS[DutyRule.Every(every)]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    start = date(day.year, first_month, 1)
    end = date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return start, end


def due_on(rule: DutyRule, period_end: date) -> date:
    return period_end + timedelta(days=rule.grace_days)


def rule_facilities(rule: DutyRule) -> QuerySet[Facility]:
    """Active facilities of the rule's region and below, of its types (all when none)."""
    facilities = Facility.objects.filter(active=True, region__path__startswith=rule.region.path)
    if rule.facility_types:
        facilities = facilities.filter(type__in=rule.facility_types)
    return facilities


def _create(rule: DutyRule, facility_id: int, start: date, end: date) -> bool:
    """Create one duty unless another dispatcher did; True when this call created it."""
    try:
        with transaction.atomic():
            _duty, created = Duty.objects.get_or_create(
                rule=rule,
                facility_id=facility_id,
                period_start=start,
                defaults={
                    "kind": rule.kind,
                    "period_end": end,
                    "due_on": due_on(rule, end),
                },
            )
    except IntegrityError:
        # Another dispatcher inserted it between our read and our insert.
        return False
    return created


def duties_dispatch(today: date | None = None) -> int:
    """Create the missing duties of the current period of every active rule; returns
    how many were created. Queries: the rules, then two per rule (its facilities and
    the duties it already has this period), then one insert per missing duty."""
    today = today or timezone.localdate()
    created = 0
    rules = DutyRule.objects.filter(active=True, starts_on__lte=today).select_related("region")
    for rule in rules:
        start, end = period_of(rule.every, today)
        wanted = set(rule_facilities(rule).values_list("pk", flat=True))
        if not wanted:
            continue
        have = set(
            Duty.objects.filter(rule=rule, period_start=start).values_list("facility_id", flat=True)
        )
        for facility_id in sorted(wanted - have):
            created += _create(rule, facility_id, start, end)
    return created


def late_duties(today: date | None = None) -> QuerySet[Duty]:
    """Open duties past their due date (by the local date)."""
    today = today or timezone.localdate()
    return Duty.objects.filter(status=Duty.Status.OPEN, due_on__lt=today)


def duties_late_notify(today: date | None = None) -> int:
    """Tell the managers of each newly late duty's facility, once; returns how many."""
    today = today or timezone.localdate()
    told = 0
    for pk in late_duties(today).filter(late_notified_at=None).values_list("pk", flat=True):
        with transaction.atomic():
            duty = (
                Duty.objects.select_for_update(of=("self",))
                .select_related("facility")
                .filter(pk=pk, late_notified_at=None, status=Duty.Status.OPEN)
                .first()
            )
            if duty is None:  # done, or told by another dispatcher meanwhile
                continue
            duty.late_notified_at = timezone.now()
            save_with_history(duty, by=None)
            notify_managers(
                facility=duty.facility,
                text=_(
                    "%(duty)s of %(facility)s for %(start)s to %(end)s is late: "
                    "it was due on %(due)s."
                )
                % {
                    "duty": duty.get_kind_display(),
                    "facility": duty.facility.name,
                    "start": duty.period_start.isoformat(),
                    "end": duty.period_end.isoformat(),
                    "due": duty.due_on.isoformat(),
                },
                url=duty.get_absolute_url(),
                by=None,
            )
            told += 1
    return told
