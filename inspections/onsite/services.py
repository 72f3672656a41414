"""Writes for the inspection itself: opening one, notice, start on site, answers
and photos, the team's confirmation, the facility's signature, and finishing,
which scores the record and announces it: what follows is ``inspections.events``."""

import base64
import binascii
import hashlib
import io
import math
import re
import uuid
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from checklists.models import ChecklistTemplate, ChecklistVersion, Item
from checklists.scoring import Outcome, applicable_items, outcome
from core import limits
from core.audited import save_with_history
from core.notifications import notify
from core.timefmt import for_people
from core.workdays import add_working_days
from inspections import events, policy
from inspections.access import can_work_on
from inspections.common import _user, notify_managers
from inspections.hazards.models import Hazard
from inspections.onsite import photos, selectors, uploads
from inspections.onsite.models import (
    CAMERA_CLOCK_SLACK,
    Answer,
    EvidenceAccess,
    Inspection,
    InspectionChecklist,
    Photo,
    PhotoUpload,
    Recheck,
    TeamMember,
)
from inspections.onsite.photos import photo_store, removing_files_on_failure
from inspections.signals import inspection_changed
from registry.models import ConflictOfInterest, Facility, InspectorProfile, User

NOTICE_WORKING_DAYS = 3
SIGNATURE_MAX_BYTES = 200_000
# How long a case-triggered or re-inspection stays open for the team to go.
OPEN_WINDOW_DAYS = 14


class AnswerConflict(ValidationError):
    """Someone saved this answer since the page was loaded; ``current`` is theirs."""

    def __init__(self, current: Answer) -> None:
        self.current = current
        super().__init__(
            _("%(name)s changed this answer meanwhile. Their answer is shown; yours was not saved.")
            % {"name": current.answered_by.display_name}
        )


def _emit(inspection: Inspection, event: str, by: User) -> None:
    inspection_changed.send(sender=Inspection, inspection=inspection, event=event, by=by)


def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("facility").get(pk=inspection.pk)


def _require_worker(inspection: Inspection, by: User, team: list[TeamMember] | None = None) -> None:
    if not can_work_on(inspection, by, team):
        raise ValidationError(_("Only the inspection team can do this."))


def _require_in_progress(inspection: Inspection) -> None:
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise ValidationError(_("The inspection is not under way."))


# ---------------------------------------------------------------- opening


def _check_team(facility: Facility, inspectors: Collection[InspectorProfile]) -> None:
    if len(set(inspectors)) < 2:
        raise ValidationError(_("An inspection needs at least two inspectors."))
    conflicted = ConflictOfInterest.objects.filter(
        facility=facility, inspector__in=inspectors
    ).select_related("inspector__user")
    for conflict in conflicted:
        raise ValidationError(
            _("%(name)s must withdraw from this facility: %(reason)s")
            % {"name": conflict.inspector.user.display_name, "reason": conflict.reason}
        )


def _current_versions(templates: Iterable[ChecklistTemplate]) -> list[ChecklistVersion]:
    versions = []
    for template in templates:
        version = template.current_version
        if version is None:
            raise ValidationError(
                _("The checklist %(title)s has no published version.") % {"title": template.title}
            )
        versions.append(version)
    if not versions:
        raise ValidationError(_("Choose at least one checklist."))
    return versions


def _open(
    *,
    facility: Facility,
    kind: str,
    versions: Iterable[ChecklistVersion],
    inspectors: Iterable[InspectorProfile],
    by: User,
    **fields: Any,
) -> Inspection:
    today = timezone.localdate()
    inspection = save_with_history(
        Inspection(
            facility=facility,
            kind=kind,
            window_start=today,
            window_end=today + timedelta(days=OPEN_WINDOW_DAYS),
            created_by=_user(by),
            **fields,
        ),
        by=by,
    )
    for version in versions:
        save_with_history(InspectionChecklist(inspection=inspection, version=version), by=by)
    for position, profile in enumerate(inspectors):
        save_with_history(
            TeamMember(inspection=inspection, inspector=profile, position=position), by=by
        )
        notify(
            user=profile.user,
            text=_("You are on the team of a %(kind)s of %(facility)s.")
            % {"kind": inspection.get_kind_display(), "facility": facility.name},
            url=inspection.get_absolute_url(),
            by=by,
        )
    _emit(inspection, "opened", by)
    return inspection


