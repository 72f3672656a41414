"""Timer bursts: what one ``workflow_timers`` dispatch costs per fired hazard alarm
(see run.py for the figures, docs/scaling.md "Timer bursts").

The burst is the monthly progress reminder of every supervised major hazard, which
falls on the same day: ``ALARMS`` open major hazards (their plans filed, due months
ahead) are registered through the services, in ``FACILITIES`` facilities of one
county with a manager each, then the hazards' alarms are dispatched at the end of
the reminder day, when every one of them is due.

On its own it runs on ``DATABASE_URL`` (a throwaway SQLite database when unset), e.g.
on PostgreSQL: ``scripts/with-postgres.sh .venv/bin/python benchmarks/timers_bench.py``.
"""

import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ALARMS = 1000
FACILITIES = 200
EMPTY_OPEN = (5, 50)


class QueryCounter:
    """Counts the queries of the default connection while it is installed."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _counted(function):
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        result = function()
    return result, counter.count


def _world(facilities, tag):
    from registry.creditcode import check_character
    from registry.models import Facility, Region, User

    county = Region.objects.create(code=f"4306{tag:02d}", name=f"县{tag}")
    lead = User.objects.create_user(username=f"lead{tag}", role="lead")
    lead.regions.set([county])
    places = []
    for n in range(facilities):
        body = f"5243{tag:02d}00MJ{n:07d}"
        facility = Facility.objects.create(
            name=f"养老院{tag}-{n}",
            credit_code=body + check_character(body),
            type="care_home",
            address="县城",
            region=county,
        )
        manager = User.objects.create_user(username=f"m{tag}-{n}", role="manager")
        facility.managers.add(manager)
        places.append((facility, manager))
    return lead, places


def _majors(count, facilities, tag):
    """``count`` open major hazards with their plans filed, due four months on."""
    from django.utils import timezone

    from inspections.hazards import services

    lead, places = _world(facilities, tag)
    today = timezone.localdate()
    hazards = []
    for n in range(count):
        facility, manager = places[n % len(places)]
        hazard = services.hazard_register(
            facility=facility,
            severity="major",
            source="complaint",
            description=f"疏散通道堵塞 {n}",
            found_on=today,
            deadline_days=90,
            self_reported=True,
            by=lead,
        )
        services.supervision_plan_file(
            supervision=hazard.supervision,
            measures="更换防火门",
            responsible_person="院长",
            funds="自筹",
            plan_deadline=hazard.due_on,
            contingency_plan="专人值守",
            by=manager,
        )
        hazards.append(hazard)
    return hazards


def supervised_majors(count, facilities, tag=90, opened_at=None):
    """``count`` open supervised major hazards (plans filed, due four months on) in
    ``facilities`` facilities of a new county with a manager each, written in bulk
    with their history (``core.audited.bulk_create_with_history``): seconds instead
    of the services' minutes for a thousand. ``opened_at``: when their supervision
    opened (now unless given). They have no flow process, which their
    progress reminders do not need (they change nothing the flow follows). Returns
    the hazards, their next alarm stored."""
    from django.utils import timezone

    from core.audited import bulk_create_with_history, save_with_history
    from core.workdays import add_working_days
    from inspections.hazards import schedule
    from inspections.hazards.models import Hazard, Supervision
    from registry.creditcode import check_character
    from registry.models import Facility, Region, User

    county = Region.objects.create(code=f"4306{tag:02d}", name=f"县{tag}")
    lead = User.objects.create_user(username=f"lead{tag}", role="lead")
    lead.regions.set([county])
    places = []
    for n in range(facilities):
        body = f"5243{tag:02d}00MJ{n:07d}"
        places.append(
            Facility(
                name=f"养老院{tag}-{n}",
                credit_code=body + check_character(body),
                type="care_home",
                address="县城",
                region=county,
            )
        )
    managers = [User(username=f"m{tag}-{n}", role="manager") for n in range(facilities)]
    for facility, manager in zip(places, managers, strict=True):
        save_with_history(facility, by=lead)  # its directory number is drawn in save()
        manager.set_unusable_password()
        save_with_history(manager, by=lead)
    Facility.managers.through.objects.bulk_create(
        [
            Facility.managers.through(facility_id=f.pk, user_id=m.pk)
            for f, m in zip(places, managers, strict=True)
        ]
    )
    today = timezone.localdate()
    due = add_working_days(today, 90)
    hazards = [
        Hazard(
            register_no=f"4306{tag:02d}-{today.year}-{n:05d}",
            facility=places[n % facilities],
            region_id=places[n % facilities].region_id,
            severity=Hazard.Severity.MAJOR,
            source=Hazard.Source.COMPLAINT,
            self_reported=True,
            description=f"疏散通道堵塞 {n}",
            found_on=today,
            deadline_days=90,
            due_on=due.date,
            status=Hazard.Status.RECTIFYING,
        )
        for n in range(count)
    ]
    bulk_create_with_history(hazards, by=lead)
    now = opened_at or timezone.now()
    supervisions = [
        Supervision(
            hazard=hazard,
            lead=lead,
            opened_at=now,
            plan_due_on=add_working_days(today, 10).date,
            measures="更换防火门",
            responsible_person="院长",
            funds="自筹",
            plan_deadline=due.date,
            contingency_plan="专人值守",
            plan_filed_at=now,
        )
        for hazard in hazards
    ]
    bulk_create_with_history(supervisions, by=lead)
    for start in range(0, count, 500):
        chunk = hazards[start : start + 500]
        found, fired, known = schedule.known_of(chunk)
        for hazard in chunk:
            alarm = schedule.next_alarm(
                hazard, found.get(hazard.pk), fired[hazard.pk], known[hazard.pk]
            )
            schedule.next_alarm_save(hazard, alarm)
    return hazards


def _reminder_day_end():
    """The end of the working day of the first monthly progress reminder, when every
    hazard registered today has it due (and nothing else)."""
    from django.utils import timezone

    from inspections.hazards.schedule import PROGRESS_DAY

    today = timezone.localdate()
    month = (today.replace(day=1) + timedelta(days=32)).replace(day=PROGRESS_DAY)
    return timezone.make_aware(datetime.combine(month, clock(23, 0)))


def bench_timers(alarms=ALARMS, facilities=FACILITIES):
    """``timers_fire_per_s``: due hazard alarms fired per second by one dispatch of
    ``ALARMS`` due monthly progress reminders (aim: at least 100);
    ``timers_queries_per_alarm``: its queries per alarm; ``timers_empty_sweep_queries``:
    the queries of a whole ``workflow_timers`` run with nothing due (the same with
    5 and 50 open hazards: ``timers_empty_sweep_growth`` is their difference, aim 0)."""
    import logging
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from inspections.hazards.alarms import hazard_alarms_dispatch
    from inspections.hazards.models import Hazard, HazardAlarm

    def empty_sweep():
        call_command("workflow_timers", stdout=StringIO())

    # The log channel still runs for every notification; its lines are not wanted here.
    logging.getLogger("core.channels").setLevel(logging.WARNING)
    empty = {}
    tag = 1
    for open_hazards in EMPTY_OPEN:
        _majors(open_hazards - Hazard.objects.filter(next_alarm_at__isnull=False).count(), 5, tag)
        tag += 1
        empty_sweep()  # warm up (content types, caches)
        empty[open_hazards] = _counted(empty_sweep)[1]

    # The hazards of the empty sweeps have their reminder that day too: they count.
    hazards = supervised_majors(
        alarms - Hazard.objects.filter(next_alarm_at__isnull=False).count(), facilities, tag
    )
    moment = _reminder_day_end()
    due = Hazard.objects.filter(next_alarm_at__lte=moment).count()
    before = HazardAlarm.objects.count()
    hazards[0].get_absolute_url()  # URLs load once a process, not once an alarm
    start = time.perf_counter()
    acted, queries = _counted(lambda: hazard_alarms_dispatch(now=moment))
    seconds = time.perf_counter() - start
    fired = HazardAlarm.objects.count() - before
    assert fired == acted == due == alarms, (fired, acted, due, len(hazards))
    return {
        "timers_alarms": fired,
        "timers_fire_s": round(seconds, 2),
        "timers_fire_per_s": round(fired / seconds, 1),
        "timers_fire_aim_per_s": 100,
        "timers_queries_per_alarm": round(queries / fired, 2),
        "timers_empty_sweep_queries": empty[EMPTY_OPEN[-1]],
        "timers_empty_sweep_growth": empty[EMPTY_OPEN[-1]] - empty[EMPTY_OPEN[0]],
        "timers_database": connection.vendor,
    }


def main():
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    workdir = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir.name}/timers.sqlite3")
    os.environ["VAR_DIR"] = workdir.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    alarms = int(os.environ.get("TIMERS_BENCH_ALARMS", ALARMS))
    print(json.dumps(bench_timers(alarms), sort_keys=True))
    workdir.cleanup()


if __name__ == "__main__":
    main()
