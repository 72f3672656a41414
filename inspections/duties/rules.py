"""Duty rules set by a bureau lead for the facilities of their region (主体责任清单).

Rules are deactivated, never deleted: the duties already created keep their rule.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.models import ChecklistTemplate
from core.audited import save_with_history
from inspections import policy
from inspections.duties.models import DutyRule
from registry.models import Facility, Region, User

MAX_GRACE_DAYS = 90
Kind, Every = DutyRule.Kind, DutyRule.Every

# Facility types that serve meals and so keep food samples (留样).
MEAL_TYPES = [
    Facility.Type.CARE_HOME,
    Facility.Type.WELFARE_HOME,
    Facility.Type.RURAL_MUTUAL,
    Facility.Type.MEAL_POINT,
    Facility.Type.MEDICAL_CARE,
]
# Types with residents overnight: night patrols.
RESIDENTIAL_TYPES = [
    Facility.Type.CARE_HOME,
    Facility.Type.WELFARE_HOME,
    Facility.Type.RURAL_MUTUAL,
    Facility.Type.MEDICAL_CARE,
]


@dataclass(frozen=True)
class Standard:
    kind: str
    every: str
    grace_days: int
    facility_types: tuple = ()


# The standard duties (民发〔2023〕37号 fire-safety rules, GB 38600, 餐饮服务食品安全操作规范):
# a monthly self-inspection, a daily fire patrol, a nightly patrol log, a fire drill every
# half year and a daily food sample log where meals are served. Grace days let a
# manager record the last day's log the next morning.
STANDARD = [
    Standard(Kind.SELF_INSPECTION, Every.MONTH, 5),
    Standard(Kind.FIRE_PATROL, Every.DAY, 1),
    Standard(Kind.NIGHT_PATROL, Every.DAY, 1, tuple(RESIDENTIAL_TYPES)),
    Standard(Kind.FIRE_DRILL, Every.HALF_YEAR, 15),
    Standard(Kind.FOOD_SAMPLE, Every.DAY, 1, tuple(MEAL_TYPES)),
]


def _check(values: dict) -> dict:
    kind = values["kind"]
    if kind not in Kind.values:
        raise ValidationError(_("Choose a duty from the list."))
    if values["every"] not in Every.values:
        raise ValidationError(_("Choose how often the duty recurs."))
    types = list(values.get("facility_types") or [])
    if any(value not in Facility.Type.values for value in types):
        raise ValidationError(_("Choose facility types from the list."))
    grace = values.get("grace_days") or 0
    if not 0 <= grace <= MAX_GRACE_DAYS:
        raise ValidationError(
            _("Days of grace must be between 0 and %(n)s.") % {"n": MAX_GRACE_DAYS}
        )
    checklist = values.get("checklist")
    if kind == Kind.SELF_INSPECTION:
        if checklist is None or checklist.current_version is None:
            raise ValidationError(_("A self-inspection duty needs a published checklist."))
    else:
        checklist = None
    return {**values, "facility_types": types, "grace_days": grace, "checklist": checklist}


@transaction.atomic
def rule_save(*, rule: DutyRule | None, values: dict, by: User) -> DutyRule:
    """Create a rule (``rule`` None) or change one. The region of an existing rule
    stays: its duties were created for that region's facilities."""
    values = _check(values)
    if rule is None:
        rule = DutyRule(region=values["region"], created_by=by)
    else:
        rule = DutyRule.objects.select_for_update().get(pk=rule.pk)
    policy.require(policy.duty_rule_refusal(by, rule.region))
    for name in ("kind", "every", "facility_types", "checklist", "grace_days", "starts_on"):
        if name in values:
            setattr(rule, name, values[name])
    return save_with_history(rule, by=by)


@transaction.atomic
def rule_set_active(*, rule: DutyRule, active: bool, by: User) -> DutyRule:
    rule = DutyRule.objects.select_for_update().select_related("region").get(pk=rule.pk)
    policy.require(policy.duty_rule_refusal(by, rule.region))
    rule.active = active
    return save_with_history(rule, by=by, reason=_("activated") if active else _("deactivated"))


@transaction.atomic
def rules_add_standard(
    *, region: Region, checklist: ChecklistTemplate | None, starts_on: date, by: User
) -> list[DutyRule]:
    """Add the standard duties to ``region``, skipping each kind it already has an active
    rule of; without a checklist the self-inspection is skipped."""
    policy.require(policy.duty_rule_refusal(by, region))
    have = set(DutyRule.objects.filter(region=region, active=True).values_list("kind", flat=True))
    added = []
    for standard in STANDARD:
        if standard.kind in have:
            continue
        if standard.kind == Kind.SELF_INSPECTION and checklist is None:
            continue
        added.append(
            rule_save(
                rule=None,
                values={
                    "region": region,
                    "kind": standard.kind,
                    "every": standard.every,
                    "grace_days": standard.grace_days,
                    "facility_types": list(standard.facility_types),
                    "checklist": checklist,
                    "starts_on": starts_on,
                },
                by=by,
            )
        )
    return added


STANDARD_NOTE = gettext_lazy(
    "Monthly self-inspection with the checklist you choose, daily fire patrol, nightly "
    "patrol log (residential facilities), a fire drill every half year, and a daily food "
    "sample log (facilities serving meals). Kinds the region already has are skipped."
)
