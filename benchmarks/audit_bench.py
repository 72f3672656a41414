"""What the tamper-evident chain costs (see run.py for the figures)."""

import time

WRITES = 1000
VERIFY_ROWS = 1_000_000


def _setup():
    from registry.creditcode import check_character
    from registry.models import Facility, Region

    county = Region.objects.create(code="430626", name="平江县")
    body = "52430626MJ0000001"
    return Facility.objects.create(
        name="平江县福寿养老院",
        credit_code=body + check_character(body),
        type="care_home",
        address="平江县",
        region=county,
        beds=60,
    )


def bench_append(runs):
    """``audit_append_ms`` and ``audit_plain_ms``: 1,000 audited writes (a facility's
    bed count changed through the service: history, change index, regions) with the
    chain and without it (its link skipped); ``audit_append_ratio``: with / without.
    Blocks of 100 of each take turns, so the machine's drift falls on both alike."""
    from unittest import mock

    from audit import signals
    from registry import services

    facility = _setup()
    beds = iter(range(100, 10**6))

    def writes(n):
        start = time.perf_counter()
        for _ in range(n):
            services.facility_save(facility=facility, values={"beds": next(beds)})
        return time.perf_counter() - start

    writes(50)  # warm up
    chained = plain = 0.0
    for _ in range(max(runs, 1)):
        for _block in range(WRITES // 100):
            chained += writes(100)
            with mock.patch.object(signals.chain, "append", lambda row, regions, head: None):
                plain += writes(100)
    runs = max(runs, 1)
    return {
        "audit_append_ms": round(chained / runs * 1000, 1),
        "audit_plain_ms": round(plain / runs * 1000, 1),
        "audit_append_ratio": round(chained / plain, 2),
    }


def bench_verify():
    """``audit_verify_rate``: rows per second ``audit.chain.verify`` checks (canonical
    JSON and SHA-256 of each, in order), on a chain of 1,000,000 rows made in memory
    like the index's, already read (reading them from the database is not counted)."""
    from audit import chain

    def fields(seq):
        return {
            "seq": seq,
            "model": "registry.facility",
            "object_id": str(seq % 5000),
            "action": "~",
            "at": f"2026-11-{seq % 28 + 1:02d}T08:{seq % 60:02d}:00.000000Z",
            "user": seq % 300,
            "regions": [3, 7],
            "inspection": None,
            "reason": "",
            "changes": {"beds": [str(seq), str(seq + 1)]},
        }

    # The rows are made before the clock starts (about 1 GB): only the check is timed.
    rows = []
    previous = chain.GENESIS
    for seq in range(1, VERIFY_ROWS + 1):
        row = fields(seq)
        previous = chain.link(previous, row)
        row["hash"] = previous
        rows.append(row)
    start = time.perf_counter()
    assert chain.verify(rows) is None
    spent = time.perf_counter() - start
    return {"audit_verify_rate": round(VERIFY_ROWS / spent), "audit_verify_rows": VERIFY_ROWS}
