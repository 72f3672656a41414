"""Applicability rules: which facilities a section or item applies to.

A rule is a mapping of conditions that must all hold, written like Django
lookups on facility attributes:

    {"has_canteen": true, "beds__gte": 20, "type__in": ["care_home", "medical_care"]}

An empty rule applies everywhere.
"""

from django.utils.translation import gettext as _

from registry.models import Facility

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
}
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


def applies(rule, facility):
    """Whether ``facility`` satisfies every condition of ``rule``."""
    for key, wanted in (rule or {}).items():
        attribute, operator = _split(key)
        actual = getattr(facility, attribute)
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
    }
    names = {
        "type": _("type"),
        "ownership": _("ownership"),
        "beds": _("beds"),
        "floors": _("floors"),
        "star_level": _("star level"),
    }
    flags = {
        "has_canteen": (_("has a canteen"), _("has no canteen")),
        "has_clinic": (_("has an in-house clinic"), _("has no in-house clinic")),
        "filed": (_("is filed"), _("is not filed")),
    }
    signs = {"": "=", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<"}
    parts = []
    for key, value in (rule or {}).items():
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
