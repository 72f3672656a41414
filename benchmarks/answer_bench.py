"""What one answer save costs the server (see run.py for the figures).

    .venv/bin/python benchmarks/answer_bench.py [--json] [--changes N] [--data S|M]
    scripts/with-postgres.sh .venv/bin/python benchmarks/answer_bench.py --changes 300000

Registered as "answer" in ``benchmarks/run.py`` (``--only answer``), on run.py's throwaway
SQLite database. On its own it runs on PostgreSQL when ``DATABASE_URL`` names a server
(in a fresh database ``scale_answer`` copied from scale.py's migrated template: give
it a throwaway cluster, as above), else on a throwaway SQLite file.

Each answer is posted as the phone's outbox posts it (static/js/outbox.js): its own
client id (``X-Client-Id``), the CSRF token, ``Accept: application/json``, the session
cookie of a logged-in inspector; one item in ten failed. Timed as the server spends it:
the whole handling of the request, middleware included, without the test client's own
work (as ``offline_bench.ServerClock``). Figures:

- ``answer_save_ms``: the median of ``--saves`` (200) first saves of an item, one by one
  on an inspection under way with a 200-item checklist; ``answer_save_p90_ms`` their 90th
  percentile; ``answer_resave_ms``: the median of saving 50 of them again (revision 2).
- ``answer_save_cpu_ms``: the median of the same saves in this process's CPU time (the
  database server's is not in it): steadier than the wall clock on a shared machine.
- ``answer_save_queries``: the queries of one such save (the median over the saves).
- ``answer_loadavg_1m``: the machine's load average while measuring (2 cores here).

Province size: the change index (``audit.ChangeLog``, one row per recorded change, with
its ``ChangeRegion`` rows and the chain's head moved past them) and the answers' history
table get ``--changes`` rows first, written with one INSERT ... SELECT each (not
through the application: the rows are filler, there for their indexes' size). ``--data
S|M`` builds the scale data set instead (benchmarks/scale_build.py, PostgreSQL only;
M is a province: ≈ 300,000 answers and 400,000 history and change rows).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAVES = 200
RESAVES = 50


def fill(changes):
    """``changes`` filler rows in the change index (each with a region) and in the answers'
    history table, and the chain's head moved past them. Raw SQL: millions of rows through
    the ORM would take longer than the measurement."""
    from django.db import connection, transaction

    from audit.models import ChainHead, ChangeLog, ChangeRegion
    from inspections.onsite.models import Answer
    from registry.models import Region

    if not changes:
        return
    # The county the measured inspection's facility is in (benchmarks/offline_bench.py).
    region = Region.objects.get_or_create(code="430621", defaults={"name": "岳阳县"})[0].pk
    changelog, changeregion = ChangeLog._meta.db_table, ChangeRegion._meta.db_table
    history = Answer.history.model._meta.db_table
    if connection.vendor == "postgresql":
        numbers = "SELECT n FROM generate_series(1, %s) AS n"
        now = "now()"
        as_json = "CAST(%s AS jsonb)"
    else:
        numbers = (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
            "SELECT n FROM s"
        )
        now = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"
        as_json = "%s"
    with transaction.atomic():
        head, _created = ChainHead.objects.get_or_create(pk=1)
        start = head.seq
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {changelog} (at, model, object_id, object_repr, action, "  # noqa: S608
                "history_id, reason, changes, inspection_id, seq, region_ids, hash) "
                f"SELECT {now}, 'inspections.answer', CAST(n AS VARCHAR(64)), 'filler', '+', "
                f"n, '', {as_json}, NULL, %s + n, {as_json}, %s FROM ({numbers}) AS numbers",
                [json.dumps({"value": [None, "pass"]}), start, json.dumps([region]), "f" * 64]
                + [changes],
            )
            cursor.execute(
                f"INSERT INTO {changeregion} (change_id, region_id) "  # noqa: S608
                f"SELECT id, %s FROM {changelog} WHERE seq > %s",
                [region, start],
            )
            # Ids far above the answers the measurement makes, so none of them has a
            # filler row as its previous record.
            cursor.execute(
                f"INSERT INTO {history} (id, value, note, location, corrected, revision, "  # noqa: S608
                "answered_at, history_date, history_type) "
                f"SELECT 1000000000 + n, 'pass', '', '', FALSE, 1, {now}, {now}, '+' "
                f"FROM ({numbers}) AS numbers",
                [changes],
            )
        ChainHead.objects.filter(pk=1).update(seq=start + changes, hash="f" * 64)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _Counter:
    """Counts the queries of each request (a wrapper on the connection, no debug cursor)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _setup():
    from benchmarks.offline_bench import _setup as offline_setup

    return offline_setup(tag="ab", number=2)


