"""Forms of the licence pages; ``registry.licences`` checks the same values again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.limits import LimitedCharField

from .models import Licence, Region


class LicenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Licence.Kind.choices,
        error_messages={"required": _("Choose the kind of licence from the list.")},
    )
    number = LimitedCharField(
        label=_("Number"),
        limit=limits.NAME,
        error_messages={"required": _("Enter the licence or certificate number.")},
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for one that does not expire. Reminders are sent before it does."),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )

    def clean(self):
        data = super().clean()
        issued_on, expires_on = data.get("issued_on"), data.get("expires_on")
        if issued_on and expires_on and expires_on < issued_on:
            self.add_error("expires_on", _("A licence cannot expire before it is issued."))
        return data


class DeactivateForm(forms.Form):
    reason = LimitedCharField(
        label=_("Why it is no longer held (optional)"),
        limit=limits.SHORT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LicenceFilterForm(forms.Form):
    SHOW = [
        ("expiring", _("Expired or expiring within 30 days")),
        ("expired", _("Expired")),
        ("all", _("All held")),
    ]
    show = forms.ChoiceField(label=_("Show"), choices=SHOW, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Licence.Kind.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
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
