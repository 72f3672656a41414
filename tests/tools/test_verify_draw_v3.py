"""The standalone verifier checks joint draws (``sha256-rank-v3``) made in the project,
and still accepts records of the older algorithms."""

import copy
import json

import pytest

from inspections.planning import drawing, services
from inspections.planning.models import Draw
from tests.inspections.conftest import make_plan, make_template
from tests.tools.test_verify_draw import public_record, verify

FEW = {"ratio_a": 100, "ratio_b": 20, "ratio_c": 0, "ratio_d": 0}


@pytest.fixture
def joint_draw(world, lead, published_template, county_facilities, pool):
    service = make_template(
        "t-service", [("V-01", "服务记录是否完整？", {})], title="服务检查表",
        category="service", department="civil_affairs",
    )  # fmt: skip
    plan = services.plan_save(
        plan=make_plan(world, lead, published_template, **FEW),
        values={},
        m2m={"scope_regions": [world["county"]], "pool_regions": [world["county"]]},
        checklists={published_template: True, service: False},
        departments=[
            {"department": world["civil"], "team_size": 1, "delegate": None},
            {"department": world["fire"], "team_size": 2, "delegate": None},
        ],
        by=lead,
    )
    plan = services.plan_approve(plan=plan, by=lead)
    draw = services.draw_freeze(plan=plan, by=lead)
    draw = services.draw_run(draw=draw, public_entropy="05 11 16", source="test", by=lead)
    assert draw.algorithm == drawing.V3 and draw.status == Draw.Status.VALID
    for assignment in draw.assignments[:2]:
        for out in (assignment["inspectors"][0], assignment["inspectors"][2]):
            draw = services.draw_substitute(
                draw=draw, facility_code=assignment["facility"], out_code=out,
                reason="病假", by=lead,
            )  # fmt: skip
    return draw


def test_a_joint_draw_verifies_and_a_tampered_copy_does_not(joint_draw, client, tmp_path):
    record = public_record(client, joint_draw)
    assert record["algorithm"] == "sha256-rank-v3"
    assert sorted(record["inspectors"]) == ["yyl-civil", "yyl-fire"]
    assert len(record["substitutions"]) == 4
    assert verify(record, tmp_path) == (0, "OK")

    tampered = copy.deepcopy(record)
    tampered["parameters"]["departments"][1]["team_size"] = 1
    status, output = verify(tampered, tmp_path)
    assert status == 1 and "candidates_sha256" in output

    tampered = copy.deepcopy(record)
    team = tampered["assignments"][0]["inspectors"]
    team[1], team[2] = team[2], team[1]
    status, output = verify(tampered, tmp_path)
    assert status == 1 and "assignments[0]" in output

    tampered = copy.deepcopy(record)
    # A replacement from the other department's pool is refused.
    tampered["substitutions"][0]["in"] = record["assignments"][0]["inspectors"][1]
    status, output = verify(tampered, tmp_path)
    assert status == 1 and "substitutions[0]" in output


def test_a_failed_joint_draw_verifies(world, lead, published_template, county_facilities, pool,
                                      client, tmp_path):  # fmt: skip
    plan = services.plan_save(
        plan=make_plan(world, lead, published_template, max_per_inspector=1, ratio_d=100),
        values={},
        m2m={"scope_regions": [world["county"]], "pool_regions": [world["county"]]},
        checklists={published_template: True},
        departments=[
            {"department": world["civil"], "team_size": 1, "delegate": None},
            {"department": world["fire"], "team_size": 1, "delegate": None},
        ],
        by=lead,
    )
    plan = services.plan_approve(plan=plan, by=lead)
    draw = services.draw_freeze(plan=plan, by=lead)
    draw = services.draw_run(draw=draw, public_entropy="1", source="test", by=lead)
    assert draw.status == Draw.Status.FAILED
    record = public_record(client, draw)
    assert verify(record, tmp_path) == (0, "OK")
    record["status"], record["void_reason"] = "valid", None
    status, output = verify(record, tmp_path)
    assert status == 1 and "status" in output


def test_an_old_v1_record_still_verifies(drawn, client, tmp_path):
    record = public_record(client, drawn)
    assert record["algorithm"] == "sha256-rank-v1"
    assert verify(record, tmp_path) == (0, "OK")


def test_the_documented_v3_example_verifies(tmp_path):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "draw-algorithm.md").read_text()
    start = doc.index("```json", doc.index("### 2.8"))
    example = json.loads(doc[start + len("```json") : doc.index("```", start + 7)])
    assert example["algorithm"] == "sha256-rank-v3"
    assert verify(example, tmp_path) == (0, "OK")
