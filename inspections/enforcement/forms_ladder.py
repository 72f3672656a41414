"""Forms of the ladder's pages: skipping ahead and the interview record. They bound
the input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from inspections.enforcement.ladder_config import TIMED
from inspections.enforcement.models import Escalation


class SkipForm(forms.Form):
    to_step = forms.ChoiceField(
        label=_("Skip ahead to"),
        choices=[(step, Escalation.Step(step).label) for step in TIMED],
    )
    reason = LimitedCharField(
        label=_("Reason"), limit=limits.SHORT, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_(
            "The steps before it are recorded as skipped with this reason; this cannot be undone"
        ),
        error_messages={"required": _("Tick the box to confirm skipping ahead.")},
    )


class InterviewForm(forms.Form):
    held_on = forms.DateField(label=_("Date held"), widget=DATE)
    place = LimitedCharField(label=_("Place"), limit=limits.LINE)
    attendees = LimitedCharField(
        label=_("Attendees"),
        limit=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Names and positions, for the bureau and for the facility."),
    )
    minutes = LimitedCharField(
        label=_("Minutes"), limit=limits.TEXT, widget=forms.Textarea(attrs={"rows": 8})
    )
    commitments = LimitedCharField(
        label=_("Commitments"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the facility promised to do, and by when."),
    )
    signed_by_name = LimitedCharField(
        label=_("Signed by (legal representative)"), limit=limits.NAME
    )