@transaction.atomic
def case_open(
    *,
    facility: Facility,
    complaint: str,
    inspectors: Collection[InspectorProfile],
    templates: Iterable[ChecklistTemplate],
    by: User,
) -> Inspection:
    """A case-triggered inspection (个案检查) from a complaint or lead: unannounced,
    the team may go at once."""
    policy.require(policy.case_open_refusal(by, facility))
    complaint = limits.text(complaint, limit=limits.TEXT, label=_("Complaint or lead"))
    if not complaint:
        raise ValidationError(_("Describe the complaint or lead."))
    _check_team(facility, inspectors)
    return _open(
        facility=facility,
        kind=Inspection.Kind.CASE,
        versions=_current_versions(templates),
        inspectors=inspectors,
        by=by,
        unannounced=True,
        source_note=complaint,
    )


@transaction.atomic
def reinspection_open(
    *, source: Inspection, inspectors: Collection[InspectorProfile], by: User
) -> Inspection:
    """A re-inspection (复查) of the facility's open hazards, following ``source``."""
    source = Inspection.objects.select_related("facility").get(pk=source.pk)
    policy.require(policy.reinspection_open_refusal(by, source))
    _check_team(source.facility, inspectors)
    return _open(
        facility=source.facility,
        kind=Inspection.Kind.REINSPECTION,
        versions=[],
        inspectors=inspectors,
        by=by,
        source_inspection=source,
    )


@transaction.atomic
def self_open(
    *, facility: Facility, templates: Iterable[ChecklistTemplate], by: User
) -> Inspection:
    """A self-inspection (自查): the manager answers the checklists on their own
    facility; it is under way at once."""
    policy.require(policy.self_open_refusal(by, facility))
    inspection = _open(
        facility=facility,
        kind=Inspection.Kind.SELF,
        versions=_current_versions(templates),
        inspectors=[],
        by=by,
    )
    inspection.start(by=_user(by))
    save_with_history(inspection, by=by)
    _emit(inspection, "started", by)
    return inspection


# ---------------------------------------------------------------- notice and start


@transaction.atomic
def inspection_schedule(*, inspection: Inspection, planned_date: date, by: User) -> Inspection:
    """Set the visit date of an inspection with notice and tell the facility:
    at least three working days ahead."""
    inspection = _locked(inspection)
    _require_worker(inspection, by)
    if not inspection.needs_notice:
        raise ValidationError(_("This inspection is unannounced: the facility is not told."))
    if inspection.status != Inspection.Status.SCHEDULED:
        raise ValidationError(_("Only an inspection not yet started can be scheduled."))
    earliest = add_working_days(timezone.localdate(), NOTICE_WORKING_DAYS).date
    if planned_date < earliest:
        raise ValidationError(
            _("Notice must be given 3 working days ahead: the earliest date is %(date)s.")
            % {"date": earliest.isoformat()}
        )
    if not inspection.window_start <= planned_date <= inspection.window_end:
        raise ValidationError(
            _("Choose a date within the plan's window, %(start)s to %(end)s.")
            % {
                "start": inspection.window_start.isoformat(),
                "end": inspection.window_end.isoformat(),
            }
        )
    inspection.planned_date = planned_date
    inspection.notified_at = timezone.now()
    save_with_history(inspection, by=by)
    notify_managers(
        facility=inspection.facility,
        text=_("Your facility %(facility)s will be inspected on %(date)s.")
        % {"facility": inspection.facility.name, "date": planned_date.isoformat()},
        url=inspection.get_absolute_url(),
        by=by,
    )
    _emit(inspection, "scheduled", by)
    return inspection


def _coordinate(value: Any, limit: int) -> Decimal | None:
    """A latitude or longitude the phone sent, or None for anything else (empty,
    text, NaN, infinity, out of range): the location is kept when it can be."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        return None
    return number.quantize(Decimal("0.000001"))


def _accuracy(value: Any) -> int | None:
    """The location's accuracy in whole metres (0 to 100 km), or None."""
    try:
        metres = float(value)
    except (TypeError, ValueError):
        return None
    return max(0, min(int(metres), 100_000)) if math.isfinite(metres) else None


def _captured_at(value: str | None, inspection: Inspection) -> datetime | None:
    """The time the phone's clock gave when start was tapped (ISO 8601 with its offset),
    or None when none was sent. It may be long before the server accepts the start (the
    phone was offline), never after it nor before the inspection was opened."""
    if not value:
        return None
    try:
        captured = parse_datetime(value.strip()[:40])
    except ValueError:
        captured = None
    if captured is None or timezone.is_naive(captured):
        raise ValidationError(_("The time the phone recorded for the start could not be read."))
    earliest = inspection.created_at - CAMERA_CLOCK_SLACK
    if not earliest <= captured <= timezone.now() + CAMERA_CLOCK_SLACK:
        raise ValidationError(
            _(
                "The phone's clock said %(time)s when the start was tapped, which cannot be "
                "right: set the phone's clock and start again."
            )
            % {"time": for_people(captured)}
        )
    return captured


