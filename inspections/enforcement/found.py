"""Hazards as found (issue 20): a hazard the team sees on site that no checklist item
names, a general hazard raised to major (情节严重的按重大), and the basis on which a
major hazard was determined (民办发〔2023〕13号 第四条(二): by this inspection team, a
named department, or a third-party professional assessment)."""

import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from checklists.models import Category
from core import limits
from core.audited import save_with_history
from core.notifications import notify
from core.timefmt import for_people
from inspections import policy
from inspections.common import notify_managers
from inspections.enforcement.models import Determination, MajorCriterion
from inspections.events import found_on
from inspections.hazards.models import Hazard
from inspections.hazards.reactions import hazard_source
from inspections.hazards.services import (
    emit_hazard,
    hazard_register,
    leads_covering,
    supervision_open,
    verifying_department,
)
from inspections.onsite import photos
from inspections.onsite.models import Inspection, Photo
from inspections.onsite.photos import photo_store, removing_files_on_failure

# The record is voided when it changes (the team confirms and the facility signs what
# is in it); the on-site room owns that rule.
from inspections.onsite.services import _clear_confirmations
from registry.models import Department, User

# Photos one hazard takes in one request (each may cost a second to process).
HAZARD_PHOTOS = 10
# As a checklist item's deadline: 0 = correct immediately, at most 130 working days
# (about six months, the outer limit of a rectification deadline).
DEADLINE_MAX_DAYS = 130
# A scanned assessment report of a few dozen pages.
REPORT_MAX_BYTES = 10 * 1024 * 1024
REPORT_NO_MAX = 60


def too_many_photos(count: int) -> ValidationError | None:
    """The refusal of ``count`` photos of one hazard, or None when they are few enough."""
    if count <= HAZARD_PHOTOS:
        return None
    return ValidationError(
        _("Send at most %(limit)d photos with one hazard, not %(count)d.")
        % {"limit": HAZARD_PHOTOS, "count": count},
        code="too_many_photos",
    )


# ---------------------------------------------------------------- a hazard no item names


def hazard_add(
    *,
    inspection: Inspection,
    category: str,
    severity: str,
    location: str,
    description: str,
    deadline_days: int | None,
    uploads: Iterable[UploadedFile],
    by: User,
    department: str = "",
) -> Hazard:
    """A team member registers, during the inspection, a hazard that no checklist item
    names, with its evidence photos. It is registered at once (numbered, due in working
    days from the day the inspection started, a major one put under supervision) and is
    listed in the inspection's rectification notice and record when it finishes. The
    photos are evidence of the hazard itself (``Photo.hazard``: there is no answer to
    attach them to); each is checked by content before any is decoded, and all are
    processed before anything is stored."""
    uploads = list(uploads)
    refusal = too_many_photos(len(uploads))
    if refusal is not None:
        raise refusal
    originals = _numbered(photos.read_upload, uploads)
    _numbered(photos.check, originals)
    received = timezone.now()
    stamp = [for_people(received), inspection.facility.name, by.display_name]
    processed = _numbered(lambda data: photos.process(data, stamp_lines=stamp), originals)
    return removing_files_on_failure(
        _hazard_add_save,
        inspection=inspection,
        category=category,
        severity=severity,
        location=location,
        description=description,
        deadline_days=deadline_days,
        department=department,
        processed=processed,
        received=received,
        by=by,
    )


def _numbered(work, items):  # type: ignore[no-untyped-def]
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


@transaction.atomic
def _hazard_add_save(
    *,
    inspection: Inspection,
    category: str,
    severity: str,
    location: str,
    description: str,
    deadline_days: int | None,
    department: str,
    processed: list[photos.Processed],
    received: datetime,
    by: User,
    saved: list[FieldFile],
) -> Hazard:
    inspection = (
        Inspection.objects.select_for_update()
        .select_related("facility__region")
        .get(pk=inspection.pk)
    )
    policy.require(policy.hazard_add_refusal(by, inspection))
    description = limits.text(description, limit=limits.TEXT, label=_("Description"))
    location = limits.text(location, limit=limits.LINE, label=_("Exact location"))
    if not description:
        raise ValidationError(_("Describe the hazard."))
    if not location:
        raise ValidationError(_("Give the exact location of the hazard."))
    if category not in Category.values:
        raise ValidationError(_("Choose the hazard's category."))
    if severity not in Hazard.Severity.values:
        raise ValidationError(_("Choose whether the hazard is general or major."))
    if department and department not in Department.Kind.values:
        raise ValidationError(_("Choose one of the listed departments."))
    if deadline_days is None or not 0 <= deadline_days <= DEADLINE_MAX_DAYS:
        raise ValidationError(
            _("The deadline is 0 (correct immediately) to %(limit)d working days.")
            % {"limit": DEADLINE_MAX_DAYS}
        )
    if not processed:
        raise ValidationError(_("Add at least one photo of the hazard."))
    # In a joint inspection the hazard is the finding member's department's, verified
    # by it (or its delegate).
    member = (
        inspection.team.filter(active=True, inspector__user=by)
        .exclude(department=None)
        .select_related("department")
        .first()
    )
    if member is not None and member.department is not None:
        department = member.department.kind
    hazard = hazard_register(
        facility=inspection.facility,
        inspection=inspection,
        item=None,
        severity=severity,
        source=hazard_source(inspection),
        self_reported=inspection.is_self,
        description=description,
        location=location,
        department=department,
        verifying_department=verifying_department(
            inspection, member.department if member is not None else None
        ),
        category=category,
        found_on=found_on(inspection),
        deadline_days=deadline_days,
        by=by,
    )
    for result in processed:
        photo_store(
            processed=result,
            folder=str(inspection.pk),
            saved=saved,
            by=by,
            facility=inspection.facility,
            inspection=inspection,
            hazard=hazard,
            purpose=Photo.Purpose.EVIDENCE,
            received_at=received,
        )
    _clear_confirmations(inspection, by)
    return hazard


