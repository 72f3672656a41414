"""Recording the facility's duties: the logs (fire patrol, night patrol, fire drill,
food samples), and the self-inspection that fulfils a self-inspection duty.

Each log kind has its checks here, whoever calls (the phone form, a test, an import):
clear sentences for a sample under 125 g, a patrol time out of order, a drill dated
outside its period.
"""

from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import save_with_history
from inspections import policy
from inspections.duties.models import Duty, DutyLog, DutyRule
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from registry.models import User

Kind = DutyRule.Kind

# 餐饮服务食品安全操作规范: each dish of each meal, at least 125 g, kept 48 hours or more.
SAMPLE_MIN_GRAMS = 125
SAMPLE_MAX_GRAMS = 5000
SAMPLE_MIN_HOURS = 48
SAMPLE_MAX_HOURS = 24 * 14
MAX_DISHES = 30
# A night patrol round falls between these hours (the night crosses midnight).
NIGHT_FROM = time(20, 0)
NIGHT_TO = time(8, 0)
MAX_ROUNDS = 48
MAX_PARTICIPANTS = 10000


def _locked(duty: Duty) -> Duty:
    return (
        Duty.objects.select_for_update(of=("self",))
        .select_related("facility", "rule__checklist", "inspection")
        .get(pk=duty.pk)
    )


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _night_minutes(value: time) -> int:
    """Minutes since noon: the night's rounds sort in order across midnight."""
    return (value.hour * 60 + value.minute - 12 * 60) % (24 * 60)


def _day_in_period(duty: Duty, day: date, label: str) -> date:
    # Not in the future: a log records what was done.
    last = min(duty.period_end, timezone.localdate())
    return limits.date_between(day, label=label, earliest=duty.period_start, last=last)


# ---------------------------------------------------------------- the checks of each log


def _fire_patrol(duty: Duty, data: Mapping[str, Any]) -> tuple[date, list, str]:
    on = _day_in_period(duty, data["on"], _("Patrol date"))
    areas = limits.text(data.get("areas"), limit=limits.SHORT, label=_("Areas checked"))
    if not areas:
        raise ValidationError(_("Say which areas the patrol checked."))
    problems = limits.text(data.get("problems"), limit=limits.TEXT, label=_("Problems found"))
    handled = bool(data.get("handled"))
    if problems and not handled:
        action = limits.text(data.get("action"), limit=limits.SHORT, label=_("What was done"))
        if not action:
            raise ValidationError(
                _(
                    "A problem not handled on the spot needs what was done about it "
                    "(reported to whom)."
                )
            )
    else:
        action = limits.text(data.get("action"), limit=limits.SHORT, label=_("What was done"))
    row = {
        "time": _hhmm(data["time"]),
        "areas": areas,
        "problems": problems,
        "handled": handled,
        "action": action,
    }
    if problems:
        summary = _("Patrol at %(time)s: problems found (%(handled)s).") % {
            "time": row["time"],
            "handled": _("handled on the spot") if handled else _("not yet handled"),
        }
    else:
        summary = _("Patrol at %(time)s: no problem found.") % {"time": row["time"]}
    return on, [row], summary


def _fire_drill(duty: Duty, data: Mapping[str, Any]) -> tuple[date, list, str]:
    on = _day_in_period(duty, data["on"], _("Drill date"))
    scenario = limits.text(data.get("scenario"), limit=limits.LINE, label=_("Scenario"))
    if not scenario:
        raise ValidationError(_("Describe the drill's scenario."))
    participants = data.get("participants")
    if participants is None or not 1 <= participants <= MAX_PARTICIPANTS:
        raise ValidationError(
            _("Participants must be between 1 and %(n)s.") % {"n": MAX_PARTICIPANTS}
        )
    evaluation = limits.text(data.get("evaluation"), limit=limits.TEXT, label=_("Evaluation"))
    if not evaluation:
        raise ValidationError(_("Write the drill's evaluation."))
    row = {"scenario": scenario, "participants": participants, "evaluation": evaluation}
    summary = _("Drill on %(date)s: %(scenario)s, %(n)s participants.") % {
        "date": on.isoformat(),
        "scenario": scenario,
        "n": participants,
    }
    return on, [row], summary


