"""tools/verify_draw.py, the standalone verifier, against real published records."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from inspections.planning import services
from inspections.planning.models import Draw
from tests import demo_county
from tests.inspections.conftest import make_plan

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def verify(record, tmp_path, name="record.json"):
    path = tmp_path / name
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    # No Django, no project on the path: the verifier stands alone.
    result = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return result.returncode, result.stdout.strip() + result.stderr.strip()


def public_record(client, draw):
    response = client.get(f"/public/draws/{draw.pk}.json")
    assert response.status_code == 200
    return response.json()


_DEMO = {}


@pytest.fixture
def demo(db, client, request):
    """The demo's published records, built once: they are plain JSON afterwards."""
    if not _DEMO:
        demo_county.load(request)
        for draw in Draw.objects.all():
            _DEMO[draw.status] = public_record(client, draw)
    return copy.deepcopy(_DEMO)


def test_the_verifier_accepts_the_demo_draws(demo, tmp_path):
    assert set(demo) == {"valid", "void"}
    for record in demo.values():
        assert verify(record, tmp_path) == (0, "OK")


def _swap_first_two(values):
    values[0], values[1] = values[1], values[0]


MUTATIONS = {
    "algorithm": lambda r: r.update(algorithm="sha256-rank-v2"),
    "commitment": lambda r: r.update(commitment="0" * 64),
    "secret": lambda r: r.update(secret=r["secret"][::-1]),
    "public_entropy": lambda r: r.update(public_entropy=r["public_entropy"] + " "),
    "seed": lambda r: r.update(seed="f" * 64),
    "candidates_sha256": lambda r: r.update(candidates_sha256="a" * 64),
    "ratio": lambda r: r["parameters"]["ratios"].update(B=r["parameters"]["ratios"]["B"] + 1),
    "team_size": lambda r: r["parameters"].update(team_size=3),
    "max_per_inspector": lambda r: r["parameters"].update(max_per_inspector=1),
    "strata": lambda r: r["strata"]["D"].pop(),
    "inspectors": lambda r: r["inspectors"].pop(),
    "exclusions": lambda r: r["exclusions"].pop(next(iter(r["exclusions"]))),
    "selected": lambda r: _swap_first_two(r["selected"]["C"]),
    "selected class": lambda r: r["selected"]["B"].pop(),
    "assignments order": lambda r: _swap_first_two(r["assignments"]),
    "assignment team": lambda r: _swap_first_two(r["assignments"][0]["inspectors"]),
    "substitutions": lambda r: r["substitutions"].append(
        {
            "facility": r["assignments"][0]["facility"],
            "out": r["assignments"][0]["inspectors"][0],
            "in": r["assignments"][0]["inspectors"][1],
            "reason": "病假",
            "at": r["drawn_at"],
        }
    ),
    "status": lambda r: r.update(status="void"),
    "void_reason": lambda r: r.update(void_reason="已作废"),
    "drawn_at": lambda r: r.update(drawn_at="2000-01-01T00:00:00+08:00"),
    "missing key": lambda r: r.pop("plan"),
    "extra key": lambda r: r.update(note="x"),
}  # fmt: skip


@pytest.mark.parametrize("field", list(MUTATIONS))
def test_the_verifier_rejects_a_copy_with_one_field_changed(demo, tmp_path, field):
    record = copy.deepcopy(demo["valid"])
    MUTATIONS[field](record)
    assert record != demo["valid"]
    status, output = verify(record, tmp_path)
    assert status == 1, output
    assert output and output != "OK"


def test_the_verifier_checks_the_commitment_against_the_secret(demo, tmp_path):
    record = copy.deepcopy(demo["valid"])
    record["secret"] = "11" * 32
    status, output = verify(record, tmp_path)
    assert status == 1 and "commitment" in output.lower()


def test_substitutions_failed_and_unrun_draws_verify(
    world, lead, published_template, pool, county_facilities, client, tmp_path
):
    plan = services.plan_approve(plan=make_plan(world, lead, published_template), by=lead)
    draw = services.draw_freeze(plan=plan, by=lead)
    draw = services.draw_run(draw=draw, public_entropy="8 8 8", source="test", by=lead)
    for assignment in draw.assignments[:2]:
        services.draw_substitute(
            draw=draw,
            facility_code=assignment["facility"],
            out_code=assignment["inspectors"][0],
            reason="病假",
            by=lead,
        )
    draw.refresh_from_db()
    assert verify(public_record(client, draw), tmp_path) == (0, "OK")
    services.draw_void(draw=draw, reason="演练", by=lead)

    unrun = services.draw_freeze(plan=plan, by=lead)
    services.draw_void(draw=unrun, reason="冻结后发现计划范围有误", by=lead)
    assert verify(public_record(client, unrun), tmp_path) == (0, "OK")

    failing = services.plan_approve(
        plan=make_plan(world, lead, published_template, name="失败", max_per_inspector=1,
                       ratio_d=100),
        by=lead,
    )  # fmt: skip
    failed = services.draw_freeze(plan=failing, by=lead)
    failed = services.draw_run(draw=failed, public_entropy="1", source="test", by=lead)
    assert failed.status == Draw.Status.FAILED
    record = public_record(client, failed)
    assert verify(record, tmp_path) == (0, "OK")
    record["status"] = "valid"
    record["void_reason"] = None
    assert verify(record, tmp_path)[0] == 1