# ---------------------------------------------------------------- the determination basis


@dataclass(frozen=True)
class Report:
    """An assessment report checked by content: its bytes, extension and SHA-256."""

    data: bytes
    extension: str
    sha256: str


def _report_too_large() -> ValidationError:
    return ValidationError(
        _("The report file is larger than %(limit)d MB.")
        % {"limit": REPORT_MAX_BYTES // (1024 * 1024)},
        code="too_large",
    )


def report_read(upload: UploadedFile | None) -> Report | None:
    """The report's bytes if they are a PDF (they start with ``%PDF-``) or an image
    Pillow opens (a scan), at most ``REPORT_MAX_BYTES``; the file name is not trusted."""
    if upload is None:
        return None
    if upload.size is not None and upload.size > REPORT_MAX_BYTES:
        raise _report_too_large()
    parts, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > REPORT_MAX_BYTES:
            raise _report_too_large()
        parts.append(chunk)
    data = b"".join(parts)
    if data.startswith(b"%PDF-"):
        extension = "pdf"
    else:
        extension = _image_extension(data)
    return Report(data=data, extension=extension, sha256=hashlib.sha256(data).hexdigest())


def _image_extension(data: bytes) -> str:
    photos.refuse_truncated()
    refused = ValidationError(
        _("The report must be a PDF or a scanned image (JPEG, PNG, WebP or HEIC)."),
        code="not_a_report",
    )
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, never decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=photos.FORMATS) as image:
                kind = "JPEG" if image.format == "MPO" else image.format
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    except Exception as exc:  # a recognised signature with a broken body
        raise refused from exc
    return photos.EXTENSIONS.get(kind or "", "img")


def _basis(
    *,
    criterion: MajorCriterion | None,
    determined_by: str,
    department_name: str,
    assessor: str,
    report_no: str,
    report: Report | None,
) -> dict:
    """The validated fields of a determination (第四条(二))."""
    if criterion is None or not criterion.active:
        raise ValidationError(_("Choose the situation of 13号 that makes the hazard major."))
    if determined_by not in Determination.By.values:
        raise ValidationError(_("Say who determined the hazard."))
    department_name = limits.text(department_name, limit=limits.NAME, label=_("Department"))
    assessor = limits.text(assessor, limit=limits.LINE, label=_("Assessing body"))
    report_no = limits.text(report_no, limit=REPORT_NO_MAX, label=_("Report number"))
    if determined_by == Determination.By.TEAM:
        if criterion.needs_outside_determination:
            raise ValidationError(
                _(
                    "Situation %(code)s counts only when a housing or fire department or a "
                    "third-party professional assessment determined it (第四条(二)): the "
                    "inspection team cannot determine it alone."
                )
                % {"code": criterion.code}
            )
        return {"criterion": criterion, "determined_by": determined_by}
    if determined_by == Determination.By.DEPARTMENT:
        if not department_name:
            raise ValidationError(_("Name the department that determined the hazard."))
        return {
            "criterion": criterion,
            "determined_by": determined_by,
            "department_name": department_name,
            "report_no": report_no,
            "report": report,
        }
    if not assessor:
        raise ValidationError(_("Name the body that made the assessment."))
    if not report_no:
        raise ValidationError(_("Give the number of the assessment report."))
    if report is None:
        raise ValidationError(_("Attach the assessment report (PDF or scan)."))
    return {
        "criterion": criterion,
        "determined_by": determined_by,
        "assessor": assessor,
        "report_no": report_no,
        "report": report,
    }


