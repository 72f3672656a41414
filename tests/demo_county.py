"""The demo county (``manage.py seed_demo``) for tests, built once per test run.

Seeding the demo goes through the services (draws, inspections, photos, the whole
rectification loop) and takes 15–20 seconds; a dozen tests want it. So the first test
of a run that calls ``load(request)`` seeds it into its own database and then dumps
every row of every table, and the evidence and document files the seed wrote, into a
directory the whole run shares (pytest-xdist's workers too: a lock file lets one of
them seed while the others wait). Every later ``load`` restores that dump by plain
inserts, in a fraction of a second.

A restored database is the seeding test's, row for row: the same primary keys, the
same content types (``flush`` renumbers them, so transactional tests' differ), the same
audit chain and the same sequences, so a test may look objects up by name or by pk.
A suite-clock test's clock is also moved on to where the seeding test's stood after
seeding: a fresh seed leaves the clock after its own timestamps, and so does this.

The demo is dated from "today" (plans, deadlines, 40 days back...), so a dump is
kept per database vendor, per date and per clock (the suite's fixed clock, or the real
one of the browser tests). What is not in the database is not restored: e-mails the
seed sent, the cache.
"""

import fcntl
import io
import os
import pickle
import shutil
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

# Tables the migrations fill: the only ones that may hold rows before the demo comes.
# They are replaced by the dump's rows. Any other table with rows means the test made
# data before asking for the demo, which the restore would silently wipe out.
MIGRATED = {
    "django_content_type",
    "auth_permission",
    "audit_chainhead",
    "inspections_majorcriterion",
}
# Never copied: the dump and the database it is restored into run the same migrations.
UNTOUCHED = {"django_migrations"}
STORAGES = ("evidence", "documents")

_loaded: dict[str, "Dump"] = {}


@dataclass
class Dump:
    """The database after seeding: per table (in an order parents come first) its
    columns and rows (SQLite: tuples of stored values; PostgreSQL: COPY text), the
    sequences before and after, and the clock when the seed was done."""

    tables: list[tuple[str, list[str], object]]
    sequences: list[tuple[str, int]]
    clock: datetime
    # Where the sequences stood before seeding: a fresh seed started there numbers its
    # rows as the dump's are (tests/test_demo_county.py checks the restore against it).
    start_sequences: list[tuple[str, int]]


def load(request):
    """Put the demo county in the database of the running test (which must have
    database access, ``db`` or ``transactional_db``, and no data of its own yet) and
    its files in the test's evidence and document storages."""
    clock = request.getfixturevalue("suite_clock")
    key = dump_key(request)
    shared = _shared_dir(request)
    dump = _read(shared, key)
    if dump is None:
        with _locked(shared / f"{key}.lock"):
            dump = _read(shared, key)
            if dump is None:
                _seed_and_dump(shared, key)
                return
    _restore(dump, shared / key)
    request.addfinalizer(ContentType.objects.clear_cache)
    if clock is not None and timezone.now() < dump.clock:
        # In the zone the suite clock set (a ZoneInfo): time-machine mocks the process's
        # zone only for such a destination, and date.today() (auto_now_add dates) reads it.
        clock.move_to(dump.clock.astimezone(timezone.get_current_timezone()))


def dump_key(request):
    """The dump a test gets: the database's, dated today, on the test's clock."""
    clock = request.getfixturevalue("suite_clock")
    return "-".join(
        [connection.vendor, timezone.localdate().isoformat(), "real" if clock is None else "suite"]
    )


def _shared_dir(request):
    base = request.getfixturevalue("tmp_path_factory").getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, above each worker's own
    shared = base / "demo-county"
    shared.mkdir(exist_ok=True)
    return shared


@contextmanager
def _locked(path):
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(shared, key):
    if key not in _loaded:
        path = shared / f"{key}.pickle"
        if not path.exists():
            return None
        with open(path, "rb") as file:
            _loaded[key] = pickle.load(file)  # noqa: S301  (written by this run, below)
    return _loaded[key]


def _seed_and_dump(shared, key):
    with connection.cursor() as cursor:
        _refuse_data_of_the_test(cursor)
        start_sequences = _read_sequences(cursor)
    call_command("seed_demo", stdout=io.StringIO())
    clock = timezone.now()
    with connection.cursor() as cursor:
        tables = [
            (table, *_read_table(cursor, table)) for table in _in_parent_order(_tables(cursor))
        ]
        dump = Dump(
            tables=[t for t in tables if t[2]],
            sequences=_read_sequences(cursor),
            clock=clock,
            start_sequences=start_sequences,
        )
    files = shared / key
    shutil.rmtree(files, ignore_errors=True)
    for name in STORAGES:
        root = Path(storages[name].location)
        if root.exists():
            shutil.copytree(root, files / name)
    # Written last and renamed into place: a dump that exists is complete.
    partial = shared / f"{key}.pickle.partial"
    with open(partial, "wb") as file:
        pickle.dump(dump, file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, shared / f"{key}.pickle")
    _loaded[key] = dump


