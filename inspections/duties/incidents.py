"""Incidents (突发事件) the facility reports to the bureau, and their follow-ups (续报).

A facility's manager reports a fire, a food poisoning, a fall with serious injury, a
missing resident or another emergency: it is numbered ``<county>-<year>-SJ0001`` in the
county's series, due ``INCIDENT_REPORT_HOURS[kind]`` hours after it happened (a report
after that is flagged late), and the bureau leads covering the facility are told at
once. The managers or a lead add follow-ups; the final one closes the incident.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import save_with_history
from core.notifications import notify
from core.numbers import next_number
from inspections import access, policy
from inspections.common import _user, notify_managers
from inspections.duties.models import Incident, IncidentReport
from inspections.hazards.services import leads_covering
from registry.models import Facility, User

# The most people one report counts as dead or injured (a typing slip beyond that).
PEOPLE_MAX = 1000
# An incident reported more than this long after it happened is refused as a mistake.
OCCURRED_WITHIN_DAYS = 366


def report_due_at(kind: str, occurred_at: datetime) -> datetime:
    return occurred_at + timedelta(hours=settings.INCIDENT_REPORT_HOURS[kind])


def lateness(incident: Incident) -> timedelta | None:
    """How long after its due time the incident was reported, or None if in time."""
    late = incident.reported_at - incident.report_due_at
    return late if late > timedelta(0) else None


def lateness_text(incident: Incident) -> str:
    """How late the report was, for people ("2 h 5 min"), or an empty text if in time."""
    late = lateness(incident)
    if late is None:
        return ""
    minutes = int(late.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": max(minutes, 1)}


def _people(value: object, label: str) -> int:
    try:
        number = int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValidationError(_("%(field)s must be a whole number.") % {"field": label}) from None
    if not 0 <= number <= PEOPLE_MAX:
        raise ValidationError(
            _("%(field)s must be between 0 and %(max)d.") % {"field": label, "max": PEOPLE_MAX}
        )
    return number


@transaction.atomic
def incident_report(
    *,
    facility: Facility,
    kind: str,
    occurred_at: datetime,
    summary: str,
    by: User,
    place: str = "",
    deaths: int = 0,
    injured: int = 0,
    measures: str = "",
) -> Incident:
    """Report an incident of ``facility`` to the bureau: numbered, its due time set by
    its kind, and the leads covering the facility told at once."""
    policy.require(policy.incident_report_refusal(by, facility))
    if kind not in Incident.Kind.values:
        raise ValidationError(_("Choose the kind of incident from the list."))
    now = timezone.now()
    if occurred_at is None:
        raise ValidationError(_("Enter when it happened."))
    if occurred_at > now:
        raise ValidationError(_("When it happened cannot be in the future."))
    if occurred_at < now - timedelta(days=OCCURRED_WITHIN_DAYS):
        raise ValidationError(_("When it happened cannot be more than a year ago."))
    place = limits.text(place, limit=limits.LINE, label=_("Place"))
    summary = limits.text(summary, limit=limits.TEXT, label=_("What happened"))
    measures = limits.text(measures, limit=limits.TEXT, label=_("Measures taken"))
    if not summary:
        raise ValidationError(_("Say what happened."))
    deaths = _people(deaths, _("Deaths"))
    injured = _people(injured, _("Injured"))

    county = facility.region.code[:6]
    year = timezone.localdate(now).year
    serial = next_number(series=f"incident:{county}", year=year, by=by)
    incident = save_with_history(
        Incident(
            number=f"{county}-{year}-SJ{serial:04d}",
            facility=facility,
            kind=kind,
            occurred_at=occurred_at,
            place=place,
            summary=summary,
            deaths=deaths,
            injured=injured,
            measures=measures,
            reported_at=now,
            reported_by=_user(by),
            report_due_at=report_due_at(kind, occurred_at),
        ),
        by=by,
    )
    values = {
        "number": incident.number,
        "facility": facility.name,
        "kind": incident.get_kind_display(),
        "deaths": deaths,
        "injured": injured,
    }
    text = (
        _(
            "Incident %(number)s at %(facility)s: %(kind)s; %(deaths)d dead, %(injured)d "
            "injured. Read the report now."
        )
        % values
    )
    if incident.reported_late:
        text += " " + _("It was reported after the required time.")
    for lead in leads_covering(facility):
        notify(user=lead, text=text, url=incident.get_absolute_url(), by=by)
    return incident


@transaction.atomic
def incident_follow_up(
    *, incident: Incident, text: str, by: User, final: bool = False
) -> IncidentReport:
    """Add a follow-up (续报) to ``incident``; the final one closes it. The other side is
    told: the leads when a manager writes, the managers when a lead does."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("facility__region")
        .get(pk=incident.pk)
    )
    policy.require(policy.incident_follow_up_refusal(by, incident))
    text = limits.text(text, limit=limits.TEXT, label=_("Follow-up"))
    if not text:
        raise ValidationError(_("Write the follow-up."))
    report = save_with_history(
        IncidentReport(incident=incident, text=text, final=bool(final), written_by=_user(by)),
        by=by,
    )
    if final:
        incident.close(by=by)
        save_with_history(incident, by=by)
    values = {"number": incident.number, "facility": incident.facility.name}
    message = (
        _("Final report on incident %(number)s at %(facility)s: the incident is closed.")
        if final
        else _("Follow-up on incident %(number)s at %(facility)s.")
    ) % values
    url = incident.get_absolute_url()
    if access.manages(incident.facility, by):
        for lead in leads_covering(incident.facility):
            notify(user=lead, text=message, url=url, by=by)
    else:
        notify_managers(facility=incident.facility, text=message, url=url, by=by)
    return report
