"""Forms of the control-order pages; the services bound and check the same values."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from core.limits import LimitedCharField
from inspections.enforcement.models import ControlOrder
from inspections.enforcement.orders import LEGAL_BASIS


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ControlOrder.Kind.choices)
    scope = forms.ChoiceField(label=_("Scope"), choices=ControlOrder.Scope.choices)
    scope_detail = LimitedCharField(
        label=_("What is stopped (building, floor, area or equipment)"),
        limit=limits.LINE,
        required=False,
    )
    reason = LimitedCharField(
        label=_("Reason"), limit=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = LimitedCharField(label=_("Legal basis"), limit=LEGAL_BASIS)


class LiftForm(forms.Form):
    inspection = forms.ModelChoiceField(
        label=_("Re-inspection on site that verified the danger is gone"),
        queryset=None,
        empty_label=None,
    )
    note = LimitedCharField(
        label=_("What the re-inspection found"),
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, inspections, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["inspection"]
        field.queryset = inspections
        field.label_from_instance = lambda i: (
            f"{i.get_kind_display()} · {timezone.localdate(i.started_at).isoformat()}"
        )
