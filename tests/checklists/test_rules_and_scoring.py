from decimal import Decimal

import pytest

from checklists.rules import RuleError, applies, validate_rule
from checklists.scoring import Result, applicable_items, joint_score, score
from registry.models import Facility


def facility(**attributes):
    defaults = {
        "type": Facility.Type.CARE_HOME,
        "ownership": Facility.Ownership.PRIVATE,
        "has_canteen": True,
        "has_clinic": False,
        "filed": True,
        "beds": 120,
        "floors": 4,
        "star_level": 3,
    }
    return Facility(**{**defaults, **attributes})


@pytest.mark.parametrize(
    "rule, attributes, expected",
    [
        ({"type": "care_home"}, {}, True),
        ({"type__in": ["community", "meal_point"]}, {}, False),
        ({"type__not_in": ["community"]}, {}, True),
        ({"has_canteen": True}, {"has_canteen": False}, False),
        ({"has_clinic": True}, {"has_clinic": True}, True),
        ({"beds__gte": 20}, {"beds": 19}, False),
        ({"beds__gte": 20}, {"beds": 20}, True),
        ({"floors__gte": 2}, {"floors": 1}, False),
        ({"floors__lt": 2}, {"floors": 1}, True),
        ({"ownership": "public"}, {"ownership": "public"}, True),
        ({"ownership__in": ["public", "public_private"]}, {}, False),
        ({"has_canteen": True, "beds__gte": 20}, {"beds": 10}, False),
        ({}, {}, True),
    ],
)
def test_applicability_for_each_attribute_kind(rule, attributes, expected):
    validate_rule(rule)
    assert applies(rule, facility(**attributes)) is expected


@pytest.mark.parametrize(
    "rule, reason",
    [
        ({"bedrooms__gte": 20}, "未知的机构属性“bedrooms”"),  # unknown attribute
        ({"beds__between": 20}, "“between”不能用于beds"),  # unknown operator
        ({"has_canteen": "yes"}, "has_canteen 必须为 true 或 false"),  # not a boolean
        ({"type": "hotel"}, "“hotel”不是有效的type"),  # not a facility type
        ({"type__in": "care_home"}, "type__in 需要一个取值列表"),  # not a list
        ({"beds__gte": "20"}, "beds__gte 必须为整数"),  # not a number
    ],
)
def test_bad_rules_are_refused(rule, reason):
    with pytest.raises(RuleError, match=reason):
        validate_rule(rule)


def test_items_that_do_not_apply_are_not_shown_or_scored(published):
    no_canteen = facility(has_canteen=False)
    codes = [item.code for item in applicable_items(published, no_canteen)]
    assert codes == ["F-01", "F-02"]
    result = score(
        published, applicable_items(published, no_canteen), {"F-01": "pass", "F-02": "pass"}
    )
    assert result.score == Decimal(100)
    assert result.unanswered == []


def test_scoring_without_a_failed_major_item(published):
    items = applicable_items(published, facility())
    # Weights: F-01 2, F-02 5, F-03 3. F-01 fails: 8 / 10 passed.
    result = score(published, items, {"F-01": "fail", "F-02": "pass", "F-03": "4"})
    assert result.score == Decimal("80.0")
    assert result.result == Result.BASIC
    assert [i.code for i in result.failed] == ["F-01"]
    all_pass = score(published, items, {"F-01": "pass", "F-02": "pass", "F-03": "4"})
    assert all_pass.result == Result.PASS


def test_a_failed_major_item_fails_the_inspection_whatever_the_score(published):
    published.pass_threshold = 10
    published.basic_threshold = 5
    items = applicable_items(published, facility())
    result = score(published, items, {"F-01": "pass", "F-02": "fail", "F-03": "4"})
    assert result.score == Decimal("50.0")
    assert result.result == Result.FAIL
    assert [i.code for i in result.failed_major] == ["F-02"]


def test_a_number_outside_its_range_fails_and_not_applicable_is_not_scored(published):
    items = applicable_items(published, facility())
    result = score(published, items, {"F-01": "na", "F-02": "pass", "F-03": "9.5"})
    assert [i.code for i in result.failed] == ["F-03"]
    assert result.scored_weight == 8
    assert result.score == Decimal("62.5")
    assert result.result == Result.FAIL


def test_a_joint_inspection_keeps_each_template_separate(published):
    items = applicable_items(published, facility())
    per_template, combined = joint_score(
        [
            (published, items, {"F-01": "pass", "F-02": "pass", "F-03": "4"}),
            (published, items, {"F-01": "fail", "F-02": "pass", "F-03": "4"}),
        ]
    )
    assert [s.result for _v, s in per_template] == [Result.PASS, Result.BASIC]
    assert combined == Result.BASIC
