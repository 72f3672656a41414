"""Forms of plans and draws."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.models import ChecklistTemplate, ChecklistVersion
from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from inspections.planning.models import Plan, PlanDepartment
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
        self._joint_fields(departments, published)
        if self.instance.pk:
            chosen = {pt.template_id: pt.key for pt in self.instance.checklists.all()}
            self.initial["key_templates"] = [t for t, key in chosen.items() if key]
            self.initial["ordinary_templates"] = [t for t, key in chosen.items() if not key]
            for entry in PlanDepartment.objects.filter(plan=self.instance):
                self.initial[f"dept_{entry.department_id}_size"] = entry.team_size
                self.initial[f"dept_{entry.department_id}_delegate"] = entry.delegate_id
            for pt in self.instance.checklists.all():
                self.initial[f"checklist_{pt.template_id}_department"] = pt.department_id
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

    def _joint_fields(self, departments, templates):
        """A joint plan (部门联合抽查): how many inspectors each department sends (0: it
        does not take part), who verifies its hazards, and who answers each checklist."""
        self.joint_departments = list(departments)
        self.joint_templates = list(templates)
        for department in self.joint_departments:
            self.fields[f"dept_{department.pk}_size"] = forms.IntegerField(
                label=department.name,
                min_value=0,
                max_value=20,
                required=False,
                initial=0,
                error_messages={
                    "min_value": _("The number of inspectors cannot be negative."),
                    "max_value": _("A department sends at most 20 inspectors."),
                    "invalid": _("Enter a whole number of inspectors."),
                },
            )
            self.fields[f"dept_{department.pk}_delegate"] = forms.ModelChoiceField(
                label=_("Hazards verified by"),
                queryset=departments,
                required=False,
                empty_label=_("itself"),
            )
        for template in self.joint_templates:
            self.fields[f"checklist_{template.pk}_department"] = forms.ModelChoiceField(
                label=template.title,
                queryset=departments,
                required=False,
                empty_label=_("the plan's department of the checklist's kind"),
            )

    def department_rows(self):
        return [
            (department, self[f"dept_{department.pk}_size"], self[f"dept_{department.pk}_delegate"])
            for department in self.joint_departments
        ]

    def checklist_rows(self):
        return [self[f"checklist_{template.pk}_department"] for template in self.joint_templates]

    def departments(self):
        """The joint plan's departments as ``plan_save`` takes them ([] for a plan of one pool)."""
        rows = []
        for department in self.joint_departments:
            size = self.cleaned_data.get(f"dept_{department.pk}_size") or 0
            if size:
                rows.append(
                    {
                        "department": department,
                        "team_size": size,
                        "delegate": self.cleaned_data.get(f"dept_{department.pk}_delegate"),
                    }
                )
        return rows

    def checklist_departments(self):
        return {
            template: department
            for template in self.joint_templates
            if (department := self.cleaned_data.get(f"checklist_{template.pk}_department"))
        }

    def clean(self):
        data = super().clean()
        for department in self.joint_departments:
            size = data.get(f"dept_{department.pk}_size") or 0
            if not size and data.get(f"dept_{department.pk}_delegate"):
                self.add_error(
                    f"dept_{department.pk}_delegate",
                    _("%(department)s does not take part: leave who verifies its hazards empty.")
                    % {"department": department.name},
                )
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
