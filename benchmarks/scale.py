"""Build a data set of a given size on PostgreSQL and time the pages on it.

    python benchmarks/scale.py --size S|M|L [--json]
    python benchmarks/scale.py --sizes S,M[,L] [--json]

S is one county, M a province (about 2,000 facilities, two years), L ten provinces' worth
(it takes minutes). Each size gets a fresh database (dropped and created again), is
migrated, filled by ``benchmarks/scale_build.py``, analysed, then measured by
``benchmarks/scale_measure.py``. Several sizes run one after the other, each in its own
process, and the growth ratios between them are added (``scale_<page>_<who>_m_over_s``,
``_l_over_m``). ``--demo`` measures ``seed_demo``'s county instead of a built data set.

PostgreSQL is required: without a ``postgres://`` DATABASE_URL the command runs itself
again under ``scripts/with-postgres.sh`` (a throwaway cluster). The figures are listed in
benchmarks/run.py.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = ("S", "M", "L")
NEXT = {"M": "S", "L": "M"}  # each size's ratio is to the one below it


def _on_postgres():
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


TEMPLATE = "scale_migrated"


def _database_url(name):
    scheme, rest = os.environ["DATABASE_URL"].split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}"


def _fresh_database(size):
    """Drop and create the size's database, a copy of a migrated template (migrating
    takes minutes on a busy machine: once per server, not once per size); returns its
    URL. The copy is migrated again in case the template is older than the code."""
    import psycopg

    name = f"scale_{size.lower()}"
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
        known = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
        if known.fetchone() is None:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
            try:
                subprocess.run(  # noqa: S603
                    [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
                    check=True,
                    env={**os.environ, "DATABASE_URL": _database_url(TEMPLATE)},
                )
            except BaseException:
                admin.execute(f"DROP DATABASE {TEMPLATE}")  # never a half-migrated template
                raise
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return _database_url(name)


def _setup(database_url, work):
    os.environ["DATABASE_URL"] = database_url
    os.environ["VAR_DIR"] = work
    os.environ["EVIDENCE_ROOT"] = f"{work}/evidence"
    os.environ["DOCUMENTS_ROOT"] = f"{work}/documents"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _regions(built):
    from registry.models import Region

    return (
        Region.objects.get(pk=built["province_region_id"]),
        Region.objects.get(pk=built["county_region_id"]),
    )


def run_size(size, *, demo=False, runs=3, explain=0):
    """Figures of one size, named ``scale_<page>_<who>_<size>_<unit>``."""
    from benchmarks import scale_measure

    work = tempfile.mkdtemp(prefix="scale-")
    _setup(_fresh_database(size), work)
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - start
    start = time.perf_counter()
    if demo:
        from registry.models import Region

        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        built = {
            "province_region_id": Region.objects.get(code="430000").pk,
            "county_region_id": Region.objects.get(code="430602").pk,
        }
    else:
        from benchmarks import scale_build

        built = scale_build.build(size)
    build_s = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    province, county = _regions(built)
    slow = scale_measure.SlowQueries()
    measured = scale_measure.measure(province=province, county=county, runs=runs, slow=slow)
    tag = size.lower()
    figures = {
        f"scale_{tag}_migrate_s": round(migrate_s, 1),
        f"scale_{tag}_build_s": round(build_s, 1),
    }
    for key, value in built.items():
        if isinstance(value, int | float) and not key.endswith("_id"):
            figures[f"scale_{tag}_data_{key}"] = value
    for key, value in measured.items():
        if key == "errors":
            if value:
                figures[f"scale_{tag}_errors"] = value
            continue
        stem, unit = key.rsplit("_", 1)
        if unit == "kb" and stem.endswith("_peak"):
            stem, unit = stem[: -len("_peak")], "peak_kb"
        if unit in ("ms", "queries", "kb", "peak_kb"):
            figures[f"{stem}_{tag}_{unit}"] = value
        else:
            figures[f"{key}_{tag}"] = value
    if explain:
        figures[f"scale_{tag}_explain"] = scale_measure.explain(slow.slowest(explain))
    return figures


def ratios(figures):
    """``scale_<page>_<who>_m_over_s`` (and ``_l_over_m``) of the times, and
    ``..._peak_m_over_s`` of the peak memories, for the sizes present."""
    out = {}
    for key, value in figures.items():
        for unit, suffix in (("ms", ""), ("peak_kb", "_peak")):
            for size, below in NEXT.items():
                ending = f"_{size.lower()}_{unit}"
                if not key.endswith(ending):
                    continue
                stem = key[: -len(ending)]
                base = figures.get(f"{stem}_{below.lower()}_{unit}")
                if base and isinstance(value, int | float):
                    ratio = f"{stem}{suffix}_{size.lower()}_over_{below.lower()}"
                    out[ratio] = round(value / base, 2)
    return out


def _sizes(text):
    sizes = [s.strip().upper() for s in text.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or not sizes:
        raise argparse.ArgumentTypeError(f"sizes are S, M and L, not {text!r}")
    return sizes


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--size", type=_sizes, help="one size: S, M or L")
    group.add_argument("--sizes", type=_sizes, help="several, e.g. S,M (ratios are added)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
    parser.add_argument("--demo", action="store_true", help="seed_demo's county, not built data")
    parser.add_argument(
        "--explain", type=int, default=0, help="EXPLAIN ANALYZE the N slowest queries"
    )
    args = parser.parse_args(argv)
    if not _on_postgres():
        script = ROOT / "scripts" / "with-postgres.sh"
        os.execv(str(script), [str(script), sys.executable, __file__, *argv])  # noqa: S606
    if args.size and len(args.size) > 1:
        parser.error("--size takes one size; use --sizes for several")
    if args.size:
        figures = run_size(args.size[0], demo=args.demo, runs=args.runs, explain=args.explain)
    else:
        figures = {}
        for size in args.sizes:
            command = [sys.executable, __file__, "--size", size, "--json"]
            command += ["--runs", str(args.runs), "--explain", str(args.explain)]
            command += ["--demo"] if args.demo else []
            done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
            figures.update(json.loads(done.stdout.strip().splitlines()[-1]))
        figures.update(ratios(figures))
    if args.json:
        print(json.dumps(figures, sort_keys=True, ensure_ascii=False))
    else:
        for name, value in sorted(figures.items()):
            if name.endswith("_explain"):
                for row in value:
                    print(f"-- {row['label']} ({row['ms']} ms)\n{row['sql']}\n{row['plan']}\n")
            else:
                print(f"{name:48} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
