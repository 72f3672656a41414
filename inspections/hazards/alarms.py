"""What each deadline alarm of a hazard does, and the dispatcher that fires them:
reminders before and on the due date, the overdue mark with its reminder to the
leads (the ladder's first step), the later steps of the escalation ladder, the late
supervision plan, the monthly progress reminder, and the verification that is due
and then late.

When they fall is ``schedule``'s rule, stored in ``Hazard.next_alarm_at`` (see
there why a column and not a flow timer). ``manage.py workflow_timers`` calls
``hazard_alarms_dispatch``, which selects the hazards whose next alarm has come and
fires each in its own transaction. Each alarm is recorded once (``HazardAlarm``,
unique per hazard, kind and key) under the hazard's row lock, so a dispatcher that
restarts, runs twice or fails half-way never acts twice and loses nothing.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import Actor, save_with_history
from core.notifications import notify
from inspections.common import notify_managers
from inspections.enforcement.ladder import escalation_complete
from inspections.enforcement.models import Escalation
from inspections.hazards.models import Hazard, HazardAlarm
from inspections.hazards.schedule import (
    alarms_called_for,
    fired_of,
    next_alarm_store,
    supervision_of,
    verify_due_on,
)
from inspections.hazards.services import emit_hazard, leads_covering
from registry.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def hazard_alarms_fire(
    *, hazard: Hazard, now: datetime | None = None, by: Actor = None, skip_locked: bool = False
) -> list[HazardAlarm]:
    """Act on every alarm of the hazard that is due and not yet fired; returns them.
    Stores the next alarm after them. With ``skip_locked`` a hazard another
    transaction holds (a second dispatcher firing it) is left to that one: nothing
    is done and nothing is returned."""
    now = now or timezone.now()
    rows = Hazard.objects.select_for_update(skip_locked=skip_locked, of=("self",))
    rows = rows.select_related("facility__region")
    if skip_locked:
        locked = rows.filter(pk=hazard.pk).first()
        if locked is None:
            return []
        hazard = locked
    else:
        hazard = rows.get(pk=hazard.pk)
    fired = fired_of(hazard)
    acted = []
    # An alarm can call for more (the overdue mark starts the ladder): ask again until
    # nothing due is left, so a dispatcher back after days catches up in one run.
    while due := [
        alarm
        for alarm in sorted(alarms_called_for(hazard, supervision_of(hazard), fired))
        if alarm.at <= now and (alarm.kind, alarm.key) not in fired
    ]:
        for alarm in due:
            fired.add((alarm.kind, alarm.key))
            sent = alarm.expires is None or now < alarm.expires
            record = save_with_history(
                HazardAlarm(hazard=hazard, kind=alarm.kind, key=alarm.key, fired_at=now, sent=sent),
                by=by,
            )
            if sent:
                ACTIONS[alarm.kind](hazard, alarm.key, by)
                acted.append(record)
    if acted:
        emit_hazard(hazard, "changed", by)  # stores the next alarm too
    else:
        next_alarm_store(hazard)
    return acted


def hazard_alarms_dispatch(*, now: datetime | None = None) -> int:
    """Fire the alarms of every hazard whose ``next_alarm_at`` has come; returns how
    many were acted on. One hazard that fails is rolled back alone, logged, and
    tried again on the next run."""
    now = now or timezone.now()
    due = Hazard.objects.filter(next_alarm_at__lte=now).order_by("next_alarm_at", "pk")
    acted = 0
    for hazard in due.only("pk"):
        try:
            # Two dispatchers share the work: each skips the hazards the other holds.
            acted += len(hazard_alarms_fire(hazard=hazard, now=now, skip_locked=True))
        except Exception:  # one broken hazard must not hold back the others' alarms
            logger.exception("Alarms of hazard %s failed to fire", hazard.pk)
    return acted


def _values(hazard: Hazard) -> dict[str, str]:
    return {
        "number": hazard.register_no,
        "facility": hazard.facility.name,
        "date": hazard.due_on.isoformat(),
    }


def _remind_before(hazard: Hazard, key: str, by: Actor) -> None:
    notify_managers(
        facility=hazard.facility,
        text=_("Hazard %(number)s is due on %(date)s, in three working days.") % _values(hazard),
        url=hazard.get_absolute_url(),
        by=by,
    )


def _remind_due(hazard: Hazard, key: str, by: Actor) -> None:
    notify_managers(
        facility=hazard.facility,
        text=_("Hazard %(number)s is due today (%(date)s).") % _values(hazard),
        url=hazard.get_absolute_url(),
        by=by,
    )


def _overdue(hazard: Hazard, key: str, by: Actor) -> None:
    """Mark it overdue and escalate to the bureau leads whose regions cover the facility:
    the ladder's first step (the reminder), recorded reached and done."""
    hazard.mark_overdue()
    save_with_history(hazard, by=by)
    escalation_complete(hazard=hazard, step=Escalation.Step.REMIND, by=by)
    text = _("Hazard %(number)s of %(facility)s is overdue (due %(date)s).") % _values(hazard)
    for lead in leads_covering(hazard.facility):
        notify(user=lead, text=text, url=hazard.get_absolute_url(), by=by)
    notify_managers(facility=hazard.facility, text=text, url=hazard.get_absolute_url(), by=by)


