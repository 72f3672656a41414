"""Timer bursts: the monthly progress reminders of every supervised major hazard fall
on one day. The dispatcher fires them in batches, in a number of queries that does
not grow with each alarm, spread over the working day; with nothing due its run costs
the same however many hazards are open (docs/scaling.md, "Timer bursts")."""

from datetime import date, datetime, time, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import ChangeLog
from benchmarks.timers_bench import supervised_majors
from core.models import Notification
from inspections.hazards import alarms
from inspections.hazards.models import Hazard, HazardAlarm
from inspections.hazards.schedule import PROGRESS_DAY, progress_at


def reminder_day(opened: date) -> date:
    return (opened.replace(day=1) + timedelta(days=32)).replace(day=PROGRESS_DAY)


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def test_progress_reminders_are_spread_over_the_working_day() -> None:
    day = date(2027, 3, PROGRESS_DAY)
    moments = [progress_at(Hazard(pk=pk), day) for pk in range(1, 1001)]
    assert all(local(m).date() == day for m in moments)
    assert all(time(9) <= local(m).time() < time(17) for m in moments)
    # The same hazard, the same minute every month (and every time it is asked).
    assert progress_at(Hazard(pk=7), day) == progress_at(Hazard(pk=7), day)
    assert local(progress_at(Hazard(pk=7), date(2027, 4, 25))).time() == local(moments[6]).time()
    # Spread: every hour of the day has its share, no minute more than a handful.
    per_hour = {hour: 0 for hour in range(9, 17)}
    for moment in moments:
        per_hour[local(moment).hour] += 1
    assert min(per_hour.values()) >= 1000 // 8 // 2
    per_minute = {local(m).time() for m in moments}
    assert len(per_minute) >= 400


def test_a_burst_fires_each_alarm_once_in_queries_per_batch_not_per_alarm(
    db, django_capture_on_commit_callbacks
) -> None:
    count = 2 * alarms.BATCH
    hazards = supervised_majors(count, 40)
    moment = timezone.make_aware(datetime.combine(reminder_day(timezone.localdate()), time(17)))
    assert Hazard.objects.filter(next_alarm_at__lte=moment).count() == count
    changes_before = ChangeLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=False) as delivered:
            assert alarms.hazard_alarms_dispatch(now=moment) == count
    # Two batches: a few dozen queries each, whatever the number of alarms in it.
    assert len(queries) <= 1 + 2 * 50, len(queries)
    # The channels deliver after commit: one callback a batch.
    assert len(delivered) == 2
    fired = HazardAlarm.objects.filter(hazard__in=hazards)
    assert fired.count() == count
    assert set(fired.values_list("kind", flat=True)) == {HazardAlarm.Kind.PROGRESS}
    told = Notification.objects.filter(text__contains=hazards[0].register_no[:6])
    assert told.count() == count
    assert not told.values("user", "text").annotate(n=Count("pk")).filter(n__gt=1).exists()
    # Each row written has its history and its link in the chain, which verifies.
    assert ChangeLog.objects.count() - changes_before == 2 * count
    assert HazardAlarm.history.filter(hazard_id__in=[h.pk for h in hazards]).count() == count
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK")
    # Each hazard's next alarm is next month's reminder, at its own minute again.
    hazard = Hazard.objects.get(pk=hazards[0].pk)
    following = reminder_day(reminder_day(timezone.localdate()))
    assert hazard.next_alarm_at == progress_at(hazard, following)
    assert alarms.hazard_alarms_dispatch(now=moment) == 0


def empty_sweep_queries() -> int:
    call_command("workflow_timers", stdout=StringIO())  # warm (content types, caches)
    with CaptureQueriesContext(connection) as queries:
        call_command("workflow_timers", stdout=StringIO())
    return len(queries)


def test_a_run_with_nothing_due_costs_the_same_whatever_is_open(db) -> None:
    supervised_majors(5, 5, tag=91)
    few = empty_sweep_queries()
    supervised_majors(45, 5, tag=92)
    assert Hazard.objects.filter(next_alarm_at__isnull=False).count() == 50
    assert empty_sweep_queries() == few
