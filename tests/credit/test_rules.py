"""The default rule set computes the classes docs/credit-rules.md works through, and a
rule set with a mistake is refused with a message that names it."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from inspections.credit import rules as credit_rules
from inspections.credit.models import CreditEvent

TODAY = date(2026, 12, 1)
K = CreditEvent.Kind


def event(kind, on=TODAY, detail="", withdrawn=False):
    from django.utils import timezone

    return CreditEvent(
        kind=kind,
        occurred_on=on,
        detail=detail,
        withdrawn_at=timezone.now() if withdrawn else None,
    )


@pytest.fixture
def rules():
    return credit_rules.parse(credit_rules.default_text(), version=1)


# The worked examples of docs/credit-rules.md, in its order.
EXAMPLES = [
    ("no events", [], 95, "B"),
    (
        "three stars and a compliant result",
        [event(K.GRADE, detail="3"), event(K.RESULT_PASS)],
        101,
        "A",
    ),
    (
        "a major hazard and a basically compliant result",
        [event(K.HAZARD_MAJOR), event(K.RESULT_BASIC)],
        81,
        "C",
    ),
    ("inspectors refused entry", [event(K.ENTRY_REFUSED)], 65, "D"),
    (
        "a major hazard 14 months ago and a general one now",
        [event(K.HAZARD_MAJOR, date(2025, 10, 1)), event(K.HAZARD_GENERAL)],
        88,
        "B",
    ),
]


@pytest.mark.parametrize("name,events,score,cls", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_the_documented_examples_compute_their_classes(rules, name, events, score, cls):
    computed, basis = rules.basis(events, TODAY)
    assert computed == score
    assert rules.class_of(computed) == cls
    assert len(basis) == len([e for e in events if rules.weight(e.kind, e.detail)])


def test_the_documented_examples_are_the_ones_in_the_docs():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "credit-rules.md").read_text(encoding="utf-8")
    for name, _events, score, cls in EXAMPLES:
        assert f"| {name} | {score} | {cls} |" in text


def test_decay_halves_then_quarters_then_forgets(rules):
    assert rules.points(event(K.HAZARD_MAJOR, date(2026, 1, 1)), TODAY) == -10
    assert rules.points(event(K.HAZARD_MAJOR, date(2025, 6, 1)), TODAY) == -5
    assert rules.points(event(K.HAZARD_MAJOR, date(2024, 6, 1)), TODAY) == -2.5
    assert rules.points(event(K.HAZARD_MAJOR, date(2023, 6, 1)), TODAY) == 0
    # Twelve months to the day: the older band.
    assert rules.points(event(K.HAZARD_MAJOR, date(2025, 12, 1)), TODAY) == -5


def test_a_withdrawn_event_does_not_count(rules):
    score, basis = rules.basis([event(K.ENTRY_REFUSED, withdrawn=True)], TODAY)
    assert (score, basis) == (95, [])


@pytest.mark.django_db
def test_the_sql_score_agrees_with_the_basis(rules, world):
    from core.audited import save_with_history

    facility = world["facility"]
    events = [
        event(K.HAZARD_MAJOR, date(2025, 6, 1)),
        event(K.GRADE, detail="4"),
        event(K.RESULT_FAIL, date(2024, 3, 1)),
        event(K.PENALTY, withdrawn=True),
    ]
    for n, e in enumerate(events):
        e.facility = facility
        e.key = f"manual:t{n}"
        save_with_history(e)
    row = CreditEvent.objects.values("facility_id").annotate(p=rules.points_sql(TODAY)).get()
    score, _basis = rules.basis(list(CreditEvent.objects.all()), TODAY)
    assert rules.base + row["p"] == pytest.approx(score) == 95 - 5 + 6 - 3


@pytest.mark.parametrize(
    "change,message",
    [
        (("format: care-safety-credit/1", "format: other"), "format"),
        (("base: 95", "base: many"), "base must be a number"),
        (("  result_pass: 2", "  result_passed: 2"), "Unknown event kind"),
        (("  B: 88", "  B: 120"), "fall from A to B to C"),
        (("ratios: {A: 5,", "ratios: {A: 500,"), "ratios.A"),
        (("{months: 24, factor: 0.5}", "{months: 6, factor: 0.5}"), "increasing months"),
        (("base: 95", "base: [95"), "not valid YAML"),
    ],
)
def test_a_rule_set_with_a_mistake_is_refused_by_name(change, message):
    old, new = change
    text = credit_rules.default_text()
    assert old in text
    with pytest.raises(ValidationError, match=re.escape(message)) as error:
        credit_rules.parse(text.replace(old, new, 1))
    assert message in " ".join(error.value.messages)
