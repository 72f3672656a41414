"""What each deadline alarm of a hazard does, and the dispatcher that fires them:
reminders before and on the due date, the overdue mark with its reminder to the
leads (the ladder's first step), the later steps of the escalation ladder, the late
supervision plan, the monthly progress reminder, and the verification that is due
and then late.

When they fall is ``schedule``'s rule, stored in ``Hazard.next_alarm_at`` (see
there why a column and not a flow timer). ``manage.py workflow_timers`` calls
``hazard_alarms_dispatch``, which claims the hazards whose next alarm has come a
batch at a time (row locks, skipping those another dispatcher holds) and fires each
batch in one transaction, loading what its alarms need once for the batch and
writing alarm rows and notifications in bulk, history and change index included
(docs/scaling.md, "Timer bursts"). Each alarm is recorded once (``HazardAlarm``,
unique per hazard, kind and key) under the hazard's row lock, so a dispatcher that
restarts, runs twice or fails half-way never acts twice and loses nothing.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import Actor, bulk_create_with_history, save_with_history
from core.notifications import notify_many
from core.workdays import calendar_read_once
from inspections.enforcement.ladder import escalation_complete
from inspections.enforcement.models import Escalation
from inspections.hazards import schedule
from inspections.hazards.models import Hazard, HazardAlarm
from inspections.hazards.schedule import alarms_called_for, known_of, verify_due_on
from inspections.hazards.services import active_leads, emit_hazard
from registry.models import Facility, User

logger = logging.getLogger(__name__)

# Hazards claimed and fired per transaction: large enough that the batch's few
# queries are shared by many alarms, small enough that a batch holds its row locks
# (and, on SQLite, the write lock) for well under a second.
BATCH = 200

# The alarms that change the hazard (its status, its ladder): after them the flow is
# told (``emit_hazard``). The others only tell people.
CHANGING = {HazardAlarm.Kind.OVERDUE, HazardAlarm.Kind.LADDER}


class Batch:
    """The hazards fired in one transaction and what their alarms need, loaded once for
    all of them: supervisions, fired alarms and the rule's other facts (``schedule.known_of``),
    the facilities' managers and the bureau leads covering their regions. Alarm rows and
    notifications are gathered and written together at the end (``write``)."""

    def __init__(self, hazards: list[Hazard], now: datetime, by: Actor) -> None:
        self.now, self.by = now, by
        self.hazards = hazards
        self.supervisions, self.fired, self.known = known_of(hazards)
        self.alarms: list[HazardAlarm] = []
        self.told: list[tuple[User, str, str]] = []
        self.moved: list[Hazard] = []
        facilities = {hazard.facility_id for hazard in hazards}
        managers = Facility.managers.through.objects.filter(facility__in=facilities)
        pairs = list(managers.values_list("facility", "user").order_by("pk"))
        # Every active lead with the paths of their regions: a lead covers a facility
        # in one of them or below (services.leads_covering).
        lead_paths = list(active_leads().values_list("pk", "regions__path"))
        users = User.objects.in_bulk({user for _f, user in pairs} | {pk for pk, _p in lead_paths})
        self._managers: dict[int, list[User]] = {pk: [] for pk in facilities}
        for facility, user in pairs:
            self._managers[facility].append(users[user])
        self._lead_paths = [(users[pk], path) for pk, path in lead_paths if path]

    def managers(self, facility: Facility) -> list[User]:
        return self._managers.get(facility.pk, [])

    def leads(self, facility: Facility) -> list[User]:
        """The active leads whose regions contain ``facility`` (each once, by id)."""
        path = facility.region.path
        # The region itself and those above it, as services._covering counts them.
        above = {path[: i + 1] for i, char in enumerate(path) if char == "/"}
        found = {user.pk: user for user, lead_path in self._lead_paths if lead_path in above}
        return [found[pk] for pk in sorted(found)]

    def tell(self, users: Iterable[User], text: str, hazard: Hazard) -> None:
        url = hazard.get_absolute_url()
        self.told += [(user, text, url) for user in users]

    def tell_managers(self, hazard: Hazard, text: str) -> None:
        self.tell(self.managers(hazard.facility), text, hazard)

    def write(self) -> None:
        """The gathered alarm rows and notifications, with their history and change
        index, and the hazards' next alarms."""
        alarms, self.alarms = self.alarms, []
        bulk_create_with_history(alarms, by=self.by)
        told, self.told = self.told, []
        notify_many(told, by=self.by)
        moved, self.moved = self.moved, []
        schedule.next_alarms_save(moved)


