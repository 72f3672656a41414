from django import forms
from django.utils.translation import gettext_lazy as _

from .buildings import format_buildings
from .buildings import parse as parse_buildings
from .models import Facility


class FacilityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types"))] + Facility.Type.choices
    )
    risk_class = forms.ChoiceField(
        label=_("Risk class"),
        required=False,
        choices=[("", _("All classes"))] + Facility.RiskClass.choices,
    )
    filed = forms.ChoiceField(
        label=_("Filing"),
        required=False,
        choices=[("", _("Filed and unfiled")), ("1", _("Filed")), ("0", _("Unfiled"))],
    )


class FacilityForm(forms.ModelForm):
    buildings = forms.CharField(
        label=_("Buildings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One building per line: name/floors/floor area in m²/resident capacity, "
            "e.g. 1号楼/3/2400/120. Their floor areas decide which fire rules apply."
        ),
    )

    class Meta:
        model = Facility
        fields = [
            "name",
            "credit_code",
            "type",
            "ownership",
            "filed",
            "filed_on",
            "region",
            "address",
            "beds",
            "has_canteen",
            "has_clinic",
            "floors",
            "capacity",
            "gas_supply",
            "lifts",
            "has_boiler",
            "has_oxygen",
            "star_level",
            "risk_class",
            "responsible_person",
            "phone",
            "active",
        ]
        widgets = {"filed_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if self.instance.pk is not None:
            self.initial["buildings"] = format_buildings(self.instance.buildings.all())
        if self.instance.pk is not None:
            # An existing facility's class moves only by a lead's decision on its
            # credit file; a new one may still be given an initial class.
            field = self.fields["risk_class"]
            field.disabled = True
            field.help_text = _("Changed only by a decision on the facility's credit file.")

    def editable(self):
        """The fields this form may change (a disabled field keeps its stored value)."""
        return [name for name in self.Meta.fields if not self.fields[name].disabled]

    def clean_buildings(self):
        return parse_buildings(self.cleaned_data.get("buildings") or "")

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper() or None


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
