from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.models import Facility

from . import policy
from .models import ChecklistTemplate, ChecklistVersion, Item, Section

TRI_STATE = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["code", "title", "category", "department", "description", "region"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = policy.template_regions(user)
        if policy.may_publish_shared(user):
            region.empty_label = _("Shared (standard library)")
            return
        region.required = True
        own = list(region.queryset[:2])
        if len(own) == 1:
            # A county lead's checklists are their county's: nothing to choose.
            region.disabled = True
            self.initial["region"] = own[0].pk


class VersionForm(forms.ModelForm):
    class Meta:
        model = ChecklistVersion
        fields = ["change_note", "pass_threshold", "basic_threshold"]


class ApplicabilityMixin(forms.Form):
    """Edits an applicability rule as plain fields instead of rule syntax."""

    only_types = forms.MultipleChoiceField(
        label=_("Only for facility types"),
        choices=Facility.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every type."),
    )
    canteen = forms.ChoiceField(label=_("Has a canteen"), choices=TRI_STATE, required=False)
    clinic = forms.ChoiceField(label=_("Has an in-house clinic"), choices=TRI_STATE, required=False)
    min_beds = forms.IntegerField(label=_("At least this many beds"), min_value=0, required=False)
    min_floors = forms.IntegerField(
        label=_("At least this many floors"), min_value=1, required=False
    )
    only_ownership = forms.MultipleChoiceField(
        label=_("Only for ownership"),
        choices=Facility.Ownership.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    RULE_FIELDS = ["only_types", "canteen", "clinic", "min_beds", "min_floors", "only_ownership"]

    # Rule keys the fields above edit; any other condition (any_of, capacity, ...) is
    # kept as it is, so saving a library item here does not drop it.
    EDITED_KEYS = {
        "type",
        "type__in",
        "has_canteen",
        "has_clinic",
        "beds__gte",
        "floors__gte",
        "ownership__in",
    }

    def load_rule(self, rule):
        rule = rule or {}
        self.kept_rule = {k: v for k, v in rule.items() if k not in self.EDITED_KEYS}
        self.initial.update(
            {
                "only_types": rule.get("type__in", [rule["type"]] if "type" in rule else []),
                "canteen": {True: "yes", False: "no"}.get(rule.get("has_canteen"), ""),
                "clinic": {True: "yes", False: "no"}.get(rule.get("has_clinic"), ""),
                "min_beds": rule.get("beds__gte"),
                "min_floors": rule.get("floors__gte"),
                "only_ownership": rule.get("ownership__in", []),
            }
        )

    def rule(self):
        data = self.cleaned_data
        rule = dict(getattr(self, "kept_rule", {}))
        if data.get("only_types"):
            rule["type__in"] = list(data["only_types"])
        if data.get("canteen"):
            rule["has_canteen"] = data["canteen"] == "yes"
        if data.get("clinic"):
            rule["has_clinic"] = data["clinic"] == "yes"
        if data.get("min_beds") is not None:
            rule["beds__gte"] = data["min_beds"]
        if data.get("min_floors") is not None:
            rule["floors__gte"] = data["min_floors"]
        if data.get("only_ownership"):
            rule["ownership__in"] = list(data["only_ownership"])
        return rule


class SectionForm(ApplicabilityMixin, forms.ModelForm):
    class Meta:
        model = Section
        fields = ["title"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.load_rule(self.instance.applies_if)

    def values(self):
        return {"title": self.cleaned_data["title"], "applies_if": self.rule()}


class ItemForm(ApplicabilityMixin, forms.ModelForm):
    passing_choices = forms.CharField(
        label=_("Choices that pass (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    failing_choices = forms.CharField(
        label=_("Choices that fail (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Item
        fields = [
            "code",
            "question",
            "question_en",
            "guidance",
            "legal_basis",
            "answer_type",
            "unit",
            "min_value",
            "max_value",
            "hazard",
            "deadline_days",
            "stop_use",
            "photo_on_fail",
            "photo_on_pass",
            "weight",
        ]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "question_en": forms.Textarea(attrs={"rows": 2}),
            "guidance": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.load_rule(self.instance.applies_if)
            choices = self.instance.choices or []
            self.initial["passing_choices"] = "\n".join(
                c["label"] for c in choices if c.get("passes", True)
            )
            self.initial["failing_choices"] = "\n".join(
                c["label"] for c in choices if not c.get("passes", True)
            )

    def clean(self):
        data = super().clean()
        choices = []
        for field, passes in (("passing_choices", True), ("failing_choices", False)):
            for line in (data.get(field) or "").splitlines():
                if line.strip():
                    label = line.strip()
                    choices.append({"value": label, "label": label, "passes": passes})
        data["choices"] = choices
        # Item.clean() checks the choices (at least two for a choice item) on the instance.
        self.instance.choices = choices
        return data

    def add_error(self, field, error):
        # The model reports problems of "choices", which this form edits as two text
        # fields; a form cannot hold an error for a field it does not have.
        if field is None and "choices" in getattr(error, "error_dict", {}):
            errors = dict(error.error_dict)
            errors["passing_choices"] = errors.pop("choices")
            error = ValidationError(errors)
        super().add_error(field, error)

    def values(self):
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["choices"] = self.cleaned_data["choices"]
        values["applies_if"] = self.rule()
        return values


class PreviewForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Preview for facility"), queryset=Facility.objects.none(), required=False
    )

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
