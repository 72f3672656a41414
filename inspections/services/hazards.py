"""Writes of the rectification loop (隐患闭环): the notice, the facility's
rectification, verification, extensions and overdue marking."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audited import save_with_history
from registry.models import CalendarYear, User

from .. import photos
from ..access import can_verify, manages
from ..models import Extension, Hazard, Photo, Rectification, RectificationNotice
from .common import (
    _user,
    next_number,
    notify,
    notify_managers,
    photo_store,
    removing_files_on_failure,
)


def notice_issue(*, inspection, hazards, by):
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
    notify_managers(
        facility=inspection.facility,
        text=_("Rectification notice %(number)s for %(facility)s: %(count)s hazards to fix.")
        % {"number": notice.number, "facility": inspection.facility.name, "count": len(hazards)},
        url=inspection.get_absolute_url(),
        by=by,
    )
    return notice


@transaction.atomic
def notice_acknowledge(*, notice, by):
    """The facility's manager acknowledges the notice: its hazards are being rectified."""
    notice = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    if not manages(notice.facility, by):
        raise ValidationError(_("Only a manager of the facility acknowledges its notice."))
    if notice.acknowledged_at:
        return notice
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = by
    save_with_history(notice, by=by)
    for hazard in notice.hazards.filter(status=Hazard.Status.REGISTERED):
        hazard.start_rectifying()
        save_with_history(hazard, by=by)
    return notice


def _locked(hazard):
    return Hazard.objects.select_for_update().select_related("facility").get(pk=hazard.pk)


def rectification_submit(*, hazard, description, by, uploads, interim_measures=""):
    """The facility reports a fix with after photos: awaiting verification. The
    photos are checked and processed before anything is stored."""
    processed = [
        photos.process(photos.read_upload(upload), stamp_lines=_stamp(hazard, by))
        for upload in uploads
    ]
    return removing_files_on_failure(
        _rectification_save,
        hazard=hazard,
        description=description,
        interim_measures=interim_measures,
        processed=processed,
        by=by,
    )


def _stamp(hazard, by):
    return [
        timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        hazard.facility.name,
        f"{hazard.register_no} {by.display_name}",
    ]


@transaction.atomic
def _rectification_save(*, hazard, description, interim_measures, processed, by, saved):
    hazard = _locked(hazard)
    if not manages(hazard.facility, by):
        raise ValidationError(_("Only a manager of the facility reports its rectification."))
    if hazard.status not in (Hazard.Status.RECTIFYING, Hazard.Status.OVERDUE):
        raise ValidationError(_("This hazard is not waiting for a rectification."))
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
        )
    hazard.submit()
    save_with_history(hazard, by=by)
    return rectification


@transaction.atomic
def rectification_verify(*, hazard, accept, by, reason=""):
    """Accept (销号) or reject a submitted rectification. Only an inspector or bureau
    lead of the county: a facility never closes its own hazard."""
    hazard = _locked(hazard)
    if not can_verify(hazard, by):
        raise ValidationError(_("Only an inspector or bureau lead of the county verifies a fix."))
    if hazard.status != Hazard.Status.AWAITING:
        raise ValidationError(_("No rectification of this hazard is awaiting verification."))
    rectification = hazard.rectifications.select_for_update().get(
        decision=Rectification.Decision.PENDING
    )
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationError(_("Give the reason for rejecting the rectification."))
    rectification.decision = (
        Rectification.Decision.ACCEPTED if accept else Rectification.Decision.REJECTED
    )
    rectification.decided_by = by
    rectification.decided_at = timezone.now()
    rectification.reason = reason
    save_with_history(rectification, by=by)
    if accept:
        hazard.accept()
        hazard.closed_at = rectification.decided_at
        hazard.closed_by = by
        text = _("Hazard %(number)s is closed: the rectification was accepted.")
    else:
        hazard.reject()
        text = _("The rectification of hazard %(number)s was rejected: %(reason)s")
    save_with_history(hazard, by=by)
    notify_managers(
        facility=hazard.facility,
        text=text % {"number": hazard.register_no, "reason": reason},
        by=by,
    )
    return hazard