@transaction.atomic
def inspection_start(
    *,
    inspection: Inspection,
    by: User,
    latitude: str | float | None = None,
    longitude: str | float | None = None,
    accuracy: str | float | None = None,
    captured_at: str | None = None,
) -> Inspection:
    """A team member starts on site. The phone's location is kept when given, and so
    is the time its clock gave (``captured_at``) when the start was tapped offline: the
    start takes effect, and is checked against the window, when the server accepts it."""
    inspection = _locked(inspection)
    _require_worker(inspection, by)
    if inspection.status != Inspection.Status.SCHEDULED:
        raise ValidationError(_("This inspection has already started or was cancelled."))
    start_captured_at = _captured_at(captured_at, inspection)
    today = timezone.localdate()
    if inspection.needs_notice:
        if not inspection.notified_at or inspection.planned_date is None:
            raise ValidationError(_("Set the date and notify the facility before starting."))
        if today < inspection.planned_date:
            raise ValidationError(
                _("The facility was told %(date)s; start on that day.")
                % {"date": inspection.planned_date.isoformat()}
            )
    if not inspection.may_start_on(today):
        raise ValidationError(
            _("This inspection can only start within its plan's window, %(start)s to %(end)s.")
            % {
                "start": inspection.window_start.isoformat(),
                "end": inspection.window_end.isoformat(),
            }
        )
    inspection.start(by=_user(by))
    inspection.start_captured_at = start_captured_at
    inspection.start_latitude = _coordinate(latitude, 90)
    inspection.start_longitude = _coordinate(longitude, 180)
    if inspection.start_latitude is not None and inspection.start_longitude is not None:
        inspection.start_accuracy = _accuracy(accuracy)
    else:
        inspection.start_latitude = inspection.start_longitude = None
    save_with_history(inspection, by=by)
    notify_managers(
        facility=inspection.facility,
        text=_("Inspectors have started an inspection of %(facility)s on site.")
        % {"facility": inspection.facility.name},
        url=inspection.get_absolute_url(),
        by=by,
    )
    _emit(inspection, "started", by)
    return inspection


# ---------------------------------------------------------------- answers and photos


def _target(
    inspection: Inspection, key: str | None
) -> tuple[Item | None, Hazard | None, InspectionChecklist | None]:
    """The item (with its checklist) or hazard an answer key names, within this
    inspection only, and an item only if it applies to the facility."""
    kind, pk = (key or "")[:1], (key or "")[1:]
    if not pk.isdigit():
        raise ValidationError(_("Unknown checklist item."))
    if kind == "i":
        # The one item asked for, not the whole checklist (selectors.inspection_items):
        # a save is one item. (The templates and departments are read only for a
        # refusal's message.)
        checklists = list(inspection.checklists.select_related("version"))
        item = (
            Item.objects.filter(pk=int(pk), version_id__in=[c.version_id for c in checklists])
            .select_related("section")
            .first()
        )
        if item is not None:
            checklist = next(c for c in checklists if c.version_id == item.version_id)
            if applicable_items(checklist.version, inspection.facility, [item]):
                return item, None, checklist
    elif kind == "h":
        hazard = selectors.recheck_hazards(inspection).filter(pk=int(pk)).first()
        if hazard:
            return None, hazard, None
    raise ValidationError(_("Unknown checklist item."))


def _require_answerer(checklist: InspectionChecklist | None, by: User) -> None:
    """In a joint inspection, a department's items are its own inspectors' to answer
    and photograph (``policy.checklist_answer_refusal``)."""
    if checklist is not None:
        policy.require(policy.checklist_answer_refusal(by, checklist))


def _valid_value(item: Item | None, value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("Give an answer."))
    if item is None:
        if value not in Recheck.values:
            raise ValidationError(_("Choose fixed, partly fixed or not fixed."))
        return value
    if value == Outcome.NOT_APPLICABLE:
        return value
    if item.answer_type == Item.AnswerType.PASS_FAIL and value not in ("pass", "fail"):
        raise ValidationError(_("Choose pass, fail or not applicable."))
    if item.answer_type == Item.AnswerType.NUMBER:
        try:
            finite = Decimal(value).is_finite()
        except InvalidOperation:
            finite = False
        if not finite:
            raise ValidationError(_("Enter a number."))
    if item.answer_type == Item.AnswerType.CHOICE and value not in {
        c.get("value") for c in item.choices
    }:
        raise ValidationError(_("Choose one of the listed answers."))
    return limits.text(value, limit=limits.LINE, label=_("Answer"))


def _team(inspection: Inspection) -> list[TeamMember]:
    return list(inspection.team.select_related("inspector"))


