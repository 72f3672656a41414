"""Deadline alarms of a hazard: reminders before and on the due date, the overdue
mark with its escalation, the late supervision plan and the monthly progress
reminder. The hazard flow's timer wakes at ``hazard_next_alarm`` and calls
``hazard_alarms_fire``; each alarm is recorded once (``HazardAlarm``), so a
dispatcher that restarts or runs twice never acts twice."""

from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import save_with_history
from inspections.common import notify, notify_managers
from inspections.hazards.models import Hazard, HazardAlarm, Supervision
from inspections.hazards.services import emit_hazard, leads_covering
from registry.workdays import working_days_before

REMIND_AT = time(9, 0)
REMIND_WORKING_DAYS = 3
PROGRESS_DAY = 25


class Alarm(NamedTuple):
    at: datetime
    kind: str
    key: str
    # After this moment the alarm is stale: recorded as not sent (the dispatcher was down).
    expires: datetime | None = None


def _at(day, moment=time.min):
    return timezone.make_aware(datetime.combine(day, moment))


def _month_after(day):
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _alarms(hazard, fired):
    """Every alarm the hazard's present state calls for, fired or not."""
    kind = HazardAlarm.Kind
    alarms = []
    if hazard.status in (Hazard.Status.REGISTERED, Hazard.Status.RECTIFYING):
        due = hazard.due_on
        overdue_at = _at(due + timedelta(days=1))
        before = working_days_before(due, REMIND_WORKING_DAYS)
        alarms += [
            Alarm(_at(before, REMIND_AT), kind.BEFORE, due.isoformat(), overdue_at),
            Alarm(_at(due, REMIND_AT), kind.DUE, due.isoformat(), overdue_at),
            Alarm(overdue_at, kind.OVERDUE, due.isoformat()),
        ]
    supervision = _supervision(hazard)
    if supervision and hazard.is_open and not supervision.signed_off_at:
        if not supervision.plan_filed_at:
            plan_due = supervision.plan_due_on
            alarms.append(Alarm(_at(plan_due + timedelta(days=1)), kind.PLAN_LATE, str(plan_due)))
        # One progress note a month: a reminder on the 25th of each month after the
        # one of the last note (or of the opening) that has had no note yet.
        latest = max(
            [timezone.localdate(supervision.opened_at)]
            + [timezone.localdate(n.written_at) for n in supervision.notes.all()[:1]]
            + [datetime.strptime(key, "%Y-%m").date() for k, key in fired if k == kind.PROGRESS]
        )
        month = _month_after(latest)
        alarms.append(
            Alarm(_at(month.replace(day=PROGRESS_DAY), REMIND_AT), kind.PROGRESS, f"{month:%Y-%m}")
        )
    return alarms


def _supervision(hazard):
    if hazard.severity != Hazard.Severity.MAJOR:
        return None
    return Supervision.objects.filter(hazard=hazard).first()


def _fired(hazard):
    return set(HazardAlarm.objects.filter(hazard=hazard).values_list("kind", "key"))


def hazard_next_alarm(hazard):
    """The earliest alarm not yet fired, or None when the hazard waits on people only."""
    fired = _fired(hazard)
    pending = [a for a in _alarms(hazard, fired) if (a.kind, a.key) not in fired]
    return min(pending, default=None)


@transaction.atomic
def hazard_alarms_fire(*, hazard, now=None, by=None):
    """Act on every alarm of the hazard that is due and not yet fired; returns them."""
    now = now or timezone.now()
    hazard = Hazard.objects.select_for_update().select_related("facility__region").get(pk=hazard.pk)
    fired = _fired(hazard)
    acted = []
    for alarm in sorted(_alarms(hazard, fired)):
        if alarm.at > now or (alarm.kind, alarm.key) in fired:
            continue
        sent = alarm.expires is None or now < alarm.expires
        record = save_with_history(
            HazardAlarm(hazard=hazard, kind=alarm.kind, key=alarm.key, fired_at=now, sent=sent),
            by=by,
        )
        if sent:
            ACTIONS[alarm.kind](hazard, by)
            acted.append(record)
    if acted:
        emit_hazard(hazard, "changed", by)
    return acted


def _values(hazard):
    return {
        "number": hazard.register_no,
        "facility": hazard.facility.name,
        "date": hazard.due_on.isoformat(),
    }


def _remind_before(hazard, by):
    notify_managers(
        facility=hazard.facility,
        text=_("Hazard %(number)s is due on %(date)s, in three working days.") % _values(hazard),
        url=hazard.get_absolute_url(),
        by=by,
    )


def _remind_due(hazard, by):
    notify_managers(
        facility=hazard.facility,
        text=_("Hazard %(number)s is due today (%(date)s).") % _values(hazard),
        url=hazard.get_absolute_url(),
        by=by,
    )


def _overdue(hazard, by):
    """Mark it overdue and escalate to the bureau leads whose regions cover the facility."""
    hazard.mark_overdue()
    save_with_history(hazard, by=by)
    text = _("Hazard %(number)s of %(facility)s is overdue (due %(date)s).") % _values(hazard)
    for lead in leads_covering(hazard.facility):
        notify(user=lead, text=text, url=hazard.get_absolute_url(), by=by)
    notify_managers(facility=hazard.facility, text=text, url=hazard.get_absolute_url(), by=by)


def _plan_late(hazard, by):
    text = _("The five-in-place plan of major hazard %(number)s of %(facility)s is late.") % (
        _values(hazard)
    )
    if hazard.supervision.lead:
        notify(user=hazard.supervision.lead, text=text, url=hazard.get_absolute_url(), by=by)
    notify_managers(facility=hazard.facility, text=text, url=hazard.get_absolute_url(), by=by)


def _progress(hazard, by):
    notify_managers(
        facility=hazard.facility,
        text=_("Major hazard %(number)s: this month's progress note is due.") % _values(hazard),
        url=hazard.get_absolute_url(),
        by=by,
    )


ACTIONS = {
    HazardAlarm.Kind.BEFORE: _remind_before,
    HazardAlarm.Kind.DUE: _remind_due,
    HazardAlarm.Kind.OVERDUE: _overdue,
    HazardAlarm.Kind.PLAN_LATE: _plan_late,
    HazardAlarm.Kind.PROGRESS: _progress,
}
