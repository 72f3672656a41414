"""Reports for staff (log-in required): the hazard register export."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections import access
from inspections.models import Hazard

from . import exports


class ExportForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=None, required=False, empty_label=_("All my regions")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status"))] + Hazard.Status.choices, required=False
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("json", "JSON")],
        initial="xlsx",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


@access.role_required(access.Role.LEAD)
def hazard_export(request):
    """The register of the lead's regions as a file; the form when nothing is chosen."""
    form = ExportForm(
        request.GET if "format" in request.GET else None,
        regions=access.regions_for(request.user).order_by("path"),
    )
    if form.is_bound and form.is_valid():
        hazards = exports.filtered(
            access.hazards_for(request.user),
            region=form.cleaned_data["region"],
            status=form.cleaned_data["status"],
        )
        fmt = form.cleaned_data["format"]
        response = HttpResponse(
            exports.render(hazards, fmt), content_type=exports.CONTENT_TYPES[fmt]
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="hazards-{stamp}.{fmt}"'
        return response
    return render(request, "reports/hazard_export.html", {"form": form})
