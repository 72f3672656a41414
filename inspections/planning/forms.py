"""Forms of plans and draws."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.models import ChecklistTemplate, ChecklistVersion
from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from inspections.planning.models import Plan
from registry.models import Category, Department, Facility


class PlanForm(forms.ModelForm):
    key_templates = forms.ModelMultipleChoiceField(
        label=_("Key checklists (重点检查事项)"),
        queryset=ChecklistTemplate.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ordinary_templates = forms.ModelMultipleChoiceField(
        label=_("Ordinary checklists (一般检查事项)"),
        queryset=ChecklistTemplate.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scope_types = forms.MultipleChoiceField(
        label=_("Facility types"),
        choices=Facility.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type."),
    )
    pool_categories = forms.MultipleChoiceField(
        label=_("Inspectors qualified for"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any qualification."),
    )

    class Meta:
        model = Plan
        fields = [
            "name",
            "region",
            "year",
            "kind",
            "window_start",
            "window_end",
            "notice",
            "lead_department",
            "joining_departments",
            "scope_regions",
            "scope_types",
            "scope_filed",
            "ratio_a",
            "ratio_b",
            "ratio_c",
            "ratio_d",
            "cover_remaining",
            "pool_departments",
            "pool_regions",
            "pool_categories",
            "team_size",
            "max_per_inspector",
            "exclude_last_inspectors",
        ]
        widgets = {
            "window_start": DATE,
            "window_end": DATE,
            "joining_departments": forms.CheckboxSelectMultiple,
            "pool_departments": forms.CheckboxSelectMultiple,
            "scope_regions": forms.CheckboxSelectMultiple,
            "pool_regions": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "cover_remaining": _(
                "For quarterly plans that add up to the year: each class yields the yearly "
                "ratio of the credit rules times its facilities, less those already "
                "inspected this year, who are not drawn again; the ratios above are then "
                "not used. Facilities on the key supervision list are always drawn."
            ),
        }

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("region", "scope_regions", "pool_regions"):
            self.fields[name].queryset = regions
        published = ChecklistTemplate.objects.filter(
            versions__status=ChecklistVersion.Status.PUBLISHED
        ).distinct()
        self.fields["key_templates"].queryset = published
        self.fields["ordinary_templates"].queryset = published
        departments = Department.objects.all()
        for name in ("lead_department", "joining_departments", "pool_departments"):
            self.fields[name].queryset = departments
        if self.instance.pk:
            chosen = {pt.template_id: pt.key for pt in self.instance.checklists.all()}
            self.initial["key_templates"] = [t for t, key in chosen.items() if key]
            self.initial["ordinary_templates"] = [t for t, key in chosen.items() if not key]
        else:
            today = timezone.localdate()
            start = today + timedelta(days=14)
            self.initial.update(
                {
                    "year": start.year,
                    "window_start": start,
                    "window_end": min(start + timedelta(days=30), date(start.year, 12, 31)),
                    "pool_departments": list(departments),
                    "scope_regions": list(regions[:1]),
                    "pool_regions": list(regions[:1]),
                    "region": regions.first(),
                }
            )

    def clean(self):
        data = super().clean()
        key = set(data.get("key_templates") or [])
        ordinary = set(data.get("ordinary_templates") or [])
        if key & ordinary:
            self.add_error(
                "ordinary_templates", _("A checklist is either key or ordinary, not both.")
            )
        if not key and not ordinary:
            self.add_error("key_templates", _("Choose at least one checklist."))
        return data

    def checklists(self):
        chosen = {t: True for t in self.cleaned_data["key_templates"]}
        chosen.update({t: False for t in self.cleaned_data["ordinary_templates"]})
        return chosen


class RunForm(forms.Form):
    public_entropy = LimitedCharField(
        label=_("Public random value"),
        limit=limits.SHORT,
        help_text=_(
            "A value nobody could know when the draw was frozen, e.g. the winning numbers of "
            "a named public lottery drawn after the freeze."
        ),
    )
    source = LimitedCharField(
        label=_("Where it was published"),
        limit=limits.SHORT,
        help_text=_("e.g. 中国福利彩票双色球 第2026135期 开奖公告"),
    )
    confirm = forms.BooleanField(
        label=_("I understand the draw cannot be repeated: only voided, with a reason."),
        label_suffix="",
    )


class VoidForm(forms.Form):
    reason = LimitedCharField(
        label=_("Why is this draw voided?"),
        limit=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the draw, which stays public, marked void."),
    )


class SubstituteForm(forms.Form):
    member = forms.ChoiceField(label=_("Unavailable inspector"))
    reason = LimitedCharField(label=_("Reason"), limit=limits.SHORT)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members
