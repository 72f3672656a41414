from collections import Counter
from datetime import date

from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryManager

from .models import ChangeLog

# Bounds keep the local-midnight → UTC conversion of a date far from datetime's limits.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)


def audited_model(label):
    """The model class for a ChangeLog ``model`` label, or None if it no longer exists."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def model_name(label):
    model = audited_model(label)
    return capfirst(model._meta.verbose_name) if model else label


def object_type_choices():
    """Labels of every audited model and of every model that ever left a change."""
    # isinstance, not hasattr: the m2m history tables have a ``history`` foreign key.
    labels = {
        m._meta.label_lower
        for m in apps.get_models()
        if isinstance(getattr(m, "history", None), HistoryManager)
    }
    # order_by() clears Meta.ordering, which would otherwise defeat DISTINCT.
    labels.update(ChangeLog.objects.order_by().values_list("model", flat=True).distinct())
    names = {label: str(model_name(label)) for label in labels}
    # Two apps may share a verbose name; the label tells them apart.
    repeated = {name for name, n in Counter(names.values()).items() if n > 1}
    choices = [
        (label, f"{name} ({label})" if name in repeated else name) for label, name in names.items()
    ]
    return sorted(choices, key=lambda choice: choice[1])


class DateInput(forms.DateInput):
    input_type = "date"


class HistoryFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Object type"), required=False)
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
