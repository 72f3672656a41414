import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.creditcode import WEIGHTS, check_character, credit_code_error, validate_credit_code


def test_check_character_matches_a_published_example():
    # A code printed on a real business licence.
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "52430602MJ00000172"])
def test_it_accepts_a_valid_code(code):
    assert credit_code_error(code) is None
    validate_credit_code(code)


def test_check_value_31_is_written_as_zero():
    # Find a body whose weighted sum is divisible by 31: its check character must be "0".
    for serial in range(10_000):
        body = f"52430602MJ{serial:07d}"
        total = sum(
            "0123456789ABCDEFGHJKLMNPQRTUWXY".index(ch) * w
            for ch, w in zip(body, WEIGHTS, strict=True)
        )
        if total % 31 == 0:
            assert check_character(body) == "0"
            assert credit_code_error(body + "0") is None
            return
    pytest.fail("no body with a zero check value found")


@pytest.mark.parametrize(
    "code, reason",
    [
        ("91350100M000100Y4", "18"),  # too short
        ("91350100M000100Y433", "18"),  # too long
        ("91350100M000100Y44", "check character"),  # wrong check character
        ("91350100M00O100Y43", "cannot appear"),  # letter O is not in the alphabet
        ("91350100M00I100Y43", "cannot appear"),  # nor I
        ("91350100m000100y43", "cannot appear"),  # lower case is not normalised here
        ("913501A0M000100Y43", "division code"),  # positions 3-8 must be digits
    ],
)
def test_it_rejects_each_kind_of_invalid_code(code, reason):
    with translation.override("en"):
        error = credit_code_error(code)
        assert error is not None
        assert reason in str(error)
        with pytest.raises(ValidationError, match=reason):
            validate_credit_code(code)


def test_error_messages_are_chinese_by_default():
    assert "校验码" in str(credit_code_error("91350100M000100Y44"))


def test_facility_validation_rejects_a_bad_code(world):
    facility = world["facility"]
    facility.credit_code = "91350100M000100Y44"
    with pytest.raises(ValidationError, match="校验码错误：应为 3，实际为 4。") as info:
        facility.full_clean()
    assert "credit_code" in info.value.message_dict
