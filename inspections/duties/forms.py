"""Forms of the duty pages. They parse; the services (``rules``, ``services``) check."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.models import ChecklistTemplate, ChecklistVersion
from core import limits
from core.limits import LimitedCharField
from inspections.duties import rules as duty_rules
from inspections.duties import services
from inspections.duties.models import Duty, DutyRule
from registry.models import Facility

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def published_checklists():
    return ChecklistTemplate.objects.filter(
        versions__status=ChecklistVersion.Status.PUBLISHED
    ).distinct()


class RuleForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("Duty"), choices=DutyRule.Kind.choices)
    every = forms.ChoiceField(label=_("Recurs"), choices=DutyRule.Every.choices)
    facility_types = forms.MultipleChoiceField(
        label=_("Facility types"),
        choices=Facility.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type."),
    )
    checklist = forms.ModelChoiceField(
        label=_("Checklist (self-inspection only)"), queryset=None, required=False
    )
    grace_days = forms.IntegerField(
        label=_("Days of grace after the period"),
        min_value=0,
        max_value=duty_rules.MAX_GRACE_DAYS,
        initial=0,
        error_messages={
            "min_value": _("Days of grace cannot be negative."),
            "max_value": _("Days of grace must be at most %(limit_value)s."),
        },
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["checklist"].queryset = published_checklists()


class StandardForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=None)
    checklist = forms.ModelChoiceField(
        label=_("Checklist of the monthly self-inspection"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to add the other duties only."),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["checklist"].queryset = published_checklists()


class DutyFilterForm(forms.Form):
    STATES = [("open", _("To do")), ("late", _("Late")), ("done", _("Done")), ("all", _("All"))]
    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
    kind = forms.ChoiceField(
        label=_("Duty"), choices=[("", _("Any duty")), *DutyRule.Kind.choices], required=False
    )
    # The overview's numbers link here with the period and region they count.
    region = forms.CharField(required=False, max_length=12)
    due_from = forms.DateField(required=False)
    due_to = forms.DateField(required=False)


class LateFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=None, required=False, empty_label=_("All my regions")
    )
    kind = forms.ChoiceField(
        label=_("Duty"), choices=[("", _("Any duty")), *DutyRule.Kind.choices], required=False
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


# ---------------------------------------------------------------- the log forms


def _on_field(label):
    return forms.DateField(label=label, widget=DATE, initial=timezone.localdate)


class FirePatrolForm(forms.Form):
    on = _on_field(_("Patrol date"))
    time = forms.TimeField(label=_("Time"), widget=TIME)
    areas = LimitedCharField(
        label=_("Areas checked"),
        limit=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. escape routes, fire doors, extinguishers, kitchen, electric bikes."),
    )
    problems = LimitedCharField(
        label=_("Problems found"),
        limit=limits.TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    handled = forms.BooleanField(label=_("Handled on the spot"), required=False)
    action = LimitedCharField(label=_("What was done"), limit=limits.SHORT, required=False)


class NightRoundForm(forms.Form):
    time = forms.TimeField(label=_("Time"), widget=TIME)
    checked = forms.BooleanField(label=_("Round walked"), required=False, initial=True)
    ok = forms.BooleanField(label=_("All right"), required=False, initial=True)
    note = LimitedCharField(label=_("Note"), limit=limits.LINE, required=False)


class FireDrillForm(forms.Form):
    on = _on_field(_("Drill date"))
    scenario = LimitedCharField(label=_("Scenario"), limit=limits.LINE)
    participants = forms.IntegerField(
        label=_("Participants"),
        min_value=1,
        max_value=services.MAX_PARTICIPANTS,
        error_messages={
            "min_value": _("At least one person takes part in a drill."),
            "max_value": _("Participants must be at most %(limit_value)s."),
        },
    )
    evaluation = LimitedCharField(
        label=_("Evaluation"), limit=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class FoodSampleForm(forms.Form):
    on = _on_field(_("Date"))
    meal = LimitedCharField(
        label=_("Meal"), limit=limits.NAME, required=False, help_text=_("E.g. lunch.")
    )
    hours = forms.IntegerField(
        label=_("Hours kept"), initial=services.SAMPLE_MIN_HOURS, min_value=0, max_value=10000
    )
    keeper = LimitedCharField(label=_("Kept by"), limit=limits.NAME)


class DishForm(forms.Form):
    dish = LimitedCharField(label=_("Dish"), limit=limits.NAME, required=False)
    grams = forms.IntegerField(label=_("Weight (g)"), required=False, min_value=0, max_value=100000)


DishFormSet = forms.formset_factory(
    DishForm, extra=6, max_num=services.MAX_DISHES, validate_max=True
)

LOG_FORMS = {
    DutyRule.Kind.FIRE_PATROL: FirePatrolForm,
    DutyRule.Kind.FIRE_DRILL: FireDrillForm,
    DutyRule.Kind.FOOD_SAMPLE: FoodSampleForm,
    DutyRule.Kind.NIGHT_PATROL: NightRoundForm,
}


def dishes_of(formset) -> list[dict]:
    """The filled rows of the dish formset (empty rows are the spare ones)."""
    return [
        {"dish": form.cleaned_data.get("dish", ""), "grams": form.cleaned_data.get("grams")}
        for form in formset
        if form.cleaned_data.get("dish") or form.cleaned_data.get("grams") is not None
    ]


class FinishForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm the night's patrol is over: no round can be added after."),
        error_messages={"required": _("Tick the box to confirm the log is complete.")},
    )


def duty_label(duty: Duty) -> str:
    return f"{duty.get_kind_display()} · {duty.period_start:%Y-%m-%d}"
