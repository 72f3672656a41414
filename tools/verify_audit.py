#!/usr/bin/env python3
"""Check an export of the audit chain against the published seals.

Usage::

    python3 verify_audit.py [--whole] chain.jsonl [seals.json | https://SITE/public/audit/seals.json]

``chain.jsonl`` is the auditor's download (审计 → 变更历史 → chain.jsonl): one JSON object
per line, each a recorded change with its sequence number ``seq``, its ``hash`` and the
hash it was linked to, ``prev``. The program checks that

1. each row's hash is SHA-256 of ``prev`` followed by the row's canonical JSON (sorted
   keys, no spaces, UTF-8; every key but ``hash`` and ``prev``), docs/audit-chain.md;
2. where two rows follow each other (``seq`` and ``seq + 1``), the second is linked to the
   first's hash; with ``--whole`` (an administrator's export of the whole chain) the rows
   must start at 1 and have no gap, so a deleted row is reported where it is missing;
3. every published seal whose row is in the export has that row's hash.

It prints ``OK`` and what it checked (exit status 0) or the first discrepancy, with its
sequence number (exit status 1). Unreadable input gives a message and exit status 2.
It needs only Python 3.11 or newer and its standard library, and shares no code with the
system that wrote the chain.
"""

import hashlib
import json
import sys
import urllib.request

GENESIS = "0" * 64


class Discrepancy(Exception):
    pass


def canonical(row):
    fields = {key: value for key, value in row.items() if key not in ("hash", "prev")}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def check(rows, seals, whole=False):
    """Raise Discrepancy at the first problem; return what was checked."""
    previous = None
    for number, row in enumerate(rows, start=1):
        seq = row.get("seq")
        if not isinstance(seq, int):
            raise Discrepancy(f"line {number}: no sequence number")
        expected = 1 if previous is None else previous["seq"] + 1
        if whole and seq > expected:
            raise Discrepancy(f"seq {expected}: missing from the whole chain")
        if previous is not None:
            if seq <= previous["seq"]:
                raise Discrepancy(f"seq {seq}: out of order after seq {previous['seq']}")
            if seq == previous["seq"] + 1 and row["prev"] != previous["hash"]:
                raise Discrepancy(f"seq {seq}: not linked to seq {previous['seq']}")
        if seq == 1 and row["prev"] != GENESIS:
            raise Discrepancy("seq 1: the chain does not start from 64 zeros")
        digest = hashlib.sha256((row["prev"] + canonical(row)).encode("utf-8")).hexdigest()
        if digest != row["hash"]:
            raise Discrepancy(f"seq {seq}: the row does not match its hash")
        if seq in seals and seals[seq] != row["hash"]:
            # A row rewritten and every later one re-hashed passes 1 and 2, not this.
            raise Discrepancy(f"seq {seq}: the row does not match the published seal")
        previous = row
    if previous is None:
        raise Discrepancy("the export has no row")
    # Seals made after the export was downloaded are beyond its last row: not checked.
    checked = [seq for seq in seals if seq <= previous["seq"]]
    return previous["seq"], len(checked)


def read_rows(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_seals(source):
    if source is None:
        return {}
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 (the user's URL)
            data = json.load(response)
    else:
        with open(source, encoding="utf-8") as file:
            data = json.load(file)
    return {seal["seq"]: seal["hash"] for seal in data["seals"]}


def main(argv):
    whole = "--whole" in argv
    argv = [arg for arg in argv if arg != "--whole"]
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        rows = read_rows(argv[1])
        seals = read_seals(argv[2] if len(argv) == 3 else None)
    except (OSError, ValueError, KeyError) as error:
        print(f"cannot read the input: {error}", file=sys.stderr)
        return 2
    try:
        last, sealed = check(rows, seals, whole)
    except Discrepancy as discrepancy:
        print(discrepancy)
        return 1
    kind = "the whole chain" if whole else "rows of the chain (scoped export)"
    print(f"OK {len(rows)} {kind} up to seq {last}, {sealed} seals checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
