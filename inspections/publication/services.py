"""一公开: a finished inspection's result waits for a bureau lead's review, is published
as a frozen version, corrected by new versions, or withdrawn with a public notice."""

from collections import Counter, OrderedDict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.scoring import Outcome, outcome
from core import limits
from core.audited import save_with_history
from core.notifications import notify
from core.timefmt import for_people
from core.workdays import add_working_days
from inspections import policy
from inspections.common import _user, notify_managers
from inspections.enforcement.models import EnforcementCase
from inspections.hazards.models import Hazard
from inspections.hazards.services import leads_covering
from inspections.onsite import photos, selectors
from inspections.onsite.models import Inspection, Photo
from inspections.publication.models import Publication, PublicationVersion
from inspections.signals import inspection_changed
from registry.models import User

# DOMAIN.md §2: results reach the public within 20 working days of the inspection.
PUBLISH_WITHIN_WORKING_DAYS = 20

# Photos a lead chose to show: the photos themselves, or their ids (as stored or posted).
ChosenPhotos = Iterable[Photo | int | str]


def categories_allowed(inspection: Inspection) -> list[Publication.Category]:
    """The categories a result of ``inspection`` may take now (the proposed one first):
    those its hazards allow, 移送处罚 only with an enforcement case behind it."""
    allowed = _categories_found(inspection)
    if Publication.Category.PENALTY in allowed and not has_case(inspection):
        allowed.remove(Publication.Category.PENALTY)
    return allowed


def _categories_found(inspection: Inspection) -> list[Publication.Category]:
    """The result categories the inspection's hazards allow (DOMAIN.md §8), the
    proposed one first. The hazards are those it registered, and for a re-inspection
    those it re-checked. None: only 未发现问题. All closed (on the spot, or fixed and
    verified since): 发现问题已整改. Any not closed on the spot: rectification was
    ordered (发现问题责令整改), which stays true once they are fixed. 移送处罚 needs
    problems found (and a case, checked apart: ``has_case``)."""
    hazards = list(
        Hazard.objects.filter(Q(inspection=inspection) | Q(rechecks__inspection=inspection))
        .distinct()
        .values_list("status", "corrected_on_spot")
    )
    Category = Publication.Category
    if not hazards:
        return [Category.NONE_FOUND]
    allowed = []
    if all(status == Hazard.Status.CLOSED for status, _on_spot in hazards):
        allowed.append(Category.CORRECTED)
    if not all(on_spot for _status, on_spot in hazards):
        allowed.append(Category.ORDERED)
    return [*allowed, Category.PENALTY]


def has_case(inspection: Inspection) -> bool:
    """An enforcement case was opened for the inspection or for one of its hazards:
    only then may its result say 移送处罚."""
    hazards = Hazard.objects.filter(Q(inspection=inspection) | Q(rechecks__inspection=inspection))
    return EnforcementCase.objects.filter(
        Q(inspection=inspection) | Q(hazard__in=hazards.values("pk"))
    ).exists()


def proposed_category(inspection: Inspection) -> Publication.Category:
    """No hazard: nothing found; all closed: found and corrected; anything left to
    fix: rectification ordered."""
    return categories_allowed(inspection)[0]


@transaction.atomic
def publication_open(*, inspection: Inspection, by: User | None) -> Publication | None:
    """Queue a finished official inspection's result for review (self-inspections are
    the facility's own and are not published). Leads of the county are told."""
    if inspection.is_self or inspection.status != Inspection.Status.FINISHED:
        return None
    ended = timezone.localdate(inspection.finished_at or timezone.now())
    limit = add_working_days(ended, PUBLISH_WITHIN_WORKING_DAYS)
    due = limit.date
    publication = save_with_history(
        Publication(
            inspection=inspection,
            due_on=due,
            due_provisional=limit.provisional,
            category=proposed_category(inspection),
        ),
        by=by,
    )
    for lead in leads_covering(inspection.facility):
        notify(
            user=lead,
            text=_("The result of %(inspection)s awaits your review; publish by %(due)s.")
            % {"inspection": inspection, "due": due.isoformat()},
            url=publication.get_absolute_url(),
            by=by,
        )
    _emit(publication, "publication_opened", by)
    return publication


def _emit(publication: Publication, event: str, by: User | None) -> None:
    """Tell the inspection's flow: the lead's review waits on a pending result."""
    inspection_changed.send(
        sender=Inspection, inspection=publication.inspection, event=event, by=by
    )


def _locked(publication: Publication) -> Publication:
    return Publication.objects.select_for_update().get(pk=publication.pk)


def _require_lead(publication: Publication, by: User) -> None:
    policy.require(policy.review_refusal(by, publication))


def _reason(reason: str | None, message: str) -> str:
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    if not reason:
        raise ValidationError(message)
    return reason


def _follow_up(text: str | None) -> str:
    return limits.text(text, limit=limits.TEXT, label=_("Follow-up handling"))


