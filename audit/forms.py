from collections import Counter
from datetime import date

from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryManager

from core import limits

from .models import ChangeLog

# Bounds keep the local-midnight → UTC conversion of a date far from datetime's limits.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)
# Longer than any field's name or label.
FIELD_NAME = 100


def audited_model(label):
    """The model class for a ChangeLog ``model`` label, or None if it no longer exists."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def model_name(label):
    model = audited_model(label)
    return capfirst(model._meta.verbose_name) if model else label


# Each step asks the (model) index for the next label after the last one.
RECORDED_MODELS_SQL = """WITH RECURSIVE labels(label) AS (
    SELECT MIN(model) FROM audit_changelog
    UNION ALL
    SELECT (SELECT MIN(model) FROM audit_changelog WHERE model > labels.label)
    FROM labels WHERE labels.label IS NOT NULL
) SELECT label FROM labels WHERE label IS NOT NULL"""


def _recorded_models():
    """Every model label in the change index, one index probe per label (a loose index
    scan): a plain DISTINCT read the whole index, ~1 s at ten provinces' 4 M changes,
    on every page of the history."""
    with connection.cursor() as cursor:
        cursor.execute(RECORDED_MODELS_SQL)
        return {label for (label,) in cursor.fetchall()}


def object_type_choices():
    """Labels of every audited model and of every model that ever left a change."""
    # isinstance, not hasattr: the m2m history tables have a ``history`` foreign key.
    labels = {
        m._meta.label_lower
        for m in apps.get_models()
        if isinstance(getattr(m, "history", None), HistoryManager)
    }
    labels.update(_recorded_models())
    names = {label: str(model_name(label)) for label in labels}
    # Two apps may share a verbose name; the label tells them apart.
    repeated = {name for name, n in Counter(names.values()).items() if n > 1}
    choices = [
        (label, f"{name} ({label})" if name in repeated else name) for label, name in names.items()
    ]
    return sorted(choices, key=lambda choice: choice[1])


def recorded_fields(model):
    """The fields whose changes the history of ``model`` records, but its id."""
    history = model.history.model
    fields = [f for f in history.tracked_fields if not f.primary_key]
    return fields + list(history._history_m2m_fields)


def _label(field):
    return str(capfirst(field.verbose_name))


def field_choices(model):
    """``(name, label)`` of the recorded fields of ``model``, by label."""
    fields = recorded_fields(model)
    # Two fields may share a label; the name tells them apart.
    repeated = {name for name, n in Counter(_label(f) for f in fields).items() if n > 1}
    choices = [
        (f.name, f"{_label(f)} ({f.name})" if _label(f) in repeated else _label(f)) for f in fields
    ]
    return sorted(choices, key=lambda choice: choice[1])


def fields_called(text):
    """The names of the recorded fields, of any audited model, that ``text`` names by
    their name or their label (ignoring case)."""
    wanted = text.casefold()
    return {
        f.name
        for m in apps.get_models()
        if isinstance(getattr(m, "history", None), HistoryManager)
        for f in recorded_fields(m)
        if wanted in (f.name.casefold(), _label(f).casefold())
    }


class DateInput(forms.DateInput):
    input_type = "date"


class HistoryFilterForm(forms.Form):
    q = limits.LimitedCharField(
        label=_("Search"),
        limit=limits.LINE,
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": _(
                    "Facility name or code, register number, notice or document number"
                )
            }
        ),
    )
    model = forms.ChoiceField(label=_("Object type"), required=False)
    field = limits.LimitedCharField(
        label=_("Field changed"),
        limit=FIELD_NAME,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Field name")}),
    )
    object_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("Username")}),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *ChangeLog.Action.choices],
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput,
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput,
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("All types")), *object_type_choices()]
        # With an object type chosen, its fields are offered by their labels.
        model = audited_model(self.data.get("model") or "") if self.is_bound else None
        if isinstance(getattr(model, "history", None), HistoryManager):
            self.fields["field"] = forms.ChoiceField(
                label=_("Field changed"),
                required=False,
                choices=[("", _("Any field")), *field_choices(model)],
            )

    def clean_q(self):
        return self.cleaned_data["q"].strip()

    def clean_field(self):
        """The field names to look for: the chosen one, or those the typed text names."""
        text = self.cleaned_data["field"].strip()
        if not text:
            return set()
        if isinstance(self.fields["field"], forms.ChoiceField):
            return {text}
        names = fields_called(text)
        if text.isascii() and text.isidentifier():
            # A field the models no longer have may still be in older changes.
            names.add(text)
        if not names:
            raise forms.ValidationError(
                _("No recorded field is called “%(text)s”."), params={"text": text}
            )
        return names

    def clean_user(self):
        return self.cleaned_data["user"].strip()

    def clean_object_id(self):
        return self.cleaned_data["object_id"].strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
