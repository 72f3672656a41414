"""Reminders before a registry licence or certificate expires (``LicenceAlarm``).

``manage.py workflow_timers`` calls ``licence_alarms_dispatch``. For each active licence
with an expiry date it finds the nearest threshold of settings.LICENCE_REMINDER_DAYS
reached (60, 30, 7 days before; 0: expired) and, when that reminder was not yet sent for
this expiry date, tells the facility's managers (at 0 also the bureau leads covering
it). A reminder is recorded once per licence, threshold and expiry date (the model's
unique constraint), so a dispatcher that restarts or runs twice never repeats one, and
a licence renewed with a new expiry date is reminded afresh. A dispatcher back after a
pause sends only the nearest threshold, not every one it missed.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import save_with_history
from core.notifications import notify
from inspections.common import notify_managers
from inspections.duties.models import LicenceAlarm
from inspections.hazards.services import leads_covering
from registry.models import Licence


def threshold_reached(expires_on: date, today: date, thresholds: tuple[int, ...]) -> int | None:
    """The nearest threshold (fewest days) whose day has come, or None."""
    left = (expires_on - today).days
    reached = [days for days in thresholds if left <= days]
    return min(reached) if reached else None


def licence_alarms_dispatch(today: date | None = None) -> int:
    """Send the licence reminders that are due; returns how many were sent. The check
    costs two queries whatever the number of licences; each reminder sent is written
    in its own transaction."""
    today = today or timezone.localdate()
    thresholds = tuple(settings.LICENCE_REMINDER_DAYS)
    horizon = today + timedelta(days=max(thresholds))
    due = list(
        Licence.objects.filter(
            active=True, facility__active=True, expires_on__isnull=False, expires_on__lte=horizon
        )
        .select_related("facility__region")
        .order_by("expires_on", "pk")
    )
    sent_before = set(
        LicenceAlarm.objects.filter(licence__in=[licence.pk for licence in due]).values_list(
            "licence_id", "days_before", "expires_on"
        )
    )
    sent = 0
    for licence in due:
        expires_on = licence.expires_on
        assert expires_on is not None  # filtered above
        days = threshold_reached(expires_on, today, thresholds)
        if days is None or (licence.pk, days, expires_on) in sent_before:
            continue
        try:
            with transaction.atomic():
                save_with_history(
                    LicenceAlarm(licence=licence, days_before=days, expires_on=expires_on)
                )
                _remind(licence, expires_on, days)
        except IntegrityError:  # another dispatcher sent it first
            continue
        sent += 1
    return sent


def _remind(licence: Licence, expires_on: date, days: int) -> None:
    facility = licence.facility
    values = {
        "kind": licence.get_kind_display(),
        "number": licence.number,
        "facility": facility.name,
        "date": expires_on.isoformat(),
        "days": days,
    }
    url = f"{facility.get_absolute_url()}#licences"
    if days > 0:
        text = (
            _(
                "%(kind)s %(number)s of %(facility)s expires on %(date)s, in %(days)d days "
                "or less: renew it in time."
            )
            % values
        )
        notify_managers(facility=facility, text=text, url=url, by=None)
        return
    text = (
        _("%(kind)s %(number)s of %(facility)s expired on %(date)s: it is no longer valid.")
        % values
    )
    notify_managers(facility=facility, text=text, url=url, by=None)
    for lead in leads_covering(facility):
        notify(user=lead, text=text, url=url, by=None)
