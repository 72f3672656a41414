"""Writes of the rectification loop (隐患闭环): the notice, the facility's
rectification, verification, extensions, and the supervision (挂牌督办) of major hazards."""

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import Item
from core import limits
from core.audited import Actor, save_with_history
from core.models import CalendarYear
from core.notifications import notify
from core.numbers import next_number
from core.timefmt import for_people
from core.workdays import add_working_days
from inspections import policy
from inspections.access import active_leads
from inspections.common import _user, notify_managers
from inspections.hazards.models import (
    Extension,
    Hazard,
    Rectification,
    RectificationNotice,
    Supervision,
    SupervisionNote,
)
from inspections.hazards.schedule import next_alarm_store
from inspections.onsite import photos
from inspections.onsite.models import (
    Answer,
    Inspection,
    Photo,
)
from inspections.onsite.photos import photo_store, removing_files_on_failure
from inspections.planning.models import PlanDepartment
from inspections.signals import hazard_changed, inspection_changed
from registry.models import Department, Facility, User

_T = TypeVar("_T")
_R = TypeVar("_R")


def notice_issue(
    *, inspection: Inspection, hazards: Sequence[Hazard], by: Actor
) -> RectificationNotice:
    """Issue the rectification notice (整改通知书) of a finished inspection, numbered
    in sequence per county bureau and year, listing ``hazards``."""
    county = inspection.facility.region.code[:6]
    year = timezone.localdate().year
    number = next_number(series=f"notice:{county}", year=year, by=by)
    notice = save_with_history(
        RectificationNotice(
            number=f"{county}-ZG-{year}-{number:04d}",
            inspection=inspection,
            facility=inspection.facility,
            issued_by=_user(by),
        ),
        by=by,
    )
    for hazard in hazards:
        hazard.notice = notice
        save_with_history(hazard, by=by)
        emit_hazard(hazard, "changed", by)  # its fix now waits for the acknowledgement
    inspection_changed.send(sender=Inspection, inspection=inspection, event="notice_issued", by=by)
    notify_managers(
        facility=inspection.facility,
        text=_("Rectification notice %(number)s for %(facility)s: %(count)s hazards to fix.")
        % {"number": notice.number, "facility": inspection.facility.name, "count": len(hazards)},
        # The notice's page, where the manager acknowledges it (rectifying waits for that).
        url=reverse("inspections:notice_detail", args=[notice.pk]),
        by=by,
    )
    return notice


@transaction.atomic
def notice_acknowledge(*, notice: RectificationNotice, by: User) -> RectificationNotice:
    """The facility's manager acknowledges the notice: its hazards are being rectified."""
    notice = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    policy.require(policy.acknowledge_refusal(by, notice))
    if notice.acknowledged_at:
        return notice
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = by
    save_with_history(notice, by=by)
    for hazard in notice.hazards.filter(status=Hazard.Status.REGISTERED):
        hazard.start_rectifying()
        save_with_history(hazard, by=by)
        emit_hazard(hazard, "changed", by)
    inspection_changed.send(
        sender=Inspection, inspection=notice.inspection, event="notice_acknowledged", by=by
    )
    return notice


