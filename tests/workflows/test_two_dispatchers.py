"""Two dispatchers at once: two real ``workflow_timers`` processes run against the same
(committed) database on the same due alarms, and every alarm fires exactly once.

Each child process loads Django, says it is ready and waits; both are released
together so their sweeps overlap instead of one finding the other's work done."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from benchmarks.timers_bench import supervised_majors
from core.models import Notification
from inspections.duties.models import Duty, DutyRule, LicenceAlarm
from inspections.duties.schedule import period_of, rule_facilities
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard, HazardAlarm
from registry import licences
from registry.models import User
from workflows import flows

HAZARDS = 30

# Loads Django, reports ready, waits for the go, then runs the command as manage.py does.
CHILD = """
import sys
import django
django.setup()
from django.core.management import ManagementUtility
print("ready", flush=True)
sys.stdin.readline()
ManagementUtility(["manage.py", "workflow_timers"]).execute()
"""


def database_url() -> str:
    """The test database (its per-worker name under pytest-xdist) as a DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    assert connection.vendor == "postgresql", connection.vendor
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}{port}/{quote(db['NAME'], safe='')}"


def run_two_dispatchers() -> list[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "PYTHONUNBUFFERED": "1",
    }
    children = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", CHILD],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = []
        for child in children:
            out, err = child.communicate(timeout=180)
            assert child.returncode == 0, err
            # A sweep that fails on one row logs it and carries on: none may have.
            assert "Traceback" not in err, err
            outputs.append(out)
        return outputs
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def total(outputs: list[str], what: str) -> int:
    """The sum over both dispatchers of the count each printed before ``what``."""
    counts = [re.search(rf"^(\d+) {re.escape(what)}", out, re.MULTILINE) for out in outputs]
    assert all(counts), (what, outputs)
    return sum(int(match.group(1)) for match in counts if match)


def test_the_project_flows_have_no_start_timers_a_second_dispatcher_would_double() -> None:
    # viewflow's start timers have no row to lock (its own docs: run one dispatcher);
    # its task timers are re-checked under the process lock and are safe.
    from viewflow.workflow.nodes import StartTimer

    for flow_class in (flows.InspectionFlow, flows.HazardFlow):
        nodes = list(flow_class.instance.nodes())
        assert nodes, flow_class
        assert not [node for node in nodes if isinstance(node, StartTimer)], flow_class


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_fire_each_alarm_exactly_once(
    suite_clock, world, lead: User, manager: User
) -> None:
    # The children keep the real clock: so does the data made here.
    suite_clock.move_to(datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC))
    today = timezone.localdate()
    facility = world["facility"]

    # Hazards past their due date: each is marked overdue and escalated once.
    hazards = [
        hazard_services.hazard_register(
            facility=facility,
            severity=Hazard.Severity.GENERAL,
            source="complaint",
            description=f"消防通道堆放杂物 {n}",
            found_on=today - timedelta(days=14),
            deadline_days=5,
            self_reported=True,
            by=lead,
        )
        for n in range(HAZARDS)
    ]
    assert Hazard.objects.filter(next_alarm_at__lte=timezone.now()).count() == HAZARDS
    # A licence a week from expiring: its managers are reminded once.
    licence = licences.licence_add(
        facility=facility,
        values={
            "kind": "food",
            "number": "JY14306020000001",
            "issued_on": today - timedelta(days=900),
            "expires_on": today + timedelta(days=7),
        },
        by=lead,
    )
    # A daily duty: today's duty of each facility is created once, and yesterday's,
    # still open, is late and told about once.
    rule = DutyRule.objects.create(
        region=world["county"],
        kind=DutyRule.Kind.FIRE_PATROL,
        every=DutyRule.Every.DAY,
        starts_on=today - timedelta(days=30),
    )
    yesterday = today - timedelta(days=1)
    late = Duty.objects.create(
        rule=rule,
        facility=facility,
        kind=rule.kind,
        period_start=yesterday,
        period_end=yesterday,
        due_on=yesterday,
    )
    facilities = rule_facilities(rule).count()
    assert facilities >= 2
    told_before = Notification.objects.filter(user=manager).count()

    outputs = run_two_dispatchers()

    # Every hazard was marked overdue once, by one of the two.
    sent = HazardAlarm.objects.filter(sent=True)
    assert set(sent.filter(kind="overdue").values_list("hazard", flat=True)) == {
        h.pk for h in hazards
    }
    assert total(outputs, "hazard alarm(s) acted on") == sent.count()
    assert Hazard.objects.filter(status=Hazard.Status.OVERDUE).count() == HAZARDS
    # The licence reminder went once.
    assert LicenceAlarm.objects.filter(licence=licence).count() == 1
    assert total(outputs, "licence expiry reminder(s) sent") == 1
    # Today's duties exist once each and were counted once; the late one was told once.
    start, _end = period_of(rule.every, today)
    assert Duty.objects.filter(rule=rule, period_start=start).count() == facilities
    assert total(outputs, "duty(ies) of the current period created") == facilities
    late.refresh_from_db()
    assert late.late_notified_at is not None
    assert total(outputs, "late duty(ies) told about") == 1
    # Nobody was told anything twice, and everyone concerned was told.
    twice = (
        Notification.objects.values("user", "text", "url").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert list(twice) == []
    # The managers hear of each hazard alarm acted on, the licence, the late duty, and
    # each of their tasks now overdue (fixing each hazard) once.
    tasks = total(outputs, "overdue task(s) told about")
    assert tasks == HAZARDS
    told = Notification.objects.filter(user=manager).count() - told_before
    assert told == sent.count() + 2 + tasks


BURST = 1000


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_share_a_burst_of_a_thousand_alarms_each_fired_once(suite_clock) -> None:
    # The children keep the real clock: so does the data made here.
    suite_clock.move_to(datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC))
    # Supervisions opened two months ago: last month's progress reminder is due now.
    first = timezone.localdate().replace(day=1)
    two_months_ago = (first - timedelta(days=32)).replace(day=1)
    opened = timezone.make_aware(datetime.combine(two_months_ago, datetime.min.time()))
    hazards = supervised_majors(BURST, 100, opened_at=opened)
    now = timezone.now()
    assert Hazard.objects.filter(next_alarm_at__lte=now).count() == BURST

    outputs = run_two_dispatchers()

    fired = HazardAlarm.objects.filter(hazard__in=hazards)
    # Every hazard had its reminder (and this month's, from the 25th on), once.
    assert set(fired.values_list("hazard", flat=True)) == {h.pk for h in hazards}
    assert total(outputs, "hazard alarm(s) acted on") == fired.count() >= BURST
    # On PostgreSQL each dispatcher took part: row locks let them share the batches
    # rather than one doing all. SQLite locks the whole database for a writer and its
    # busy handler is not fair, so there one may take every batch: correct, not shared.
    shares = [
        int(re.search(r"^(\d+) hazard alarm", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
        for out in outputs
    ]
    if connection.vendor == "postgresql":
        assert all(shares), shares
    told = Notification.objects.filter(url__startswith="/inspections/hazards/")
    assert told.count() == fired.count()
    twice = told.values("user", "text", "url").annotate(n=Count("pk")).filter(n__gt=1)
    assert list(twice) == []
    assert not Hazard.objects.filter(
        pk__in=[h.pk for h in hazards], next_alarm_at__lte=now
    ).exists()
