"""Forms of hazards as found: a hazard no item names, raising one to major, and the
determination basis of a major hazard. The services validate again and refuse with
the same sentences; these carry the limits to the browser."""

from django import forms
from django.utils.translation import gettext_lazy

from checklists.models import Category
from core import limits
from core.limits import LimitedCharField
from inspections.enforcement.found import (
    DEADLINE_MAX_DAYS,
    HAZARD_PHOTOS,
    REPORT_NO_MAX,
    too_many_photos,
)
from inspections.enforcement.models import Determination, MajorCriterion
from inspections.hazards.models import Hazard
from registry.models import Department


class HazardAddForm(forms.Form):
    """A hazard seen on site that no checklist item names; its photos come in the
    page's file input ``photos``."""

    description = LimitedCharField(
        label=gettext_lazy("Description"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    location = LimitedCharField(label=gettext_lazy("Exact location"), limit=limits.LINE)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("Class"),
        choices=Hazard.Severity.choices,
        initial=Hazard.Severity.GENERAL,
        widget=forms.RadioSelect,
    )
    deadline_days = forms.IntegerField(
        label=gettext_lazy("Deadline (working days, 0 = correct immediately)"),
        min_value=0,
        max_value=DEADLINE_MAX_DAYS,
        initial=15,
    )
    department = forms.ChoiceField(
        label=gettext_lazy("Department concerned"),
        choices=[("", "—"), *Department.Kind.choices],
        required=False,
    )
    photo_limit = HAZARD_PHOTOS

    def clean(self):
        refusal = too_many_photos(len(self.files.getlist("photos")))
        if refusal is not None:
            raise refusal
        return super().clean()


class CriterionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # ※: needs a department's or a third party's determination (第四条(二)).
        return f"{obj.code} {obj.text}{' ※' if obj.needs_outside_determination else ''}"


class DeterminationForm(forms.Form):
    """第四条(二): the situation, and who determined it."""

    criterion = CriterionField(
        label=gettext_lazy("Situation of 民办发〔2023〕13号"),
        queryset=MajorCriterion.objects.filter(active=True),
    )
    determined_by = forms.ChoiceField(
        label=gettext_lazy("Determined by"),
        choices=Determination.By.choices,
        widget=forms.RadioSelect,
    )
    department_name = LimitedCharField(
        label=gettext_lazy("Department (when a department determined it)"),
        limit=limits.NAME,
        required=False,
    )
    assessor = LimitedCharField(
        label=gettext_lazy("Assessing body (third-party assessment)"),
        limit=limits.LINE,
        required=False,
    )
    report_no = LimitedCharField(
        label=gettext_lazy("Report number"), limit=REPORT_NO_MAX, required=False
    )
    report_file = forms.FileField(
        label=gettext_lazy("Report file (PDF or scan, at most 10 MB)"), required=False
    )


class RaiseForm(DeterminationForm):
    reason = LimitedCharField(
        label=gettext_lazy("Why it is treated as major (情节严重)"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["reason"]