def _clear_confirmations(
    inspection: Inspection,
    by: User,
    department_id: int | None = None,
    team: list[TeamMember] | None = None,
) -> None:
    """A change to the record voids what was confirmed and signed for; once the
    record is complete, the team is asked to confirm it. A change to one department's
    part of a joint inspection (``department_id``) voids the confirmations of that
    department's members only (and of any member without a department): each
    confirms their own part. The facility's one signature covers the whole."""
    voided = False
    # The team once (a handful of rows), for both the voiding and the asking below;
    # ``team`` when the caller read it in this transaction.
    team = _team(inspection) if team is None else team
    confirmed = [
        m
        for m in team
        if m.confirmed_at is not None
        and (department_id is None or m.department_id in (department_id, None))
    ]
    for member in confirmed:
        member.confirmed_at = None
        # Their confirmation is needed anew: they are asked again.
        member.confirmation_asked_at = None
        save_with_history(member, by=by, reason="answers changed")
        voided = True
    if inspection.signed_at:
        inspection.signer_name = inspection.signature_text = inspection.signature_image = ""
        inspection.signature_refused = False
        inspection.signature_note = ""
        inspection.signed_at = None
        save_with_history(inspection, by=by, reason="answers changed")
        voided = True
    asked = _ask_confirmations(inspection, by, team)
    if voided or asked:
        # Only then: the flow's tasks follow confirmations and the signature, and most
        # saves change neither.
        _emit(inspection, "record_changed", by)


def _ask_confirmations(inspection: Inspection, by: User, team: list[TeamMember]) -> bool:
    """When the record (in a joint inspection: the member's own department's part) is
    complete, each active member who has not confirmed it is told, once: not again on
    later saves, only after a change voided a confirmation they gave. ``by`` made the
    change and is on the page already. ``team``: all the members, as they are now.
    Whether anyone was asked."""
    waiting = [
        m
        for m in team
        if m.active
        and m.confirmed_at is None
        and m.confirmation_asked_at is None
        and m.inspector.user_id != by.pk
    ]
    # Most saves come before the record is complete: the one-query test spares them
    # building the whole checklist (a joint inspection's parts complete one by one).
    joint = any(m.department_id for m in waiting)
    if not waiting or (not joint and selectors.plainly_incomplete(inspection)):
        return False
    parts = selectors.checklist_parts(inspection)
    waiting = [m for m in waiting if not selectors.own_part_missing(inspection, m, parts)]
    if not waiting:
        return False
    now = timezone.now()
    for member in waiting:
        member.confirmation_asked_at = now
        save_with_history(member, by=by)
        notify(
            user=member.inspector.user,
            text=_(
                "The record of the inspection of %(facility)s is complete and waits for "
                "your confirmation (last change by %(name)s)."
            )
            % {"facility": inspection.facility.name, "name": by.display_name},
            url=reverse("inspections:finish", args=[inspection.pk]),
            by=by,
        )
    return True


@transaction.atomic
def answer_save(
    *,
    inspection: Inspection,
    key: str,
    value: str,
    base_revision: int | str | None,
    by: User,
    note: str = "",
    location: str = "",
    deadline_days: int | str | None = None,
    corrected: bool = False,
) -> Answer:
    """Save one answer on its own. ``base_revision`` is the revision the page
    showed (0 for none): if someone saved since, :class:`AnswerConflict`."""
    inspection = _locked(inspection)
    # The team once, under the lock: who may answer, and whose confirmations it voids.
    team = _team(inspection)
    _require_worker(inspection, by, team)
    _require_in_progress(inspection)
    item, hazard, checklist = _target(inspection, key)
    _require_answerer(checklist, by)
    value = _valid_value(item, value)
    note = limits.text(note, limit=limits.TEXT, label=_("Note"))
    location = limits.text(location, limit=limits.LINE, label=_("Exact location"))
    failed = item is not None and outcome(item, value) == Outcome.FAILED
    makes_hazard = failed and item is not None and item.hazard != Item.Hazard.NONE
    if makes_hazard and item is not None and deadline_days not in (None, ""):
        try:
            deadline_days = int(deadline_days)
        except (TypeError, ValueError):
            raise ValidationError(_("Enter the deadline as a number of working days.")) from None
        if deadline_days < 0:
            raise ValidationError(_("Enter the deadline as a number of working days."))
        if deadline_days > item.deadline_days:
            raise ValidationError(
                _("The deadline may be shortened, never lengthened: at most %(days)s working days.")
                % {"days": item.deadline_days}
            )
    else:
        deadline_days = None
    corrected = bool(corrected) and makes_hazard
    if corrected and item is not None and item.hazard == Item.Hazard.MAJOR:
        raise ValidationError(_("A major hazard cannot be closed as corrected on the spot."))
    if corrected and inspection.is_self:
        # Only an independent check closes a hazard; the facility cannot close its own.
        raise ValidationError(_("A self-inspection cannot close a hazard on the spot."))
    lookup = {"item": item} if item else {"rechecked_hazard": hazard}
    answer = Answer.objects.select_for_update().filter(inspection=inspection, **lookup).first()
    stored = answer.revision if answer else 0
    try:
        base_revision = int(base_revision or 0)
    except (TypeError, ValueError):
        base_revision = -1
    if base_revision != stored:
        if answer is None:
            raise ValidationError(_("The page is out of date. Reload it."))
        raise AnswerConflict(answer)
    if answer is None:
        answer = Answer(inspection=inspection, revision=0, **lookup)
    else:
        # The same objects, already read: the JSON answer reads the item again otherwise,
        # and the change index the inspection's place.
        answer.inspection, answer.item, answer.rechecked_hazard = inspection, item, hazard
    answer.value = value
    answer.note = note
    answer.location = location if failed or hazard else ""
    answer.deadline_days = deadline_days
    answer.corrected = corrected
    answer.revision += 1
    answer.answered_by = by
    answer.answered_at = timezone.now()
    save_with_history(answer, by=by)
    _clear_confirmations(inspection, by, checklist.department_id if checklist else None, team)
    return answer


