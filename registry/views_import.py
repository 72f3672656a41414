"""Upload pages for the spreadsheet import: upload, preview, confirm.

The checked table waits in the session between the preview and the
confirmation; confirming plans it again, so a change made meanwhile (another
import, an edit) is seen before anything is written.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access, imports

SESSION_KEY = "registry-import-{kind}"
ERRORS_SHOWN = 1000
PAGE_SIZE = 50
TITLES = {
    "facilities": gettext_lazy("Import facilities"),
    "inspectors": gettext_lazy("Import inspectors"),
}
RESULT_URLS = {"facilities": "registry:facility_list", "inspectors": "registry:inspector_list"}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy("Row 1 holds the column headers; at most 5 MB and 5000 rows."),
    )


def _kind(kind):
    if kind not in imports.KINDS:
        raise Http404
    return kind


def _context(kind, **extra):
    return {
        "kind": kind,
        "title": TITLES[kind],
        "columns": imports.KINDS[kind],
        "other_kind": "inspectors" if kind == "facilities" else "facilities",
        **extra,
    }


def _upload_page(request, kind, form, errors=None):
    errors = errors or []
    return render(
        request,
        "registry/import.html",
        _context(
            kind,
            form=form,
            errors=errors[:ERRORS_SHOWN],
            error_count=len(errors),
            errors_hidden=max(0, len(errors) - ERRORS_SHOWN),
        ),
    )


@access.lead_required
def upload(request, kind):
    kind = _kind(kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        try:
            table = imports.read_table(form.cleaned_data["file"].read())
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            checked = imports.plan(kind, table, request.user)
            if checked.ok:
                token = uuid.uuid4().hex
                request.session[SESSION_KEY.format(kind=kind)] = {
                    "token": token,
                    "name": form.cleaned_data["file"].name,
                    "table": table.to_json(),
                }
                return redirect("registry:import_preview", kind=kind)
            errors = checked.errors
    return _upload_page(request, kind, form, errors)


def _pending(request, kind):
    pending = request.session.get(SESSION_KEY.format(kind=kind))
    if not pending:
        return None, None
    table = imports.Table.from_json(pending["table"])
    return pending, imports.plan(kind, table, request.user)


@access.lead_required
def preview(request, kind):
    kind = _kind(kind)
    pending, checked = _pending(request, kind)
    if pending is None:
        messages.info(request, _("Upload a spreadsheet first."))
        return redirect(f"registry:import_{kind}")
    if not checked.ok:
        request.session.pop(SESSION_KEY.format(kind=kind), None)
        return _upload_page(request, kind, UploadForm(), checked.errors)
    page = Paginator(checked.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/import_preview.html",
        _context(kind, plan=checked, page=page, pending=pending),
    )


@access.lead_required
@require_POST
def confirm(request, kind):
    kind = _kind(kind)
    pending, checked = _pending(request, kind)
    if pending is None or request.POST.get("token") != pending["token"]:
        # A second click, or a preview replaced by a newer upload in another tab.
        messages.error(request, _("This import was already confirmed or replaced; check the list."))
        return redirect(f"registry:import_{kind}")
    if not checked.ok:
        return redirect("registry:import_preview", kind=kind)
    imports.apply(checked, by=request.user)
    request.session.pop(SESSION_KEY.format(kind=kind), None)
    messages.success(
        request,
        _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
        % {
            "created": checked.created,
            "updated": checked.updated,
            "unchanged": checked.unchanged,
        },
    )
    return redirect(RESULT_URLS[kind])


@access.lead_required
@require_POST
def cancel(request, kind):
    kind = _kind(kind)
    request.session.pop(SESSION_KEY.format(kind=kind), None)
    messages.info(request, _("The import was cancelled; nothing was written."))
    return redirect(f"registry:import_{kind}")


@access.lead_required
def template(request, kind):
    kind = _kind(kind)
    response = HttpResponse(
        imports.template_bytes(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{kind}-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
