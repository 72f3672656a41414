"""Model fields every app declares the same way."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models


def user_field(label, **options):
    """Who did something. PROTECT: an account that acted is deactivated, never deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        **options,
    )


def percent_field(label, default):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)]
    )