def _stamp_lines(inspection: Inspection, by: User, received: datetime) -> list[str]:
    return [
        for_people(received),
        inspection.facility.name,
        by.display_name,
    ]


def photo_add(
    *,
    inspection: Inspection,
    key: str,
    upload: UploadedFile,
    by: User,
    purpose: str = Photo.Purpose.EVIDENCE,
) -> Photo:
    """Attach a photo sent in one request to an answer (see :func:`_photo_attach`)."""
    return _photo_attach(
        inspection=inspection, key=key, data=photos.read_upload(upload), purpose=purpose, by=by
    )


class _AlreadyAttached(Exception):
    """The upload was made into a photo meanwhile (a final chunk sent twice at once)."""

    def __init__(self, photo: Photo) -> None:
        self.photo = photo


def _photo_attach(
    *,
    inspection: Inspection,
    key: str,
    data: bytes,
    purpose: str,
    by: User,
    upload: PhotoUpload | None = None,
) -> Photo:
    """The one way a photo's bytes become evidence of an answer, sent in one request
    (:func:`photo_add`) or in chunks (:func:`upload_chunk`, which passes its ``upload``
    to be completed in the same transaction). Stamped with the time the server received
    it (never the camera's claim). The bytes are checked by content and processed
    before anything is stored or locked; a refused file leaves nothing behind, and the
    files go again if the database write fails."""
    received = timezone.now()
    processed = photos.process(data, stamp_lines=_stamp_lines(inspection, by, received))
    return removing_files_on_failure(
        _photo_save,
        inspection=inspection,
        key=key,
        processed=processed,
        purpose=purpose,
        received=received,
        by=by,
        upload=upload,
    )


@transaction.atomic
def _photo_save(
    *,
    inspection: Inspection,
    key: str,
    processed: photos.Processed,
    purpose: str,
    received: datetime,
    by: User,
    saved: list[FieldFile],
    upload: PhotoUpload | None,
) -> Photo:
    inspection = _locked(inspection)
    if upload is not None:
        upload = PhotoUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.photo is not None:
            raise _AlreadyAttached(upload.photo)
    _require_worker(inspection, by)
    _require_in_progress(inspection)
    item, hazard, checklist = _target(inspection, key)
    _require_answerer(checklist, by)
    lookup = {"item": item} if item else {"rechecked_hazard": hazard}
    answer = Answer.objects.filter(inspection=inspection, **lookup).first()
    if answer is None:
        raise ValidationError(_("Answer the item before adding a photo."))
    if purpose == Photo.Purpose.AFTER and not answer.corrected:
        raise ValidationError(_("An after photo belongs to a hazard corrected on the spot."))
    photo = photo_store(
        processed=processed,
        folder=str(inspection.pk),
        saved=saved,
        by=by,
        facility=inspection.facility,
        inspection=inspection,
        answer=answer,
        purpose=purpose,
        received_at=received,
    )
    if upload is not None:
        upload.complete(photo=photo)
        upload.updated_at = timezone.now()
        upload.save()
    _clear_confirmations(inspection, by, checklist.department_id if checklist else None)
    return photo