def _determination_save(
    *,
    hazard: Hazard,
    basis: dict,
    by: User,
    saved: list[FieldFile],
    raised_from_general: bool = False,
    reason: str = "",
) -> Determination:
    report = basis.pop("report", None)
    determination = Determination(
        hazard=hazard,
        raised_from_general=raised_from_general,
        reason=reason,
        recorded_by=by,
        **basis,
    )
    if report is not None:
        determination.report_file.save(
            f"{hazard.pk}/{report.sha256[:16]}.{report.extension}",
            ContentFile(report.data),
            save=False,
        )
        saved.append(determination.report_file)
        determination.report_sha256 = report.sha256
    return save_with_history(determination, by=by)


def _locked(hazard: Hazard) -> Hazard:
    return (
        # Only the hazard's row: PostgreSQL locks no nullable side of a join.
        Hazard.objects.select_for_update(of=("self",))
        .select_related("facility__region", "inspection")
        .get(pk=hazard.pk)
    )


def hazard_raise(
    *,
    hazard: Hazard,
    reason: str,
    criterion: MajorCriterion | None,
    determined_by: str,
    by: User,
    department_name: str = "",
    assessor: str = "",
    report_no: str = "",
    report_file: UploadedFile | None = None,
) -> Hazard:
    """A team member of the hazard's inspection or a bureau lead of the county raises an
    open general hazard to major (情节严重的按重大), with the reason and the determination
    basis. Its status and due date stay; it is put under supervision from today (the
    facility files its plan within the configured working days of today), its managers
    and the county's leads are told."""
    report = report_read(report_file)
    return removing_files_on_failure(
        _hazard_raise_save,
        hazard=hazard,
        reason=reason,
        criterion=criterion,
        determined_by=determined_by,
        department_name=department_name,
        assessor=assessor,
        report_no=report_no,
        report=report,
        by=by,
    )


@transaction.atomic
def _hazard_raise_save(
    *,
    hazard: Hazard,
    reason: str,
    criterion: MajorCriterion | None,
    determined_by: str,
    department_name: str,
    assessor: str,
    report_no: str,
    report: Report | None,
    by: User,
    saved: list[FieldFile],
) -> Hazard:
    hazard = _locked(hazard)
    policy.require(policy.hazard_raise_refusal(by, hazard))
    reason = limits.text(reason, limit=limits.TEXT, label=_("Reason"))
    if not reason:
        raise ValidationError(_("Give the reason why the hazard is treated as major."))
    basis = _basis(
        criterion=criterion,
        determined_by=determined_by,
        department_name=department_name,
        assessor=assessor,
        report_no=report_no,
        report=report,
    )
    hazard.raise_to_major()
    save_with_history(hazard, by=by, reason="raised to major")
    _determination_save(
        hazard=hazard, basis=basis, by=by, saved=saved, raised_from_general=True, reason=reason
    )
    supervision_open(hazard=hazard, by=by, since=timezone.localdate())
    text = _("Hazard %(number)s of %(facility)s is now a major hazard: %(reason)s") % {
        "number": hazard.register_no,
        "facility": hazard.facility.name,
        "reason": reason,
    }
    url = hazard.get_absolute_url()
    notify_managers(facility=hazard.facility, text=text, url=url, by=by)
    for lead in leads_covering(hazard.facility).exclude(pk=by.pk):
        notify(user=lead, text=text, url=url, by=by)
    emit_hazard(hazard, "raised", by)
    return hazard


def determination_record(
    *,
    hazard: Hazard,
    criterion: MajorCriterion | None,
    determined_by: str,
    by: User,
    department_name: str = "",
    assessor: str = "",
    report_no: str = "",
    report_file: UploadedFile | None = None,
) -> Determination:
    """Record how a hazard already major (e.g. from a major checklist item) was
    determined: the situation of 13号 and who determined it.

    One determination per hazard, never replaced here: it is the basis on which the
    supervision began, and a second one is refused. A mistaken determination is
    corrected by an administrator in the admin site, where its history keeps both."""
    report = report_read(report_file)
    return removing_files_on_failure(
        _determination_record_save,
        hazard=hazard,
        criterion=criterion,
        determined_by=determined_by,
        department_name=department_name,
        assessor=assessor,
        report_no=report_no,
        report=report,
        by=by,
    )


@transaction.atomic
def _determination_record_save(
    *,
    hazard: Hazard,
    criterion: MajorCriterion | None,
    determined_by: str,
    department_name: str,
    assessor: str,
    report_no: str,
    report: Report | None,
    by: User,
    saved: list[FieldFile],
) -> Determination:
    hazard = _locked(hazard)
    policy.require(policy.determination_record_refusal(by, hazard))
    basis = _basis(
        criterion=criterion,
        determined_by=determined_by,
        department_name=department_name,
        assessor=assessor,
        report_no=report_no,
        report=report,
    )
    determination = _determination_save(hazard=hazard, basis=basis, by=by, saved=saved)
    emit_hazard(hazard, "determined", by)
    return determination