@transaction.atomic
def extension_request(*, hazard, requested_due, reasons, interim_measures, by):
    """The facility asks for a later due date, before the current one has passed."""
    hazard = _locked(hazard)
    if not manages(hazard.facility, by):
        raise ValidationError(_("Only a manager of the facility asks for an extension."))
    if not hazard.is_open or hazard.status == Hazard.Status.AWAITING:
        raise ValidationError(_("This hazard is not being rectified."))
    if timezone.localdate() > hazard.due_on:
        raise ValidationError(
            _("The due date %(date)s has passed: an extension must be asked for before it.")
            % {"date": hazard.due_on.isoformat()}
        )
    if requested_due <= hazard.due_on:
        raise ValidationError(_("Ask for a date after the current due date."))
    if hazard.extensions.filter(status=Extension.Status.PENDING).exists():
        raise ValidationError(_("An extension request for this hazard is already waiting."))
    if not reasons.strip() or not interim_measures.strip():
        raise ValidationError(_("Give the reasons and the interim measures."))
    return save_with_history(
        Extension(
            hazard=hazard,
            previous_due=hazard.due_on,
            requested_due=requested_due,
            reasons=reasons.strip(),
            interim_measures=interim_measures.strip(),
            requested_by=by,
        ),
        by=by,
    )


@transaction.atomic
def extension_decide(*, extension, approve, by, reason=""):
    """A bureau lead of the county approves (new due date; the old one stays in
    history) or refuses with a reason."""
    extension = Extension.objects.select_for_update().select_related("hazard").get(pk=extension.pk)
    hazard = _locked(extension.hazard)
    if not (by.role == "lead" and can_verify(hazard, by)):
        raise ValidationError(_("Only a bureau lead of the county decides on an extension."))
    if extension.status != Extension.Status.PENDING:
        raise ValidationError(_("This extension request was already decided."))
    if not approve and not reason.strip():
        raise ValidationError(_("Give the reason for refusing the extension."))
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by = by
    extension.decided_at = timezone.now()
    extension.decision_reason = reason.strip()
    save_with_history(extension, by=by)
    if approve:
        hazard.due_on = extension.requested_due
        hazard.due_provisional = not CalendarYear.objects.filter(
            year=extension.requested_due.year
        ).exists()
        save_with_history(hazard, by=by, reason=f"extension {extension.pk}")
    notify(
        user=extension.requested_by,
        text=(
            _("Extension for %(number)s approved: now due %(date)s.")
            if approve
            else _("Extension for %(number)s refused: %(reason)s")
        )
        % {"number": hazard.register_no, "date": hazard.due_on.isoformat(), "reason": reason},
        by=by,
    )
    return extension


@transaction.atomic
def hazards_mark_overdue(*, today=None, by=None):
    """Mark every hazard whose due date has passed unfixed as overdue; returns them."""
    today = today or timezone.localdate()
    marked = []
    for hazard in Hazard.objects.select_for_update().filter(
        status__in=[Hazard.Status.REGISTERED, Hazard.Status.RECTIFYING], due_on__lt=today
    ):
        hazard.mark_overdue()
        save_with_history(hazard, by=by)
        marked.append(hazard)
        text = _("Hazard %(number)s of %(facility)s is overdue (due %(date)s).") % {
            "number": hazard.register_no,
            "facility": hazard.facility.name,
            "date": hazard.due_on.isoformat(),
        }
        # Escalation: the bureau leads whose regions cover the facility hear of it.
        for lead in (
            User.objects.filter(role=User.Role.LEAD)
            .filter(_covering(hazard.facility.region.path))
            .distinct()
        ):
            notify(user=lead, text=text, by=by)
        notify_managers(facility=hazard.facility, text=text, by=by)
    return marked


def _covering(path):
    """Users whose regions are the region at ``path`` or one above it."""
    prefixes = [path[: i + 1] for i, char in enumerate(path) if char == "/"]
    return Q(regions__path__in=prefixes)
