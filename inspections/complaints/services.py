"""Writes for complaints (投诉举报): receiving one (public form or staff), the county
lead's triage and the reply.

A complaint is numbered ``<county>-<year>-TS0001`` and given a random query code the
complainant keeps; only the code's SHA-256 is stored. The public form is limited per
source (a keyed hash of the client address, never the address itself) and per phone
number; the same text from the same source within a day is refused as a duplicate.
"""

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import ChecklistTemplate
from core import limits
from core.audited import save_with_history
from core.numbers import next_number
from core.workdays import add_working_days
from inspections import policy
from inspections.complaints.models import Complaint, ComplaintPhoto
from inspections.enforcement import cases
from inspections.enforcement.models import EnforcementCase, Transfer
from inspections.onsite import photos
from inspections.onsite import services as onsite
from registry.models import Department, Facility, InspectorProfile, Region, User

# No 0/O, 1/I/L: a code read out on the phone or copied by hand is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_PHOTOS = 5
EARLIEST = date(2000, 1, 1)
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,28}$")
STAFF_CHANNELS = (
    Complaint.Channel.PHONE,
    Complaint.Channel.LETTER,
    Complaint.Channel.VISIT,
    Complaint.Channel.REFERRAL,
)
# A registry department's kind -> the receiving department of a transfer letter.
TRANSFER_DEPARTMENT: dict[str, str] = {
    Department.Kind.FIRE_RESCUE: Transfer.Department.FIRE,
    Department.Kind.MARKET: Transfer.Department.MARKET,
    Department.Kind.HOUSING: Transfer.Department.HOUSING,
    Department.Kind.HEALTH: Transfer.Department.HEALTH,
}


class RateLimited(ValidationError):
    """Too many complaints from one source or phone: the page answers HTTP 429."""


@dataclass(frozen=True)
class Received:
    complaint: Complaint
    code: str  # shown once to the complainant, never stored


# ---------------------------------------------------------------- codes and sources