@transaction.atomic
def photo_remove(*, photo: Photo, by: User, reason: str = "") -> Photo:
    """A team member removes a photo taken by mistake while the inspection is under
    way. The removal is recorded (who, when, why, in the photo's history); the photo
    no longer counts for its answer nor shows, but its files are kept: evidence is
    never destroyed."""
    if photo.inspection is None or photo.answer_id is None:
        raise ValidationError(_("Only a photo of an inspection's answer can be removed."))
    inspection = _locked(photo.inspection)
    _require_worker(inspection, by)
    _require_in_progress(inspection)
    photo = Photo.objects.select_for_update(of=("self",)).select_related("answer").get(pk=photo.pk)
    if photo.removed_at is not None:
        raise ValidationError(_("This photo was already removed."))
    assert photo.answer is not None  # checked above
    _item, _hazard, checklist = _target(inspection, photo.answer.key)
    _require_answerer(checklist, by)
    photo.removed_reason = limits.text(reason, limit=limits.SHORT, label=_("Why it is removed"))
    photo.removed_at = timezone.now()
    photo.removed_by = by
    save_with_history(photo, by=by, reason="removed")
    _clear_confirmations(inspection, by, checklist.department_id if checklist else None)
    return photo


# ---------------------------------------------------------------- photos sent in chunks

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A chunk is held in memory while it is stored: the phone sends 256 KiB to 4 MiB; more
# is refused.
UPLOAD_CHUNK_MAX_BYTES = 4 * 1024 * 1024


class UploadOffsetMismatch(ValidationError):
    """A chunk that does not start where the bytes received end; ``offset`` is where."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        super().__init__(
            _("The server has received %(offset)d bytes of this photo: continue from there.")
            % {"offset": offset}
        )


class UploadHashMismatch(ValidationError):
    """Every byte arrived but their SHA-256 differs from the one the phone declared."""


def _upload_matches(
    upload: PhotoUpload, inspection: Inspection, key: str, purpose: str, size: int, sha256: str
) -> bool:
    return (upload.inspection_id, upload.key, upload.purpose, upload.size, upload.sha256) == (
        inspection.pk,
        key,
        purpose,
        size,
        sha256,
    )


def _require_answered(inspection: Inspection, key: str) -> None:
    """A photo belongs to an answer given before it (the phone's queue sends the answer
    first). Asked of the answers alone: cheaper than listing the checklist's items,
    and the photo's saving asks :func:`_target` again."""
    kind, pk = key[:1], key[1:]
    if kind not in ("i", "h") or not pk.isdigit() or len(key) > 20:
        raise ValidationError(_("Unknown checklist item."))
    field = "item_id" if kind == "i" else "rechecked_hazard_id"
    if not Answer.objects.filter(inspection=inspection, **{field: int(pk)}).exists():
        raise ValidationError(_("Answer the item before adding a photo."))


@transaction.atomic
def upload_open(
    *,
    inspection: Inspection,
    client_id: uuid.UUID,
    key: str,
    purpose: str,
    size: int,
    sha256: str,
    name: str,
    content_type: str,
    by: User,
) -> tuple[PhotoUpload, bool]:
    """Open a resumable upload of one photo for the answer ``key``, declared by its
    size and the SHA-256 the phone computed; ``(upload, created)``. The same
    ``client_id`` again (the phone retrying) gives the same upload as it stands."""
    inspection = _locked(inspection)
    sha256 = str(sha256 or "").strip().lower()
    existing = PhotoUpload.objects.filter(created_by=by, client_id=client_id).first()
    if existing is not None:
        if not _upload_matches(existing, inspection, key, purpose, size, sha256):
            raise ValidationError(_("This upload id was already used for another photo."))
        return existing, False
    _require_worker(inspection, by)
    _require_in_progress(inspection)
    _require_answered(inspection, key)
    _require_answerer(_target(inspection, key)[2], by)
    if purpose not in Photo.Purpose.values:
        raise ValidationError(_("Unknown photo purpose."))
    if size < 1:
        raise ValidationError(_("Give the size of the photo in bytes."))
    photos.check_size(size)
    if not SHA256_HEX.fullmatch(sha256):
        raise ValidationError(_("Give the photo's SHA-256 as 64 hexadecimal digits."))
    upload = PhotoUpload(
        client_id=client_id,
        created_by=by,
        inspection=inspection,
        key=key,
        purpose=purpose,
        size=size,
        sha256=sha256,
        name=limits.text(name, limit=limits.LINE, label=_("File name")),
        content_type=limits.text(content_type, limit=limits.NAME, label=_("File type")),
        temp_name=uploads.stem_for(by.pk, client_id),
    )
    upload.save()
    return upload, True


