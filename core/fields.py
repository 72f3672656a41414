"""Model fields every app declares the same way."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def user_field(label: "StrOrPromise", **options: Any) -> models.ForeignKey:
    """Who did something. PROTECT: an account that acted is deactivated, never deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        **options,
    )


def percent_field(label: "StrOrPromise", default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)]
    )
