"""The auditor's change history as a background export (core.exportkinds).

A history CSV longer than ``EXPORT_INLINE_ROWS`` changes is not written inside the
request (a province's takes minutes): the history page posts its filters to reports'
job request, and reports' export worker writes the same lines the download would have,
through this kind. The job keeps the filters, the moment it was asked for (changes
recorded later are not in the file) and the regions the auditor read then: the file is
handed out only while they still read every one of them.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from core import exportkinds
from inspections import access

from .access import may_download_history
from .forms import HistoryFilterForm
from .views import CSV_CONTENT_TYPE, csv_lines, filtered

KIND = "audit_history"


def parameters(user, data):
    """The job's parameters from the posted filters (the history page's GET fields)."""
    filters = {name: data.getlist(name) for name in HistoryFilterForm.base_fields if name in data}
    form = HistoryFilterForm(MultiValueDict(filters))
    if not form.is_valid():
        errors = form.errors.items()
        raise ValidationError([f"{form.fields[name].label}: {' '.join(e)}" for name, e in errors])
    return {
        "filters": filters,
        "until": timezone.now().isoformat(),
        "format": "csv",
        "regions": access.region_ids_for(user),
    }


def changes(user, parameters):
    """The changes a job of ``parameters`` holds for ``user``, read through the audit
    scope every time (a job runs later than it was asked for), newest first."""
    _form, rows = filtered(user, MultiValueDict(parameters["filters"]))
    until = datetime.fromisoformat(parameters["until"])
    return rows.filter(at__lte=until).order_by("-at", "-id")


def chunks(user, parameters, progress):
    for line in csv_lines(changes(user, parameters), progress=progress):
        yield line.encode("utf-8")


HISTORY = exportkinds.ExportKind(
    name=KIND,
    may_use=access.can_read_history,
    count=lambda user, parameters: changes(user, parameters).count(),
    chunks=chunks,
    may_download=may_download_history,
    formats={"csv": CSV_CONTENT_TYPE},
    refused=_("You may no longer read the change history."),
    start_url="audit:history",
    start_label=_("Back to the change history"),
    parameters=parameters,
)
