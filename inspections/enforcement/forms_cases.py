"""Forms of the case, transfer and penalty pages; the services bound and check the
same values (inspections.enforcement.cases)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.forms import DATE
from core.limits import LimitedCharField
from inspections.enforcement.cases import MAX_AMOUNT
from inspections.enforcement.models import EnforcementCase, Penalty, Transfer

LEGAL_BASIS = 300
TEXTAREA = forms.Textarea(attrs={"rows": 4})


class CaseOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EnforcementCase.Kind.choices)
    facts = LimitedCharField(label=_("Facts"), limit=limits.TEXT, widget=TEXTAREA)
    legal_basis = LimitedCharField(label=_("Legal basis"), limit=LEGAL_BASIS)
    complaint_ref = LimitedCharField(label=_("Complaint reference"), limit=60, required=False)


class CaseDecideForm(forms.Form):
    decision = LimitedCharField(label=_("Decision"), limit=limits.TEXT, widget=TEXTAREA)
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DATE)


class CaseCloseForm(forms.Form):
    outcome = LimitedCharField(label=_("Outcome"), limit=limits.TEXT, widget=TEXTAREA)
    confirm = forms.BooleanField(
        label=_("I confirm the case is over: a closed case cannot be reopened.")
    )


class TransferSendForm(forms.Form):
    department = forms.ChoiceField(
        label=_("Receiving department"), choices=Transfer.Department.choices
    )
    department_name = LimitedCharField(label=_("Department name"), limit=limits.NAME)
    contact = LimitedCharField(
        label=_("Our contact (name and telephone of the office)"),
        limit=limits.LINE,
        required=False,
    )
    sent_on = forms.DateField(label=_("Date sent"), widget=DATE)
    feedback_due_on = forms.DateField(
        label=_("Feedback due on"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty for the usual number of working days after sending."),
    )


class TransferReceiveForm(forms.Form):
    on = forms.DateField(label=_("Date of the receipt"), widget=DATE)


class PenaltyForm(forms.Form):
    decision_no = LimitedCharField(label=_("Decision number"), limit=60)
    authority = LimitedCharField(label=_("Deciding authority"), limit=limits.NAME)
    kind = forms.ChoiceField(label=_("Kind of penalty"), choices=Penalty.Kind.choices)
    legal_basis = LimitedCharField(label=_("Legal basis"), limit=LEGAL_BASIS)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=12,
        decimal_places=2,
        help_text=_("Required for a fine."),
    )
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DATE)


PENALTY_FIELDS = ("decision_no", "authority", "kind", "legal_basis", "amount", "decided_on")


class TransferAnswerForm(PenaltyForm):
    """The department's feedback, and the penalty it reports if any."""

    on = forms.DateField(label=_("Date of the feedback"), widget=DATE)
    feedback = LimitedCharField(label=_("Feedback"), limit=limits.TEXT, widget=TEXTAREA)
    with_penalty = forms.BooleanField(
        label=_("The department reports a penalty decided"), required=False
    )
    field_order = ["on", "feedback", "with_penalty", *PENALTY_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PENALTY_FIELDS:
            self.fields[name].required = False

    def penalty(self):
        """The penalty reported, as the service takes it, or None."""
        data = self.cleaned_data
        if not data.get("with_penalty"):
            return None
        return {name: data.get(name) for name in PENALTY_FIELDS}


class PenaltyWithdrawForm(forms.Form):
    reason = LimitedCharField(label=_("Reason"), limit=limits.SHORT, widget=TEXTAREA)
    confirm = forms.BooleanField(
        label=_("I confirm the decision was overturned: it leaves the public record.")
    )