def normalise_code(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def hash_code(code: str | None) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def fingerprint(address: str) -> str:
    """A keyed hash of a client address: the same address gives the same value, and
    without the secret key the address cannot be found from it."""
    if not address:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"complaint-source:{address}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- counties


def counties() -> QuerySet[Region]:
    """County-level regions (six digits, not a province's or a city's ``…00``)."""
    return (
        Region.objects.annotate(size=Length("code"))
        .filter(size=6)
        .exclude(code__endswith="00")
        .order_by("code")
    )


def county_of(region: Region) -> Region:
    """The county a region belongs to (itself for a county)."""
    if len(region.code) == 6:
        return region
    return Region.objects.filter(code=region.code[:6]).first() or region


def _number(county: Region, by: User | None) -> str:
    code = county.code[:6]
    year = timezone.localdate().year
    n = next_number(series=f"complaint:{code}", year=year, by=by)
    return f"{code}-{year}-TS{n:04d}"


# ---------------------------------------------------------------- receiving


def _required(value: str | None, *, limit: int, label: str, message: str) -> str:
    value = limits.text(value, limit=limit, label=label)
    if not value:
        raise ValidationError(message)
    return value


def _fields(
    *,
    county: Region | None,
    facility: Facility | None,
    facility_text: str,
    category: str,
    text: str,
    occurred_on: date | None,
    name: str,
    phone: str,
) -> dict:
    if facility is not None and not facility.active:
        raise ValidationError(_("This facility is no longer in the registry: type its name."))
    if county is None:
        if facility is None:
            raise ValidationError(_("Choose the county where the facility is."))
        county = county_of(facility.region)
    elif facility is not None and county_of(facility.region).pk != county.pk:
        raise ValidationError(_("The facility chosen is not in the chosen county."))
    facility_text = limits.text(facility_text, limit=limits.LINE, label=_("Facility name"))
    if facility is None and not facility_text:
        raise ValidationError(_("Choose the facility or type its name."))
    if category not in Complaint.Category.values:
        raise ValidationError(_("Choose what the complaint is about."))
    text = _required(
        text,
        limit=limits.TEXT,
        label=_("Complaint"),
        message=_("Describe what happened."),
    )
    if occurred_on is not None:
        occurred_on = limits.date_between(
            occurred_on, label=_("When it happened"), earliest=EARLIEST, last=timezone.localdate()
        )
    name = limits.text(name, limit=limits.NAME, label=_("Your name"))
    phone = limits.text(phone, limit=30, label=_("Contact phone"))
    if phone and not PHONE.match(phone):
        raise ValidationError(_("Give the phone number in digits, for example 13800000000."))
    return {
        "region": county,
        "facility": facility,
        "facility_text": facility_text,
        "category": category,
        "text": text,
        "occurred_on": occurred_on,
        "anonymous": not (name or phone),
        "complainant_name": name,
        "complainant_phone": phone,
    }


def _check_limits(*, source: str, phone: str, text: str) -> None:
    now = timezone.now()
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    web = Complaint.objects.filter(channel=Complaint.Channel.WEB)
    for field, value in (("source_hash", source), ("complainant_phone", phone)):
        if not value:
            continue
        recent = web.filter(**{field: value, "received_at__gte": day})
        if field == "source_hash" and recent.filter(text=text).exists():
            raise RateLimited(
                _(
                    "The same complaint was already received from here today. It is being "
                    "handled: look it up with its tracking number and query code."
                )
            )
        if recent.filter(received_at__gte=hour).count() >= settings.COMPLAINT_LIMIT_PER_HOUR:
            raise RateLimited(
                _(
                    "Too many complaints in the last hour from here or from this phone "
                    "number. Please try again in an hour, or call the bureau."
                )
            )
        if recent.count() >= settings.COMPLAINT_LIMIT_PER_DAY:
            raise RateLimited(
                _(
                    "Too many complaints today from here or from this phone number. "
                    "Please try again tomorrow, or call the bureau."
                )
            )


def _checked_photos(uploads: Collection) -> list[photos.Processed]:
    """Every photo checked by content like evidence photos; all refused if one is."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            _("Attach at most %(n)d photos (there are %(count)d).")
            % {"n": MAX_PHOTOS, "count": len(uploads)}
        )
    data = [photos.read_upload(upload) for upload in uploads]
    for one in data:
        photos.check(one)
    return [photos.process(one, stamp_lines=[]) for one in data]


def _store_photos(complaint: Complaint, processed: Iterable[photos.Processed], saved: list) -> None:
    for photo in processed:
        row = ComplaintPhoto(
            complaint=complaint,
            sha256=photo.sha256,
            format=photo.format,
            size=len(photo.original),
            width=photo.width,
            height=photo.height,
        )
        row.file.save(f"{uuid.uuid4().hex}.bin", ContentFile(photo.original), save=False)
        saved.append(row.file)
        save_with_history(row)


def _reply_due(received: date) -> date:
    return add_working_days(received, settings.COMPLAINT_REPLY_WORKING_DAYS).date


def _receive(
    *, fields: dict, channel: str, by: User | None, source: str, uploads: Collection
) -> Received:
    processed = _checked_photos(list(uploads or []))
    code = new_code()
    complaint = Complaint(
        number=_number(fields["region"], by),
        query_code_hash=hash_code(code),
        channel=channel,
        source_hash=source,
        received_by=by,
        reply_due_on=_reply_due(timezone.localdate()),
        **fields,
    )
    save_with_history(complaint, by=by)
    _store_with_cleanup(complaint, processed)
    return Received(complaint=complaint, code=code)


def _store_with_cleanup(complaint: Complaint, processed: list[photos.Processed]) -> None:
    def write(saved: list) -> None:
        _store_photos(complaint, processed, saved)

    photos.removing_files_on_failure(write)


@transaction.atomic
def complaint_submit(
    *,
    county: Region | None,
    facility: Facility | None,
    facility_text: str,
    category: str,
    text: str,
    occurred_on: date | None = None,
    name: str = "",
    phone: str = "",
    uploads: Collection = (),
    address: str = "",
) -> Received:
    """A complaint from the public form (no log-in), from client ``address``."""
    fields = _fields(
        county=county,
        facility=facility,
        facility_text=facility_text,
        category=category,
        text=text,
        occurred_on=occurred_on,
        name=name,
        phone=phone,
    )
    source = fingerprint(address)
    _check_limits(source=source, phone=fields["complainant_phone"], text=fields["text"])
    return _receive(
        fields=fields, channel=Complaint.Channel.WEB, by=None, source=source, uploads=uploads
    )


@transaction.atomic
def complaint_record(
    *,
    channel: str,
    county: Region | None,
    facility: Facility | None,
    facility_text: str,
    category: str,
    text: str,
    by: User,
    occurred_on: date | None = None,
    name: str = "",
    phone: str = "",
    uploads: Collection = (),
) -> Received:
    """A complaint received by phone, letter, visit or referral, written down by staff."""
    if channel not in STAFF_CHANNELS:
        raise ValidationError(_("Choose how the complaint was received."))
    fields = _fields(
        county=county,
        facility=facility,
        facility_text=facility_text,
        category=category,
        text=text,
        occurred_on=occurred_on,
        name=name,
        phone=phone,
    )
    policy.require(policy.complaint_record_refusal(by, fields["region"]))
    return _receive(fields=fields, channel=channel, by=by, source="", uploads=uploads)


def lookup(number: str, code: str) -> Complaint | None:
    """The complaint with this tracking number and query code, or None: a wrong code
    and an unknown number are the same answer."""
    number = (number or "").strip().upper()
    if not number or not code or len(number) > 40:
        return None
    complaint = Complaint.objects.filter(number=number).first()
    if complaint is None or not hmac.compare_digest(complaint.query_code_hash, hash_code(code)):
        return None
    return complaint


# ---------------------------------------------------------------- triage


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("region", "facility__region")
        .get(pk=complaint.pk)
    )


def _facility(complaint: Complaint, facility: Facility | None) -> Facility:
    """The registry facility a transfer or an inspection is about: the complaint's, or
    the one the lead matched it to (in the complaint's county)."""
    if complaint.facility is not None:
        return complaint.facility
    if facility is None:
        raise ValidationError(
            _("Match the complaint to a facility of the registry first (it names “%(name)s”).")
            % {"name": complaint.facility_text}
        )
    if county_of(facility.region).pk != complaint.region_id:
        raise ValidationError(_("The facility chosen is not in the complaint's county."))
    complaint.facility = facility
    return facility


def _source_note(complaint: Complaint) -> str:
    head = _("Complaint %(number)s (%(category)s): ") % {
        "number": complaint.number,
        "category": complaint.get_category_display(),
    }
    return head + complaint.text[: limits.TEXT - len(head)]


@transaction.atomic
def complaint_refuse(*, complaint: Complaint, reason: str, by: User) -> Complaint:
    """Not in the bureau's scope: the reason is the reply the complainant reads."""
    complaint = _locked(complaint)
    policy.require(policy.complaint_triage_refusal(by, complaint))
    reason = _required(
        reason,
        limit=limits.TEXT,
        label=_("Reason"),
        message=_("Say why the complaint is not in scope: the complainant reads it."),
    )
    complaint.refuse(by=by, reason=reason)
    return save_with_history(complaint, by=by)


@transaction.atomic
def complaint_answer(*, complaint: Complaint, reason: str, by: User) -> Complaint:
    """The bureau answers without an inspection; the reply follows."""
    complaint = _locked(complaint)
    policy.require(policy.complaint_triage_refusal(by, complaint))
    reason = limits.text(reason, limit=limits.SHORT, label=_("Note"))
    complaint.answer_directly(by=by, reason=reason)
    return save_with_history(complaint, by=by)


@transaction.atomic
def complaint_pass_on(
    *,
    complaint: Complaint,
    department: Department,
    legal_basis: str,
    by: User,
    reason: str = "",
    contact: str = "",
    facility: Facility | None = None,
) -> Complaint:
    """Passed to another department: an enforcement case of kind transfer, linked to
    the complaint, and its numbered transfer letter (the enforcement services)."""
    complaint = _locked(complaint)
    policy.require(policy.complaint_triage_refusal(by, complaint))
    target = TRANSFER_DEPARTMENT.get(department.kind)
    if target is None:
        raise ValidationError(_("Choose another department than civil affairs."))
    facility = _facility(complaint, facility)
    reason = limits.text(reason, limit=limits.SHORT, label=_("Note"))
    case = cases.case_open(
        facility=facility,
        kind=EnforcementCase.Kind.TRANSFER,
        facts=_source_note(complaint),
        legal_basis=legal_basis,
        complaint_ref=complaint.number,
        by=by,
    )
    case.complaint = complaint
    save_with_history(case, by=by)
    cases.transfer_send(
        case=case,
        department=target,
        department_name=department.name,
        contact=contact,
        sent_on=timezone.localdate(),
        by=by,
    )
    complaint.pass_on(by=by, reason=reason, department=department)
    return save_with_history(complaint, by=by)


@transaction.atomic
def complaint_investigate(
    *,
    complaint: Complaint,
    inspectors: Collection[InspectorProfile],
    templates: Iterable[ChecklistTemplate],
    by: User,
    reason: str = "",
    facility: Facility | None = None,
) -> Complaint:
    """Investigated by a case-triggered inspection (unannounced) of the facility,
    opened by the inspections' own service; its source note names the complaint."""
    complaint = _locked(complaint)
    policy.require(policy.complaint_triage_refusal(by, complaint))
    facility = _facility(complaint, facility)
    reason = limits.text(reason, limit=limits.SHORT, label=_("Note"))
    inspection = onsite.case_open(
        facility=facility,
        complaint=_source_note(complaint),
        inspectors=inspectors,
        templates=templates,
        by=by,
    )
    complaint.investigate(by=by, reason=reason, inspection=inspection)
    return save_with_history(complaint, by=by)


@transaction.atomic
def complaint_reply(
    *, complaint: Complaint, reply: str, substantiated: bool | None, by: User
) -> Complaint:
    """The reply the complainant reads with the query code; final."""
    complaint = _locked(complaint)
    policy.require(policy.complaint_reply_refusal(by, complaint))
    reply = _required(
        reply,
        limit=limits.TEXT,
        label=_("Reply"),
        message=_("Write the reply: the complainant reads it."),
    )
    if substantiated not in (True, False):
        raise ValidationError(_("Say whether the complaint proved true."))
    complaint.record_reply(by=by, reply=reply, substantiated=substantiated)
    return save_with_history(complaint, by=by)
