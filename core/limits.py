"""Bounds of what people type: how long free text may be and which dates make sense.

The one source both sides read: services refuse with a sentence naming the field
(``text``, ``date_between``), forms carry the limit to the browser (``LimitedCharField``
sets ``maxlength``; static/js/counter.js shows "n / max" under the field) and refuse
with the same sentence.
"""

import calendar
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    # Text or a lazy translation (django-stubs' alias; nothing to import at run time).
    from django_stubs_ext import StrOrPromise

# Characters, counted as Python counts them; a line break counts once.
NAME = 100  # a person's name, a typed signature
LINE = 200  # one line: an exact location, funds, a typed answer
SHORT = 500  # a short paragraph: a reason kept beside a record, a checklist question
TEXT = 2000  # notes, descriptions, measures, plans, complaints, reasons for decisions

# DOMAIN.md §4: six months is the outer limit of a rectification deadline.
EXTENSION_MONTHS = 6
# Facilities were registered long before this system: no register predates the
# People's Republic.
FILED_EARLIEST = date(1949, 10, 1)


def text(value: str | None, *, limit: int, label: "StrOrPromise") -> str:
    """``value`` stripped, with CR LF as one line break (browsers post textareas with
    CR LF but count and show LF); refused when longer than ``limit`` characters."""
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ValidationError(
            _("%(field)s cannot be longer than %(limit)d characters (it has %(count)d).")
            % {"field": label, "limit": limit, "count": len(value)},
            code="max_length",
        )
    return value


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def date_between(value: date, *, label: "StrOrPromise", earliest: date, last: date) -> date:
    """Refuse a date before ``earliest`` or after ``last``."""
    if not earliest <= value <= last:
        raise ValidationError(
            _("%(field)s must be between %(earliest)s and %(latest)s.")
            % {"field": label, "earliest": earliest.isoformat(), "latest": last.isoformat()},
            code="date_range",
        )
    return value


def text_field(label: "StrOrPromise", *, limit: int, **options: Any) -> models.TextField:
    """A model TextField limited to ``limit`` characters in its forms (``maxlength``)
    and in ``full_clean`` (Django enforces a TextField's max_length in forms only)."""
    return models.TextField(
        label, max_length=limit, validators=[MaxLengthValidator(limit)], **options
    )


class LimitedCharField(forms.CharField):
    """Free text with its limit: the browser stops there (``maxlength``) and the form
    refuses more with the services' sentence, counting line breaks as they do."""

    label: "StrOrPromise"  # required: the refusal names the field

    def __init__(self, *, limit: int, label: "StrOrPromise", **kwargs: Any) -> None:
        self.limit = limit  # before super().__init__, which asks widget_attrs
        super().__init__(label=label, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs["maxlength"] = str(self.limit)
        return attrs

    def to_python(self, value: Any) -> str | None:
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value

    def validate(self, value: str | None) -> None:
        super().validate(value)
        text(value, limit=self.limit, label=self.label)
