"""``manage.py workflow_timers``, the one dispatcher cron or systemd runs every minute:
viewflow's due timers and scheduled starts, the cancelling of drawn inspections whose
plan window ended before they started (then an unannounced draw is revealed), the
removal of photo uploads left
unfinished longer than ``PHOTO_UPLOAD_STALE_HOURS``, the hazards' deadline alarms
whose ``Hazard.next_alarm_at`` has come, the reminders of transfers whose feedback is
late, the reminders of licences about to expire, then the people of tasks newly overdue. It
replaces viewflow's command of the same name because ``workflows`` is listed before
``viewflow`` in INSTALLED_APPS. Two dispatchers may run at once (on two machines): every
sweep claims its rows by a row lock or a unique row before acting, so each alarm fires once
(tests/workflows/test_two_dispatchers.py)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from viewflow.management.commands.workflow_timers import Command as ViewflowTimers

from inspections.complaints.alarms import complaint_alarms_dispatch
from inspections.duties.licences import licence_alarms_dispatch
from inspections.duties.schedule import duties_dispatch, duties_late_notify
from inspections.enforcement.cases import transfer_reminders_dispatch
from inspections.hazards.alarms import hazard_alarms_dispatch
from inspections.onsite.services import uploads_expire
from inspections.planning import services as planning_services
from workflows.services import tasks_overdue_notify


class Command(ViewflowTimers):
    help = "Fire due workflow timers, scheduled process starts and hazard deadline alarms"

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        # A sweep, not a timer per draw: it covers every plan, and one that fails is
        # rolled back and simply runs again on the next dispatch.
        with transaction.atomic():
            cancelled = planning_services.plan_windows_close()
        self.stdout.write(f"{len(cancelled)} inspection(s) past their window cancelled")
        stale = timezone.now() - timedelta(hours=settings.PHOTO_UPLOAD_STALE_HOURS)
        removed = uploads_expire(before=stale)
        self.stdout.write(f"{removed} unfinished photo upload(s) removed")
        acted = hazard_alarms_dispatch()
        self.stdout.write(f"{acted} hazard alarm(s) acted on")
        reminded = transfer_reminders_dispatch()
        self.stdout.write(f"{reminded} late transfer feedback reminder(s) sent")
        complained = complaint_alarms_dispatch()
        self.stdout.write(f"{complained} complaint reply reminder(s) sent")
        licences = licence_alarms_dispatch()
        self.stdout.write(f"{licences} licence expiry reminder(s) sent")
        # Idempotent sweeps: a duty exists once per rule, facility and period, and a
        # late duty is told about once, however often (or concurrently) this runs.
        created = duties_dispatch()
        self.stdout.write(f"{created} duty(ies) of the current period created")
        late = duties_late_notify()
        self.stdout.write(f"{late} late duty(ies) told about")
        told = tasks_overdue_notify()
        self.stdout.write(f"{told} overdue task(s) told about")
