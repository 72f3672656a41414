"""``manage.py workflow_timers``, the one dispatcher cron or systemd runs every minute:
viewflow's due timers and scheduled starts, then the hazards' deadline alarms whose
``Hazard.next_alarm_at`` has come. It replaces viewflow's command of the same name
because ``workflows`` is listed before ``viewflow`` in INSTALLED_APPS."""

from typing import Any

from viewflow.management.commands.workflow_timers import Command as ViewflowTimers

from inspections.hazards.alarms import hazard_alarms_dispatch


class Command(ViewflowTimers):
    help = "Fire due workflow timers, scheduled process starts and hazard deadline alarms"

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        acted = hazard_alarms_dispatch()
        self.stdout.write(f"{acted} hazard alarm(s) acted on")
