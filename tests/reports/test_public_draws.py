"""The public site: plans, the commitment before a draw, the record after it."""

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from inspections.planning import services as planning_services
from tests.inspections.conftest import make_plan

KEYS = {
    "algorithm", "plan", "frozen_at", "drawn_at", "commitment", "secret", "public_entropy",
    "public_entropy_source", "seed", "candidates_sha256", "parameters", "strata", "inspectors",
    "exclusions", "selected", "assignments", "substitutions", "status", "void_reason",
}  # fmt: skip
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_frozen_draw_shows_only_its_commitment(plan, lead, client):
    draw = planning_services.draw_freeze(plan=plan, by=lead)

    page = client.get(f"/public/plans/{plan.pk}/").content.decode()
    assert draw.commitment in page and draw.candidates_sha256 in page
    assert draw.secret not in page
    assert client.get(f"/public/draws/{draw.pk}.json").status_code == 404
    assert client.get("/public/draws.json").json() == []


def test_a_drawn_plan_with_notice_is_public_at_once(drawn, plan, client):
    response = client.get(f"/public/draws/{drawn.pk}.json")
    assert response.status_code == 200
    record = response.json()
    assert set(record) == KEYS
    assert record["status"] == "valid" and record["void_reason"] is None
    assert record["commitment"] == hashlib.sha256(record["secret"].encode()).hexdigest()
    assert record["plan"] == {"id": plan.pk, "name": plan.name, "year": 2026}
    assert record["parameters"] == {
        "ratios": {"A": 5, "B": 20, "C": 40, "D": 80},
        "team_size": 2,
        "max_per_inspector": 10,
    }
    assert "岳阳楼区" not in json.dumps(record["strata"]), "codes, not names"

    listing = client.get("/public/draws.json").json()
    assert listing == [
        {
            "id": drawn.pk,
            "plan": {"id": plan.pk, "name": plan.name, "year": 2026},
            "status": "valid",
            "url": f"http://testserver/public/draws/{drawn.pk}.json",
        }
    ]
    page = client.get(f"/public/plans/{plan.pk}/").content.decode()
    first = Inspection.objects.filter(draw=drawn).first()
    assert first.facility.name in page and "verify_draw.py" in page


def test_an_unannounced_draw_stays_hidden_until_every_inspection_has_started(unannounced, client):
    url = f"/public/draws/{unannounced.pk}.json"
    assert client.get(url).status_code == 404
    page = client.get(f"/public/plans/{unannounced.plan_id}/").content.decode()
    assert unannounced.commitment in page
    for inspection in unannounced.inspections.all():
        assert inspection.facility.name not in page

    inspections = list(unannounced.inspections.all())
    for inspection in inspections[:-1]:
        inspection.started_at = timezone.now()
        inspection.save()
    assert client.get(url).status_code == 404
    inspections[-1].started_at = timezone.now()
    inspections[-1].save()
    assert client.get(url).status_code == 200


def test_it_keeps_an_unannounced_draw_hidden_after_its_window_until_the_sweep(unannounced, client):
    url = f"/public/draws/{unannounced.pk}.json"
    plan_page = f"/public/plans/{unannounced.plan_id}/"
    started, *missed = list(unannounced.inspections.order_by("pk"))
    member = started.team.filter(active=True).select_related("inspector__user").first()
    with time_machine.travel(datetime(2026, 12, 10, 10, tzinfo=SHANGHAI), tick=False):
        onsite_services.inspection_start(inspection=started, by=member.inspector.user)
    # The window ended on 31 December; the sweep has not run yet.
    with time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert not unannounced.is_revealed()
        assert client.get(url).status_code == 404
        planning_services.plan_windows_close()
        assert unannounced.is_revealed()
        assert client.get(url).status_code == 200
        page = client.get(plan_page).content.decode()
    # The public sees which visits were not carried out, and why.
    assert page.count("未实施") == len(missed)
    assert "计划的检查期已于 2026-12-31 结束，检查未能开始。" in page
    for inspection in missed:
        assert inspection.facility.name in page


def test_a_manager_cannot_tell_their_facility_was_drawn_unannounced(
    unannounced, world, as_user, manager
):
    from inspections.access import inspections_for

    facility_inspection = Inspection.objects.create(
        facility=world["facility"],
        plan=unannounced.plan,
        draw=unannounced,
        kind="routine",
        unannounced=True,
        window_start=unannounced.plan.window_start,
        window_end=unannounced.plan.window_end,
    )
    assert not inspections_for(manager).filter(pk=facility_inspection.pk).exists()
    response = as_user(manager).get(f"/inspections/inspections/{facility_inspection.pk}/")
    assert response.status_code == 404
    facility_inspection.started_at = timezone.now()
    facility_inspection.status = Inspection.Status.IN_PROGRESS
    facility_inspection.save()
    assert (
        as_user(manager).get(f"/inspections/inspections/{facility_inspection.pk}/").status_code
        == 200
    )


def test_a_draft_plan_is_not_public(world, lead, published_template, client):
    plan = make_plan(world, lead, published_template)
    assert client.get(f"/public/plans/{plan.pk}/").status_code == 404
    for url in ("/public/", "/public/plans/"):
        assert plan.name not in client.get(url).content.decode()


def test_a_void_draw_stays_public_with_its_reason(drawn, lead, client):
    planning_services.draw_void(draw=drawn, reason="期号录入错误", by=lead)
    record = client.get(f"/public/draws/{drawn.pk}.json").json()
    assert record["status"] == "void" and record["void_reason"] == "期号录入错误"
    assert record["assignments"], "the voided result stays visible"