def _plan_late(hazard: Hazard, key: str, by: Actor) -> None:
    text = _("The five-in-place plan of major hazard %(number)s of %(facility)s is late.") % (
        _values(hazard)
    )
    if hazard.supervision.lead:
        notify(user=hazard.supervision.lead, text=text, url=hazard.get_absolute_url(), by=by)
    notify_managers(facility=hazard.facility, text=text, url=hazard.get_absolute_url(), by=by)


def _progress(hazard: Hazard, key: str, by: Actor) -> None:
    notify_managers(
        facility=hazard.facility,
        text=_("Major hazard %(number)s: this month's progress note is due.") % _values(hazard),
        url=hazard.get_absolute_url(),
        by=by,
    )


def _ladder(hazard: Hazard, step: str, by: Actor) -> None:
    """A later step of the ladder is reached: its task waits for the county's leads
    (opened by the flow after this change); they and the facility are told."""
    if Escalation.objects.filter(hazard=hazard, step=step).exists():
        return  # reached meanwhile by a lead's action: the step happens once
    save_with_history(Escalation(hazard=hazard, step=step, reached_by=None), by=by)
    text = _(
        "Hazard %(number)s of %(facility)s is still overdue (due %(date)s): "
        "escalation step reached: %(step)s."
    ) % {**_values(hazard), "step": Escalation.Step(step).label}
    for lead in leads_covering(hazard.facility):
        notify(user=lead, text=text, url=hazard.get_absolute_url(), by=by)
    notify_managers(facility=hazard.facility, text=text, url=hazard.get_absolute_url(), by=by)


def _verifiers(hazard: Hazard) -> list[User]:
    """Who verifies the fix: the active team of the inspection that found the hazard
    (the verification task's group), else the county's leads."""
    if hazard.inspection_id is None:
        return list(leads_covering(hazard.facility))
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


def _check_due(hazard: Hazard, key: str, by: Actor) -> None:
    text = _("The fix of hazard %(number)s (%(facility)s) is to be verified today (%(date)s).") % (
        _check_values(hazard, key)
    )
    for user in _verifiers(hazard):
        notify(user=user, text=text, url=hazard.get_absolute_url(), by=by)


def _check_late(hazard: Hazard, key: str, by: Actor) -> None:
    """The verification is overdue: the verifiers and the county's leads are told."""
    text = _(
        "The verification of the fix of hazard %(number)s (%(facility)s) is overdue (due %(date)s)."
    ) % _check_values(hazard, key)
    told = {user.pk: user for user in _verifiers(hazard)}
    told.update({lead.pk: lead for lead in leads_covering(hazard.facility)})
    for user in told.values():
        notify(user=user, text=text, url=hazard.get_absolute_url(), by=by)


ACTIONS: dict[str, Callable[[Hazard, str, Actor], None]] = {
    HazardAlarm.Kind.BEFORE: _remind_before,
    HazardAlarm.Kind.DUE: _remind_due,
    HazardAlarm.Kind.OVERDUE: _overdue,
    HazardAlarm.Kind.PLAN_LATE: _plan_late,
    HazardAlarm.Kind.PROGRESS: _progress,
    HazardAlarm.Kind.LADDER: _ladder,
    HazardAlarm.Kind.CHECK_DUE: _check_due,
    HazardAlarm.Kind.CHECK_LATE: _check_late,
}
