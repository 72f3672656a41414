"""tests/demo_county.py: a restored demo county is what seed_demo builds, and each test
gets its own (nothing one test changes reaches the next)."""

import hashlib
import io
from datetime import date

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.audited import save_with_history
from inspections.onsite.models import Photo
from registry.models import Facility, Region, User
from tests import demo_county

# Two seeds differ in their timestamps, password salts and the draw's random secret
# (and so in which facilities the draw picked); these tables hold none of that.
SAME_ROWS = {
    "registry_region": (),
    "registry_department": (),
    "registry_facility": (),
    "registry_facility_managers": (),
    "registry_user": ("password", "date_joined"),
    "registry_user_regions": (),
    "registry_inspectorprofile": (),
    "registry_conflictofinterest": (),
    "checklists_checklisttemplate": (),
    "checklists_section": (),
    "checklists_item": (),
    "core_calendarday": (),
    "inspections_hazard": ("created_at", "closed_at"),
}


def snapshot():
    with connection.cursor() as cursor:
        return {
            table: demo_county._read_table(cursor, table) for table in demo_county._tables(cursor)
        }


def rows(snap, table):
    """The table's rows as dicts (PostgreSQL's COPY text split into its columns)."""
    columns, data = snap[table]
    if isinstance(data, bytes):
        data = [line.split("\t") for line in data.decode().splitlines()]
    return [dict(zip(columns, row, strict=True)) for row in data]


def wipe(baseline, sequences):
    """Back to the database as the test found it, with the other tables' sequences as
    ``sequences`` says (a fresh seed from there numbers its rows as the dump's)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = demo_county._in_parent_order(demo_county._tables(cursor))
        for table in reversed(tables):
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
        for table in tables:
            columns, data = baseline[table]
            if data:
                demo_county._write_table(cursor, table, columns, data)

        def own(name):
            return not any(name.startswith(table) for table in demo_county.MIGRATED)

        wanted = [(name, value) for name, value in sequences if own(name)]
        if connection.vendor == "sqlite":
            for name, _value in demo_county._read_sequences(cursor):
                if own(name):
                    cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [name])
            cursor.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", wanted)
        else:
            cursor.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )
            start = dict(wanted)
            for (name,) in cursor.fetchall():
                if own(name) and not name.startswith("django_migrations"):
                    cursor.execute(
                        "SELECT setval(format('%%I', %s)::regclass, %s, %s)",
                        [name, start.get(name, 1), name in start],
                    )


def test_a_restored_county_is_a_fresh_seed_with_the_same_pks(db, request):
    baseline = snapshot()
    demo_county.load(request)  # the first in the run seeds; the dump exists now
    wipe(baseline, [])
    demo_county.load(request)  # and so this restores it
    dump = demo_county._loaded[demo_county.dump_key(request)]
    restored = snapshot()

    wipe(baseline, dump.start_sequences)
    call_command("seed_demo", stdout=io.StringIO())
    fresh = snapshot()

    counts = {table: len(rows(fresh, table)) for table in fresh}
    assert {table: len(rows(restored, table)) for table in restored} == counts
    assert counts["registry_facility"] == 48 and counts["inspections_photo"] > 0
    for table, volatile in SAME_ROWS.items():
        assert rows(restored, table), table

        def kept(row, volatile=volatile):
            return {k: v for k, v in row.items() if k not in volatile}

        assert [kept(r) for r in rows(restored, table)] == [kept(r) for r in rows(fresh, table)], (
            table
        )


@pytest.fixture(params=["db", "transactional_db"])
def any_db(request):
    """Each test of the module in a transaction rolled back, and in one committed and
    flushed afterwards (as the browser tests): the county comes back from both."""
    request.getfixturevalue(request.param)


# Rounds, so that with the tests spread over parallel workers some round still follows
# another in the same process: each checks the county is untouched, then spoils it.
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_what_a_test_changes_does_not_reach_the_next(any_db, request, round_):
    demo_county.load(request)

    assert Facility.objects.count() == 48
    assert not Region.objects.filter(code__startswith="9999").exists()
    assert not Facility.objects.filter(name="改").exists()
    assert User.objects.get(username="demo-lead").check_password("Demo-2026!")
    evidence = storages["evidence"]
    photos = list(Photo.objects.all())
    assert photos
    for photo in photos:
        with evidence.open(photo.original.name) as file:
            assert hashlib.sha256(file.read()).hexdigest() == photo.sha256
        assert evidence.exists(photo.thumbnail.name)
    # Dated from today, and never ahead of the clock: what the test makes comes after.
    # The clock is still in the suite's zone (auto_now_add dates read date.today()).
    assert Photo.objects.latest("uploaded_at").uploaded_at <= timezone.now()
    assert date.today() == timezone.localdate()

    Region.objects.create(code=f"99990{round_}", name="漏")
    home = Facility.objects.get(managers__username="demo-manager")
    home.name = "改"
    save_with_history(home, by=None)
    lead = User.objects.get(username="demo-lead")
    lead.set_unusable_password()
    save_with_history(lead, by=None)
    evidence.delete(photos[0].original.name)
    with evidence.open(photos[1].original.name, "wb") as file:
        file.write(b"spoilt")
    assert Facility.objects.filter(name="改").count() == 1


def test_it_refuses_a_database_where_the_test_made_data(db, request):
    Region.objects.create(code="430602", name="岳阳楼区")
    with pytest.raises(
        RuntimeError, match=r"these tables have rows: .*registry_region\. Load the demo"
    ):
        demo_county.load(request)