def _upload_append(*, upload: PhotoUpload, start: int, data: bytes, by: User) -> PhotoUpload:
    """Store the chunk, then move the offset past it only if it is still where the
    chunk starts: of two copies of a chunk sent at once, one moves it and the other
    is told where to continue. No row lock is held while the chunk is written (a
    chunk is a request, and a photo has dozens); a part left by the loser is replaced
    or removed with the others."""
    if upload.state == PhotoUpload.State.DONE or upload.offset == upload.size:
        return upload  # all there: the caller completes it or returns its photo
    _require_in_progress(upload.inspection)
    if start != upload.offset:
        raise UploadOffsetMismatch(upload.offset)
    if start + len(data) > upload.size:
        raise ValidationError(_("This chunk goes beyond the declared size of the photo."))
    uploads.store_part(upload.temp_name, start, data)
    now = timezone.now()
    moved = PhotoUpload.objects.filter(
        pk=upload.pk, state=PhotoUpload.State.RECEIVING, offset=start
    ).update(offset=start + len(data), updated_at=now)
    if not moved:
        upload.refresh_from_db()
        if upload.state == PhotoUpload.State.DONE or upload.offset == upload.size:
            return upload
        raise UploadOffsetMismatch(upload.offset)
    upload.offset, upload.updated_at = start + len(data), now
    return upload


def _upload_restart(*, upload: PhotoUpload) -> None:
    """Back to byte zero, the parts gone (a chunk stored meanwhile is caught by the
    next hash check)."""
    PhotoUpload.objects.filter(pk=upload.pk, state=PhotoUpload.State.RECEIVING).update(
        offset=0, updated_at=timezone.now()
    )
    uploads.discard(upload.temp_name)


