"""Forms of complaints: the public form, the staff form, triage and reply. The
services validate again; the forms give the browser the limits and the choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from checklists.models import ChecklistTemplate, ChecklistVersion
from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from inspections.complaints.models import Complaint
from inspections.complaints.services import MAX_PHOTOS, STAFF_CHANNELS
from inspections.onsite.forms import TeamChoiceField
from registry.models import Department, Facility, Region


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` photos; each is checked by content in the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp,.heic"})
        )
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        files = [one for one in (data or []) if one] if isinstance(data, list | tuple) else data
        if not files:
            return []
        files = files if isinstance(files, list) else [files]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Attach at most %(n)d photos (there are %(count)d).")
                % {"n": MAX_PHOTOS, "count": len(files)}
            )
        return files


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, facility):
        return f"{facility.name}（{facility.region.name}）"


class CountyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return region.name


class ComplaintForm(forms.Form):
    """What the public form and the staff form share."""

    county = CountyChoiceField(
        label=_("County"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("— choose —"),
        error_messages={"invalid_choice": _("Choose a county from the list.")},
    )
    facility = FacilityChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.none(),
        required=False,
        empty_label=_("— not in the list —"),
        error_messages={"invalid_choice": _("Choose a facility from the list.")},
        help_text=_("Choose it from the registry, or type its name below."),
    )
    facility_text = LimitedCharField(label=_("Facility name"), limit=limits.LINE, required=False)
    category = forms.ChoiceField(
        label=_("What is it about"),
        choices=[("", _("— choose —")), *Complaint.Category.choices],
        error_messages={
            "required": _("Choose what the complaint is about."),
            "invalid_choice": _("Choose what the complaint is about."),
        },
    )
    text = LimitedCharField(
        label=_("Complaint"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Describe what happened.")},
        help_text=_("What happened, where and to whom. Do not write anyone's ID number."),
    )
    occurred_on = forms.DateField(
        label=_("When it happened"),
        required=False,
        widget=DATE,
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )
    name = LimitedCharField(label=_("Your name"), limit=limits.NAME, required=False)
    phone = LimitedCharField(
        label=_("Contact phone"),
        limit=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_(
            "Optional. Only the county bureau's leads see your name and phone; the facility "
            "never does."
        ),
    )
    uploads = PhotosField(
        label=_("Photos"),
        help_text=_("Optional: at most 5 photos (JPEG, PNG, WebP or HEIC), each up to 20 MB."),
    )

    def __init__(self, *args, counties, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["facility"].queryset = facilities.select_related("region").order_by(
            "region__code", "name"
        )


class PublicComplaintForm(ComplaintForm):
    field_order = [
        "county",
        "facility",
        "facility_text",
        "category",
        "text",
        "occurred_on",
        "uploads",
        "name",
        "phone",
    ]


class StaffComplaintForm(ComplaintForm):
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[
            (value, label) for value, label in Complaint.Channel.choices if value in STAFF_CHANNELS
        ],
    )
    field_order = ["channel", *PublicComplaintForm.field_order]


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        error_messages={"required": _("Give the tracking number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=_("Query code"),
        max_length=20,
        error_messages={"required": _("Give the query code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# ---------------------------------------------------------------- triage and reply


class RefuseForm(forms.Form):
    reason = LimitedCharField(
        label=_("Why it is not in scope (the complainant reads this)"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the complaint is not in scope.")},
    )


class AnswerForm(forms.Form):
    reason = LimitedCharField(
        label=_("Note"),
        limit=limits.SHORT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _MatchFacility(forms.Form):
    """A complaint naming a facility not matched to the registry is matched here."""

    facility = FacilityChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("Needed when the complaint names a facility not chosen from the registry."),
    )

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        if facilities is None:
            del self.fields["facility"]
        else:
            self.fields["facility"].queryset = facilities.select_related("region").order_by("name")


class PassOnForm(_MatchFacility):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.exclude(kind=Department.Kind.CIVIL_AFFAIRS),
        error_messages={"required": _("Choose the receiving department.")},
    )
    legal_basis = LimitedCharField(
        label=_("Legal basis of the transfer"),
        limit=300,
        error_messages={"required": _("Give the legal basis of the transfer.")},
    )
    contact = LimitedCharField(label=_("Contact"), limit=limits.LINE, required=False)
    reason = LimitedCharField(
        label=_("Note"),
        limit=limits.SHORT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InvestigateForm(_MatchFacility):
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
    reason = LimitedCharField(
        label=_("Note"),
        limit=limits.SHORT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = inspectors
        self.fields["templates"].queryset = ChecklistTemplate.objects.filter(
            versions__status=ChecklistVersion.Status.PUBLISHED
        ).distinct()


class ReplyForm(forms.Form):
    reply = LimitedCharField(
        label=_("Reply (the complainant reads this)"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the reply.")},
    )
    substantiated = forms.TypedChoiceField(
        label=_("Did the complaint prove true?"),
        choices=[("yes", _("Yes: substantiated")), ("no", _("No: not substantiated"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the complaint proved true.")},
    )


TRIAGE_FORMS = {
    "out_of_scope": RefuseForm,
    "pass_on": PassOnForm,
    "answer": AnswerForm,
    "investigate": InvestigateForm,
}
