"""Licences and certificates the registry holds for a facility (食品经营许可证, 医疗机构执业
许可, 电梯定期检验, 责任保险...): recorded and renewed by the bureau staff who may edit the
facility, read by its managers; never deleted, only deactivated, with their history.
Reminders before they expire are sent by inspections.duties.licences."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import Actor, save_with_history

from . import access
from .models import Facility, Licence

# A licence expiring within this many days is shown as "expiring soon".
EXPIRING_WITHIN_DAYS = 30
# The latest expiry date accepted: a certificate valid for decades is typed by mistake.
EXPIRES_LATEST_YEARS = 50

EDITABLE = ("kind", "number", "issued_on", "expires_on")


def edit_refusal(user: Actor, facility: Facility) -> str | None:
    """Who may edit the facility in the registry (a bureau lead of its region)
    records its licences; its managers read them."""
    if not (access.can_lead(user) and access.facilities_for(user).filter(pk=facility.pk).exists()):
        return _("Only a bureau lead of the facility's region records its licences.")
    return None


def licence_state(licence: Licence, today: date | None = None) -> str:
    """``expired``, ``expiring`` (within EXPIRING_WITHIN_DAYS), ``valid`` or ``undated``."""
    today = today or timezone.localdate()
    if licence.expires_on is None:
        return "undated"
    if licence.expires_on < today:
        return "expired"
    if licence.expires_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return "expiring"
    return "valid"


def expiring(licences: QuerySet[Licence], today: date | None = None) -> QuerySet[Licence]:
    """Active licences expired or expiring within EXPIRING_WITHIN_DAYS."""
    today = today or timezone.localdate()
    return licences.filter(
        active=True, expires_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS)
    )


def _clean(values: dict) -> dict:
    kind = values.get("kind")
    if kind not in Licence.Kind.values:
        raise ValidationError(_("Choose the kind of licence from the list."))
    number = limits.text(values.get("number"), limit=limits.NAME, label=_("Number"))
    if not number:
        raise ValidationError(_("Enter the licence or certificate number."))
    today = timezone.localdate()
    issued_on, expires_on = values.get("issued_on"), values.get("expires_on")
    if issued_on is not None:
        limits.date_between(
            issued_on, label=_("Issued on"), earliest=limits.FILED_EARLIEST, last=today
        )
    if expires_on is not None:
        limits.date_between(
            expires_on,
            label=_("Expires on"),
            earliest=limits.FILED_EARLIEST,
            last=today.replace(year=today.year + EXPIRES_LATEST_YEARS),
        )
    if issued_on and expires_on and expires_on < issued_on:
        raise ValidationError(_("A licence cannot expire before it is issued."))
    return {"kind": kind, "number": number, "issued_on": issued_on, "expires_on": expires_on}


@transaction.atomic
def licence_add(*, facility: Facility, values: dict, by: Actor) -> Licence:
    """Record a licence or certificate of ``facility``."""
    refusal = edit_refusal(by, facility)
    if refusal:
        raise ValidationError(refusal)
    return save_with_history(Licence(facility=facility, **_clean(values)), by=by)


def _locked(licence: Licence) -> Licence:
    return Licence.objects.select_for_update().select_related("facility").get(pk=licence.pk)


@transaction.atomic
def licence_update(*, licence: Licence, values: dict, by: Actor) -> Licence:
    """Correct or renew a licence: a new expiry date starts its reminders again."""
    licence = _locked(licence)
    refusal = edit_refusal(by, licence.facility)
    if refusal:
        raise ValidationError(refusal)
    if not licence.active:
        raise ValidationError(_("This licence is no longer held: record a new one instead."))
    for name, value in _clean(values).items():
        setattr(licence, name, value)
    return save_with_history(licence, by=by)


@transaction.atomic
def licence_deactivate(*, licence: Licence, by: Actor, reason: str = "") -> Licence:
    """The facility no longer holds the licence: it stays, inactive, with its history."""
    licence = _locked(licence)
    refusal = edit_refusal(by, licence.facility)
    if refusal:
        raise ValidationError(refusal)
    if not licence.active:
        raise ValidationError(_("This licence is already marked as no longer held."))
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    licence.active = False
    return save_with_history(licence, by=by, reason=reason or None)