def _category(value: str | None, fallback: str, inspection: Inspection) -> str:
    value = value or fallback
    if value not in Publication.Category.values:
        raise ValidationError(_("Choose one of the result categories."))
    allowed = _categories_found(inspection)
    if value not in allowed:
        raise ValidationError(
            _("“%(category)s” contradicts the inspection's hazards, which allow: %(allowed)s.")
            % {
                "category": Publication.Category(value).label,
                "allowed": " / ".join(str(Publication.Category(c).label) for c in allowed),
            }
        )
    if value == Publication.Category.PENALTY and not has_case(inspection):
        raise ValidationError(
            _(
                "“Referred for penalty” needs an enforcement case: open a case for this "
                "inspection or one of its hazards first."
            )
        )
    return value


def public_photo_choices(publication: Publication) -> QuerySet[Photo]:
    """Photos a lead may choose to show: the inspection's evidence photos (not removed)."""
    return Photo.objects.filter(inspection=publication.inspection).kept().order_by("pk")


def _photos(
    publication: Publication, photos: ChosenPhotos | None, no_person_confirmed: bool
) -> list[int]:
    ids = sorted({photo.pk if isinstance(photo, Photo) else int(photo) for photo in photos or ()})
    if not ids:
        return []
    if not no_person_confirmed:
        raise ValidationError(
            _("Confirm that no person can be seen in the chosen photos, or choose none.")
        )
    chosen = list(public_photo_choices(publication).filter(pk__in=ids))
    if len(chosen) != len(ids):
        raise ValidationError(_("Only this inspection's photos can be shown."))
    for photo in chosen:
        _public_copy(photo)
    return ids


def _public_copy(photo: Photo) -> None:
    """The public copy of a chosen photo, from the original: the staff preview is
    stamped with the inspector's name, which the public site does not show. Stamped
    with the time the server received the photo, as the preview is: the camera's
    clock is not trusted."""
    storage = photo.preview.storage
    if storage.exists(photo.public_name):
        return
    with photo.original.open("rb") as original:
        data = original.read()
    stamp = [for_people(photo.uploaded_at), photo.facility.name]
    storage.save(photo.public_name, ContentFile(photos.process(data, stamp_lines=stamp).preview))


def public_content(
    inspection: Inspection, *, category: str, follow_up: str, photos: list[int]
) -> dict[str, Any]:
    """Everything the public sees of a result, and nothing else: no resident, no
    inspector's name or contact, no photo the lead did not choose. A joint inspection
    (部门联合抽查) lists each department's part (``parts``: its items' outcomes, score,
    result and the hazards it found); ``category`` is the combined result."""
    facility = inspection.facility
    plan = inspection.plan
    team = inspection.team.filter(active=True).select_related("inspector__department")
    departments = list(
        OrderedDict.fromkeys(
            [plan.lead_department.name] if plan and plan.lead_department_id else []
        )
    )
    for member in team:
        departments.append(member.inspector.department.name)
    if plan:
        departments += [d.name for d in plan.joining_departments.order_by("code")]
    parts = selectors.department_results(inspection)
    departments += [part.department.name for part in parts]
    departments = list(OrderedDict.fromkeys(departments))
    counts: OrderedDict[str, Counter[str]] = OrderedDict()
    answers = {a.item_id: a.value for a in inspection.answers.exclude(item=None)}
    for checklist, items in selectors.inspection_items(inspection):
        row = counts.setdefault(checklist.version.template.category, Counter())
        for item in items:
            result = outcome(item, answers.get(item.pk))
            row["checked"] += 1
            if result == Outcome.PASSED:
                row["passed"] += 1
            elif result == Outcome.FAILED:
                row["failed"] += 1
            elif result == Outcome.NOT_APPLICABLE:
                row["not_applicable"] += 1
    return {
        "schema": 1,
        "authority": departments[0] if departments else "",
        "departments": departments,
        "kind": inspection.kind,
        "inspected_on": timezone.localdate(inspection.started_at).isoformat(),
        "facility": {
            "id": facility.pk,
            "name": facility.name,
            "credit_code": facility.credit_code,
            "type": facility.type,
            "region_code": facility.region.code,
            "region_name": facility.region.name,
        },
        "plan": {"id": plan.pk, "name": plan.name, "year": plan.year} if plan else None,
        "draw": {"id": inspection.draw_id} if inspection.draw_id else None,
        "items": [
            {
                "category": code,
                "checked": row["checked"],
                "passed": row["passed"],
                "failed": row["failed"],
                "not_applicable": row["not_applicable"],
            }
            for code, row in counts.items()
        ],
        "parts": [
            {
                "department": part.department.name,
                "checked": part.checked,
                "passed": part.passed,
                "failed": part.failed,
                "not_applicable": part.not_applicable,
                "score": str(part.score),
                "result": part.result,
                "hazards": part.hazards,
            }
            for part in parts
        ],
        "category": category,
        "follow_up": follow_up,
        "photos": photos,
    }


