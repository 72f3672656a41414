"""The change index is a hash chain: any row edited, deleted, inserted or moved in the
database, even by someone with direct access, is reported at its sequence number; a
tail rewritten and re-hashed to the end no longer matches the published seal."""

import hashlib
import json
import re
from datetime import UTC
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from audit import chain
from audit.models import ChainHead, ChainSeal, ChangeLog, ChangeRegion
from audit.services import chain_seal
from registry import services as registry_services
from tests.conftest import add_facility


@pytest.fixture
def recorded(world, lead):
    """A dozen recorded changes: facilities created and edited."""
    for n in range(4):
        facility = add_facility(world["county"], 60 + n, f"链测试养老院{n}")
        registry_services.facility_save(facility=facility, values={"beds": 30 + n})
    assert ChangeLog.objects.count() >= 12
    return list(ChangeLog.objects.order_by("seq"))


def verify(*args):
    """``manage.py audit_verify``: (exit status, what it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, err.getvalue()
    return 0, out.getvalue()


def raw(sql, *params):
    """A change made behind the application's back, as someone with database access."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_change_is_a_link_and_the_chain_verifies(recorded):
    seqs = [row.seq for row in recorded]
    assert seqs == list(range(1, len(recorded) + 1))
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (recorded[-1].seq, recorded[-1].hash)
    # The documented recipe, recomputed by hand for the first link.
    first = recorded[0]
    fields = {
        "seq": 1,
        "model": first.model,
        "object_id": first.object_id,
        "action": first.action,
        "at": first.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "user": first.user_id,
        "regions": first.region_ids,
        "inspection": first.inspection_id,
        "reason": first.reason,
        "changes": first.changes,
    }
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert first.hash == hashlib.sha256(("0" * 64 + body).encode("utf-8")).hexdigest()
    status, said = verify()
    assert status == 0 and said.startswith(f"OK {len(recorded)} rows")


@pytest.mark.parametrize(
    "column, value",
    [
        ("changes", '{"beds": ["30", "300"]}'),
        ("at", "2026-01-01 00:00:00"),
        ("user_id", "lead"),
        ("reason", "改过的原因"),
    ],
)
def test_a_row_edited_in_the_database_is_reported_at_its_number(recorded, lead, column, value):
    target = recorded[5]
    value = lead.pk if value == "lead" else value
    # The column comes from the parameters above, never from input.
    raw(f"UPDATE audit_changelog SET {column} = %s WHERE id = %s", value, target.pk)  # noqa: S608
    status, said = verify()
    assert status == 1
    assert said.startswith(f"BROKEN seq {target.seq}:"), said


def test_a_deleted_row_is_reported_missing(recorded):
    target = recorded[4]
    raw("DELETE FROM audit_changeregion WHERE change_id = %s", target.pk)
    raw("DELETE FROM audit_changelog WHERE id = %s", target.pk)
    status, said = verify()
    assert status == 1 and said.startswith(f"BROKEN seq {target.seq}: row missing"), said


def test_an_inserted_row_is_reported(recorded):
    copy = recorded[3]
    raw(
        "UPDATE audit_changelog SET seq = seq + 1000 WHERE seq > %s",
        copy.seq,
    )
    ChangeLog.objects.create(
        at=copy.at,
        model=copy.model,
        object_id=copy.object_id,
        object_repr="伪造",
        action="~",
        history_id=copy.history_id,
        changes={"beds": ["1", "2"]},
        seq=copy.seq + 1,
        hash=copy.hash,
    )
    status, said = verify()
    assert status == 1 and said.startswith(f"BROKEN seq {copy.seq + 1}:"), said


def test_two_rows_swapped_are_reported_at_the_first(recorded):
    a, b = recorded[6], recorded[7]
    raw("UPDATE audit_changelog SET seq = NULL WHERE id = %s", a.pk)
    raw("UPDATE audit_changelog SET seq = %s WHERE id = %s", a.seq, b.pk)
    raw("UPDATE audit_changelog SET seq = %s WHERE id = %s", b.seq, a.pk)
    status, said = verify()
    assert status == 1 and said.startswith(f"BROKEN seq {a.seq}:"), said


def test_a_tail_rewritten_and_rehashed_is_caught_by_the_published_seal(recorded, client):
    seal = chain_seal()
    assert seal.seq == recorded[-1].seq
    published = client.get("/public/audit/seals.json").json()
    assert published["seals"][-1] == {
        "seq": seal.seq,
        "hash": seal.hash,
        "sealed_at": seal.sealed_at.isoformat(),
    }
    # Someone with database access changes a row and re-hashes everything after it.
    target = recorded[8]
    ChangeLog.objects.filter(pk=target.pk).update(reason="事后改写")
    previous = recorded[7].hash
    for row in ChangeLog.objects.filter(seq__gte=target.seq).order_by("seq"):
        new = chain.link(previous, chain.row_fields(row, row.seq, row.region_ids))
        ChangeLog.objects.filter(pk=row.pk).update(hash=new)
        previous = new
    status, said = verify()
    assert status == 1
    assert said.startswith(f"BROKEN seq {seal.seq}: the chain does not match the published seal")


