"""Forms for opening, scheduling and signing inspections."""

from django import forms
from django.utils.translation import gettext_lazy as _

from checklists.models import ChecklistTemplate, ChecklistVersion
from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from registry.models import Facility

# ---------------------------------------------------------------- inspections


def _published_templates():
    return ChecklistTemplate.objects.filter(
        versions__status=ChecklistVersion.Status.PUBLISHED
    ).distinct()


class TeamChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, profile):
        return f"{profile.user.display_name}（{profile.department.name} · {profile.credential_no}）"


class CaseForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    complaint = LimitedCharField(
        label=_("Complaint or lead"),
        widget=forms.Textarea(attrs={"rows": 4}),
        limit=limits.TEXT,
        help_text=_("What was reported, by whom and when. The facility is not told."),
    )
    inspectors = TeamChoiceField(
        label=_("Team (at least two)"),
        queryset=Facility.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    templates = forms.ModelMultipleChoiceField(
        label=_("Checklists"),
        queryset=ChecklistTemplate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, facilities, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        self.fields["inspectors"].queryset = inspectors
        self.fields["templates"].queryset = _published_templates()


class ReinspectionForm(forms.Form):
    inspectors = TeamChoiceField(
        label=_("Team (at least two)"),
        queryset=Facility.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = inspectors


class SelfForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    templates = forms.ModelMultipleChoiceField(
        label=_("Checklists"),
        queryset=ChecklistTemplate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        self.fields["templates"].queryset = _published_templates()
        if len(facilities) == 1:
            self.fields["facility"].initial = facilities[0]


class ScheduleForm(forms.Form):
    planned_date = forms.DateField(label=_("Visit date"), widget=DATE)


class SignForm(forms.Form):
    signer_name = LimitedCharField(
        label=_("Name of the facility's representative"), limit=limits.NAME, required=False
    )
    typed = LimitedCharField(label=_("Typed signature"), limit=limits.NAME, required=False)
    drawn = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300_000)
    refused = forms.BooleanField(
        label=_("The representative refuses to sign (拒签)"), required=False
    )
    note = LimitedCharField(
        label=_("Circumstances of the refusal"),
        limit=limits.SHORT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
