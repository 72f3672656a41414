"""When each step of the escalation ladder falls: ``settings.HAZARD_ESCALATION_LADDER``.

Kept apart from ``ladder`` (the services) because the alarm rule
(``inspections.hazards.schedule``) reads it and the services import that rule's
module through the hazard services. The setting is checked when the site starts
(``manage.py check``): a typo would otherwise silently stop a bureau's ladder.
"""

from typing import Any

from django.conf import settings
from django.core import checks

from inspections.enforcement.models import Escalation
from inspections.hazards.models import Hazard

# The ladder's steps in order (the order Escalation.Step declares them).
ORDER: tuple[str, ...] = tuple(Escalation.Step.values)
# The reminder is the overdue alarm itself; the others wait their working days.
TIMED: tuple[str, ...] = ORDER[1:]


def ladder_for(severity: str) -> list[tuple[str, int]]:
    """The timed steps of a hazard class with their working days after the due date,
    in ladder order."""
    return list(settings.HAZARD_ESCALATION_LADDER.get(severity, {}).items())


def ladder_errors(value: Any) -> list[str]:
    """What is wrong with a ladder setting (empty when it is usable)."""
    if not isinstance(value, dict):
        return ["HAZARD_ESCALATION_LADDER must be a JSON object of hazard classes."]
    errors = []
    classes = set(Hazard.Severity.values)
    for name in sorted(set(value) - classes):
        errors.append(
            f"HAZARD_ESCALATION_LADDER names the unknown hazard class {name!r} "
            f"(known: {', '.join(sorted(classes))})."
        )
    for name in sorted(classes - set(value)):
        errors.append(f"HAZARD_ESCALATION_LADDER has no ladder for {name!r} (give {{}} for none).")
    for name, steps in value.items():
        if name not in classes:
            continue
        if not isinstance(steps, dict):
            errors.append(f"HAZARD_ESCALATION_LADDER[{name!r}] must map steps to working days.")
            continue
        previous = (None, 0)
        for step, days in steps.items():
            if step not in TIMED:
                errors.append(
                    f"HAZARD_ESCALATION_LADDER[{name!r}] names the unknown step {step!r} "
                    f"(known: {', '.join(TIMED)}; the reminder is the overdue alarm)."
                )
                continue
            if not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= 250:
                errors.append(
                    f"HAZARD_ESCALATION_LADDER[{name!r}][{step!r}] must be a whole number "
                    f"of working days from 1 to 250."
                )
                continue
            if previous[0] is not None and TIMED.index(step) < TIMED.index(previous[0]):
                errors.append(
                    f"HAZARD_ESCALATION_LADDER[{name!r}] lists {step!r} after "
                    f"{previous[0]!r}: give the steps in ladder order ({', '.join(TIMED)})."
                )
            elif days <= previous[1]:
                errors.append(
                    f"HAZARD_ESCALATION_LADDER[{name!r}]: {step!r} at {days} working days "
                    f"does not come after {previous[0] or 'the due date'} "
                    f"({previous[1]}): the days must increase."
                )
            previous = (step, days)
    return errors


@checks.register()
def escalation_ladder(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors = [
        checks.Error(message, id="inspections.E020")
        for message in ladder_errors(settings.HAZARD_ESCALATION_LADDER)
    ]
    days = settings.VERIFY_WITHIN_WORKING_DAYS
    if not isinstance(days, int) or not 0 < days <= 60:
        errors.append(
            checks.Error(
                "VERIFY_WITHIN_WORKING_DAYS must be a whole number of working days from 1 to 60.",
                id="inspections.E021",
            )
        )
    return errors