def test_verify_from_a_number_checks_the_rest(recorded):
    status, said = verify("--from", str(recorded[5].seq))
    assert status == 0 and f"OK {len(recorded) - 5} rows from seq {recorded[5].seq}" in said


def test_a_rolled_back_change_leaves_no_gap(recorded, world):
    from django.db import transaction

    before = ChainHead.objects.get(pk=1).seq
    with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
        add_facility(world["county"], 90, "回滚养老院")
        raise RuntimeError("rolled back")
    assert ChainHead.objects.get(pk=1).seq == before
    add_facility(world["county"], 91, "之后的养老院")
    assert verify()[0] == 0


def test_a_seal_is_made_once_until_something_new_is_recorded(recorded, world):
    assert chain_seal() is not None
    assert chain_seal() is None
    add_facility(world["county"], 92, "新养老院")
    assert chain_seal().seq == ChainHead.objects.get(pk=1).seq
    assert ChainSeal.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_linear_chain(world):
    """Two threads writing at once, each in its own transactions: one line, no fork."""
    import threading

    from django.db import connections

    errors = []
    facilities = [add_facility(world["county"], 100 + k, f"并发养老院{k}") for k in range(2)]

    def write(k):
        try:
            for n in range(10):
                registry_services.facility_save(facility=facilities[k], values={"beds": 40 + n})
        except Exception as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(ChangeLog.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert verify()[0] == 0


def test_the_migration_chains_the_rows_recorded_before_in_id_order(recorded):
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("audit.migrations.0006_tamper_evident_chain").chain_existing_rows
    ChangeLog.objects.update(seq=None, hash="", region_ids=[])
    ChainHead.objects.all().delete()
    backfill(apps, None)
    rows = list(ChangeLog.objects.order_by("id"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert ChainHead.objects.get(pk=1).hash == rows[-1].hash
    # With the regions they hold now (a row recorded before its object had a region
    # has adopted the first it got since).
    assert rows[0].region_ids == sorted(
        ChangeRegion.objects.filter(change=rows[0]).values_list("region_id", flat=True)
    )
    assert verify()[0] == 0


def _tool():
    from importlib.util import module_from_spec, spec_from_file_location
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "verify_audit.py"
    spec = spec_from_file_location("verify_audit", path)
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _download(client, path, url):
    response = client.get(url)
    assert response.status_code == 200
    path.write_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return path


def test_the_exported_chain_checks_with_the_standalone_tool(
    recorded, admin_user, auditor, as_user, client, tmp_path, capsys
):
    tool = _tool()
    chain_seal()
    seals = _download(client, tmp_path / "seals.json", "/public/audit/seals.json")
    whole = _download(as_user(admin_user), tmp_path / "all.jsonl", "/audit/chain.jsonl")
    assert tool.main(["verify_audit.py", "--whole", str(whole), str(seals)]) == 0
    assert re.match(
        r"OK \d+ the whole chain up to seq \d+, 1 seals checked", capsys.readouterr().out
    )
    # An auditor's export holds the rows of their regions, each with its link.
    scoped = _download(as_user(auditor), tmp_path / "mine.jsonl", "/audit/chain.jsonl")
    assert tool.main(["verify_audit.py", str(scoped), str(seals)]) == 0

    # A row deleted from the database: the next export has a hole where it was.
    target = recorded[4]
    raw("DELETE FROM audit_changeregion WHERE change_id = %s", target.pk)
    raw("DELETE FROM audit_changelog WHERE id = %s", target.pk)
    capsys.readouterr()
    cut = _download(as_user(admin_user), tmp_path / "cut.jsonl", "/audit/chain.jsonl")
    assert tool.main(["verify_audit.py", "--whole", str(cut), str(seals)]) == 1
    assert capsys.readouterr().out.strip() == f"seq {target.seq}: missing from the whole chain"

    # A row edited in a file after the export.
    lines = whole.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[2])
    row["reason"] = "改过"
    lines[2] = json.dumps(row, ensure_ascii=False)
    edited = tmp_path / "edited.jsonl"
    edited.write_text("\n".join(lines), encoding="utf-8")
    assert tool.main(["verify_audit.py", str(edited)]) == 1
    assert capsys.readouterr().out.strip() == f"seq {row['seq']}: the row does not match its hash"
