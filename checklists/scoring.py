"""Turning answers into a score and a result (合格 / 基本合格 / 不合格)."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Item
from .rules import applies


class Result(models.TextChoices):
    PASS = "pass", _("Compliant")  # 合格
    BASIC = "basic", _("Basically compliant")  # 基本合格
    FAIL = "fail", _("Non-compliant")  # 不合格


class Outcome(models.TextChoices):
    PASSED = "pass", _("Pass")
    FAILED = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")
    INFO = "info", _("Recorded")


def applicable_items(version, facility, items=None):
    """Items of ``version`` that apply to ``facility``, in order.

    ``items`` may be passed already loaded (with ``section``) to avoid a query.
    """
    if items is None:
        items = version.items.select_related("section").order_by(
            "section__position", "position", "pk"
        )
    return [
        item
        for item in items
        if applies(item.section.applies_if, facility) and applies(item.applies_if, facility)
    ]


def plain_number(value):
    """A number as a person writes it: the bound 0.500 stored with three decimals
    reads 0.5, 2.000 reads 2, 100 reads 100 (never 1E+2). Anything else unchanged."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return format(number.normalize() if number else Decimal(0), "f")


def outcome(item, answer):
    """Pass, fail, not applicable or merely recorded, for one answer value."""
    if answer is None or answer == "":
        return None
    if answer == Outcome.NOT_APPLICABLE:
        return Outcome.NOT_APPLICABLE
    kind = item.answer_type
    if kind == Item.AnswerType.PASS_FAIL:
        return Outcome.PASSED if answer == "pass" else Outcome.FAILED
    if kind == Item.AnswerType.NUMBER:
        try:
            value = Decimal(str(answer))
        except InvalidOperation:
            return None
        too_low = item.min_value is not None and value < item.min_value
        too_high = item.max_value is not None and value > item.max_value
        return Outcome.FAILED if too_low or too_high else Outcome.PASSED
    if kind == Item.AnswerType.CHOICE:
        for choice in item.choices:
            if choice.get("value") == answer:
                return Outcome.PASSED if choice.get("passes", True) else Outcome.FAILED
        return None
    return Outcome.INFO


@dataclass
class Score:
    score: Decimal | None
    result: str
    scored_weight: int = 0
    passed_weight: int = 0
    failed: list = field(default_factory=list)
    failed_major: list = field(default_factory=list)
    unanswered: list = field(default_factory=list)


def score(version, items, answers):
    """Score ``answers`` ({item code: value}) over the applicable ``items`` of ``version``.

    The score is the passed share of the weight of items answered pass or fail.
    Any failed item that creates a major hazard makes the result non-compliant,
    whatever the score.
    """
    result = Score(score=None, result=Result.PASS)
    for item in items:
        verdict = outcome(item, answers.get(item.code))
        if verdict is None:
            result.unanswered.append(item)
            continue
        if verdict in (Outcome.PASSED, Outcome.FAILED):
            result.scored_weight += item.weight
            if verdict == Outcome.PASSED:
                result.passed_weight += item.weight
            else:
                result.failed.append(item)
                if item.hazard == Item.Hazard.MAJOR:
                    result.failed_major.append(item)
    if result.scored_weight:
        result.score = (Decimal(100) * result.passed_weight / result.scored_weight).quantize(
            Decimal("0.1")
        )
    else:
        result.score = Decimal(100)
    if result.failed_major or result.score < version.basic_threshold:
        result.result = Result.FAIL
    elif result.score < version.pass_threshold:
        result.result = Result.BASIC
    return result


def joint_score(parts):
    """Score a joint inspection: ``parts`` is [(version, items, answers)], one per
    template (and so per department). Each part keeps its own score; the combined
    result is the worst of the parts."""
    order = [Result.PASS, Result.BASIC, Result.FAIL]
    per_template = []
    for version, items, answers in parts:
        per_template.append((version, score(version, items, answers)))
    combined = max((s.result for _v, s in per_template), key=order.index, default=Result.PASS)
    return per_template, combined
