"""The checklist library and the bureau lead's editor. Thin views over services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry import access
from registry.models import User

from . import services
from .diff import version_diff
from .exchange import dump, export_document
from .forms import ItemForm, PreviewForm, SectionForm, TemplateForm, VersionForm
from .models import ChecklistTemplate, ChecklistVersion, Item, PublishedVersionError, Section
from .scoring import applicable_items

Role = User.Role
READERS = (Role.INSPECTOR, Role.LEAD, Role.AUDITOR, Role.MANAGER)
editor_required = access.role_required(Role.LEAD)
KINDS = ("section", "item")


def _version(pk):
    return get_object_or_404(ChecklistVersion.objects.select_related("template"), pk=pk)


def _draft_or_refuse(request, version):
    """Published versions are frozen: say so instead of showing an edit form."""
    if version.is_published:
        messages.error(request, _("This version is published and can no longer be changed."))
        return redirect(version)
    return None


def _show_errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


@access.role_required(*READERS)
def template_list(request):
    templates = ChecklistTemplate.objects.prefetch_related("versions").order_by("category", "code")
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
        {"rows": rows, "can_edit": access.has_role(request.user, Role.LEAD)},
    )


@editor_required
def template_create(request):
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        template = services.template_create(**form.cleaned_data, by=request.user)
        draft = services.version_new_draft(template=template, by=request.user)
        messages.success(request, _("Checklist created. Add sections and items to its draft."))
        return redirect(draft)
    return render(request, "checklists/form.html", {"form": form, "title": _("New checklist")})


@access.role_required(*READERS)
def template_detail(request, pk):
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    versions = template.versions.order_by("-number")
    return render(
        request,
        "checklists/template_detail.html",
        {
            "template": template,
            "versions": versions,
            "can_edit": access.has_role(request.user, Role.LEAD),
        },
    )


@access.role_required(*READERS)
def version_detail(request, pk):
    version = _version(pk)
    sections = list(version.sections.order_by("position", "pk"))
    items = list(version.items.order_by("position", "pk"))
    for section in sections:
        section.item_list = [item for item in items if item.section_id == section.pk]
    can_edit = access.has_role(request.user, Role.LEAD) and not version.is_published
    return render(
        request,
        "checklists/version_detail.html",
        {
            "version": version,
            "sections": sections,
            "item_count": len(items),
            "can_edit": can_edit,
            "can_draft": access.has_role(request.user, Role.LEAD),
            "others": version.template.versions.exclude(pk=version.pk).order_by("-number"),
        },
    )


@editor_required
def version_edit(request, pk):
    version = _version(pk)
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


@editor_required
@require_POST
def version_new_draft(request, pk):
    source = _version(pk)
    draft = services.version_new_draft(
        template=source.template, from_version=source, by=request.user
    )
    messages.success(
        request,
        _("Draft version %(n)d created from version %(m)d.")
        % {"n": draft.number, "m": source.number},
    )
    return redirect(draft)


@editor_required
def version_publish(request, pk):
    version = _version(pk)
    refused = _draft_or_refuse(request, version)
    if refused:
        return refused
    problems = services.version_problems(version)
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


@editor_required
def version_discard(request, pk):
    version = _version(pk)
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


@access.role_required(*READERS)
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


@access.role_required(*READERS)
def version_compare(request, pk, other_pk):
    old, new = sorted([_version(pk), _version(other_pk)], key=lambda v: v.number)
    if old.template_id != new.template_id:
        raise Http404
    return render(
        request, "checklists/compare.html", {"old": old, "new": new, "diff": version_diff(old, new)}
    )


@access.role_required(*READERS)
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


@editor_required
def section_edit(request, version_pk, pk=None):
    version = _version(version_pk)
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


@editor_required
def item_edit(request, version_pk, section_pk=None, pk=None):
    version = _version(version_pk)
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


@editor_required
def remove(request, version_pk, kind, pk):
    if kind not in KINDS:
        raise Http404
    version = _version(version_pk)
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


@editor_required
@require_POST
def move(request, version_pk, kind, pk):
    if kind not in KINDS:
        raise Http404
    version = _version(version_pk)
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
