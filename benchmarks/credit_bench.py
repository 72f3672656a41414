"""The monthly credit run over a national-scale file, against one plain aggregate over
the same events (see run.py for the figures).

Each facility's ten events are hazards of the register (general ones, and major ones
older than the key list's window). The first run reads all 400,000 facts from the
register (no source has been read yet); a monthly run after it asks each source only
for what changed since the last run, as in production. Facilities, hazards and events are written in
bulk (the services would take hours and time nothing of the run), each facility's
class already what the rules compute: the run is the steady month, scoring everything
and proposing nothing. Set ``CREDIT_BENCH_FACILITIES`` for a smaller directory (a
smoke run).
"""

import os
import random
import time
from datetime import timedelta

FACILITIES = int(os.environ.get("CREDIT_BENCH_FACILITIES", "40000"))
EVENTS_PER_FACILITY = 10
COUNTIES = 100


def _file(rng, today):
    """Ten hazards spread over the last four years (the oldest no longer count); a
    major one only before the key list's 12-month window, so none proposes it."""
    hazards = []
    for _ in range(EVENTS_PER_FACILITY):
        found_on = today - timedelta(days=rng.randrange(1, 4 * 365))
        major = found_on < today - timedelta(days=400) and rng.random() < 0.2
        hazards.append(("major" if major else "general", found_on))
    return hazards


def _moment(day):
    from datetime import datetime, time

    from django.utils import timezone

    return datetime.combine(day, time(9), timezone.get_current_timezone())


def _setup(today):
    from django.db.models import QuerySet
    from django.utils import timezone

    from inspections.credit import rules as credit_rules
    from inspections.credit.models import CreditEvent
    from inspections.hazards.models import Hazard
    from registry.creditcode import check_character
    from registry.models import Facility, Region

    rules = credit_rules.current()
    province = Region.objects.create(code="430000", name="湖南省")
    counties = [
        Region.objects.create(
            code=f"43{n // 10 + 1:02d}{n % 10 + 1:02d}", name=f"县{n}", parent=province
        )
        for n in range(COUNTIES)
    ]
    rng = random.Random(2026)
    files, classes = [], []
    for _n in range(FACILITIES):
        while True:
            hazards = _file(rng, today)
            kinds = {"general": "hazard_general", "major": "hazard_major"}
            score, _basis = rules.basis(
                [CreditEvent(kind=kinds[sev], occurred_on=day) for sev, day in hazards], today
            )
            risk_class = rules.class_of(score)
            # Class D would put the facility on the key list: draw its file again.
            if risk_class != "D":
                break
        files.append(hazards)
        classes.append(risk_class)

    facilities = QuerySet(model=Facility).bulk_create(
        (
            Facility(
                name=f"养老院{n}",
                credit_code=f"52430000MJ{n:07d}" + check_character(f"52430000MJ{n:07d}"),
                directory_no=f"{counties[n % COUNTIES].code}-{n:06d}",
                type="care_home",
                address="湖南省",
                region=counties[n % COUNTIES],
                star_level=0,
                risk_class=classes[n],
            )
            for n in range(FACILITIES)
        ),
        batch_size=2000,
    )
    now = timezone.now()
    hazards = QuerySet(model=Hazard).bulk_create(
        (
            Hazard(
                register_no=f"YH{facility.pk:06d}{m}",
                facility_id=facility.pk,
                region_id=facility.region_id,
                severity=severity,
                source="complaint",
                description="消防通道堆放杂物",
                found_on=found_on,
                deadline_days=7,
                due_on=found_on + timedelta(days=10),
                status="closed",
                # Registered and closed when found, long before the run: only a
                # first run reads them.
                created_at=_moment(found_on),
                closed_at=_moment(found_on + timedelta(days=5)),
            )
            for facility, file in zip(facilities, files, strict=True)
            for m, (severity, found_on) in enumerate(file)
        ),
        batch_size=2000,
    )
    QuerySet(model=CreditEvent).bulk_create(
        (
            CreditEvent(
                facility_id=hazard.facility_id,
                kind="hazard_major" if hazard.severity == "major" else "hazard_general",
                occurred_on=hazard.found_on,
                key=f"hazard:{hazard.pk}",
                detail=hazard.register_no,
                recorded_at=now,
            )
            for hazard in hazards
        ),
        batch_size=5000,
    )


def bench_credit(runs, best_of):
    """``credit_recompute_s``: one monthly ``manage.py credit_recompute``
    (services.credit_recompute: the sources asked for what changed since the last run,
    the scores of every facility, the proposals) over 40,000 facilities with 10 events
    each; ``credit_first_run_s``: the first run, which reads every source whole;
    ``credit_aggregate_s``: one plain aggregate over the same events (per facility,
    how many and when last recorded, read into a list);
    ``credit_recompute_ratio``: recompute / aggregate. The aggregate reads the rows
    themselves (their latest record), as the run must: a count alone is answered from
    the (facility, date) index."""
    from django.db import connection
    from django.db.models import Count, Max
    from django.utils import timezone

    from inspections.credit import services
    from inspections.credit.models import CreditCase, CreditEvent

    today = timezone.localdate()
    _setup(today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as a database in use would have its statistics

    # The first run reads every source whole (no marks yet) and stores the default
    # rule set; a monthly run after it reads only what changed since.
    started = time.perf_counter()
    outcome = services.credit_recompute(today=today)
    first_s = time.perf_counter() - started
    assert outcome.facilities == FACILITIES, outcome.facilities
    assert not outcome.opened and not outcome.lapsed, (len(outcome.opened), outcome.lapsed)
    assert not CreditCase.objects.exists()

    def recompute():
        outcome = services.credit_recompute(today=today)
        assert not outcome.opened and outcome.written == 0

    def aggregate():
        rows = list(
            CreditEvent.objects.order_by()
            .values("facility_id")
            .annotate(n=Count("pk"), recorded=Max("recorded_at"))
        )
        assert len(rows) == FACILITIES

    runs = max(runs, 1)
    recompute_s = best_of(runs, recompute)
    aggregate_s = best_of(runs, aggregate)
    return {
        "credit_recompute_s": round(recompute_s, 3),
        "credit_aggregate_s": round(aggregate_s, 3),
        "credit_recompute_ratio": round(recompute_s / aggregate_s, 2),
        "credit_first_run_s": round(first_s, 3),
        "credit_facilities": FACILITIES,
        "credit_events": FACILITIES * EVENTS_PER_FACILITY,
    }
