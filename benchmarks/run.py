"""Timed measurements (never run as tests): ``python benchmarks/run.py --json``.

Prints one JSON object of named figures. Machines are noisy, so each target is
a ratio to a baseline measured in the same run:

- ``draw_floor``: seconds to compute the facility keys of a national directory
  (400,000 facilities) and sort them — no draw can be faster than that.
- ``draw_pure``: seconds for the whole draw algorithm on that directory (four
  classes, ratios 5/20/40/80, 20,000 inspectors, one facility in ten excluding
  one to three of them, team 2, limit 20); ``draw_pure_ratio`` is draw_pure /
  draw_floor. Aim: at most 3.
- ``draw_county``: seconds for a full draw with persistence (freeze, draw,
  inspections, teams, notifications, history) for a county of 150 facilities and
  20 inspectors, on a throwaway SQLite database.
- ``photo_decode_floor_ms``: milliseconds to open and fully decode a
  12-megapixel phone-like JPEG (4000x3000, quality 90, EXIF Orientation 6) —
  no ingest can do less than read the photo once.
- ``photo_ingest_ms``: milliseconds for the whole ingest of the same bytes:
  ``inspections.onsite.photos.process`` (checks, hash, EXIF, rotated and stamped
  preview and thumbnail) plus writing original, preview and thumbnail to disk;
  ``photo_ingest_ratio`` is ingest / floor. Aim: at most 1.5.
- ``checklist_page_ms``: milliseconds for the whole request of the checklist page
  of an inspection with 200 items (half answered, ten with photos): session,
  access checks, queries and rendering. ``checklist_render_ms``: rendering the
  same template with the page's context already in memory;
  ``checklist_page_ratio`` is page / render.
- ``pdf_record_ms``, ``pdf_latin_floor_ms``, ``pdf_ratio`` (aim: at most 2),
  ``pdf_document_ms``, ``pdf_document_repeat_ms``, ``pdf_size_bytes`` (aim: at most
  10 MB), ``pdf_pages`` and ``pdf_peak_rss_mb``: the inspection record as PDF;
  ``public_pdf_first_ms``, ``public_pdf_repeat_ms`` and ``public_pdf_repeat_ratio`` (aim:
  at most 0.1): a published result's public PDF, first and later downloads; see
  benchmarks/pdf_bench.py.
- ``online_answers_ms`` and ``offline_replay_ms``: server time of 200 answers posted
  one by one, saved online and replayed from the phone's queue with client ids (exactly
  once); ``offline_replay_ratio`` is replay / online. Aim: at most 1.2.
- ``answer_save_ms``: one answer saved as the phone sends it (client id, CSRF token,
  session cookie, JSON), the whole request's server time, middleware included: the median
  of 200 first saves on a 200-item checklist (one in ten failed); ``answer_save_p90_ms``,
  ``answer_save_cpu_ms`` (this process's CPU time of the same, steadier on a shared
  machine), ``answer_resave_ms`` (saving again, revision 2), ``answer_save_queries`` (the
  queries of one save) and ``answer_loadavg_1m``. On the throwaway SQLite database; the
  same on a throwaway PostgreSQL cluster as ``answer_pg_*``. Aim on PostgreSQL:
  ``answer_pg_save_ms`` at most 30 (benchmarks/answer_bench.py, which also fills the
  change index first with ``--changes N``; docs/scaling.md, "Answer saves").
- ``photo_one_request_ms`` and ``photo_chunked_ms``: server time of the 12-megapixel
  photo posted in one request and sent in the chunks the phone sends on a good link
  (256 KiB, then each twice the last up to 4 MiB; resumable upload, SHA-256 checked);
  ``photo_chunked_ratio`` is chunked / one request. Aim: at most 1.3. ``photo_chunked_slow_ms`` and
  ``photo_chunked_slow_ratio``: in 256 KiB chunks throughout, as on a slow link (for
  information). Server time is the handling of each request, middleware included
  (benchmarks/offline_bench.py).
- ``inbox_ms``: a bureau lead's home page (the inbox's first page) in a county with
  2,000 open tasks, the whole request; ``inbox_render_ms``: its template alone with the
  context already built; ``inbox_ratio`` is page / render. Aim: at most 1.5
  (benchmarks/inbox_bench.py).
- ``audit_append_ms`` and ``audit_plain_ms``: 1,000 audited writes with the tamper-evident
  chain and without its link; ``audit_append_ratio`` is with / without. Aim: at most 1.2.
  ``audit_verify_rate``: rows per second the chain's check verifies on 1,000,000 rows
  (aim: at least 100,000) (benchmarks/audit_bench.py).
- ``credit_recompute_s``: one monthly credit run (``manage.py credit_recompute``) over
  40,000 facilities with 10 events each, in the steady month (every class already what
  the rules compute); ``credit_aggregate_s``: one plain aggregate over the same events
  (per facility, their number and latest record); ``credit_recompute_ratio`` is run /
  aggregate. Aim: at most 3. ``CREDIT_BENCH_FACILITIES`` sets a smaller directory
  (benchmarks/credit_bench.py).
- ``timers_fire_per_s``: hazard alarms fired per second by one dispatch of 1,000 due
  monthly progress reminders of supervised major hazards (alarm rows, notifications,
  history, change index and chain links included). Aim: at least 100.
  ``timers_queries_per_alarm``: its queries per alarm (batches of 200 share theirs);
  ``timers_empty_sweep_queries``: a whole ``manage.py workflow_timers`` run with nothing
  due, and ``timers_empty_sweep_growth``: how much that grows from 5 to 50 open hazards
  (aim 0) (benchmarks/timers_bench.py).
- ``page_overhead_ms``: what every logged-in page costs before its own work (session,
  user, the lead's region scope, the unread-messages badge, the menu, ``base.html``) at
  national size: 20,000 facilities in ≈5,000 regions, 76,000 messages for a province's
  lead (five unread). The worse of ``page_overhead_province_ms`` and
  ``page_overhead_county_ms`` (a county lead with townships): the median whole request of
  a tiny page through the WSGI handler, the connection opened or kept as
  ``DATABASE_CONN_MAX_AGE`` says. Aim: at most 10 (``page_overhead_aim_ms``).
  ``_min_ms`` is the fastest request, ``_cpu_ms`` the median CPU time of the benchmark's
  process (all of it on SQLite); ``page_overhead_<who>_connect_ms``, ``_user_ms``,
  ``_scope_ms`` (the regions and ids read), ``_count_ms`` (the scope's facilities
  counted, as every list's paginator does) and ``_badge_ms`` (the menu and the unread
  count) time each part alone (benchmarks/overhead_bench.py,
  which also runs on PostgreSQL: ``scripts/with-postgres.sh .venv/bin/python
  benchmarks/overhead_bench.py --json``). ``page_overhead_calibration_ms`` is a fixed
  piece of Django's Python work touching no data (a template rendered, querysets
  compiled), timed in the same run: how fast the machine ran (it varies by nearly two
  from hour to hour here); ``page_overhead_over_calibration`` is the page over it.

Opt-in, since it builds data sets on PostgreSQL (a throwaway cluster unless DATABASE_URL
names one): ``--scale`` runs ``benchmarks/scale.py --sizes S,M`` (``--scale-sizes S,M,L``
adds L, ten provinces, which takes many minutes) and merges its figures:

- ``scale_<page>_<who>_<size>_ms`` and ``_queries``: each page's whole request (best of
  ``--runs`` after a warm-up) at size s (one county), m (a province, ≈2,000 facilities,
  two years) or l (ten provinces), for a province-wide lead and a county lead (``who`` is
  province or county; an auditor scoped the same for the history pages, an API token for
  ``api_*``, ``public`` for the public site). Pages: hazards, dashboard, overview,
  overview_xlsx, inspections, review (the results review queue), home (the inbox),
  history and history_csv (the auditor's), results and results_filtered (the public
  search), results_csv, results_json, api_plans, api_draws, api_results, api_hazards,
  api_credit; ``<page>_deep``: the last full page of a numbered list, or ten "next" links
  on for a cursor (fewer when the list ends sooner: its last full page); for the API's
  lists the last full page of a walk by ``?cursor=`` (keyset pages, the way to read a
  whole list), and ``api_<list>_numbered_deep`` the last full ``?page=N`` (an offset and
  a count over the scope). A list's last page holds only what is left over, so the page
  before it is timed when it is shorter than the first.
  ``scale_<stream>_<who>_<size>_peak_kb``: Python's peak memory (tracemalloc) while the
  stream or export is read to its end. results_csv and results_json are served from the
  kept file (reports.opendata); the first download
  after a change, which builds it, is ``scale_results_csv_build_public_<size>_ms`` (and
  ``results_json_build``). history_csv beyond ``EXPORT_INLINE_ROWS`` changes is the page
  offering the background job.
- ``scale_export_hazards_province_*``: ``manage.py export_hazards`` of the whole province
  (ms, queries, peak_kb). ``scale_workflow_timers_all_*``: one ``manage.py
  workflow_timers`` run with every open hazard holding its next alarm
  (``scale_timers_open_hazards``, ``_holding`` and ``_due`` say how many).
- ``scale_<page>_<who>_m_over_s`` and ``_l_over_m``: growth of the time from one size to
  the next (``..._peak_m_over_s`` for memory). Aims: every paginated page (first and deep
  page, the API's lists) at most 1.5 from S to L; the dashboard and the overview at most
  1 s at L for the province lead; exports in constant memory (peak growth at most 1.2
  from M to L); the timer run's cost grows with the alarms due, not with open hazards.
  ``scale_<size>_build_s``: seconds to build the data set (docs/scaling.md).

Opt-in too, ``--load`` (a few minutes): ``benchmarks/load.py`` against gunicorn (4
workers, DEBUG off) on PostgreSQL (a throwaway cluster, scripts/with-postgres.sh) and on
SQLite, each with data set M, for ``--load-seconds`` (default 60): 16 inspectors saving
answers one by one through the checklist page's JSON endpoint (a 12-megapixel photo
every 10th step, sent in chunks) and 50 anonymous readers of the public results. The
client shares the machine's cores with the server. Figures ``load_pg_*`` and
``load_sqlite_*``:

- ``<kind>_p50_ms``, ``_p95_ms``, ``_p99_ms`` and ``_count`` per request kind: answer,
  checklist, photo (a whole photo upload), photo_request (each of its requests),
  public_list, public_filtered, public_detail, public_export, and ``public_*`` for all
  the public pages together. Aim on PostgreSQL: answer p95 at most 150 ms.
- ``rps`` (requests per second, all kinds), ``errors`` (any non-2xx/3xx or exception;
  aim 0), ``lost`` and ``duplicated`` (answers and photos sent but not stored, or
  stored more than once, looked up in the database afterwards; aim 0 and 0),
  ``answers_sent``, ``photos_sent``, ``loadavg_1m_before`` and ``_after``.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspections.planning import drawing  # noqa: E402  (pure Python, no Django)

NATIONAL_FACILITIES = 400_000
NATIONAL_INSPECTORS = 20_000


def national_directory(seed=2026):
    rng = random.Random(seed)
    strata = {cls: [] for cls in drawing.CLASSES}
    for n in range(NATIONAL_FACILITIES):
        strata[rng.choice(drawing.CLASSES)].append(f"9143{n:014d}")
    for codes in strata.values():
        codes.sort()
    inspectors = [f"J{n:08d}" for n in range(NATIONAL_INSPECTORS)]
    exclusions = {}
    for n in range(0, NATIONAL_FACILITIES, 10):
        exclusions[f"9143{n:014d}"] = sorted(rng.sample(inspectors, rng.randint(1, 3)))
    return strata, inspectors, exclusions


def best_of(runs, function):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_draw(runs):
    strata, inspectors, exclusions = national_directory()
    seed = drawing.seed_of("5e" * 32, "benchmark")
    codes = [code for stratum in strata.values() for code in stratum]

    def floor():
        sorted((drawing.facility_key(seed, code), code) for code in codes)

    def pure():
        drawing.draw(
            seed=seed,
            strata=strata,
            ratios={"A": 5, "B": 20, "C": 40, "D": 80},
            inspectors=inspectors,
            exclusions=exclusions,
            team_size=2,
            max_per_inspector=20,
        )

    floor_s = best_of(runs, floor)
    pure_s = best_of(runs, pure)
    return {
        "draw_floor": round(floor_s, 3),
        "draw_pure": round(pure_s, 3),
        "draw_pure_ratio": round(pure_s / floor_s, 2),
    }


_WORKDIR = None


def django_ready():
    """Set Django up once per run, on a throwaway SQLite database and VAR_DIR."""
    global _WORKDIR
    if _WORKDIR is None:
        _WORKDIR = tempfile.TemporaryDirectory()
        os.environ["DATABASE_URL"] = f"sqlite:///{_WORKDIR.name}/bench.sqlite3"
        os.environ["VAR_DIR"] = _WORKDIR.name
        os.environ["EVIDENCE_ROOT"] = f"{_WORKDIR.name}/evidence"
        os.environ["DOCUMENTS_ROOT"] = f"{_WORKDIR.name}/documents"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def bench_county(runs):
    django_ready()
    return {"draw_county": round(_county(runs), 3)}


def _county(runs):
    from datetime import date

    from checklists import services as checklist_services
    from inspections.planning import services
    from registry.creditcode import check_character
    from registry.models import Department, Facility, InspectorProfile, Region, User

    county = Region.objects.create(code="430602", name="岳阳楼区")
    department = Department.objects.create(code="civil", name="民政局", kind="civil_affairs")
    lead = User.objects.create_user(username="lead", role="lead")
    lead.regions.set([county])
    for n in range(150):
        body = f"52430602MJ{n:07d}"
        Facility.objects.create(
            name=f"养老院{n}",
            credit_code=body + check_character(body),
            type="care_home",
            address="岳阳楼区",
            region=county,
            risk_class="ABCD"[n % 4],
        )
    for n in range(20):
        user = User.objects.create_user(username=f"i{n}", role="inspector")
        InspectorProfile.objects.create(
            user=user, department=department, region=county, credential_no=f"C{n:04d}"
        )
    template = checklist_services.template_create(
        code="b", title="检查表", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    section = checklist_services.section_save(version=version, values={"title": "S"})
    checklist_services.item_save(
        section=section, values={"code": "B-1", "question": "Q", "legal_basis": "B"}
    )
    checklist_services.version_publish(version=version)
    plan = services.plan_save(
        values={
            "name": "基准",
            "region": county,
            "year": 2026,
            "window_start": date(2026, 12, 1),
            "window_end": date(2026, 12, 31),
            "lead_department": department,
            "max_per_inspector": 20,
            "exclude_last_inspectors": False,
        },
        m2m={"scope_regions": [county], "pool_departments": [department], "pool_regions": [county]},
        checklists={template: True},
        by=lead,
    )
    plan = services.plan_approve(plan=plan, by=lead)
    times = []
    for n in range(runs):
        start = time.perf_counter()
        draw = services.draw_freeze(plan=plan, by=lead)
        draw = services.draw_run(draw=draw, public_entropy=str(n), source="benchmark", by=lead)
        times.append(time.perf_counter() - start)
        assert draw.status == "valid", draw.failure
        services.draw_void(draw=draw, reason="benchmark", by=lead)
    return min(times)


def bench_photo(runs):
    from benchmarks import photo_bench  # ROOT is on sys.path (see above)

    django_ready()
    return photo_bench.bench_photo(max(runs, 5), best_of)


def bench_checklist(runs):
    from benchmarks import checklist_bench

    django_ready()
    return checklist_bench.bench_checklist(runs, best_of)


def bench_offline(runs):
    from benchmarks import offline_bench

    django_ready()
    return offline_bench.bench_offline(runs)


def bench_answer(runs):
    """benchmarks/answer_bench.py: in this process on the throwaway SQLite database, and in
    its own process on a throwaway PostgreSQL cluster (scripts/with-postgres.sh), whose
    figures are renamed ``answer_pg_*``."""
    from benchmarks import answer_bench

    django_ready()
    figures = answer_bench.bench_answer()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = [
        str(ROOT / "scripts" / "with-postgres.sh"),
        sys.executable,
        str(ROOT / "benchmarks" / "answer_bench.py"),
        "--json",
    ]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, env=env)  # noqa: S603
    on_postgres = json.loads(done.stdout.strip().splitlines()[-1])
    figures.update({f"answer_pg_{k[len('answer_') :]}": v for k, v in on_postgres.items()})
    return figures


def bench_inbox(runs):
    from benchmarks import inbox_bench

    django_ready()
    return inbox_bench.bench_inbox(runs, best_of)


def bench_audit(runs):
    from benchmarks import audit_bench

    django_ready()
    return {**audit_bench.bench_append(runs), **audit_bench.bench_verify()}


def bench_credit(runs):
    from benchmarks import credit_bench

    django_ready()
    return credit_bench.bench_credit(runs, best_of)


def bench_overhead(runs):
    from benchmarks import overhead_bench

    django_ready()
    return overhead_bench.bench_overhead(runs)


def bench_timers(runs):
    from benchmarks import timers_bench

    django_ready()
    return timers_bench.bench_timers()


def bench_pdf(runs):
    from benchmarks import pdf_bench

    django_ready()
    return pdf_bench.bench_pdf(runs, best_of)


def bench_scale(runs, sizes):
    """benchmarks/scale.py in its own process (and PostgreSQL); its last line is the JSON."""
    script = ROOT / "benchmarks" / "scale.py"
    command = [sys.executable, str(script), "--sizes", sizes, "--json", "--runs", str(runs)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_load(seconds):
    """benchmarks/load.py on PostgreSQL (through scripts/with-postgres.sh, unless
    DATABASE_URL names one) and on SQLite, each in its own process; merged JSON."""
    script = [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--seconds", str(seconds)]
    runs = [script + ["--sqlite"]]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        runs.insert(0, script)
    else:
        runs.insert(0, [str(ROOT / "scripts" / "with-postgres.sh"), *script])
    figures = {}
    for command in runs:
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
        figures.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return figures


BENCHMARKS = {
    "draw": bench_draw,
    "county": bench_county,
    "photo": bench_photo,
    "checklist": bench_checklist,
    "pdf": bench_pdf,
    "offline": bench_offline,
    "answer": bench_answer,
    "inbox": bench_inbox,
    "audit": bench_audit,
    "credit": bench_credit,
    "timers": bench_timers,
    "overhead": bench_overhead,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
    parser.add_argument("--scale", action="store_true", help="also the scale figures (slow)")
    parser.add_argument(
        "--scale-sizes", default="S,M", help="sizes for --scale (default S,M; L takes minutes)"
    )
    parser.add_argument("--load", action="store_true", help="also the load figures (minutes)")
    parser.add_argument("--load-seconds", type=float, default=60, help="for --load (default 60)")
    args = parser.parse_args(argv)
    figures = {}
    for name in args.only or BENCHMARKS:
        figures.update(BENCHMARKS[name](args.runs))
    if args.scale:
        figures.update(bench_scale(args.runs, args.scale_sizes))
    if args.load:
        figures.update(bench_load(args.load_seconds))
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    else:
        for name, value in sorted(figures.items()):
            print(f"{name:20} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