def _locked(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_for_update().select_related("facility").get(pk=hazard.pk)


# After photos one rectification takes: each may cost a second and a few hundred
# MB to process, all within one request.
RECTIFICATION_PHOTOS = 10


def too_many_photos(count: int) -> ValidationError | None:
    """The refusal of ``count`` after photos, or None when they are few enough."""
    if count <= RECTIFICATION_PHOTOS:
        return None
    return ValidationError(
        _("Send at most %(limit)d photos with one rectification, not %(count)d.")
        % {"limit": RECTIFICATION_PHOTOS, "count": count},
        code="too_many_photos",
    )


def rectification_submit(
    *,
    hazard: Hazard,
    description: str,
    by: User,
    uploads: Iterable[UploadedFile],
    interim_measures: str = "",
) -> Rectification:
    """The facility reports a fix with after photos: awaiting verification. Every
    photo's header is checked before any photo is decoded, so one bad photo refuses
    the submission before the heavy work; all are processed before anything is
    stored, stamped with the time the server received them."""
    description = limits.text(description, limit=limits.TEXT, label=_("What was done"))
    interim_measures = limits.text(interim_measures, limit=limits.TEXT, label=_("Interim measures"))
    uploads = list(uploads)
    refusal = too_many_photos(len(uploads))
    if refusal is not None:
        raise refusal
    originals = _numbered(photos.read_upload, uploads)
    _numbered(photos.check, originals)
    received = timezone.now()
    stamp = _stamp(hazard, by, received)
    processed = _numbered(lambda data: photos.process(data, stamp_lines=stamp), originals)
    return removing_files_on_failure(
        _rectification_save,
        hazard=hazard,
        description=description,
        interim_measures=interim_measures,
        processed=processed,
        received=received,
        by=by,
    )


def _numbered(work: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """``work`` done on each item; a refused photo is named by its place."""
    results = []
    for number, item in enumerate(items, 1):
        try:
            results.append(work(item))
        except photos.PhotoRefused as refused:
            raise photos.PhotoRefused(
                _("Photo %(number)d: %(reason)s")
                % {"number": number, "reason": " ".join(refused.messages)},
                code=refused.code,
            ) from None
    return results


def _stamp(hazard: Hazard, by: User, received: datetime) -> list[str]:
    return [
        for_people(received),
        hazard.facility.name,
        f"{hazard.register_no} {by.display_name}",
    ]


@transaction.atomic
def _rectification_save(
    *,
    hazard: Hazard,
    description: str,
    interim_measures: str,
    processed: list[photos.Processed],
    received: datetime,
    by: User,
    saved: list[FieldFile],
) -> Rectification:
    hazard = _locked(hazard)
    policy.require(policy.rectify_refusal(by, hazard))
    description, interim_measures = description.strip(), interim_measures.strip()
    if not description:
        raise ValidationError(_("Describe what was done."))
    if hazard.severity == Hazard.Severity.MAJOR and not interim_measures:
        raise ValidationError(_("A major hazard needs the interim measures taken meanwhile."))
    if not processed:
        raise ValidationError(_("Add at least one photo taken after the fix."))
    rectification = save_with_history(
        Rectification(
            hazard=hazard,
            description=description,
            interim_measures=interim_measures,
            submitted_by=by,
        ),
        by=by,
    )
    for result in processed:
        photo_store(
            processed=result,
            folder=f"h{hazard.pk}",
            saved=saved,
            by=by,
            facility=hazard.facility,
            hazard=hazard,
            rectification=rectification,
            purpose=Photo.Purpose.AFTER,
            received_at=received,
        )
    hazard.submit()
    save_with_history(hazard, by=by)
    emit_hazard(hazard, "changed", by)
    return rectification


@transaction.atomic
def rectification_verify(*, hazard: Hazard, accept: bool, by: User, reason: str = "") -> Hazard:
    """Accept (销号) or reject a submitted rectification. Only an inspector or bureau
    lead of the county: a facility never closes its own hazard. An accepted fix of a
    major hazard still waits for the supervising bureau's sign-off."""
    hazard = _locked(hazard)
    policy.require(policy.verify_refusal(by, hazard))
    rectification = (
        hazard.rectifications.select_for_update()
        .filter(decision=Rectification.Decision.PENDING)
        .get()
    )
    reason = limits.text(reason, limit=limits.TEXT, label=_("Reason"))
    if not accept and not reason:
        raise ValidationError(_("Give the reason for rejecting the rectification."))
    if accept:
        rectification.accept(by=by, reason=reason)
    else:
        rectification.reject(by=by, reason=reason)
    save_with_history(rectification, by=by)
    major = hazard.severity == Hazard.Severity.MAJOR
    if accept and major:
        text = _("The fix of major hazard %(number)s was verified: it waits for the sign-off.")
        if hazard.supervision.lead:
            notify(
                user=hazard.supervision.lead,
                text=_("The fix of major hazard %(number)s was verified: please sign it off.")
                % {"number": hazard.register_no},
                url=hazard.get_absolute_url(),
                by=by,
            )
    elif accept:
        hazard.accept(by=by, at=rectification.decided_at)
        text = _("Hazard %(number)s is closed: the rectification was accepted.")
    else:
        hazard.reject()
        text = _("The rectification of hazard %(number)s was rejected: %(reason)s")
    save_with_history(hazard, by=by)
    notify_managers(
        facility=hazard.facility,
        text=text % {"number": hazard.register_no, "reason": reason},
        url=hazard.get_absolute_url(),
        by=by,
    )
    emit_hazard(hazard, "changed", by)
    return hazard


@transaction.atomic
def extension_request(
    *, hazard: Hazard, requested_due: date, reasons: str, interim_measures: str, by: User
) -> Extension:
    """The facility asks for a later due date, before the current one has passed."""
    hazard = _locked(hazard)
    policy.require(policy.extension_request_refusal(by, hazard))
    if requested_due <= hazard.due_on:
        raise ValidationError(_("Ask for a date after the current due date."))
    furthest = limits.add_months(hazard.due_on, limits.EXTENSION_MONTHS)
    if requested_due > furthest:
        raise ValidationError(
            _(
                "An extension moves the due date by at most %(months)d months: "
                "ask for %(date)s or earlier."
            )
            % {"months": limits.EXTENSION_MONTHS, "date": furthest.isoformat()}
        )
    reasons = limits.text(reasons, limit=limits.TEXT, label=_("Reasons"))
    interim_measures = limits.text(interim_measures, limit=limits.TEXT, label=_("Interim measures"))
    if not reasons or not interim_measures:
        raise ValidationError(_("Give the reasons and the interim measures."))
    extension = save_with_history(
        Extension(
            hazard=hazard,
            previous_due=hazard.due_on,
            requested_due=requested_due,
            reasons=reasons,
            interim_measures=interim_measures,
            requested_by=by,
        ),
        by=by,
    )
    emit_hazard(hazard, "changed", by)
    return extension


@transaction.atomic
def extension_decide(
    *, extension: Extension, approve: bool, by: User, reason: str = ""
) -> Extension:
    """A bureau lead of the county approves (new due date; the old one stays in
    history) or refuses with a reason."""
    extension = Extension.objects.select_for_update().select_related("hazard").get(pk=extension.pk)
    hazard = _locked(extension.hazard)
    policy.require(policy.extension_decide_refusal(by, extension))
    reason = limits.text(reason, limit=limits.TEXT, label=_("Reason"))
    if not approve and not reason:
        raise ValidationError(_("Give the reason for refusing the extension."))
    if approve:
        extension.approve(by=by, reason=reason)
    else:
        extension.refuse(by=by, reason=reason)
    save_with_history(extension, by=by)
    if approve:
        hazard.due_on = extension.requested_due
        hazard.due_provisional = not CalendarYear.objects.filter(
            year=extension.requested_due.year
        ).exists()
        if hazard.status == Hazard.Status.OVERDUE and hazard.due_on >= timezone.localdate():
            hazard.extend()
        save_with_history(hazard, by=by, reason=f"extension {extension.pk}")
    emit_hazard(hazard, "changed", by)
    notify(
        user=extension.requested_by,
        text=(
            _("Extension for %(number)s approved: now due %(date)s.")
            if approve
            else _("Extension for %(number)s refused: %(reason)s")
        )
        % {"number": hazard.register_no, "date": hazard.due_on.isoformat(), "reason": reason},
        url=hazard.get_absolute_url(),
        by=by,
    )
    return extension


def _covering(path: str) -> Q:
    """Users whose regions are the region at ``path`` or one above it."""
    prefixes = [path[: i + 1] for i, char in enumerate(path) if char == "/"]
    return Q(regions__path__in=prefixes)


def leads_covering(facility: Facility) -> QuerySet[User]:
    """Active bureau leads whose regions contain ``facility``."""
    return active_leads().filter(_covering(facility.region.path)).distinct()


# ---------------------------------------------------------------- supervision (挂牌督办)


def supervision_open(*, hazard: Hazard, by: Actor, since: date | None = None) -> Supervision:
    """Put a newly registered major hazard under supervision: the lead nearest the
    facility supervises; the facility files its plan within the configured working days
    of ``since`` (the day it was found; the day it was raised to major, for one raised later)."""
    lead = (
        active_leads()
        .filter(_covering(hazard.facility.region.path))
        .annotate(depth=Max(Length("regions__path")))
        .order_by("-depth", "pk")
        .first()
    )
    due = add_working_days(since or hazard.found_on, settings.SUPERVISION_PLAN_WORKING_DAYS)
    supervision = save_with_history(
        Supervision(
            hazard=hazard, lead=lead, plan_due_on=due.date, plan_due_provisional=due.provisional
        ),
        by=by,
    )
    values = {
        "number": hazard.register_no,
        "facility": hazard.facility.name,
        "date": due.date.isoformat(),
    }
    if lead:
        notify(
            user=lead,
            text=_("Major hazard %(number)s of %(facility)s is under your supervision.") % values,
            url=hazard.get_absolute_url(),
            by=by,
        )
    notify_managers(
        facility=hazard.facility,
        text=_(
            "Major hazard %(number)s is under supervision: file the five-in-place plan by %(date)s."
        )
        % values,
        url=hazard.get_absolute_url(),
        by=by,
    )
    return supervision


def _supervision_locked(supervision: Supervision) -> Supervision:
    return (
        Supervision.objects.select_for_update()
        .select_related("hazard__facility__region")
        .get(pk=supervision.pk)
    )


@transaction.atomic
def supervision_plan_file(
    *,
    supervision: Supervision,
    measures: str,
    responsible_person: str,
    funds: str,
    plan_deadline: date | None,
    contingency_plan: str,
    by: User,
) -> Supervision:
    """The facility files (or revises) its "five in place" plan (五落实): measures,
    responsible person, funds, deadline and contingency plan."""
    supervision = _supervision_locked(supervision)
    hazard = supervision.hazard
    policy.require(policy.plan_file_refusal(by, supervision))
    fields = {
        "measures": limits.text(measures, limit=limits.TEXT, label=_("Measures")),
        "responsible_person": limits.text(
            responsible_person, limit=limits.NAME, label=_("Responsible person")
        ),
        "funds": limits.text(funds, limit=limits.LINE, label=_("Funds (amount and source)")),
        "contingency_plan": limits.text(
            contingency_plan, limit=limits.TEXT, label=_("Contingency plan")
        ),
    }
    if not all(fields.values()) or plan_deadline is None:
        raise ValidationError(
            _("Fill in all five: measures, responsible person, funds, deadline, contingency plan.")
        )
    if plan_deadline < timezone.localdate():
        raise ValidationError(_("The plan's deadline cannot be in the past."))
    if plan_deadline > hazard.due_on:
        raise ValidationError(
            _(
                "The plan's deadline cannot be after the hazard's due date %(date)s: "
                "ask for an extension first."
            )
            % {"date": hazard.due_on.isoformat()}
        )
    for name, value in fields.items():
        setattr(supervision, name, value)
    supervision.plan_deadline = plan_deadline
    supervision.plan_filed_at = timezone.now()
    supervision.plan_filed_by = by
    save_with_history(supervision, by=by)
    if supervision.lead:
        notify(
            user=supervision.lead,
            text=_("The five-in-place plan of major hazard %(number)s was filed.")
            % {"number": hazard.register_no},
            url=hazard.get_absolute_url(),
            by=by,
        )
    emit_hazard(hazard, "changed", by)
    return supervision


@transaction.atomic
def supervision_note_add(*, supervision: Supervision, text: str, by: User) -> SupervisionNote:
    """A monthly progress note, by the facility or a bureau lead of the county."""
    supervision = _supervision_locked(supervision)
    hazard = supervision.hazard
    policy.require(policy.note_add_refusal(by, supervision))
    text = limits.text(text, limit=limits.TEXT, label=_("Progress this month"))
    if not text:
        raise ValidationError(_("Write what has progressed."))
    note = save_with_history(
        SupervisionNote(supervision=supervision, text=text, written_by=by), by=by
    )
    emit_hazard(hazard, "changed", by)
    return note


@transaction.atomic
def supervision_sign_off(
    *, supervision: Supervision, approve: bool, by: User, note: str = ""
) -> Supervision:
    """A bureau lead of the county closes a verified major hazard (销号), or sends it
    back to rectification with a reason."""
    supervision = _supervision_locked(supervision)
    hazard = _locked(supervision.hazard)
    policy.require(policy.sign_off_refusal(by, supervision))
    note = limits.text(note, limit=limits.TEXT, label=_("Reason"))
    if approve:
        hazard.accept(by=by)
        supervision.signed_off_at = hazard.closed_at
        supervision.signed_off_by = by
        supervision.sign_off_note = note
        save_with_history(supervision, by=by)
        text = _("Major hazard %(number)s is signed off and closed.")
    else:
        if not note:
            raise ValidationError(_("Give the reason for not signing off."))
        hazard.reject()
        save_with_history(
            SupervisionNote(
                supervision=supervision,
                text=_("Sign-off refused: %(reason)s") % {"reason": note},
                written_by=by,
            ),
            by=by,
        )
        text = _("Major hazard %(number)s was not signed off: %(reason)s")
    save_with_history(hazard, by=by)
    notify_managers(
        facility=hazard.facility,
        text=text % {"number": hazard.register_no, "reason": note},
        url=hazard.get_absolute_url(),
        by=by,
    )
    emit_hazard(hazard, "changed", by)
    return supervision


@transaction.atomic
def reinspection_request(*, hazard: Hazard, by: User) -> list[User]:
    """A verifier asks the county's bureau leads to open an on-site re-inspection
    (复查) of a submitted fix instead of judging it from the photos."""
    hazard = _locked(hazard)
    policy.require(policy.reinspection_request_refusal(by, hazard))
    text = _("%(name)s asks for an on-site re-inspection of hazard %(number)s at %(facility)s.") % {
        "name": by.display_name,
        "number": hazard.register_no,
        "facility": hazard.facility.name,
    }
    url = reverse("inspections:reinspection_open", args=[hazard.inspection_id])
    leads = list(leads_covering(hazard.facility))
    for lead in leads:
        notify(user=lead, text=text, url=url, by=by)
    emit_hazard(hazard, "reinspection_requested", by)
    return leads


def verifying_department(
    inspection: Inspection, department: Department | None
) -> Department | None:
    """Who verifies the fixes of the hazards ``department``'s part of a joint inspection
    finds: the delegate the joint plan names for it, else the department itself. None
    outside a joint inspection (any verifier of the county)."""
    if department is None:
        return None
    if inspection.plan_id:
        part = (
            PlanDepartment.objects.filter(plan_id=inspection.plan_id, department=department)
            .select_related("department", "delegate")
            .first()
        )
        if part is not None:
            return part.verifying_department
    return department


def emit_hazard(hazard: Hazard, event: str, by: Actor) -> None:
    """The end of every change of a hazard, inside the writing transaction: store
    when its next alarm falls (``schedule``), then tell the flows what happened."""
    next_alarm_store(hazard)
    hazard_changed.send(sender=Hazard, hazard=hazard, event=event, by=by)


@transaction.atomic
def hazard_register(
    *,
    facility: Facility,
    severity: str,
    source: str,
    description: str,
    found_on: date,
    deadline_days: int,
    by: Actor,
    inspection: Inspection | None = None,
    answer: Answer | None = None,
    item: Item | None = None,
    location: str = "",
    department: str = "",
    verifying_department: Department | None = None,
    category: str = "",
    self_reported: bool = False,
    corrected_on_spot: bool = False,
) -> Hazard:
    """Register a hazard (挂号) with the next number of its county and year and a
    due date counted in working days (provisional without an official calendar).
    A general hazard corrected on the spot is closed at once; one the facility found
    itself is being fixed at once (no notice); a major one is put under supervision."""
    county = facility.region.code[:6]
    number = next_number(series=f"hazard:{county}", year=found_on.year, by=by)
    due = add_working_days(found_on, deadline_days)
    hazard = Hazard(
        register_no=f"{county}-{found_on.year}-{number:05d}",
        facility=facility,
        inspection=inspection,
        answer=answer,
        item=item,
        item_code=item.code if item else "",
        department=department,
        verifying_department=verifying_department,
        category=category,
        severity=severity,
        source=source,
        self_reported=self_reported,
        location=location,
        description=description,
        found_on=found_on,
        deadline_days=deadline_days,
        due_on=due.date,
        due_provisional=due.provisional,
    )
    if corrected_on_spot:
        if severity == Hazard.Severity.MAJOR:
            raise ValidationError(_("A major hazard cannot be closed on the spot."))
        hazard.close_on_spot(by=_user(by))
        hazard.corrected_on_spot = True
    elif self_reported:
        hazard.start_rectifying()
    save_with_history(hazard, by=by)
    if severity == Hazard.Severity.MAJOR:
        supervision_open(hazard=hazard, by=by)
    emit_hazard(hazard, "registered", by)
    return hazard