def bench_answer(saves=SAVES):
    """The figures above, on the database Django is set up with (migrated)."""
    import logging

    from django.db import connection
    from django.test import Client

    from benchmarks.offline_bench import _started

    logging.getLogger("axes").setLevel(logging.WARNING)
    facility, team, template, lead = _setup()
    inspection = _started(facility, team, template, lead)
    url = f"/inspections/inspections/{inspection.pk}/answer/"
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(team[0].user)
    # The page the phone saves from sets the CSRF cookie; its token goes in the header.
    assert client.get(f"/inspections/inspections/{inspection.pk}/checklist/").status_code == 200
    token = client.cookies["csrftoken"].value
    spent = {"wall": 0.0, "cpu": 0.0}
    handle = client.handler.get_response

    def timed(request):
        """The server's handling only (as offline_bench.ServerClock), in wall-clock and
        in this thread's CPU time: on a shared machine the CPU time is the steadier."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return handle(request)
        finally:
            spent["wall"] = time.perf_counter() - wall
            spent["cpu"] = time.thread_time() - cpu

    client.handler.get_response = timed
    keys = [
        f"i{pk}" for pk in template.versions.get().items.order_by("pk").values_list("pk", flat=True)
    ][:saves]
    counter = _Counter()

    def post(key, value, revision):
        counter.count = 0
        with connection.execute_wrapper(counter):
            response = client.post(
                url,
                {"key": key, "value": value, "revision": revision},
                HTTP_ACCEPT="application/json",
                HTTP_X_CLIENT_ID=str(uuid.uuid4()),
                HTTP_X_CSRFTOKEN=token,
            )
        assert response.status_code == 200, response.content
        return spent["wall"] * 1000, spent["cpu"] * 1000, counter.count

    load = os.getloadavg()[0]
    first = [post(key, "fail" if n % 10 == 0 else "pass", 0) for n, key in enumerate(keys)]
    again = [post(key, "pass", 1) for key in keys[:RESAVES]]
    times = sorted(ms for ms, _cpu, _queries in first)
    return {
        "answer_save_ms": round(statistics.median(times), 1),
        "answer_save_p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        "answer_save_cpu_ms": round(statistics.median(cpu for _ms, cpu, _q in first), 1),
        "answer_resave_ms": round(statistics.median(ms for ms, _cpu, _q in again), 1),
        "answer_save_queries": int(statistics.median(q for _ms, _cpu, q in first)),
        "answer_loadavg_1m": round(max(load, os.getloadavg()[0]), 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--saves", type=int, default=SAVES, help=f"at most {SAVES}")
    parser.add_argument("--changes", type=int, default=0, help="filler change rows first")
    parser.add_argument("--data", choices=("S", "M"), help="the scale data set (PostgreSQL)")
    args = parser.parse_args(argv)
    work = tempfile.TemporaryDirectory()
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        from benchmarks import scale

        # A fresh database each run, copied from a migrated template (as scale.py's).
        os.environ["DATABASE_URL"] = scale._fresh_database("answer")
    elif args.data:
        parser.error("--data needs PostgreSQL (scripts/with-postgres.sh)")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{work.name}/bench.sqlite3"
    os.environ["VAR_DIR"] = work.name
    os.environ["EVIDENCE_ROOT"] = f"{work.name}/evidence"
    os.environ["DOCUMENTS_ROOT"] = f"{work.name}/documents"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if args.data:
        from benchmarks import scale_build

        os.environ.setdefault("SCALE_BUILD_QUIET", "1")
        scale_build.build(args.data)
    fill(args.changes)
    prepared = time.perf_counter() - started
    figures = bench_answer(min(args.saves, SAVES))
    figures.update(
        {
            "answer_database": connection.vendor,
            "answer_changes_filled": args.changes,
            "answer_data": args.data or "none",
            "answer_prepare_s": round(prepared, 1),
        }
    )
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    else:
        for name, value in sorted(figures.items()):
            print(f"{name:24} {value}")
    work.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
