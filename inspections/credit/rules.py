"""The credit rule set: parsing and checking its YAML, and scoring with it.

One definition of the score serves both sides: ``Rules.points`` for one event (the
basis a lead reads) and ``Rules.score_sql`` for every facility at once (the monthly
run), built from the same weights and the same decay dates.
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, FloatField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core import limits

from .models import CreditEvent, CreditList, RuleSet

FORMAT = "care-safety-credit/1"
CLASSES = ("A", "B", "C", "D")
DEFAULT_FILE = Path(__file__).with_name("default_rules.yaml")
MAX_TEXT = 20_000  # a rule set is a page of YAML


@dataclass(frozen=True)
class ListRule:
    classes: tuple[str, ...]
    events: dict[str, int]
    window_months: int
    min_checks_per_year: int
    repair_wait_days: int


@dataclass(frozen=True)
class Rules:
    version: int
    base: float
    weights: dict[str, float]
    grade: dict[int, float]
    decay: tuple[tuple[int, float], ...]  # (months, factor), months increasing
    thresholds: dict[str, float]  # A, B, C
    ratios: dict[str, int]
    lists: dict[str, ListRule] = field(default_factory=dict)

    # ------------------------------------------------------------ one event

    def weight(self, kind: str, detail: str = "") -> float:
        if kind == CreditEvent.Kind.GRADE:
            try:
                return self.grade.get(int(detail), 0.0)
            except ValueError:
                return 0.0
        return self.weights.get(kind, 0.0)

    def factor(self, occurred_on: date, today: date) -> float:
        """The share of the weight an event of that date counts for on ``today``."""
        for months, factor in self.decay:
            if occurred_on > limits.add_months(today, -months):
                return factor
        return 0.0

    def points(self, event: CreditEvent, today: date) -> float:
        return self.weight(event.kind, event.detail) * self.factor(event.occurred_on, today)

    def repair_wait(self, list_name: str) -> int:
        """Days on a list before credit repair may be asked for (0: no rule)."""
        rule = self.lists.get(list_name)
        return rule.repair_wait_days if rule else 0

    def class_of(self, score: float) -> str:
        for cls in ("A", "B", "C"):
            if score >= self.thresholds[cls]:
                return cls
        return "D"

    def basis(self, events: list[CreditEvent], today: date) -> tuple[float, list[dict[str, Any]]]:
        """The score and each counting event with its share: what a decision rests on."""
        rows, score = [], self.base
        for event in events:
            weight = self.weight(event.kind, event.detail)
            factor = self.factor(event.occurred_on, today)
            if event.withdrawn or not weight or not factor:
                continue
            score += weight * factor
            rows.append(
                {
                    "event": event.pk,
                    "kind": event.kind,
                    "date": event.occurred_on.isoformat(),
                    "detail": event.detail,
                    "weight": weight,
                    "factor": factor,
                    "points": round(weight * factor, 2),
                }
            )
        return round(score, 2), rows

    # ------------------------------------------------------------ all at once

    def points_sql(self, today: date, prefix: str = "") -> models.Expression:
        """``Σ weight × factor`` over standing events, as an SQL aggregate (``prefix``
        reaches the events from another model, e.g. ``credit_events__``); the score is
        ``base`` plus it."""

        def when(then: float, **lookups: Any) -> When:
            return When(Q(**{prefix + k: v for k, v in lookups.items()}), then=Value(then))

        weight = Case(
            *[when(float(w), kind=kind) for kind, w in self.weights.items() if w],
            *[
                when(float(w), kind=CreditEvent.Kind.GRADE, detail=str(level))
                for level, w in self.grade.items()
                if w
            ],
            default=Value(0.0),
            output_field=FloatField(),
        )
        factor = Case(
            *[
                when(float(f), occurred_on__gt=limits.add_months(today, -months))
                for months, f in self.decay
            ],
            default=Value(0.0),
            output_field=FloatField(),
        )
        return Coalesce(
            Sum(
                weight * factor,
                filter=Q(**{prefix + "withdrawn_at": None}),
                output_field=FloatField(),
            ),
            Value(0.0),
        )


# ---------------------------------------------------------------- parsing


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(_("%(where)s must be a number.") % {"where": where})
    if abs(value) > 1000:
        raise ValidationError(_("%(where)s must lie between -1000 and 1000.") % {"where": where})
    return float(value)


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            _("%(where)s must be a whole number from %(low)d to %(high)d.")
            % {"where": where, "low": low, "high": high}
        )
    return value


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValidationError(_("%(where)s must be a mapping.") % {"where": where})
    return value


def parse(text: str, *, version: int = 0) -> Rules:
    """Check a rule set's YAML and return it; every mistake is named for the person
    who typed it."""
    if len(text) > MAX_TEXT:
        raise ValidationError(_("A rule set is at most %(n)d characters.") % {"n": MAX_TEXT})
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise ValidationError(
            _("The rules are not valid YAML (line %(line)s).") % {"line": line}
        ) from None
    data = _mapping(data, _("The rule set"))
    if data.get("format") != FORMAT:
        raise ValidationError(_("The rule set must say format: %(format)s.") % {"format": FORMAT})
    known = {"format", "base", "weights", "decay", "classes", "ratios", "lists"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationError(
            _("Unknown key in the rule set: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
        )
    base = _number(data.get("base"), "base")

    kinds = set(CreditEvent.Kind.values)
    weights: dict[str, float] = {}
    grade: dict[int, float] = {}
    for kind, value in _mapping(data.get("weights"), "weights").items():
        if kind not in kinds:
            raise ValidationError(_("Unknown event kind in weights: %(kind)s.") % {"kind": kind})
        if kind == CreditEvent.Kind.GRADE:
            for level, w in _mapping(value, "weights.grade").items():
                grade[_whole(level, "weights.grade", 0, 5)] = _number(w, f"weights.grade.{level}")
        else:
            weights[kind] = _number(value, f"weights.{kind}")

    decay: list[tuple[int, float]] = []
    rows = data.get("decay")
    if not isinstance(rows, list) or not rows:
        raise ValidationError(_("decay must be a list of rows with months and factor."))
    for n, row in enumerate(rows, 1):
        row = _mapping(row, f"decay[{n}]")
        months = _whole(row.get("months"), f"decay[{n}].months", 1, 120)
        factor = _number(row.get("factor"), f"decay[{n}].factor")
        if not 0 <= factor <= 1:
            raise ValidationError(_("decay[%(n)d].factor must lie between 0 and 1.") % {"n": n})
        if decay and months <= decay[-1][0]:
            raise ValidationError(_("decay rows must be in increasing months."))
        decay.append((months, factor))

    thresholds = {}
    classes = _mapping(data.get("classes"), "classes")
    for cls in ("A", "B", "C"):
        thresholds[cls] = _number(classes.get(cls), f"classes.{cls}")
    if not thresholds["A"] > thresholds["B"] > thresholds["C"]:
        raise ValidationError(_("The thresholds must fall from A to B to C."))

    ratios = {}
    given = _mapping(data.get("ratios"), "ratios")
    for cls in CLASSES:
        ratios[cls] = _whole(given.get(cls), f"ratios.{cls}", 0, 100)

    lists = {}
    for name, rule in _mapping(data.get("lists", {}), "lists").items():
        if name not in CreditList.values:
            raise ValidationError(_("Unknown list: %(name)s.") % {"name": name})
        rule = _mapping(rule, f"lists.{name}")
        listed = rule.get("classes", []) or []
        if not isinstance(listed, list) or set(listed) - set(CLASSES):
            raise ValidationError(
                _("lists.%(name)s.classes must be a list of A, B, C, D.") % {"name": name}
            )
        counts = {}
        for kind, count in _mapping(rule.get("events", {}) or {}, f"lists.{name}.events").items():
            if kind not in kinds:
                raise ValidationError(
                    _("Unknown event kind in lists.%(name)s: %(kind)s.")
                    % {"name": name, "kind": kind}
                )
            counts[kind] = _whole(count, f"lists.{name}.events.{kind}", 1, 100)
        lists[name] = ListRule(
            classes=tuple(listed),
            events=counts,
            window_months=_whole(rule.get("window_months"), f"lists.{name}.window_months", 1, 120),
            min_checks_per_year=_whole(
                rule.get("min_checks_per_year"), f"lists.{name}.min_checks_per_year", 0, 52
            ),
            repair_wait_days=_whole(
                rule.get("repair_wait_days"), f"lists.{name}.repair_wait_days", 0, 3650
            ),
        )
    return Rules(
        version=version,
        base=base,
        weights=weights,
        grade=grade,
        decay=tuple(decay),
        thresholds=thresholds,
        ratios=ratios,
        lists=lists,
    )


def default_text() -> str:
    return DEFAULT_FILE.read_text(encoding="utf-8")


def current_set() -> RuleSet | None:
    return RuleSet.objects.order_by("-version").first()


def current() -> Rules:
    """The rules in force: the newest loaded version, or the shipped default (v0)."""
    ruleset = current_set()
    if ruleset is None:
        return parse(default_text(), version=0)
    return of(ruleset)


def of(ruleset: RuleSet) -> Rules:
    return parse(ruleset.text, version=ruleset.version)
