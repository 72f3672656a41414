"""Writes to checklists. Drafts are edited freely; publishing freezes a version.

Who may do what is asked of ``checklists.policy`` whenever the acting user (``by``) is given.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audited import save_with_history, set_history_user
from registry.models import Region, User

from . import policy
from .models import ChecklistTemplate, ChecklistVersion, Item, PublishedVersionError, Section

ITEM_FIELDS = [
    "code",
    "question",
    "question_en",
    "guidance",
    "legal_basis",
    "answer_type",
    "unit",
    "min_value",
    "max_value",
    "choices",
    "hazard",
    "deadline_days",
    "stop_use",
    "photo_on_fail",
    "photo_on_pass",
    "weight",
    "applies_if",
]


class SubmittedVersionError(ValidationError):
    """Raised on a change to a version that waits for approval."""

    def __init__(self) -> None:
        super().__init__(
            _("This version is submitted for approval; withdraw it to change it."),
            code="submitted",
        )


def _require_editor(template: ChecklistTemplate, by: User | None) -> None:
    if by is not None:
        policy.require(policy.edit_refusal(by, template))


def _require_draft(version: ChecklistVersion, by: User | None) -> None:
    _require_editor(version.template, by)
    version.refresh_from_db(fields=["status"])
    if version.is_published:
        raise PublishedVersionError()
    if version.is_submitted:
        raise SubmittedVersionError()


@transaction.atomic
def template_create(
    *,
    code: str,
    title: str,
    category: str,
    department: str,
    description: str = "",
    region: Region | None = None,
    by: User | None = None,
) -> ChecklistTemplate:
    """A new template owned by ``region``, or shared (the standard library) without one."""
    if by is not None:
        policy.require(policy.create_refusal(by, region))
    template = ChecklistTemplate(
        code=code,
        title=title,
        category=category,
        department=department,
        description=description,
        region=region,
    )
    template.full_clean()
    save_with_history(template, by=by)
    return template


@transaction.atomic
def version_new_draft(
    *,
    template: ChecklistTemplate,
    from_version: ChecklistVersion | None = None,
    change_note: str = "",
    by: User | None = None,
) -> ChecklistVersion:
    """A new draft: empty, or a copy of ``from_version`` (usually the published one)."""
    _require_editor(template, by)
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    draft = ChecklistVersion(
        template=template, number=last + 1, based_on=from_version, change_note=change_note
    )
    if from_version is not None:
        draft.pass_threshold = from_version.pass_threshold
        draft.basic_threshold = from_version.basic_threshold
    save_with_history(draft, by=by)
    if from_version is not None:
        sections: dict[int, Section] = {}
        for section in from_version.sections.order_by("position", "pk"):
            sections[section.pk] = save_with_history(
                Section(
                    version=draft,
                    position=section.position,
                    title=section.title,
                    applies_if=section.applies_if,
                ),
                by=by,
            )
        for item in from_version.items.order_by("section__position", "position", "pk"):
            copy = Item(version=draft, section=sections[item.section_id], position=item.position)
            for name in ITEM_FIELDS:
                setattr(copy, name, getattr(item, name))
            save_with_history(copy, by=by)
    return draft


@transaction.atomic
def version_update(
    *, version: ChecklistVersion, values: Mapping[str, Any], by: User | None = None
) -> ChecklistVersion:
    _require_draft(version, by)
    for name, value in values.items():
        setattr(version, name, value)
    version.full_clean()
    return save_with_history(version, by=by)


@transaction.atomic
def section_save(
    *,
    version: ChecklistVersion,
    values: Mapping[str, Any],
    section: Section | None = None,
    by: User | None = None,
) -> Section:
    _require_draft(version, by)
    if section is None:
        last = version.sections.order_by("-position").values_list("position", flat=True).first()
        section = Section(version=version, position=(last or 0) + 1)
    for name, value in values.items():
        setattr(section, name, value)
    section.full_clean()
    return save_with_history(section, by=by)


@transaction.atomic
def section_remove(*, section: Section, by: User | None = None) -> None:
    _require_draft(section.version, by)
    for item in section.items.all():
        set_history_user(item, by)
        item.delete()
    set_history_user(section, by)
    section.delete()


@transaction.atomic
def item_save(
    *,
    section: Section,
    values: Mapping[str, Any],
    item: Item | None = None,
    by: User | None = None,
) -> Item:
    _require_draft(section.version, by)
    if item is None:
        last = section.items.order_by("-position").values_list("position", flat=True).first()
        item = Item(version=section.version, section=section, position=(last or 0) + 1)
    for name, value in values.items():
        setattr(item, name, value)
    clash = section.version.items.filter(code=item.code).exclude(pk=item.pk).exists()
    if clash:
        raise ValidationError({"code": _("Another item of this version already has this code.")})
    item.full_clean()
    return save_with_history(item, by=by)


@transaction.atomic
def item_remove(*, item: Item, by: User | None = None) -> None:
    _require_draft(item.version, by)
    set_history_user(item, by)
    item.delete()


def _swap(
    siblings: Iterable[Section | Item], obj: Section | Item, direction: int, by: User | None
) -> None:
    ordered = list(siblings)
    index = next(i for i, s in enumerate(ordered) if s.pk == obj.pk)
    other_index = index + direction
    if not 0 <= other_index < len(ordered):
        return
    ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
    # Renumber so positions are dense and unique even after removals.
    for position, sibling in enumerate(ordered, start=1):
        if sibling.position != position:
            sibling.position = position
            save_with_history(sibling, by=by)


@transaction.atomic
def section_move(*, section: Section, direction: int, by: User | None = None) -> None:
    _require_draft(section.version, by)
    _swap(section.version.sections.order_by("position", "pk"), section, direction, by)


@transaction.atomic
def item_move(*, item: Item, direction: int, by: User | None = None) -> None:
    _require_draft(item.version, by)
    _swap(item.section.items.order_by("position", "pk"), item, direction, by)


def version_problems(version: ChecklistVersion) -> list[str]:
    """What stops ``version`` from being published, as messages (empty when it can be)."""
    problems = []
    items = list(version.items.select_related("section"))
    if not items:
        problems.append(_("The version has no items."))
    for section in version.sections.all():
        if not any(item.section_id == section.pk for item in items):
            problems.append(_("Section “%(title)s” has no items.") % {"title": section.title})
    for item in items:
        try:
            item.full_clean(exclude=["version", "section"])
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    problems.append(f"{item.code}: {message}")
    return problems


def _person(by: User | None) -> User | None:
    """Who a transition stamps: nobody when no saved user acts (a command, an import)."""
    return by if getattr(by, "pk", None) else None


def _locked(version: ChecklistVersion) -> ChecklistVersion:
    versions = ChecklistVersion.objects.select_for_update().select_related("template")
    return versions.get(pk=version.pk)


@transaction.atomic
def version_submit(*, version: ChecklistVersion, by: User | None) -> ChecklistVersion:
    """Ask someone who may publish this (shared) template to publish the draft; it is
    frozen until they do or it is withdrawn. Raises ValidationError listing what is
    incomplete."""
    version = _locked(version)
    _require_draft(version, by)
    problems = version_problems(version)
    if problems:
        raise ValidationError(problems)
    version.submit(by=_person(by))
    return save_with_history(version, by=by)


@transaction.atomic
def version_withdraw(*, version: ChecklistVersion, by: User | None) -> ChecklistVersion:
    """A submitted version becomes an editable draft again."""
    version = _locked(version)
    _require_editor(version.template, by)
    if not version.is_submitted:
        raise ValidationError(
            _("Only a version submitted for approval can be withdrawn."), code="not_submitted"
        )
    version.withdraw()
    return save_with_history(version, by=by)


@transaction.atomic
def version_publish(*, version: ChecklistVersion, by: User | None = None) -> ChecklistVersion:
    """Freeze a draft (or a submitted version) forever. Raises ValidationError listing
    what is incomplete."""
    version = _locked(version)
    if by is not None:
        policy.require(policy.publish_refusal(by, version.template))
    if version.is_published:
        raise PublishedVersionError()
    problems = version_problems(version)
    if problems:
        raise ValidationError(problems)
    version.publish(by=_person(by))
    return save_with_history(version, by=by)


@transaction.atomic
def version_discard(*, version: ChecklistVersion, by: User | None = None) -> None:
    """Delete a draft nobody needs; published versions stay forever."""
    _require_draft(version, by)
    for item in version.items.all():
        set_history_user(item, by)
        item.delete()
    for section in version.sections.all():
        set_history_user(section, by)
        section.delete()
    set_history_user(version, by)
    version.delete()
