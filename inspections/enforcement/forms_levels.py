"""The form of a 约谈/通报 of a lower level. It bounds the input; the service decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from inspections import access
from registry.access import paths_q
from registry.models import Region

from .levels import CONTENT
from .models import LevelAction


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return f"{region.name} ({region.code})"


def lower_regions(user):
    """Regions strictly below those from which ``user`` addresses lower levels."""
    issuers = access.level_issuer_regions(user)
    return (
        Region.objects.filter(paths_q([region.path for region in issuers]))
        .exclude(pk__in=[region.pk for region in issuers])
        .order_by("path")
    )


class LevelActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=LevelAction.Kind.choices, widget=forms.RadioSelect
    )
    issuer_region = RegionChoice(label=_("Issued by"), queryset=Region.objects.none())
    target_region = RegionChoice(label=_("Addressed to"), queryset=Region.objects.none())
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    subject = LimitedCharField(label=_("Subject"), limit=limits.LINE)
    reason = LimitedCharField(
        label=_("Reason"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the hazards overdue or the results published late."),
    )
    content = LimitedCharField(
        label=_("Minutes or content"),
        limit=CONTENT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("For an interview, what was said; for a circular, its text."),
    )
    attendees = LimitedCharField(
        label=_("Attendees (interview only)"),
        limit=limits.SHORT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    commitments = LimitedCharField(
        label=_("Commitments (interview only)"),
        limit=limits.TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        issuers = access.level_issuer_regions(user)
        self.fields["issuer_region"].queryset = Region.objects.filter(
            pk__in=[region.pk for region in issuers]
        )
        if len(issuers) == 1:
            # One region to speak for: nothing to choose.
            self.fields["issuer_region"].initial = issuers[0].pk
            self.fields["issuer_region"].widget = forms.HiddenInput()
        self.fields["target_region"].queryset = lower_regions(user)