def _claim(now: datetime, limit: int, leave: set[int]) -> list[Hazard]:
    """Lock up to ``limit`` hazards whose next alarm has come, skipping those another
    dispatcher holds (and ``leave``, those that failed in this run)."""
    rows = Hazard.objects.select_for_update(skip_locked=True, of=("self",))
    rows = rows.select_related("facility__region").filter(next_alarm_at__lte=now)
    if leave:
        rows = rows.exclude(pk__in=leave)
    return list(rows.order_by("next_alarm_at", "pk")[:limit])


def _fire(hazard: Hazard, batch: Batch) -> list[HazardAlarm]:
    """Act on every alarm of ``hazard`` that is due and not yet fired; store the next
    one. Returns those acted on."""
    now, by = batch.now, batch.by
    fired = batch.fired[hazard.pk]
    supervision = batch.supervisions.get(hazard.pk)
    known: schedule.Known | None = batch.known[hazard.pk]
    acted = []
    changed = False
    # An alarm can call for more (the overdue mark starts the ladder): ask again until
    # nothing due is left, so a dispatcher back after days catches up in one run.
    while True:
        pending = [
            alarm
            for alarm in sorted(alarms_called_for(hazard, supervision, fired, known))
            if (alarm.kind, alarm.key) not in fired
        ]
        due = [alarm for alarm in pending if alarm.at <= now]
        if not due:
            break
        for alarm in due:
            fired.add((alarm.kind, alarm.key))
            sent = alarm.expires is None or now < alarm.expires
            record = HazardAlarm(
                hazard=hazard, kind=alarm.kind, key=alarm.key, fired_at=now, sent=sent
            )
            batch.alarms.append(record)
            if sent:
                ACTIONS[alarm.kind](hazard, alarm.key, batch)
                acted.append(record)
                if alarm.kind in CHANGING:
                    # The hazard and its ladder changed: the rule reads them afresh.
                    changed, known = True, None
    if changed:
        batch.write()  # the rule reads the alarms fired from the database
        emit_hazard(hazard, "changed", by)  # stores the next alarm too
    else:
        # The rule's answer is at hand: the first alarm not fired, none of them due.
        hazard.next_alarm_at = pending[0].at if pending else None
        batch.moved.append(hazard)
    return acted


def _fire_batch(hazards: list[Hazard], now: datetime, by: Actor) -> list[HazardAlarm]:
    with calendar_read_once():
        batch = Batch(hazards, now, by)
        acted = [record for hazard in hazards for record in _fire(hazard, batch)]
        batch.write()
    return acted


@transaction.atomic
def hazard_alarms_fire(
    *, hazard: Hazard, now: datetime | None = None, by: Actor = None, skip_locked: bool = False
) -> list[HazardAlarm]:
    """Act on every alarm of the hazard that is due and not yet fired; returns them.
    Stores the next alarm after them. With ``skip_locked`` a hazard another
    transaction holds (a second dispatcher firing it) is left to that one: nothing
    is done."""
    now = now or timezone.now()
    rows = Hazard.objects.select_for_update(skip_locked=skip_locked, of=("self",))
    rows = rows.select_related("facility__region").filter(pk=hazard.pk)
    locked = rows.first() if skip_locked else rows.get()
    if locked is None:
        return []
    return _fire_batch([locked], now, by)