def _food_sample(duty: Duty, data: Mapping[str, Any]) -> tuple[date, list, str]:
    on = _day_in_period(duty, data["on"], _("Date"))
    meal = limits.text(data.get("meal"), limit=limits.NAME, label=_("Meal"))
    keeper = limits.text(data.get("keeper"), limit=limits.NAME, label=_("Kept by"))
    if not keeper:
        raise ValidationError(_("Name who keeps the samples."))
    hours = data.get("hours")
    if hours is None or hours < SAMPLE_MIN_HOURS:
        raise ValidationError(_("Samples are kept at least %(n)s hours.") % {"n": SAMPLE_MIN_HOURS})
    if hours > SAMPLE_MAX_HOURS:
        raise ValidationError(
            _("Samples are kept at most %(n)s hours here.") % {"n": SAMPLE_MAX_HOURS}
        )
    dishes = list(data.get("dishes") or [])
    if not dishes:
        raise ValidationError(_("List every dish sampled, with its weight."))
    if len(dishes) > MAX_DISHES:
        raise ValidationError(_("At most %(n)s dishes in one log.") % {"n": MAX_DISHES})
    rows = []
    for dish in dishes:
        name = limits.text(dish.get("dish"), limit=limits.NAME, label=_("Dish"))
        grams = dish.get("grams")
        if not name:
            raise ValidationError(_("Every sample needs the dish's name."))
        if grams is None or grams < SAMPLE_MIN_GRAMS:
            raise ValidationError(
                _("The sample of %(dish)s weighs %(grams)s g: each dish needs at least %(min)s g.")
                % {
                    "dish": name,
                    "grams": grams if grams is not None else 0,
                    "min": SAMPLE_MIN_GRAMS,
                }
            )
        if grams > SAMPLE_MAX_GRAMS:
            raise ValidationError(
                _("The sample of %(dish)s weighs %(grams)s g: enter the weight in grams.")
                % {"dish": name, "grams": grams}
            )
        rows.append({"meal": meal, "dish": name, "grams": grams, "hours": hours, "keeper": keeper})
    summary = _("%(n)s dishes sampled on %(date)s, kept %(hours)s hours by %(keeper)s.") % {
        "n": len(rows),
        "date": on.isoformat(),
        "hours": hours,
        "keeper": keeper,
    }
    return on, rows, summary


CHECKS = {
    Kind.FIRE_PATROL: _fire_patrol,
    Kind.FIRE_DRILL: _fire_drill,
    Kind.FOOD_SAMPLE: _food_sample,
}


# ---------------------------------------------------------------- services


@transaction.atomic
def duty_log_record(*, duty: Duty, data: Mapping[str, Any], by: User) -> DutyLog:
    """Record a fire patrol, a fire drill or a day's food samples: the duty is done."""
    duty = _locked(duty)
    policy.require(policy.duty_log_refusal(by, duty))
    check = CHECKS.get(DutyRule.Kind(duty.kind))
    if check is None:
        raise ValidationError(_("This duty is not recorded with this form."))
    on, entries, summary = check(duty, data)
    log = save_with_history(
        DutyLog(
            duty=duty,
            facility=duty.facility,
            kind=duty.kind,
            on=on,
            entries=entries,
            summary=summary,
            recorded_by=by,
        ),
        by=by,
    )
    duty.complete(by=by)
    save_with_history(duty, by=by)
    return log


def _night_log(duty: Duty, by: User) -> DutyLog:
    log = duty.logs.select_for_update().first()
    if log is None:
        log = DutyLog(
            duty=duty, facility=duty.facility, kind=duty.kind, on=duty.period_start, recorded_by=by
        )
    return log


def _night_summary(rows: Iterable[Mapping[str, Any]]) -> str:
    rows = list(rows)
    problems = sum(1 for row in rows if not row["ok"])
    return _("%(n)s rounds from %(first)s to %(last)s; %(problems)s with a problem.") % {
        "n": len(rows),
        "first": rows[0]["time"],
        "last": rows[-1]["time"],
        "problems": problems,
    }