def _restore(dump, files):
    with connection.cursor() as cursor:
        filled = _refuse_data_of_the_test(cursor)
    put_back(filled, dump.tables, dump.sequences, files)


def put_back(filled, tables, sequences, files):
    """Empty the ``filled`` tables (parent-first order), write ``tables`` and
    ``sequences`` back, and the storages' files from the directory ``files``."""
    # One transaction: foreign keys are checked at its end (Django declares them
    # deferrable), when every table is back.
    with transaction.atomic(), connection.cursor() as cursor:
        for table in reversed(filled):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
        for table, columns, rows in tables:
            _write_table(cursor, table, columns, rows)
        _write_sequences(cursor, sequences)
    ContentType.objects.clear_cache()  # its ids may have been another database's
    for name in STORAGES:
        root = Path(storages[name].location)
        shutil.rmtree(root, ignore_errors=True)
        if (files / name).exists():
            shutil.copytree(files / name, root)


def _tables(cursor):
    return [t for t in connection.introspection.table_names(cursor) if t not in UNTOUCHED]


def _refuse_data_of_the_test(cursor):
    """The tables that hold rows, in parent-first order; refuse if any but MIGRATED does."""
    quote = connection.ops.quote_name
    tables = _tables(cursor)
    filled = []
    for start in range(0, len(tables), 100):  # SQLite takes at most 500 terms in a UNION
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {quote(t)})"  # noqa: S608
                for t in tables[start : start + 100]
            )
        )
        filled += [row[0] for row in cursor.fetchall()]
    foreign = sorted(set(filled) - MIGRATED)
    if foreign:
        raise RuntimeError(
            "The demo county needs a database without test data, but these tables have"
            f" rows: {', '.join(foreign)}. Load the demo before creating anything."
        )
    return [t for t in _in_parent_order(tables) if t in filled]


def _in_parent_order(tables):
    """``tables`` with each after the tables its foreign keys point to (cycles broken
    anywhere: the keys are checked at the end of the transaction)."""
    parents = defaultdict(set)
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                parents[model._meta.db_table].add(field.related_model._meta.db_table)
    wanted, order, seen = set(tables), [], set()

    def visit(table):
        if table in seen:
            return
        seen.add(table)
        for parent in sorted(parents[table] & wanted):
            visit(parent)
        order.append(table)

    for table in sorted(tables):
        visit(table)
    return order


def _read_table(cursor, table):
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT * FROM {quote(table)} WHERE 1 = 0")  # noqa: S608
    columns = [c[0] for c in cursor.description]
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "sqlite":
        # Unary + hands over the stored value as it is: no column type, so none of the
        # converters Django registers (dates, decimals, booleans) runs on the way out.
        cursor.execute(
            f"SELECT {', '.join('+' + quote(c) for c in columns)}"  # noqa: S608
            f" FROM {quote(table)} ORDER BY rowid"
        )
        return columns, cursor.fetchall()
    if connection.vendor == "postgresql":
        order = connection.introspection.get_primary_key_column(cursor, table)
        query = f"SELECT {names} FROM {quote(table)}" + (  # noqa: S608
            f" ORDER BY {quote(order)}" if order else ""
        )
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
            return columns, b"".join(bytes(block) for block in copy)
    raise RuntimeError(f"the demo dump reads SQLite and PostgreSQL, not {connection.vendor}")


def _write_table(cursor, table, columns, rows):
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "sqlite":
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
            rows,
        )
    else:
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            copy.write(rows)


def _read_sequences(cursor):
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name, seq FROM sqlite_sequence WHERE name != 'django_migrations'")
    else:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname ="
            " current_schema() AND last_value IS NOT NULL"
            " AND sequencename NOT LIKE 'django_migrations%%'"
        )
    return cursor.fetchall()


def _write_sequences(cursor, sequences):
    if connection.vendor == "sqlite":
        # The seeding test's counters, exactly: the next row gets the id it got there.
        cursor.execute("DELETE FROM sqlite_sequence WHERE name != 'django_migrations'")
        cursor.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", sequences)
    elif sequences:
        # PostgreSQL's sequences are outside transactions: one never goes back, or rows
        # of other tests' (content types made after a flush) could be numbered twice.
        values = ", ".join(["(%s, %s)"] * len(sequences))  # placeholders only
        cursor.execute(
            "SELECT setval(format('%%I', s.name)::regclass, GREATEST(s.value,"  # noqa: S608
            " COALESCE(p.last_value, 1))) FROM (VALUES " + values + ") AS s(name, value)"
            " LEFT JOIN pg_sequences p ON p.sequencename = s.name"
            " AND p.schemaname = current_schema()",
            [v for pair in sequences for v in pair],
        )
