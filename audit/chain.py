"""The tamper-evident chain over the change index (docs/audit-chain.md).

Each recorded change (``ChangeLog`` row) gets the next sequence number and

    hash = SHA-256(previous hash ‖ canonical JSON of the row)

where the previous hash is the 64 hex digits of the row before (64 zeros before the
first), ``‖`` is concatenation of their UTF-8 bytes, and the canonical JSON has sorted
keys, no spaces, UTF-8 text (not ``\\u`` escapes) and these keys:

    seq, model, object_id, action, at (UTC, ISO 8601 with microseconds and "Z"),
    user (id or null), regions (sorted ids), inspection (id or null), reason, changes

Appends are serialised on the one ``ChainHead`` row: its sequence number is moved
forward by an UPDATE first, which takes the row's lock on PostgreSQL (held to the end
of the writing transaction) and SQLite's write lock, and only then is the previous hash
read. So two writers never read the same head, and a rolled-back transaction takes its
links back with it: no gap, no orphan.

The day's head is sealed (``ChainSeal``) and the seals are public
(``/public/audit/seals.json``): a rewrite of the past, even re-hashed to the end, no
longer matches a seal published before it.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# One encoder for every row: json.dumps with these options would build a new one each
# time, a third of the cost of checking a row.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(fields: dict[str, Any]) -> bytes:
    return _ENCODER.encode(fields).encode("utf-8")


def row_fields(row: Any, seq: int, regions: Iterable[int]) -> dict[str, Any]:
    """What the hash covers of a ``ChangeLog`` row (live or a migration's)."""
    return {
        "seq": seq,
        "model": row.model,
        "object_id": row.object_id,
        "action": row.action,
        "at": utc_iso(row.at),
        "user": row.user_id,
        "regions": sorted(set(regions)),
        "inspection": row.inspection_id,
        "reason": row.reason,
        "changes": row.changes,
    }


def link(previous: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(previous.encode("ascii") + canonical(fields)).hexdigest()


def append(row: Any, regions: Iterable[int], head_model: Any) -> None:
    """Give ``row`` (unsaved) its sequence number, regions and hash, and move the head;
    inside the caller's transaction."""
    from django.db import connections, router

    connection = connections[router.db_for_write(head_model)]
    table = connection.ops.quote_name(head_model._meta.db_table)
    # The move and the read of the head in one statement (PostgreSQL and SQLite 3.35+
    # return the updated row): every audited write pays for this round trip.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")  # noqa: S608
        moved = cursor.fetchone()
    if moved is None:
        # A database made without migrations, or flushed: the chain starts here.
        head_model.objects.create(pk=1, seq=1, hash=GENESIS)
        moved = (1, GENESIS)
    row.seq, previous = moved
    row.region_ids = sorted(set(regions))
    row.hash = link(previous, row_fields(row, row.seq, row.region_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET hash = %s WHERE id = 1", [row.hash])  # noqa: S608


def append_many(items: list[tuple[Any, Iterable[int]]], head_model: Any) -> None:
    """``append`` for many rows (each unsaved, with its regions) in one move of the head:
    the same sequence numbers and links as appending them one after another."""
    from django.db.models import F

    if not items:
        return
    count = len(items)
    if not head_model.objects.filter(pk=1).update(seq=F("seq") + count):
        head_model.objects.create(pk=1, seq=count, hash=GENESIS)
    head = head_model.objects.get(pk=1)
    previous = head.hash
    for offset, (row, regions) in enumerate(items):
        row.seq = head.seq - count + 1 + offset
        row.region_ids = sorted(set(regions))
        row.hash = previous = link(previous, row_fields(row, row.seq, row.region_ids))
    head.hash = previous
    head.save(update_fields=["hash"])


@dataclass(frozen=True)
class Break:
    seq: int
    what: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.what}"


def verify(
    rows: Iterable[dict[str, Any]],
    seals: Iterable[tuple[int, str]] = (),
    *,
    previous: str = GENESIS,
    first: int = 1,
) -> Break | None:
    """The first broken link of ``rows`` (each the canonical fields plus ``hash``, which
    is taken out; in sequence order, starting at ``first`` after the hash ``previous``),
    or of a seal
    (``(seq, hash)``) the rows do not match; None when all hold."""
    sealed = dict(seals)
    expected = first
    for row in rows:
        seq = row["seq"]
        if seq != expected:
            what = "missing" if seq > expected else "repeated or out of order"
            return Break(expected, f"row {what} (found seq {seq})")
        claimed = row.pop("hash")
        computed = link(previous, row)
        if computed != claimed:
            return Break(seq, "the row does not match its hash (changed, inserted or moved)")
        if seq in sealed and sealed.pop(seq) != computed:
            return Break(seq, "the chain does not match the published seal")
        previous, expected = computed, expected + 1
    beyond = [seq for seq in sealed if seq >= first]
    if beyond:
        return Break(min(beyond), "a sealed row is missing (the chain was cut)")
    return None


def rows_of(queryset: Any) -> Iterator[dict[str, Any]]:
    """The canonical fields and hash of each row of a ``ChangeLog`` queryset, in order."""
    for row in queryset.order_by("seq").iterator(chunk_size=2000):
        fields = row_fields(row, row.seq, row.region_ids)
        fields["hash"] = row.hash
        yield fields


def export_lines(queryset: Any, previous_of: Any) -> Iterator[str]:
    """JSON Lines of ``queryset``'s rows in sequence order, each with ``hash`` and
    ``prev`` (the hash it was linked to): enough to check every row on its own, and,
    where the rows follow each other, the links between them (tools/verify_audit.py).
    ``previous_of(seqs)`` gives {seq: hash} of the rows before."""
    batch: list[dict[str, Any]] = []

    def flush() -> Iterator[str]:
        before = previous_of([row["seq"] - 1 for row in batch])
        for row in batch:
            row["prev"] = GENESIS if row["seq"] == 1 else before.get(row["seq"] - 1, "")
            yield json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"

    for row in rows_of(queryset):
        batch.append(row)
        if len(batch) == 2000:
            yield from flush()
            batch = []
    if batch:
        yield from flush()
