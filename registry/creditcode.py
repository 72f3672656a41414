"""Unified social credit code (统一社会信用代码), GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17):
    """The 18th character for the given first 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code):
    return (code or "").strip().upper()


def credit_code_error(code):
    """Why ``code`` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.") % {
            "n": len(code)
        }
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return _(
            "Character(s) %(chars)s cannot appear in a unified social credit code "
            "(I, O, S, V, Z and lower-case letters are never used)."
        ) % {"chars": " ".join(bad)}
    if not code[2:8].isdigit():
        return _("Characters 3–8 must be the 6-digit administrative division code.")
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("The check character is wrong: expected %(expected)s, found %(found)s.") % {
            "expected": expected,
            "found": code[17],
        }
    return None


def validate_credit_code(value):
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="invalid_credit_code")
