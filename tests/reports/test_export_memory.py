"""The hazard export in memory that does not grow with the rows: four times the rows
through each writer raise the peak (tracemalloc) by less than a fifth."""

import gc
import hashlib
import tracemalloc
from datetime import date

import pytest

from reports import exports

# A row as the register gives it, its text a description of realistic length.
ROW = {
    "register_no": "YH-430602-2026-000001",
    "facility_code": "52430602MJY1234567",
    "facility_name": "岳阳楼区康乐养老院",
    "region_code": "430602",
    "department": "fire_rescue",
    "category": "fire",
    "severity": "general",
    "item_code": "XF-1.2",
    "description": "消防通道堆放杂物，疏散指示标志损坏，应急照明不亮。" * 4,
    "source": "inspection",
    "status": "registered",
    "found_on": date(2026, 11, 2).isoformat(),
    "due_on": date(2026, 11, 11).isoformat(),
    "due_provisional": False,
    "closed_on": None,
    "verified_by": None,
    "extensions": 0,
}
WRITERS = {
    "csv": exports._csv_chunks,
    "json": exports._json_chunks,
    "xlsx": exports._xlsx_chunks,
}


def peak(writer, n, runs=3):
    """The writer's peak memory over ``n`` rows, the least of ``runs`` runs: tracemalloc
    also counts what other threads allocate meanwhile (the test runner's messages), which
    only ever adds; and the bytes written."""
    peaks = []
    for _ in range(runs):
        # Text that differs from row to row, so the zip of an XLSX cannot shrink it away.
        rows = (
            {
                **ROW,
                "register_no": f"YH-430602-2026-{i:06d}",
                "description": ROW["description"] + hashlib.sha256(str(i).encode()).hexdigest() * 4,
            }
            for i in range(n)
        )
        gc.collect()  # garbage of the run before is not this run's
        tracemalloc.start()
        try:
            size = sum(len(piece) for piece in writer(rows))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return min(peaks), size


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_four_times_the_rows_take_no_more_memory(fmt, monkeypatch):
    # Small batches and pieces: the bound is then reached well within the rows tested.
    monkeypatch.setattr(exports, "BATCH", 50)
    monkeypatch.setattr(exports, "XLSX_PIECE", 64 * 1024)
    peak(WRITERS[fmt], 50, runs=1)  # imports and first-use caches, outside the measure
    one, one_size = peak(WRITERS[fmt], 500)
    four, four_size = peak(WRITERS[fmt], 2000)
    assert four_size > 3 * one_size
    assert four < 1.2 * one, (one, four, one_size, four_size)
