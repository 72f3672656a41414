"""The checklist library and the bureau lead's editor. Thin views over services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry import access

from . import policy, services
from .diff import version_diff
from .exchange import dump, export_document
from .forms import ItemForm, PreviewForm, SectionForm, TemplateForm, VersionForm
from .models import ChecklistTemplate, ChecklistVersion, Item, PublishedVersionError, Section
from .scoring import applicable_items

KINDS = ("section", "item")


def _version(pk):
    return get_object_or_404(
        ChecklistVersion.objects.select_related("template__region", "submitted_by"), pk=pk
    )


def _version_to_edit(request, pk):
    """The version, if the user may change drafts of its template (otherwise 403)."""
    version = _version(pk)
    if not policy.can_edit(request.user, version.template):
        raise PermissionDenied
    return version


def _draft_or_refuse(request, version):
    """Published and submitted versions are frozen: say so instead of showing an edit form."""
    if version.is_published:
        messages.error(request, _("This version is published and can no longer be changed."))
        return redirect(version)
    if version.is_submitted:
        _show_errors(request, services.SubmittedVersionError())
        return redirect(version)
    return None


def _show_errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _transition(request, pk, service, done):
    """POST-only: move a version through ``service``; report the outcome on its page."""
    version = _version_to_edit(request, pk)
    try:
        service(version=version, by=request.user)
    except ValidationError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, done % {"n": version.number})
    return redirect(version)


@policy.reader_required
def template_list(request):
    templates = (
        ChecklistTemplate.objects.select_related("region")
        .prefetch_related("versions")
        .order_by("category", "code")
    )
    rows = []
    for template in templates:
        versions = sorted(template.versions.all(), key=lambda v: -v.number)
        published = [v for v in versions if v.is_published]
        drafts = [v for v in versions if not v.is_published]
        rows.append(
            {"template": template, "current": published[0] if published else None, "drafts": drafts}
        )
    return render(
        request,
        "checklists/template_list.html",
        {"rows": rows, "can_create": policy.can_author(request.user)},
    )


@policy.author_required
def template_create(request):
    form = TemplateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        template = services.template_create(**form.cleaned_data, by=request.user)
        draft = services.version_new_draft(template=template, by=request.user)
        messages.success(request, _("Checklist created. Add sections and items to its draft."))
        return redirect(draft)
    return render(request, "checklists/form.html", {"form": form, "title": _("New checklist")})


@policy.reader_required
def template_detail(request, pk):
    template = get_object_or_404(ChecklistTemplate.objects.select_related("region"), pk=pk)
    versions = template.versions.order_by("-number")
    return render(
        request,
        "checklists/template_detail.html",
        {"template": template, "versions": versions},
    )


@policy.reader_required
def version_detail(request, pk):
    version = _version(pk)
    sections = list(version.sections.order_by("position", "pk"))
    items = list(version.items.order_by("position", "pk"))
    for section in sections:
        section.item_list = [item for item in items if item.section_id == section.pk]
    template = version.template
    may_edit = policy.can_edit(request.user, template)
    may_publish = policy.can_publish(request.user, template)
    return render(
        request,
        "checklists/version_detail.html",
        {
            "version": version,
            "sections": sections,
            "item_count": len(items),
            "can_edit": may_edit and version.is_draft,
            "can_publish": may_publish and not version.is_published,
            "can_submit": version.is_draft and policy.can_submit(request.user, template),
            "can_withdraw": may_edit and version.is_submitted,
            "can_draft": may_edit and version.is_published,
            "others": template.versions.exclude(pk=version.pk).order_by("-number"),
        },
    )


@policy.author_required
def version_edit(request, pk):
    version = _version_to_edit(request, pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    form = VersionForm(request.POST or None, instance=ChecklistVersion.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update(version=version, values=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _show_errors(request, exc)
        else:
            return redirect(version)
    return render(
        request,
        "checklists/form.html",
        {"form": form, "title": _("Scoring and notes"), "back": version.get_absolute_url()},
    )


@policy.author_required
@require_POST
def version_new_draft(request, pk):
    source = _version_to_edit(request, pk)
    draft = services.version_new_draft(
        template=source.template, from_version=source, by=request.user
    )
    messages.success(
        request,
        _("Draft version %(n)d created from version %(m)d.")
        % {"n": draft.number, "m": source.number},
    )
    return redirect(draft)


@policy.author_required
def version_publish(request, pk):
    version = _version_to_edit(request, pk)
    if version.is_published:
        return _draft_or_refuse(request, version)
    problems = services.version_problems(version)
    refusal = policy.publish_refusal(request.user, version.template)
    if refusal:
        problems.append(refusal)
    if request.method == "POST" and not problems:
        try:
            services.version_publish(version=version, by=request.user)
        except ValidationError as exc:
            _show_errors(request, exc)
            return redirect(version)
        messages.success(
            request, _("Version %(n)d is published and frozen.") % {"n": version.number}
        )
        return redirect(version)
    return render(
        request,
        "checklists/confirm.html",
        {
            "version": version,
            "problems": problems,
            "title": _("Publish version %(n)d") % {"n": version.number},
            "warning": _(
                "Once published, this version can never be changed, by anyone. Inspections "
                "will use it from now on. Later changes need a new draft version."
            ),
            "action": _("Publish"),
        },
    )


@policy.author_required
@require_POST
def version_submit(request, pk):
    return _transition(
        request,
        pk,
        services.version_submit,
        _("Version %(n)d is submitted for approval; it can no longer be changed unless withdrawn."),
    )


@policy.author_required
@require_POST
def version_withdraw(request, pk):
    return _transition(request, pk, services.version_withdraw, _("Version %(n)d is a draft again."))


@policy.author_required
def version_discard(request, pk):
    version = _version_to_edit(request, pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    if request.method == "POST":
        template = version.template
        services.version_discard(version=version, by=request.user)
        messages.success(request, _("The draft was discarded."))
        return redirect(template)
    return render(
        request,
        "checklists/confirm.html",
        {
            "version": version,
            "title": _("Discard draft version %(n)d") % {"n": version.number},
            "warning": _("The draft and everything in it will be deleted."),
            "action": _("Discard"),
            "danger": True,
        },
    )


@policy.reader_required
def version_preview(request, pk):
    version = _version(pk)
    form = PreviewForm(request.GET or None, facilities=access.facilities_for(request.user))
    facility = form.cleaned_data["facility"] if form.is_valid() else None
    items = list(
        version.items.select_related("section").order_by("section__position", "position", "pk")
    )
    if facility is not None:
        items = applicable_items(version, facility, items)
    sections = []
    for item in items:
        if not sections or sections[-1]["section"].pk != item.section_id:
            sections.append({"section": item.section, "items": []})
        sections[-1]["items"].append(item)
    return render(
        request,
        "checklists/preview.html",
        {
            "version": version,
            "sections": sections,
            "form": form,
            "facility": facility,
            "count": len(items),
        },
    )


@policy.reader_required
def version_compare(request, pk, other_pk):
    old, new = sorted([_version(pk), _version(other_pk)], key=lambda v: v.number)
    if old.template_id != new.template_id:
        raise Http404
    return render(
        request, "checklists/compare.html", {"old": old, "new": new, "diff": version_diff(old, new)}
    )


@policy.reader_required
def version_export(request, pk):
    version = _version(pk)
    fmt = "json" if request.GET.get("format") == "json" else "yaml"
    response = HttpResponse(
        dump(export_document(version), fmt),
        content_type="application/json" if fmt == "json" else "application/yaml",
    )
    filename = f"{version.template.code}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@policy.author_required
def section_edit(request, version_pk, pk=None):
    version = _version_to_edit(request, version_pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    section = get_object_or_404(Section, pk=pk, version=version) if pk else None
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_save(
                version=version, section=section, values=form.values(), by=request.user
            )
        except ValidationError as exc:
            _show_errors(request, exc)
        else:
            return redirect(version)
    return render(
        request,
        "checklists/form.html",
        {
            "form": form,
            "title": _("Edit section") if section else _("New section"),
            "back": version.get_absolute_url(),
        },
    )


@policy.author_required
def item_edit(request, version_pk, section_pk=None, pk=None):
    version = _version_to_edit(request, version_pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    item = get_object_or_404(Item, pk=pk, version=version) if pk else None
    section = item.section if item else get_object_or_404(Section, pk=section_pk, version=version)
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(section=section, item=item, values=form.values(), by=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                _show_errors(request, exc)
        else:
            return redirect(f"{version.get_absolute_url()}#item-{item.pk if item else ''}")
    return render(
        request,
        "checklists/form.html",
        {
            "form": form,
            "title": _("Edit item") if item else _("New item in “%(s)s”") % {"s": section.title},
            "back": version.get_absolute_url(),
        },
    )


@policy.author_required
def remove(request, version_pk, kind, pk):
    if kind not in KINDS:
        raise Http404
    version = _version_to_edit(request, version_pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    model = Section if kind == "section" else Item
    obj = get_object_or_404(model, pk=pk, version=version)
    if request.method == "POST":
        try:
            if kind == "section":
                services.section_remove(section=obj, by=request.user)
            else:
                services.item_remove(item=obj, by=request.user)
        except PublishedVersionError as exc:
            _show_errors(request, exc)
        return redirect(version)
    return render(
        request,
        "checklists/confirm.html",
        {
            "version": version,
            "title": _("Remove “%(name)s”") % {"name": obj},
            "warning": _("A section is removed with all its items.")
            if kind == "section"
            else _("The item is removed from this draft."),
            "action": _("Remove"),
            "danger": True,
        },
    )


@policy.author_required
@require_POST
def move(request, version_pk, kind, pk):
    if kind not in KINDS:
        raise Http404
    version = _version_to_edit(request, version_pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    direction = -1 if request.POST.get("direction") == "up" else 1
    if kind == "section":
        section = get_object_or_404(Section, pk=pk, version=version)
        services.section_move(section=section, direction=direction, by=request.user)
    else:
        item = get_object_or_404(Item, pk=pk, version=version)
        services.item_move(item=item, direction=direction, by=request.user)
    return redirect(version)
