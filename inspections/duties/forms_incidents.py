"""Forms of the incident pages; ``incidents`` checks the same values again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from core.limits import LimitedCharField
from inspections.duties.incidents import PEOPLE_MAX
from inspections.duties.models import Incident

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class IncidentForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your facilities.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of incident"),
        choices=Incident.Kind.choices,
        error_messages={"required": _("Choose the kind of incident from the list.")},
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={
            "required": _("Enter when it happened."),
            "invalid": _("Enter the date and time it happened, e.g. 2026-12-01 06:30."),
        },
    )
    place = LimitedCharField(label=_("Place"), limit=limits.LINE, required=False)
    summary = LimitedCharField(
        label=_("What happened"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what happened.")},
    )
    deaths = forms.IntegerField(
        label=_("Deaths"),
        min_value=0,
        max_value=PEOPLE_MAX,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Enter the number of deaths (0 if none).")},
    )
    injured = forms.IntegerField(
        label=_("Injured"),
        min_value=0,
        max_value=PEOPLE_MAX,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Enter the number of people injured (0 if none).")},
    )
    measures = LimitedCharField(
        label=_("Measures taken"),
        limit=limits.TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now():
            raise forms.ValidationError(_("When it happened cannot be in the future."))
        return value


class FollowUpForm(forms.Form):
    text = LimitedCharField(
        label=_("Follow-up"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the follow-up.")},
    )
    final = forms.BooleanField(
        label=_("This is the final report: it closes the incident"), required=False
    )


class IncidentFilterForm(forms.Form):
    LATE = [("", _("In time and late")), ("1", _("Reported late")), ("0", _("Reported in time"))]
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Incident.Kind.choices], required=False
    )
    late = forms.ChoiceField(label=_("Reported"), choices=LATE, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Incident.Status.choices],
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=None,
        required=False,
        empty_label=_("All my regions"),
        to_field_name="code",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is None:  # a facility's manager: their facilities are the list
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions
