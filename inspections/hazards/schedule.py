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

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, cast

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.workdays import add_working_days, working_days_before
from inspections.enforcement.ladder_config import ladder_for
from inspections.enforcement.models import Escalation
from inspections.hazards.models import (
    Hazard,
    HazardAlarm,
    Rectification,
    Supervision,
    SupervisionNote,
)

REMIND_AT = time(9, 0)
REMIND_WORKING_DAYS = 3
PROGRESS_DAY = 25
# The monthly progress reminders of every supervised hazard fall on one day: each gets
# its own minute of the working day (09:00 to 17:00), so the dispatcher meets them a
# few at a time instead of thousands at 09:00 (docs/scaling.md, "Timer bursts").
PROGRESS_FROM = REMIND_AT
PROGRESS_MINUTES = 8 * 60

Fired = set[tuple[str, str]]


class Known(NamedTuple):
    """What the rule reads beyond the hazard and its supervision, loaded beforehand
    for many hazards at once (``known_of``) instead of by the rule for each."""

    last_note_at: datetime | None
    reached: set[str]
    pending: Rectification | None


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


def progress_at(hazard: Hazard, day: date) -> datetime:
    """The moment of ``hazard``'s progress reminder on ``day``: a fixed minute of the
    working day drawn from its number (Knuth's multiplicative hash, so hazards
    registered one after another do not crowd a single hour)."""
    minute = (hazard.pk * 2654435761 % 2**32) * PROGRESS_MINUTES // 2**32
    start = datetime.combine(day, PROGRESS_FROM) + timedelta(minutes=minute)
    return timezone.make_aware(start)


def _escalated_steps(hazard: Hazard) -> set[str]:
    """The ladder steps the hazard has reached, done or skipped (one row each)."""
    try:
        escalations = hazard.escalations
    except AttributeError:  # a migration's models from before the ladder existed
        return set()
    return set(escalations.values_list("step", flat=True))


def alarms_called_for(
    hazard: Hazard, supervision: Supervision | None, fired: Fired, known: Known | None = None
) -> list[Alarm]:
    """Every alarm the hazard's present state calls for, fired or not. Reads only the
    hazard's and supervision's fields and relations (or ``known``, the same loaded for
    a batch), so a migration can apply it to its historical models."""
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
        reached = known.reached if known else _escalated_steps(hazard)
        for step, days in ladder_for(hazard.severity):
            if step not in reached:
                day = add_working_days(hazard.due_on, days).date
                alarms.append(Alarm(_at(day, REMIND_AT), kind.LADDER, step))
    if hazard.status == Hazard.Status.AWAITING:
        pending = known.pending if known else _pending(hazard)
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
        if known:
            last_note_at = known.last_note_at
        else:
            last_note = supervision.notes.order_by("-written_at").first()
            last_note_at = last_note.written_at if last_note else None
        latest = max(
            [timezone.localdate(supervision.opened_at)]
            + ([timezone.localdate(last_note_at)] if last_note_at else [])
            + [datetime.strptime(key, "%Y-%m").date() for k, key in fired if k == kind.PROGRESS]
        )
        month = _month_after(latest)
        at = progress_at(hazard, month.replace(day=PROGRESS_DAY))
        alarms.append(Alarm(at, kind.PROGRESS, f"{month:%Y-%m}"))
    return alarms


def _pending(hazard: Hazard) -> Rectification | None:
    """The fix waiting longest for its verification."""
    return cast(
        Rectification | None,
        hazard.rectifications.filter(decision=Rectification.Decision.PENDING)
        .order_by("submitted_at", "pk")
        .first(),
    )


def next_alarm(
    hazard: Hazard, supervision: Supervision | None, fired: Fired, known: Known | None = None
) -> Alarm | None:
    """The earliest alarm not yet fired, or None when the hazard waits on people only."""
    called_for = alarms_called_for(hazard, supervision, fired, known)
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


def known_of(
    hazards: Iterable[Hazard],
) -> tuple[dict[int, Supervision], dict[int, Fired], dict[int, Known]]:
    """The supervisions, fired alarms and ``Known`` facts of many (live) hazards, in a
    few queries whatever their number: what the dispatcher's batch hands the rule."""
    hazards = list(hazards)
    pks = [hazard.pk for hazard in hazards]
    supervisions = {
        s.hazard_id: s
        for s in Supervision.objects.filter(
            hazard__in=[h.pk for h in hazards if h.severity == Hazard.Severity.MAJOR]
        )
    }
    fired: dict[int, Fired] = {pk: set() for pk in pks}
    for hazard_id, kind, key in HazardAlarm.objects.filter(hazard__in=pks).values_list(
        "hazard", "kind", "key"
    ):
        fired[hazard_id].add((kind, key))
    last_notes: dict[int, datetime] = {}
    notes = SupervisionNote.objects.filter(supervision__in=[s.pk for s in supervisions.values()])
    for supervision_id, written_at in notes.values_list("supervision", "written_at"):
        if supervision_id not in last_notes or written_at > last_notes[supervision_id]:
            last_notes[supervision_id] = written_at
    reached: dict[int, set[str]] = defaultdict(set)
    overdue = [h.pk for h in hazards if h.status == Hazard.Status.OVERDUE]
    if overdue:
        for hazard_id, step in Escalation.objects.filter(hazard__in=overdue).values_list(
            "hazard", "step"
        ):
            reached[hazard_id].add(step)
    pending: dict[int, Rectification] = {}
    awaiting = [h.pk for h in hazards if h.status == Hazard.Status.AWAITING]
    if awaiting:
        rectifications = Rectification.objects.filter(
            hazard__in=awaiting, decision=Rectification.Decision.PENDING
        ).order_by("submitted_at", "pk")
        for rectification in rectifications:
            pending.setdefault(rectification.hazard_id, rectification)
    known = {}
    for hazard in hazards:
        supervision = supervisions.get(hazard.pk)
        note_at = last_notes.get(supervision.pk) if supervision else None
        known[hazard.pk] = Known(note_at, reached[hazard.pk], pending.get(hazard.pk))
    return supervisions, fired, known


def next_alarm_store(hazard: Hazard) -> None:
    """Store when ``hazard``'s next alarm falls, in the caller's transaction. No history
    row: the column is derived from changes that have theirs."""
    next_alarm_save(hazard, hazard_next_alarm(hazard))


def next_alarm_save(hazard: Hazard, alarm: Alarm | None) -> None:
    """Store ``alarm`` (the rule's answer, already asked) as ``hazard``'s next."""
    hazard.next_alarm_at = alarm.at if alarm else None
    hazard.skip_history_when_saving = True
    try:
        hazard.save(update_fields=["next_alarm_at"])
    finally:
        del hazard.skip_history_when_saving


def next_alarms_save(hazards: list[Hazard]) -> None:
    """Store the ``next_alarm_at`` already set on each of many hazards, in one UPDATE
    (the dispatcher's batch). Through the plain queryset: the audited one refuses bulk
    writes, and this column, derived, has no history."""
    if hazards:
        models.QuerySet[Hazard](Hazard).bulk_update(hazards, ["next_alarm_at"])
