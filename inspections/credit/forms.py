"""Forms of the credit pages. They bound the input; the services decide."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from registry.models import Facility

from .models import CreditCase, CreditEvent
from .services import ALLOWED

EARLIEST_EVENT = date(2000, 1, 1)


class EventRecordForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in CreditEvent.RECORDED],
    )
    occurred_on = forms.DateField(label=_("Date of the event"), widget=DATE)
    detail = LimitedCharField(
        label=_("Detail"),
        limit=limits.LINE,
        help_text=_("The document number or a short account of what happened."),
    )
    note = LimitedCharField(
        label=_("Note"),
        limit=limits.TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        # The future is the service's refusal; this bounds typing slips like 0202.
        if value < EARLIEST_EVENT:
            raise forms.ValidationError(
                _("The date must be %(date)s or later.") % {"date": EARLIEST_EVENT.isoformat()}
            )
        return value


class DecideForm(forms.Form):
    """A lead's decision on a case: the choices the case's kind allows."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    decided_class = forms.ChoiceField(
        label=_("Class instead (for an override)"),
        required=False,
        choices=[("", "—"), *Facility.RiskClass.choices],
    )
    reason = LimitedCharField(
        label=_("Reason (required unless you accept)"),
        limit=limits.TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I have read the basis; the decision is recorded and cannot be undone"),
        error_messages={"required": _("Tick the box to confirm the decision.")},
    )

    def __init__(self, *args, case: CreditCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (decision.value, decision.label) for decision in ALLOWED[case.kind]
        ]
        if case.kind != CreditCase.Kind.CLASS:
            del self.fields["decided_class"]


class EvidenceField(forms.FileField):
    """The service checks the content; the browser is told the size and the types."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = "application/pdf,image/jpeg,image/png"
        return attrs


class ApplicationForm(forms.Form):
    """A manager's objection to an event or application for credit repair."""

    reasons = LimitedCharField(
        label=_("Reasons"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = EvidenceField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A PDF, JPEG or PNG file of at most 10 MB."),
    )


class WithdrawForm(forms.Form):
    reason = LimitedCharField(
        label=_("Why the event is withdrawn"),
        limit=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand the event stops counting and the facility is scored again"),
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )
