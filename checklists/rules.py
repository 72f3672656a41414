"""Applicability rules: which facilities a section or item applies to.

A rule is a mapping of conditions that must all hold, written like Django
lookups on facility attributes:

    {"has_canteen": true, "beds__gte": 20, "type__in": ["care_home", "medical_care"]}

An empty rule applies everywhere. ``any_of`` holds a list of such mappings, of which
at least one must hold (GB 50016 5.5.8's exception is "single-storey and small and few
people": its item applies when any one of those fails).

An attribute the facility has not recorded (None) satisfies every condition on it: a
missing figure never hides an item, the inspector answers 不适用 as before. Building
figures are aggregates of ``registry.Building``; annotate many facilities at once with
``registry.models.with_building_figures``.
"""

from django.utils.translation import gettext as _

from registry.models import Facility, GasSupply

# attribute -> (kind, allowed values or None)
ATTRIBUTES = {
    "type": ("choice", Facility.Type.values),
    "ownership": ("choice", Facility.Ownership.values),
    "has_canteen": ("bool", None),
    "has_clinic": ("bool", None),
    "filed": ("bool", None),
    "beds": ("int", None),
    "floors": ("int", None),
    "star_level": ("int", None),
    "capacity": ("int", None),
    "gas_supply": ("choice", GasSupply.values),
    "lifts": ("int", None),
    "has_boiler": ("bool", None),
    "has_oxygen": ("bool", None),
    "largest_building_area": ("int", None),
    "total_building_area": ("int", None),
}
ANY_OF = "any_of"
MAX_ALTERNATIVES = 10
OPERATORS = {
    "choice": {"", "in", "not_in"},
    "bool": {""},
    "int": {"", "gte", "gt", "lte", "lt"},
}


class RuleError(ValueError):
    pass


def _split(key):
    attribute, _sep, operator = key.partition("__")
    return attribute, operator


def validate_rule(rule):
    """Raise RuleError naming the first unknown attribute, operator or bad value."""
    if rule in (None, ""):
        return
    if not isinstance(rule, dict):
        raise RuleError(_("A rule must be a mapping of conditions."))
    for key, value in rule.items():
        if key == ANY_OF:
            _validate_alternatives(value)
            continue
        attribute, operator = _split(str(key))
        if attribute not in ATTRIBUTES:
            raise RuleError(
                _("Unknown facility attribute “%(name)s” in a rule; known: %(known)s.")
                % {"name": attribute, "known": ", ".join(ATTRIBUTES)}
            )
        kind, allowed = ATTRIBUTES[attribute]
        if operator not in OPERATORS[kind]:
            raise RuleError(
                _("“%(op)s” cannot be used with %(name)s.") % {"op": operator, "name": attribute}
            )
        values = value if operator in ("in", "not_in") else [value]
        if operator in ("in", "not_in") and not isinstance(value, list):
            raise RuleError(_("%(key)s needs a list of values.") % {"key": key})
        for single in values:
            if kind == "bool" and not isinstance(single, bool):
                raise RuleError(_("%(key)s must be true or false.") % {"key": key})
            if kind == "int" and (isinstance(single, bool) or not isinstance(single, int)):
                raise RuleError(_("%(key)s must be a whole number.") % {"key": key})
            if kind == "choice" and single not in allowed:
                raise RuleError(
                    _("“%(value)s” is not a valid %(name)s; valid: %(valid)s.")
                    % {"value": single, "name": attribute, "valid": ", ".join(allowed)}
                )


def _validate_alternatives(value):
    if (
        not isinstance(value, list)
        or not 2 <= len(value) <= MAX_ALTERNATIVES
        or not all(isinstance(v, dict) and v for v in value)
    ):
        raise RuleError(
            _("any_of needs a list of 2 to %(n)d non-empty rules.") % {"n": MAX_ALTERNATIVES}
        )
    for alternative in value:
        if ANY_OF in alternative:
            raise RuleError(_("any_of cannot be nested."))
        validate_rule(alternative)


def applies(rule, facility):
    """Whether ``facility`` satisfies every condition of ``rule``."""
    for key, wanted in (rule or {}).items():
        if key == ANY_OF:
            if not any(applies(alternative, facility) for alternative in wanted):
                return False
            continue
        attribute, operator = _split(key)
        actual = getattr(facility, attribute)
        if actual is None or actual == "":
            continue  # not recorded: never hides an item
        if operator == "" and actual != wanted:
            return False
        if operator == "in" and actual not in wanted:
            return False
        if operator == "not_in" and actual in wanted:
            return False
        if operator == "gte" and not actual >= wanted:
            return False
        if operator == "gt" and not actual > wanted:
            return False
        if operator == "lte" and not actual <= wanted:
            return False
        if operator == "lt" and not actual < wanted:
            return False
    return True


def describe(rule):
    """A rule in words, for people: "type is 养老机构 or …; has a canteen; beds ≥ 20"."""
    labels = {
        "type": dict(Facility.Type.choices),
        "ownership": dict(Facility.Ownership.choices),
        "gas_supply": dict(GasSupply.choices),
    }
    names = {
        "type": _("type"),
        "ownership": _("ownership"),
        "beds": _("beds"),
        "floors": _("floors"),
        "star_level": _("star level"),
        "capacity": _("resident capacity"),
        "gas_supply": _("gas supply"),
        "lifts": _("lifts"),
        "largest_building_area": _("largest building's floor area (m²)"),
        "total_building_area": _("total floor area (m²)"),
    }
    flags = {
        "has_canteen": (_("has a canteen"), _("has no canteen")),
        "has_clinic": (_("has an in-house clinic"), _("has no in-house clinic")),
        "filed": (_("is filed"), _("is not filed")),
        "has_boiler": (_("has boilers"), _("has no boilers")),
        "has_oxygen": (_("has medical oxygen"), _("has no medical oxygen")),
    }
    signs = {"": "=", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<"}
    parts = []
    for key, value in (rule or {}).items():
        if key == ANY_OF:
            shown = _(" or ").join(f"（{describe(alternative)}）" for alternative in value)
            parts.append(_("any of: %(alternatives)s") % {"alternatives": shown})
            continue
        attribute, operator = _split(key)
        if attribute in flags:
            parts.append(str(flags[attribute][0 if value else 1]))
            continue
        if attribute in labels:
            values = value if isinstance(value, list) else [value]
            shown = " / ".join(str(labels[attribute].get(v, v)) for v in values)
            if operator == "not_in":
                parts.append(
                    _("%(name)s is not %(values)s") % {"name": names[attribute], "values": shown}
                )
            else:
                parts.append(
                    _("%(name)s is %(values)s") % {"name": names[attribute], "values": shown}
                )
            continue
        parts.append(f"{names.get(attribute, attribute)} {signs.get(operator, operator)} {value}")
    return "；".join(parts)