@transaction.atomic
def night_round_add(*, duty: Duty, data: Mapping[str, Any], by: User) -> DutyLog:
    """Add one round to the night patrol log. Earlier rounds are kept as they were: a
    round is added, never rewritten, so a phone that saves at 02:00 cannot lose 23:00."""
    duty = _locked(duty)
    policy.require(policy.duty_log_refusal(by, duty))
    if duty.kind != Kind.NIGHT_PATROL:
        raise ValidationError(_("Only a night patrol log has rounds."))
    at: time = data["time"]
    minutes = _night_minutes(at)
    if not _night_minutes(NIGHT_FROM) <= minutes <= _night_minutes(NIGHT_TO):
        raise ValidationError(
            _("A night patrol round is between %(from)s and %(to)s.")
            % {"from": _hhmm(NIGHT_FROM), "to": _hhmm(NIGHT_TO)}
        )
    log = _night_log(duty, by)
    rows = list(log.entries or [])
    if len(rows) >= MAX_ROUNDS:
        raise ValidationError(_("A night log holds at most %(n)s rounds.") % {"n": MAX_ROUNDS})
    if rows and minutes <= _night_minutes(time.fromisoformat(rows[-1]["time"])):
        raise ValidationError(
            _(
                "Times out of order: this round (%(time)s) must be later than "
                "the last one (%(last)s)."
            )
            % {"time": _hhmm(at), "last": rows[-1]["time"]}
        )
    checked = bool(data.get("checked"))
    ok = bool(data.get("ok"))
    note = limits.text(data.get("note"), limit=limits.LINE, label=_("Note"))
    if not checked:
        raise ValidationError(_("Tick that the round was walked, or record it when it is."))
    if not ok and not note:
        raise ValidationError(_("Say what was wrong in the note when the round was not all right."))
    rows.append({"time": _hhmm(at), "checked": checked, "ok": ok, "note": note})
    log.entries = rows
    log.summary = _night_summary(rows)
    log.recorded_at = timezone.now()
    return save_with_history(log, by=by)


@transaction.atomic
def night_patrol_finish(*, duty: Duty, by: User) -> Duty:
    """Mark the night's log complete: the duty is done and no round is added after."""
    duty = _locked(duty)
    policy.require(policy.duty_finish_refusal(by, duty))
    duty.complete(by=by)
    return save_with_history(duty, by=by)


@transaction.atomic
def duty_self_inspection_start(*, duty: Duty, by: User) -> Inspection:
    """Start the self-inspection of a self-inspection duty with the rule's checklist;
    when it finishes the duty is done (``complete_from_self_inspection``)."""
    duty = _locked(duty)
    policy.require(policy.duty_self_start_refusal(by, duty))
    checklist = duty.rule.checklist
    assert checklist is not None  # the policy refuses a rule without one
    inspection = onsite_services.self_open(facility=duty.facility, templates=[checklist], by=by)
    duty.inspection = inspection
    save_with_history(duty, by=by)
    return inspection


def complete_from_self_inspection(event: Any) -> None:
    """A reaction to a finished inspection (``inspections.events.REACTIONS``): a finished
    self-inspection completes the duty it was started from, and any open self-inspection
    duty of the facility whose checklist it used and whose period holds its day."""
    inspection = event.inspection
    if inspection.kind != Inspection.Kind.SELF:
        return
    day = timezone.localdate(inspection.finished_at or timezone.now())
    used = inspection.checklists.values("version__template")
    open_duties = (
        Duty.objects.select_for_update(of=("self",))
        .filter(facility=inspection.facility_id, status=Duty.Status.OPEN)
        .filter(kind=Kind.SELF_INSPECTION)
    )
    linked = open_duties.filter(inspection=inspection)
    matching = open_duties.filter(
        inspection__isnull=True,
        rule__checklist__in=used,
        period_start__lte=day,
        period_end__gte=day,
    )
    for duty in [*linked, *matching]:
        if duty.inspection_id is None:
            duty.inspection = inspection
        duty.complete(by=event.by)
        save_with_history(duty, by=event.by)
