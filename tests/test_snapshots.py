"""tests/snapshots.py: a fixture built once and restored is the fixture built, row for
row, file for file, with the fixtures it stood on holding the restored rows; anything it
cannot carry makes it build again."""

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction

from registry.models import Facility
from tests import snapshots
from tests.conftest import make_credit_code
from tests.demo_county import _read_table, _tables


def every_row():
    with connection.cursor() as cursor:
        return {table: _read_table(cursor, table)[1] for table in _tables(cursor)}


def built_and_undone(request, build, name):
    """``cached`` in a transaction that is then rolled back: the database as before."""
    with transaction.atomic():
        value = snapshots.cached(request, build, name=name)
        rows = every_row()
        transaction.set_rollback(True)
    return value, rows


def test_a_restore_is_the_build_row_for_row_and_file_for_file(request, world, lead):
    calls = []

    def build():
        calls.append(1)
        lead.full_name = "改过的名字"
        lead.save()
        storages["evidence"].save("snap/photo.jpg", ContentFile(b"not really a photo"))
        home = Facility.objects.create(
            name="快照养老院",
            credit_code=make_credit_code("430602", 77),
            type=Facility.Type.CARE_HOME,
            address="岳阳楼区测试路77号",
            region=world["county"],
        )
        return {"home": home, "county": world["county"]}

    built, rows = built_and_undone(request, build, "test-restore")
    lead.refresh_from_db()
    assert lead.full_name != "改过的名字"
    assert not Facility.objects.filter(name="快照养老院").exists()
    storages["evidence"].delete("snap/photo.jpg")

    restored = snapshots.cached(request, build, name="test-restore")

    assert calls == [1], "restored, not built again"
    assert every_row() == rows
    assert restored["home"].pk == built["home"].pk
    assert Facility.objects.get(pk=restored["home"].pk).name == "快照养老院"
    # The fixture it stood on holds the build's row again.
    assert lead.full_name == "改过的名字"
    with storages["evidence"].open("snap/photo.jpg") as file:
        assert file.read() == b"not really a photo"


def test_a_build_that_writes_to_the_cache_is_built_every_time(request, world):
    calls = []

    def build():
        calls.append(1)
        cache.set("snapshot-test", len(calls))
        return Facility.objects.count()

    built_and_undone(request, build, "test-cache")
    cache.delete("snapshot-test")
    snapshots.cached(request, build, name="test-cache")
    assert calls == [1, 1]


def test_other_rows_in_the_database_make_it_build_again(request, world):
    calls = []

    def build():
        calls.append(1)
        return Facility.objects.count()

    built_and_undone(request, build, "test-other-rows")
    Facility.objects.create(
        name="另一家",
        type=Facility.Type.CARE_HOME,
        address="岳阳楼区测试路78号",
        region=world["county"],
    )
    assert snapshots.cached(request, build, name="test-other-rows") == 4
    assert calls == [1, 1]
