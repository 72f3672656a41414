"""Reminders about complaint replies: the county's leads are told on the day the reply
is due, the day after when it is late, and again every ``LATE_EVERY_WORKING_DAYS``
working days until it is replied. Each reminder is a ``ComplaintAlarm`` row, unique per
complaint, kind and day, so it goes off once however often the dispatcher runs."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import save_with_history
from core.notifications import notify
from core.workdays import add_working_days, working_days_between
from inspections.access import active_leads
from inspections.complaints.models import Complaint, ComplaintAlarm
from registry.models import User

LATE_EVERY_WORKING_DAYS = 5
OPEN = (
    Complaint.Status.RECEIVED,
    Complaint.Status.PASSED_ON,
    Complaint.Status.ANSWERING,
    Complaint.Status.INVESTIGATING,
)


def alarm_due(complaint: Complaint, today: date) -> tuple[str, date] | None:
    """The reminder that should have gone off by ``today``: the latest only."""
    due = complaint.reply_due_on
    if today < due:
        return None
    if today == due:
        return ComplaintAlarm.Kind.DUE, due
    first = due + timedelta(days=1)
    passed = working_days_between(first, today) // LATE_EVERY_WORKING_DAYS
    if passed:
        return ComplaintAlarm.Kind.LATE, add_working_days(
            first, passed * LATE_EVERY_WORKING_DAYS
        ).date
    return ComplaintAlarm.Kind.LATE, first


def county_leads(complaint: Complaint) -> QuerySet[User]:
    """Active bureau leads whose regions contain the complaint's county."""
    parts = complaint.region.path.rstrip("/").split("/")
    paths = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    return active_leads().filter(regions__path__in=paths).distinct()


def _tell(complaint: Complaint, kind: str) -> None:
    if kind == ComplaintAlarm.Kind.DUE:
        text = _("The reply to complaint %(number)s is due today (%(date)s).")
    else:
        text = _("The reply to complaint %(number)s is late: it was due on %(date)s.")
    text %= {"number": complaint.number, "date": complaint.reply_due_on.isoformat()}
    for lead in county_leads(complaint):
        notify(user=lead, text=text, url=complaint.get_absolute_url(), by=None)


def complaint_alarms_dispatch(now: datetime | None = None) -> int:
    """Send the reminders due by ``now``; returns how many went off."""
    today = timezone.localdate(now or timezone.now())
    fired = 0
    waiting = Complaint.objects.filter(status__in=OPEN, reply_due_on__lte=today).select_related(
        "region"
    )
    for complaint in waiting:
        alarm = alarm_due(complaint, today)
        if alarm is None:
            continue
        kind, on = alarm
        if complaint.alarms.filter(kind=kind, on=on).exists():
            continue
        try:
            with transaction.atomic():
                save_with_history(ComplaintAlarm(complaint=complaint, kind=kind, on=on))
                _tell(complaint, kind)
        except IntegrityError:  # another dispatcher sent it first
            continue
        fired += 1
    return fired
