"""PDF downloads of the official documents: for staff, anything they may see
(through inspections.access, 404 outside their scope); for the public, published
results and approved plans only, within the per-client download limit."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from inspections import access
from inspections.planning.models import Plan

from . import documents, enforcement_documents
from .ratelimit import limited


def _pdf(rendered_pdf, filename, *, public):
    response = HttpResponse(rendered_pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Public copies may be cached briefly (a withdrawal must show soon); staff ones never.
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    return response


def _or_404(render, *args, **kwargs):
    try:
        return render(*args, **kwargs)
    except documents.DocumentUnavailable:
        raise Http404 from None


@login_required
def inspection_document(request, pk, kind):
    """The record, notice or re-inspection opinion of an inspection the user may see."""
    inspection = access.inspection_for_user(request.user, pk)
    rendered = _or_404(documents.inspection_document, inspection, kind, by=request.user)
    return _pdf(rendered.pdf, rendered.filename, public=False)


@login_required
def enforcement_document(request, kind, pk):
    """An enforcement document (see reports.enforcement_documents) the user may see."""
    spec = enforcement_documents.KINDS.get(kind)
    if spec is None:
        raise Http404
    obj = spec.load(request.user, pk)
    rendered = enforcement_documents.enforcement_document(kind, obj)
    return _pdf(rendered.pdf, rendered.filename, public=False)


@access.staff_required
def plan_document(request, pk, kind):
    """A plan's announcements, for staff of its region (drafts have none)."""
    plan = access.plan_for_user(request.user, pk)
    rendered = _or_404(documents.plan_document, plan, kind, by=request.user)
    return _pdf(rendered.pdf, rendered.filename, public=False)


@limited
def public_result_pdf(request, pk):
    """One result as the public site shows it; nothing for a result never published."""
    publication = get_object_or_404(
        access.public_results().select_related("current", "inspection"), pk=pk
    )
    pdf = _or_404(documents.result_announcement_pdf, publication)
    return _pdf(pdf, f"result-{publication.pk}.pdf", public=True)


def _public_plan_pdf(pk, kind):
    plan = get_object_or_404(
        Plan.objects.select_related("region", "lead_department"),
        pk=pk,
        status=Plan.Status.APPROVED,
    )
    rendered = _or_404(documents.plan_document, plan, kind, by=None)
    return _pdf(rendered.pdf, rendered.filename, public=True)


@limited
def public_plan_announcement_pdf(request, pk):
    """抽查计划公示 of an approved plan: the plan and its revealed draws."""
    return _public_plan_pdf(pk, "plan")


@limited
def public_plan_results_pdf(request, pk):
    """抽查结果公示 of an approved plan: its published (and withdrawn) results."""
    return _public_plan_pdf(pk, "results")