def upload_chunk(
    *, upload: PhotoUpload, start: int, end: int, total: int, data: bytes, by: User
) -> PhotoUpload:
    """Append the chunk of bytes ``start`` to ``end`` (inclusive, of ``total``) to the
    upload, which must be where the bytes received end (else
    :class:`UploadOffsetMismatch`). With the last byte, the whole is checked against
    the declared SHA-256 (else :class:`UploadHashMismatch`, and it starts again from
    zero) and made into a photo through :func:`_photo_attach`, the way of every photo.
    An upload already made into a photo is returned as it is, whatever the chunk, to
    whoever may still work on the inspection."""
    _require_worker(upload.inspection, by)
    if upload.state == PhotoUpload.State.DONE:
        return upload
    if total != upload.size:
        raise ValidationError(_("The chunk's range does not match the declared size of the photo."))
    if len(data) > UPLOAD_CHUNK_MAX_BYTES:
        raise ValidationError(
            _("Send the photo in chunks of at most %(limit)d KiB.")
            % {"limit": UPLOAD_CHUNK_MAX_BYTES // 1024}
        )
    if not data or end - start + 1 != len(data):
        raise ValidationError(_("The chunk's length does not match its range."))
    upload = _upload_append(upload=upload, start=start, data=data, by=by)
    if upload.state == PhotoUpload.State.DONE or upload.offset < upload.size:
        return upload
    assembled = uploads.assemble(upload.temp_name, upload.size)
    if assembled is None or hashlib.sha256(assembled).hexdigest() != upload.sha256:
        upload.refresh_from_db()
        if upload.state == PhotoUpload.State.DONE:
            return upload  # a copy of the last chunk made the photo and took the parts
        _upload_restart(upload=upload)
        raise UploadHashMismatch(
            _(
                "The photo arrived different from the one on the phone (its SHA-256 does "
                "not match): it is sent again from the start."
            )
        )
    try:
        _photo_attach(
            inspection=upload.inspection,
            key=upload.key,
            data=assembled,
            purpose=upload.purpose,
            by=by,
            upload=upload,
        )
    except _AlreadyAttached:
        pass
    uploads.discard(upload.temp_name)
    upload.refresh_from_db()
    return upload


def uploads_expire(*, before: datetime) -> int:
    """Remove the uploads left unfinished since ``before``, with their parts; the
    number removed. A phone that comes back later starts the photo again."""
    removed = 0
    stale = PhotoUpload.objects.filter(state=PhotoUpload.State.RECEIVING, updated_at__lt=before)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            # Locked and checked again: a chunk arriving now, or a second dispatcher
            # removing it, wins.
            upload = stale.select_for_update(skip_locked=True).filter(pk=pk).first()
            if upload is None:
                continue
            uploads.discard(upload.temp_name)
            upload.delete()
        removed += 1
    return removed


def photo_viewed(*, photo: Photo, variant: str, by: User) -> EvidenceAccess:
    """Log that ``by`` saw a derivative of ``photo`` (the evidence access log)."""
    return save_with_history(EvidenceAccess(photo=photo, user=by, variant=variant), by=by)


# ---------------------------------------------------------------- finishing


@transaction.atomic
def member_confirm(*, inspection: Inspection, by: User) -> TeamMember:
    """A team member confirms the record as it stands (each member, in turn); in a
    joint inspection, their own department's part of it."""
    inspection = _locked(inspection)
    _require_in_progress(inspection)
    member = inspection.team.filter(active=True, inspector__user=by).first()
    if member is None:
        raise ValidationError(_("Only a member of the team can confirm the record."))
    # In a joint inspection each member confirms their own department's part.
    missing = selectors.own_part_missing(inspection, member)
    if missing:
        raise ValidationError([_("The record is not complete:")] + missing)
    member.confirmed_at = timezone.now()
    save_with_history(member, by=by)
    _emit(inspection, "confirmed", by)
    return member


def _signature_png(data_url: str) -> str:
    prefix = "data:image/png;base64,"
    if not data_url:
        return ""
    if not data_url.startswith(prefix):
        raise ValidationError(_("The drawn signature could not be read. Draw it again."))
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
        if len(raw) > SIGNATURE_MAX_BYTES:
            raise ValidationError(_("The drawn signature is too large. Draw it again."))
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            image.verify()
    except (binascii.Error, UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError(_("The drawn signature could not be read. Draw it again.")) from None
    return data_url


@transaction.atomic
def inspection_sign(
    *,
    inspection: Inspection,
    by: User,
    signer_name: str = "",
    typed: str = "",
    drawn: str = "",
    refused: bool = False,
    note: str = "",
) -> Inspection:
    """The facility's representative acknowledges receipt (签收) on the inspector's
    phone, or refuses (拒签), which the team records with the circumstances."""
    inspection = _locked(inspection)
    _require_in_progress(inspection)
    if inspection.is_self or not can_work_on(inspection, by):
        raise ValidationError(_("Only the inspection team records the facility's signature."))
    signer_name = limits.text(
        signer_name, limit=limits.NAME, label=_("Name of the facility's representative")
    )
    typed = limits.text(typed, limit=limits.NAME, label=_("Typed signature"))
    note = limits.text(note, limit=limits.SHORT, label=_("Circumstances of the refusal"))
    if refused:
        if not note:
            raise ValidationError(_("Record who refused to sign and what was said."))
        typed, drawn = "", ""
    else:
        if not signer_name:
            raise ValidationError(_("Enter the name of the facility's representative."))
        drawn = _signature_png(drawn)
        if not typed and not drawn:
            raise ValidationError(_("Draw or type the signature."))
    inspection.signer_name = signer_name
    inspection.signature_text = typed
    inspection.signature_image = drawn
    inspection.signature_refused = bool(refused)
    inspection.signature_note = note
    inspection.signed_at = timezone.now()
    save_with_history(inspection, by=by)
    _emit(inspection, "signed", by)
    return inspection


def _require_finishable(inspection: Inspection, by: User) -> None:
    """Every answer and photo given; for an official inspection, every active member
    confirmed and the facility signed or refused."""
    _require_worker(inspection, by)
    _require_in_progress(inspection)
    missing = selectors.missing(inspection)
    if missing:
        raise ValidationError([_("The record is not complete:")] + missing)
    if inspection.is_self:
        return
    waiting = [
        m.inspector.user.display_name
        for m in inspection.team.filter(active=True, confirmed_at=None).select_related(
            "inspector__user"
        )
    ]
    if waiting:
        raise ValidationError(
            _("Waiting for the confirmation of: %(names)s") % {"names": "、".join(waiting)}
        )
    if not inspection.is_signed:
        raise ValidationError(_("Record the facility's signature or its refusal first."))


def _score(inspection: Inspection) -> tuple[events.FailedItem, ...]:
    """Set the inspection's score and result; the failed items that make hazards.
    The finish page previews the same ``selectors.conclusion``."""
    conclusion = selectors.conclusion(inspection)
    inspection.score = conclusion.score
    inspection.result = conclusion.result
    return conclusion.failed_items


def _stamp_finished(inspection: Inspection, by: User) -> None:
    inspection.finish(by=_user(by))
    save_with_history(inspection, by=by)


@transaction.atomic
def inspection_finish(*, inspection: Inspection, by: User) -> Inspection:
    """Close the record: every answer and photo given, the team confirmed, the
    facility signed or refused. Scores it, stamps it finished and announces it:
    its hazards, notice, re-checks, publication and flow follow, in the order and
    within the transaction that ``inspections.events`` describes."""
    inspection = _locked(inspection)
    _require_finishable(inspection, by)
    failed_items = _score(inspection)
    _stamp_finished(inspection, by)
    events.announce(
        events.InspectionFinished(inspection=inspection, by=by, failed_items=failed_items)
    )
    return inspection