def _new_version(
    publication: Publication,
    *,
    by: User,
    category: str,
    follow_up: str,
    photos: list[int],
    reason: str = "",
) -> PublicationVersion:
    inspection = publication.inspection
    number = (
        publication.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = save_with_history(
        PublicationVersion(
            publication=publication,
            number=number,
            category=category,
            inspected_on=timezone.localdate(inspection.started_at),
            content=public_content(
                inspection, category=category, follow_up=follow_up, photos=photos
            ),
            reason=reason,
            published_by=_user(by),
        ),
        by=by,
    )
    publication.current = version
    publication.inspected_on = version.inspected_on
    publication.category = category
    publication.follow_up = follow_up
    return version


def _tell_facility(publication: Publication, text: str, by: User) -> None:
    notify_managers(
        facility=publication.inspection.facility,
        text=text,
        url=publication.inspection.get_absolute_url(),
        by=by,
    )


@transaction.atomic
def publication_publish(
    *,
    publication: Publication,
    by: User,
    category: str | None = None,
    follow_up: str | None = None,
    photos: ChosenPhotos = (),
    no_person_confirmed: bool = False,
) -> Publication:
    """A bureau lead publishes the reviewed result as version 1."""
    publication = _locked(publication)
    _require_lead(publication, by)
    if publication.status not in (Publication.Status.PENDING, Publication.Status.RETURNED):
        raise ValidationError(_("This result is already published."))
    category = _category(category, publication.category, publication.inspection)
    follow_up = _follow_up(publication.follow_up if follow_up is None else follow_up)
    photos = _photos(publication, photos, no_person_confirmed)
    publication.publish()
    _new_version(publication, by=by, category=category, follow_up=follow_up, photos=photos)
    save_with_history(publication, by=by, reason="published")
    _emit(publication, "publication_published", by)
    _tell_facility(
        publication,
        _("The result of %(inspection)s was published.") % {"inspection": publication.inspection},
        by,
    )
    return publication


@transaction.atomic
def publication_return(*, publication: Publication, by: User, reason: str) -> Publication:
    """A bureau lead sends the result back to the team with a reason."""
    publication = _locked(publication)
    _require_lead(publication, by)
    if publication.status != Publication.Status.PENDING:
        raise ValidationError(_("Only a result awaiting review can be returned."))
    publication.send_back(
        by=_user(by), reason=_reason(reason, _("Say why the result is returned."))
    )
    save_with_history(publication, by=by)
    _emit(publication, "publication_returned", by)
    for member in publication.inspection.team.filter(active=True).select_related("inspector__user"):
        notify(
            user=member.inspector.user,
            text=_("The result of %(inspection)s was returned: %(reason)s")
            % {"inspection": publication.inspection, "reason": publication.returned_reason},
            url=publication.get_absolute_url(),
            by=by,
        )
    return publication


@transaction.atomic
def publication_resubmit(
    *, publication: Publication, by: User, category: str | None, follow_up: str | None
) -> Publication:
    """The team revises the proposed category and follow-up and asks again."""
    publication = _locked(publication)
    policy.require(policy.resubmit_refusal(by, publication))
    if publication.status != Publication.Status.RETURNED:
        raise ValidationError(_("Only a returned result can be submitted again."))
    publication.category = _category(category, publication.category, publication.inspection)
    publication.follow_up = _follow_up(follow_up)
    publication.resubmit()
    save_with_history(publication, by=by)
    _emit(publication, "publication_resubmitted", by)
    for lead in leads_covering(publication.inspection.facility):
        notify(
            user=lead,
            text=_("The result of %(inspection)s was revised and awaits your review.")
            % {"inspection": publication.inspection},
            url=publication.get_absolute_url(),
            by=by,
        )
    return publication


@transaction.atomic
def publication_correct(
    *,
    publication: Publication,
    by: User,
    reason: str,
    category: str | None = None,
    follow_up: str | None = None,
    photos: ChosenPhotos | None = None,
    no_person_confirmed: bool = False,
) -> Publication:
    """A published result is never edited: the correction is a new version with a
    reason, and the earlier versions stay public as its history."""
    publication = _locked(publication)
    _require_lead(publication, by)
    if publication.status != Publication.Status.PUBLISHED:
        raise ValidationError(_("Only a published result can be corrected."))
    reason = _reason(reason, _("Say what the correction corrects."))
    current = publication.current
    assert current is not None  # a published result has its current version
    category = _category(category, current.category, publication.inspection)
    follow_up = _follow_up(current.content.get("follow_up", "") if follow_up is None else follow_up)
    if photos is None:
        photos, no_person_confirmed = current.content.get("photos", []), True
    photos = _photos(publication, photos, no_person_confirmed)
    publication.correct()
    _new_version(
        publication, by=by, category=category, follow_up=follow_up, photos=photos, reason=reason
    )
    save_with_history(publication, by=by, reason="corrected")
    return publication


@transaction.atomic
def publication_withdraw(*, publication: Publication, by: User, reason: str) -> Publication:
    """Take a published result down; a public notice of the withdrawal and its reason stays."""
    publication = _locked(publication)
    _require_lead(publication, by)
    if publication.status != Publication.Status.PUBLISHED:
        raise ValidationError(_("Only a published result can be withdrawn."))
    publication.withdraw(
        by=_user(by), reason=_reason(reason, _("Say why the result is withdrawn."))
    )
    save_with_history(publication, by=by)
    _emit(publication, "publication_withdrawn", by)
    return publication