def hazard_alarms_dispatch(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Fire the alarms of every hazard whose ``next_alarm_at`` has come; returns how
    many were acted on. The hazards are claimed ``batch`` at a time, each batch in one
    transaction; two dispatchers share the work, each skipping the hazards the other
    holds. A batch that fails is rolled back and tried hazard by hazard, so one
    hazard that fails is rolled back alone, logged, and tried again on the next run."""
    now = now or timezone.now()
    # Most runs find nothing due: one indexed query, no transaction, no lock.
    if not Hazard.objects.filter(next_alarm_at__lte=now).exists():
        return 0
    acted = 0
    failed: set[int] = set()
    claimed = [0] * batch
    # A short batch was the last: the rest (if any) is held by another dispatcher.
    while len(claimed) == batch:
        claimed = []
        try:
            with transaction.atomic():
                hazards = _claim(now, batch, failed)
                claimed = [hazard.pk for hazard in hazards]
                fired = _fire_batch(hazards, now, None) if hazards else []
            acted += len(fired)  # counted once committed
            continue
        except Exception:
            if not claimed:
                raise
            logger.warning("A batch of %s hazards' alarms failed: trying one by one", len(claimed))
        for pk in claimed:
            try:
                acted += len(hazard_alarms_fire(hazard=Hazard(pk=pk), now=now, skip_locked=True))
            except Exception:  # one broken hazard must not hold back the others' alarms
                logger.exception("Alarms of hazard %s failed to fire", pk)
                failed.add(pk)
    return acted


def _values(hazard: Hazard) -> dict[str, str]:
    return {
        "number": hazard.register_no,
        "facility": hazard.facility.name,
        "date": hazard.due_on.isoformat(),
    }


def _remind_before(hazard: Hazard, key: str, batch: Batch) -> None:
    text = _("Hazard %(number)s is due on %(date)s, in three working days.") % _values(hazard)
    batch.tell_managers(hazard, text)


def _remind_due(hazard: Hazard, key: str, batch: Batch) -> None:
    batch.tell_managers(hazard, _("Hazard %(number)s is due today (%(date)s).") % _values(hazard))


def _overdue(hazard: Hazard, key: str, batch: Batch) -> None:
    """Mark it overdue and escalate to the bureau leads whose regions cover the facility:
    the ladder's first step (the reminder), recorded reached and done."""
    hazard.mark_overdue()
    save_with_history(hazard, by=batch.by)
    escalation_complete(hazard=hazard, step=Escalation.Step.REMIND, by=batch.by)
    text = _("Hazard %(number)s of %(facility)s is overdue (due %(date)s).") % _values(hazard)
    batch.tell(batch.leads(hazard.facility), text, hazard)
    batch.tell_managers(hazard, text)


def _plan_late(hazard: Hazard, key: str, batch: Batch) -> None:
    text = _("The five-in-place plan of major hazard %(number)s of %(facility)s is late.") % (
        _values(hazard)
    )
    lead = batch.supervisions[hazard.pk].lead
    if lead:
        batch.tell([lead], text, hazard)
    batch.tell_managers(hazard, text)


def _progress(hazard: Hazard, key: str, batch: Batch) -> None:
    text = _("Major hazard %(number)s: this month's progress note is due.") % _values(hazard)
    batch.tell_managers(hazard, text)


def _ladder(hazard: Hazard, step: str, batch: Batch) -> None:
    """A later step of the ladder is reached: its task waits for the county's leads
    (opened by the flow after this change); they and the facility are told."""
    if Escalation.objects.filter(hazard=hazard, step=step).exists():
        return  # reached meanwhile by a lead's action: the step happens once
    save_with_history(Escalation(hazard=hazard, step=step, reached_by=None), by=batch.by)
    text = _(
        "Hazard %(number)s of %(facility)s is still overdue (due %(date)s): "
        "escalation step reached: %(step)s."
    ) % {**_values(hazard), "step": Escalation.Step(step).label}
    batch.tell(batch.leads(hazard.facility), text, hazard)
    batch.tell_managers(hazard, text)


def _verifiers(hazard: Hazard, batch: Batch) -> list[User]:
    """Who verifies the fix: the active team of the inspection that found the hazard
    (the verification task's group), else the county's leads."""
    if hazard.inspection_id is None:
        return batch.leads(hazard.facility)
    return list(
        User.objects.filter(
            inspector_profile__memberships__inspection=hazard.inspection_id,
            inspector_profile__memberships__active=True,
            is_active=True,
        ).distinct()
    )


def _check_values(hazard: Hazard, key: str) -> dict[str, str]:
    rectification = hazard.rectifications.get(pk=key)
    return {
        **_values(hazard),
        "date": verify_due_on(rectification.submitted_at).isoformat(),
    }


def _check_due(hazard: Hazard, key: str, batch: Batch) -> None:
    text = _("The fix of hazard %(number)s (%(facility)s) is to be verified today (%(date)s).") % (
        _check_values(hazard, key)
    )
    batch.tell(_verifiers(hazard, batch), text, hazard)


def _check_late(hazard: Hazard, key: str, batch: Batch) -> None:
    """The verification is overdue: the verifiers and the county's leads are told."""
    text = _(
        "The verification of the fix of hazard %(number)s (%(facility)s) is overdue (due %(date)s)."
    ) % _check_values(hazard, key)
    told = {user.pk: user for user in _verifiers(hazard, batch)}
    told.update({lead.pk: lead for lead in batch.leads(hazard.facility)})
    batch.tell(told.values(), text, hazard)


ACTIONS: dict[str, Callable[[Hazard, str, Batch], None]] = {
    HazardAlarm.Kind.BEFORE: _remind_before,
    HazardAlarm.Kind.DUE: _remind_due,
    HazardAlarm.Kind.OVERDUE: _overdue,
    HazardAlarm.Kind.PLAN_LATE: _plan_late,
    HazardAlarm.Kind.PROGRESS: _progress,
    HazardAlarm.Kind.LADDER: _ladder,
    HazardAlarm.Kind.CHECK_DUE: _check_due,
    HazardAlarm.Kind.CHECK_LATE: _check_late,
}
