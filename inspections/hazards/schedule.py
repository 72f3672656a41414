"""When a hazard's deadline alarms fall, and the one place that answer is kept.

One source of "when next": the column ``Hazard.next_alarm_at``. The rule here
computes it from what is recorded (status, due date, supervision, progress notes,
alarms already fired), and ``next_alarm_store`` writes it in the transaction of
every change that moves it: each service that changes a hazard ends with
``services.emit_hazard``, which stores it (registration, submission, verification,
extension, the plan, progress notes, sign-off, closing), and firing alarms stores
it too. The dispatcher, ``manage.py workflow_timers``, selects the hazards whose
``next_alarm_at`` has come through a partial index and fires them
(``alarms.hazard_alarms_dispatch``).

Why a column rather than the hazard flow's timer: the rule is the domain's. The
timer kept a copy of its answer in viewflow's task table; the flow asked the rule
again on every wake-up and a receiver had to move the timer after every change.
The column is written by the change itself, read by one indexed query, and seen
with the hazard; the hazard flow keeps only the process from registration to
closing.
"""

from datetime import date, datetime, time, timedelta
from typing import NamedTuple, cast

from django.conf import settings
from django.utils import timezone

from core.workdays import add_working_days, working_days_before
from inspections.enforcement.ladder_config import ladder_for
from inspections.hazards.models import Hazard, HazardAlarm, Rectification, Supervision

REMIND_AT = time(9, 0)
REMIND_WORKING_DAYS = 3
PROGRESS_DAY = 25

Fired = set[tuple[str, str]]


class Alarm(NamedTuple):
    at: datetime
    kind: str
    key: str
    # After this moment the alarm is stale: recorded as not sent (the dispatcher was down).
    expires: datetime | None = None


def _at(day: date, moment: time = time.min) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def verify_due_on(submitted_at: datetime) -> date:
    """The day by which a submitted fix is to be verified (``VERIFY_WITHIN_WORKING_DAYS``):
    the verification task's due date and its alarms'."""
    return add_working_days(
        timezone.localdate(submitted_at), settings.VERIFY_WITHIN_WORKING_DAYS
    ).date


def _escalated_steps(hazard: Hazard) -> set[str]:
    """The ladder steps the hazard has reached, done or skipped (one row each)."""
    try:
        escalations = hazard.escalations
    except AttributeError:  # a migration's models from before the ladder existed
        return set()
    return set(escalations.values_list("step", flat=True))


def alarms_called_for(hazard: Hazard, supervision: Supervision | None, fired: Fired) -> list[Alarm]:
    """Every alarm the hazard's present state calls for, fired or not. Reads only the
    hazard's and supervision's fields and relations, so a migration can apply it to
    its historical models."""
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
    if hazard.status == Hazard.Status.OVERDUE:
        # The ladder climbs while it stays overdue: each step not yet reached (by the
        # dispatcher, a lead skipping ahead, or an action taken early) at 09:00 of its
        # working day after the due date.
        reached = _escalated_steps(hazard)
        for step, days in ladder_for(hazard.severity):
            if step not in reached:
                day = add_working_days(hazard.due_on, days).date
                alarms.append(Alarm(_at(day, REMIND_AT), kind.LADDER, step))
    if hazard.status == Hazard.Status.AWAITING:
        pending = (
            hazard.rectifications.filter(decision=Rectification.Decision.PENDING)
            .order_by("submitted_at", "pk")
            .first()
        )
        if pending is not None:
            check_due = verify_due_on(pending.submitted_at)
            late_at = _at(check_due + timedelta(days=1))
            alarms += [
                Alarm(_at(check_due, REMIND_AT), kind.CHECK_DUE, str(pending.pk), late_at),
                Alarm(late_at, kind.CHECK_LATE, str(pending.pk)),
            ]
    if supervision and hazard.status in Hazard.OPEN and not supervision.signed_off_at:
        if not supervision.plan_filed_at:
            plan_due = supervision.plan_due_on
            alarms.append(Alarm(_at(plan_due + timedelta(days=1)), kind.PLAN_LATE, str(plan_due)))
        # One progress note a month: a reminder on the 25th of each month after the
        # one of the last note (or of the opening) that has had no note yet.
        last_note = supervision.notes.order_by("-written_at").first()
        latest = max(
            [timezone.localdate(supervision.opened_at)]
            + ([timezone.localdate(last_note.written_at)] if last_note else [])
            + [datetime.strptime(key, "%Y-%m").date() for k, key in fired if k == kind.PROGRESS]
        )
        month = _month_after(latest)
        alarms.append(
            Alarm(_at(month.replace(day=PROGRESS_DAY), REMIND_AT), kind.PROGRESS, f"{month:%Y-%m}")
        )
    return alarms


def next_alarm(hazard: Hazard, supervision: Supervision | None, fired: Fired) -> Alarm | None:
    """The earliest alarm not yet fired, or None when the hazard waits on people only."""
    called_for = alarms_called_for(hazard, supervision, fired)
    pending = [a for a in called_for if (a.kind, a.key) not in fired]
    return min(pending, default=None)


# The two below read through the hazard's own model, so that a migration's historical
# hazard finds its historical supervision and alarms.


def supervision_of(hazard: Hazard) -> Supervision | None:
    """The supervision of a major hazard, fresh from the database."""
    if hazard.severity != Hazard.Severity.MAJOR:
        return None
    supervisions = hazard._meta.get_field("supervision").related_model
    return cast(Supervision | None, supervisions._default_manager.filter(hazard=hazard).first())


def fired_of(hazard: Hazard) -> Fired:
    return set(hazard.alarms.values_list("kind", "key"))


def hazard_next_alarm(hazard: Hazard) -> Alarm | None:
    """The hazard's next alarm, from the database as it is now (the rule that fills
    the column in migration inspections 0010 too)."""
    return next_alarm(hazard, supervision_of(hazard), fired_of(hazard))


def next_alarm_store(hazard: Hazard) -> None:
    """Store when ``hazard``'s next alarm falls, in the caller's transaction. No history
    row: the column is derived from changes that have theirs."""
    alarm = hazard_next_alarm(hazard)
    hazard.next_alarm_at = alarm.at if alarm else None
    hazard.skip_history_when_saving = True
    try:
        hazard.save(update_fields=["next_alarm_at"])
    finally:
        del hazard.skip_history_when_saving
