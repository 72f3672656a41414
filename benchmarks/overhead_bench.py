"""What every logged-in page pays before its own work: session, user, the lead's
scope and the unread-messages badge, at national size (see run.py for the figures).

    python benchmarks/overhead_bench.py [--json] [--runs N]
    scripts/with-postgres.sh .venv/bin/python benchmarks/overhead_bench.py --json

On SQLite (the default) it runs on a throwaway database; with a ``postgres://``
DATABASE_URL it creates a fresh database ``overhead_bench`` on that server.

The data: 31 provinces of regions; the measured province has 14 cities, 98 counties and
ten townships in each county, the others 4 cities of 5 counties with 5 townships each
(≈5,000 regions); 20,000 facilities across them, 2,000 of them in the measured province;
76,000 messages for the province's lead (five unread), 2,000 for a county lead (three
unread) and 100,000 for 50 other people. Rows are written in bulk without history (a
timing fixture, not a register).

The page is a tiny view behind the whole stack (WSGI handler, every middleware, the
context processors and ``base.html``) whose own work is the lead's scope: it counts
the facilities the lead may see, which every list's paginator asks. Each request
goes through the WSGI handler as a server runs it, so the database connection is
opened and closed per request exactly as ``DATABASE_CONN_MAX_AGE`` says.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVINCE = {"cities": 14, "counties": 7, "townships": 10}  # counties per city
OTHER_PROVINCE = {"cities": 4, "counties": 5, "townships": 5}
PROVINCES = 31
FACILITIES = 20_000
PROVINCE_FACILITIES = 2_000
LEAD_MESSAGES = 76_000
LEAD_UNREAD = 5
COUNTY_MESSAGES = 2_000
COUNTY_UNREAD = 3
OTHER_USERS = 50
OTHER_MESSAGES = 2_000
BATCH = 5_000
PATH = "/bench/overhead/"
AIM_MS = 10


# ------------------------------------------------------------------ the page


def overhead_page(request):
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render

    from registry import access

    @login_required
    def view(request):
        in_scope = access.facilities_for(request.user).count()
        return render(request, "bench_overhead.html", {"in_scope": in_scope})

    return view(request)


def _urlpatterns():
    from django.urls import path

    from config.urls import urlpatterns

    return [path(PATH.strip("/") + "/", overhead_page), *urlpatterns]


# ------------------------------------------------------------------ the data


def _regions():
    """Regions level by level (bulk, paths set here: ``Region.save`` is skipped)."""
    from registry.models import Region

    manager = Region._base_manager

    def level(rows):
        made = manager.bulk_create(
            Region(code=code, name=name, parent=parent, path=parent_path + code + "/")
            for code, name, parent, parent_path in rows
        )
        return made

    provinces = level((f"{11 + p:02d}0000", f"省{p}", None, "") for p in range(PROVINCES))
    shape = {p.pk: PROVINCE if n == 0 else OTHER_PROVINCE for n, p in enumerate(provinces)}
    cities = level(
        (f"{p.code[:2]}{c + 1:02d}00", f"{p.name}市{c}", p, p.path)
        for p in provinces
        for c in range(shape[p.pk]["cities"])
    )
    counties = level(
        (f"{c.code[:4]}{k + 1:02d}", f"{c.name}县{k}", c, c.path)
        for c in cities
        for k in range(shape[c.parent_id]["counties"])
    )
    city_province = {c.pk: c.parent_id for c in cities}
    townships = level(
        (f"{k.code}{t + 1:03d}", f"{k.name}镇{t}", k, k.path)
        for k in counties
        for t in range(shape[city_province[k.parent_id]]["townships"])
    )
    return provinces[0], counties, townships


def build():
    """The data set; returns (province lead, county lead)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from core.models import Notification
    from registry.models import Facility, User

    province, counties, townships = _regions()
    measured = [r for r in (*counties, *townships) if r.path.startswith(province.path)]
    elsewhere = [r for r in (*counties, *townships) if not r.path.startswith(province.path)]
    county = measured[0]
    rows = []
    for n in range(FACILITIES):
        places = measured if n < PROVINCE_FACILITIES else elsewhere
        rows.append(
            Facility(
                name=f"养老院{n}",
                directory_no=f"BENCH{n:08d}",
                type="care_home",
                address="某地",
                region=places[n % len(places)],
                risk_class="ABCD"[n % 4],
            )
        )
    Facility._base_manager.bulk_create(rows, batch_size=BATCH)

    lead = User.objects.create_user(username="oh-province", role="lead")
    lead.regions.set([province])
    county_lead = User.objects.create_user(username="oh-county", role="lead")
    county_lead.regions.set([county])
    others = User._base_manager.bulk_create(
        User(username=f"oh-other-{n}", role="inspector", password=make_password(None))
        for n in range(OTHER_USERS)
    )
    now = timezone.now()

    def messages(user, count, unread):
        Notification._base_manager.bulk_create(
            (
                Notification(
                    user=user,
                    text=f"消息{n}",
                    created_at=now,
                    read_at=None if n >= count - unread else now,
                )
                for n in range(count)
            ),
            batch_size=BATCH,
        )

    messages(lead, LEAD_MESSAGES, LEAD_UNREAD)
    messages(county_lead, COUNTY_MESSAGES, COUNTY_UNREAD)
    for user in others:
        messages(user, OTHER_MESSAGES, 0)
    _analyze()
    return lead, county_lead


def _analyze():
    """Statistics, and on PostgreSQL the visibility map too, as autovacuum leaves a
    database in service: fresh bulk-loaded rows would otherwise send index-only scans to
    the heap, and autovacuum would start on them in the middle of the timing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# ------------------------------------------------------------------ timing


def _environ(cookie):
    from django.test import RequestFactory

    return RequestFactory()._base_environ(
        PATH_INFO=PATH, REQUEST_METHOD="GET", HTTP_HOST="localhost", HTTP_COOKIE=cookie
    )


def _cookie(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _page_ms(handler, cookie, runs):
    """Median and fastest milliseconds of the whole request, the way a WSGI server runs
    it (the response closed, which closes or keeps the connection as the settings say).
    The fastest, and the median CPU time of this process (all of the work on SQLite, the
    Python side on PostgreSQL), are the figures least disturbed by other work on a
    shared machine."""
    times, cpu = [], []
    for _ in range(runs):
        environ = _environ(cookie)
        start, start_cpu = time.perf_counter(), time.process_time()
        response = handler(environ, lambda status, headers: None)
        body = b"".join(response)
        response.close()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert b"data-bench-scope" in body, body[:300]
    return statistics.median(times) * 1000, min(times) * 1000, statistics.median(cpu) * 1000


def _calibration_ms(runs):
    """Median milliseconds of a fixed piece of Django's Python work that touches no
    data: a template of 200 rows rendered and five querysets compiled to SQL (never
    run). It tells how fast the machine ran during the timing: on a shared machine the
    same page took 9 ms in one hour and 16 ms in the next, with its CPU time doubled;
    ``page_overhead_over_calibration`` moves less with that (the database's part does
    not slow down with the Python), though not nothing."""
    from django.db.models import Count, Q
    from django.template import Context, Template

    from core.models import Notification
    from registry.models import Facility, Region, User

    template = Template(
        "{% for row in rows %}<tr><td>{{ row.0 }}</td><td>{{ row.1|upper }}</td>"
        "<td>{% if row.2 %}{{ row.2 }}{% else %}-{% endif %}</td></tr>{% endfor %}"
    )
    rows = [(n, f"row {n}", n % 3) for n in range(200)]

    def work():
        template.render(Context({"rows": rows}))
        for queryset in (
            User.objects.filter(pk=1, is_active=True),
            Region.objects.filter(Q(path__startswith="11/") | Q(path__startswith="12/")),
            Facility.objects.filter(region__in=[1, 2, 3], active=True).order_by("name")[:25],
            Notification.objects.filter(user_id=1, read_at=None)
            .values("user_id")
            .annotate(n=Count("pk")),
            Facility.objects.filter(region__path__startswith="11/").select_related("region"),
        ):
            str(queryset.query)

    return _part_ms(work, runs)


def _part_ms(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _parts(user, runs):
    """Each part alone, on an open connection (median ms)."""
    from django.db import connection
    from django.test import RequestFactory

    from portal.navigation import navigation
    from registry import access
    from registry.models import User

    def connect():
        connection.close()
        connection.ensure_connection()

    def fresh_user():
        return User.objects.get(pk=user.pk)

    def scope():
        # Reads the user's regions and, below a city, their ids: the queryset is built.
        access.facilities_for(fresh_user())

    def scope_count():
        access.facilities_for(fresh_user()).count()

    request = RequestFactory().get("/")

    def badge():
        request.user = user
        navigation(request)

    user_ms, scope_ms = _part_ms(fresh_user, runs), _part_ms(scope, runs)
    return {
        "connect": _part_ms(connect, runs),
        "user": user_ms,
        # The scope resolved, then the count of its facilities that every list's
        # paginator asks (a province's 2,000 through the key's index).
        "scope": scope_ms - user_ms,
        "count": _part_ms(scope_count, runs) - scope_ms,
        # The context processor: the menu and the unread badge.
        "badge": _part_ms(badge, runs),
    }


def bench_overhead(runs):
    """``page_overhead_ms`` and its parts; Django must be set up on an empty,
    migrated database."""
    import logging

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.template import engines
    from django.test.utils import override_settings

    logging.getLogger("axes").setLevel(logging.WARNING)
    runs = max(runs, 50)
    started = time.perf_counter()
    province_lead, county_lead = build()
    build_s = time.perf_counter() - started

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}'
        "<p data-bench-scope>{{ in_scope }}</p>{% endblock %}"
    )
    module = type(sys)("bench_overhead_urls")
    module.urlpatterns = _urlpatterns()
    sys.modules[module.__name__] = module
    figures = {}
    # DEBUG off as in production: with it, every query's SQL is kept and formatted.
    with override_settings(ROOT_URLCONF=module.__name__, DEBUG=False):
        from django.template import loader

        original = loader.get_template

        def get_template(name, using=None):
            return template if name == "bench_overhead.html" else original(name, using)

        loader.get_template = get_template
        try:
            handler = WSGIHandler()
            calibration = [_calibration_ms(runs)]
            for who, user in (("province", province_lead), ("county", county_lead)):
                cookie = _cookie(user)
                _page_ms(handler, cookie, 5)  # warm-up: templates, URL resolvers
                median, fastest, cpu = _page_ms(handler, cookie, runs)
                figures[f"page_overhead_{who}_ms"] = median
                figures[f"page_overhead_{who}_min_ms"] = fastest
                figures[f"page_overhead_{who}_cpu_ms"] = cpu
                connection.ensure_connection()
                for part, ms in _parts(user, runs).items():
                    figures[f"page_overhead_{who}_{part}_ms"] = ms
                calibration.append(_calibration_ms(runs))
        finally:
            loader.get_template = original
    figures = {name: round(value, 2) for name, value in figures.items()}
    figures["page_overhead_ms"] = max(
        figures["page_overhead_province_ms"], figures["page_overhead_county_ms"]
    )
    figures["page_overhead_calibration_ms"] = round(statistics.median(calibration), 2)
    figures["page_overhead_over_calibration"] = round(
        figures["page_overhead_ms"] / figures["page_overhead_calibration_ms"], 2
    )
    figures["page_overhead_aim_ms"] = AIM_MS
    figures["page_overhead_conn_max_age"] = settings.DATABASES["default"]["CONN_MAX_AGE"]
    figures["page_overhead_vendor"] = connection.vendor
    figures["page_overhead_build_s"] = round(build_s, 1)
    return figures


# ------------------------------------------------------------------ standalone


def _setup_postgres(work):
    import psycopg

    url = os.environ["DATABASE_URL"]
    scheme, rest = url.split("://", 1)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS overhead_bench WITH (FORCE)")
        admin.execute("CREATE DATABASE overhead_bench")
    os.environ["DATABASE_URL"] = f"{scheme}://{rest.split('/', 1)[0]}/overhead_bench"
    os.environ["VAR_DIR"] = work
    os.environ["EVIDENCE_ROOT"] = f"{work}/evidence"
    os.environ["DOCUMENTS_ROOT"] = f"{work}/documents"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=200, help="median of N (default 200)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            _setup_postgres(work)
        else:
            from benchmarks.run import django_ready

            django_ready()
        figures = bench_overhead(args.runs)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    else:
        for name, value in sorted(figures.items()):
            print(f"{name:40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
