"""The filters the overview's links use: on the staff inspection list (region, kind,
status, plan window, finished months, publication state, result category) and on the
hazard register (category, found and closed months, closed late, open at a month's
end); bad months, chips, scope."""

from datetime import date

import pytest

from inspections.publication import services
from tests.inspections.conftest import make_hazard, make_plan
from tests.reports.test_overview import inspection, local, publish

LIST = "/inspections/inspections/"
HAZARDS = "/inspections/hazards/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def listed(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    return {item.pk for item in response.context["page"].object_list}


@pytest.fixture
def made(world, lead, published_template):
    here, there = world["facility"], world["other_facility"]
    plan = make_plan(
        world,
        lead,
        published_template,
        window_start=date(2026, 9, 1),
        window_end=date(2026, 9, 30),
    )
    made = {
        "planned": inspection(here, kind="routine", status="scheduled", plan=plan),
        "cancelled": inspection(there, kind="routine", status="cancelled", plan=plan),
        # 00:30 on 1 October locally: 30 September in UTC.
        "published": inspection(there, finished_at=local(2026, 10, 1, 0, 30)),
        "awaiting": inspection(here, finished_at=local(2026, 9, 30, 23, 30)),
        "withdrawn": inspection(here, kind="reinspection", finished_at=local(2026, 10, 3, 9)),
        "self": inspection(here, kind="self", finished_at=local(2026, 10, 2, 9)),
        "far": inspection(world["far_facility"], finished_at=local(2026, 10, 2, 9)),
    }
    publish(made["published"], lead, "ordered")
    publish(made["withdrawn"], lead, "none_found")
    services.publication_withdraw(publication=made["withdrawn"].publication, by=lead, reason="误发")
    return made


def pks(made, *names):
    return {made[name].pk for name in names}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("planned", "cancelled", "published", "awaiting", "withdrawn", "self")),
        ({"kind": "official"}, ("planned", "cancelled", "published", "awaiting", "withdrawn")),
        ({"kind": "reinspection"}, ("withdrawn",)),
        ({"status": "cancelled"}, ("cancelled",)),
        ({"planned_from": "2026-09", "planned_to": "2026-09"}, ("planned",)),
        ({"planned_from": "2026-10"}, ()),
        ({"planned_to": "2026-08"}, ()),
        (
            {"finished_from": "2026-10", "finished_to": "2026-10"},
            ("published", "withdrawn", "self"),
        ),
        ({"finished_to": "2026-09"}, ("awaiting",)),
        ({"publication": "published"}, ("published", "withdrawn")),
        ({"publication": "awaiting"}, ("awaiting",)),
        ({"publication": "withdrawn"}, ("withdrawn",)),
        ({"category": "ordered"}, ("published",)),
        # A withdrawn result is no longer counted under its category.
        ({"category": "none_found"}, ()),
        ({"region": "430602", "kind": "case"}, ("published", "awaiting")),
        # Unknown values are ignored.
        ({"kind": "nothing", "publication": "x", "category": "y", "status": "z"}, None),
    ],
)
def test_the_inspection_list_filters(made, lead, as_user, params, expected):
    everything = pks(made, "planned", "cancelled", "published", "awaiting", "withdrawn", "self")
    got = listed(as_user(lead), LIST, params)
    assert got == (everything if expected is None else pks(made, *expected))


def test_the_inspection_list_shows_its_filters_as_chips(made, lead, as_user):
    response = as_user(lead).get(LIST, {"kind": "official", "publication": "awaiting"})
    chips = {chip["name"]: chip for chip in response.context["chosen"]}
    assert set(chips) == {"kind", "publication"}
    assert chips["publication"]["remove"] == "kind=official"
    html = response.content.decode()
    assert "showing only:" in html and 'href="?kind=official"' in html
    assert response.context["query"] == "kind=official&publication=awaiting"


def test_the_inspection_list_refuses_a_region_outside_scope(made, lead, as_user):
    assert as_user(lead).get(LIST, {"region": "430603"}).status_code == 404


def test_a_bad_month_on_the_inspection_list_is_explained_and_ignored(made, lead, as_user):
    response = as_user(lead).get(LIST, {"finished_from": "2026-13"}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("YYYY-MM" in m for m in messages)
    assert response.context["page"].paginator.count == 6


def test_an_inspector_keeps_the_groups_without_filters(made, inspector, as_user):
    # The filters narrow only the full list; without them the page is unchanged.
    response = as_user(inspector).get(LIST)
    assert response.context["chosen"] == []


@pytest.fixture
def register(world, lead):
    here = world["facility"]
    return {
        "fire": make_hazard(here, lead, category="fire", found_on=date(2026, 9, 30)),
        "none": make_hazard(here, lead, found_on=date(2026, 10, 1)),
        # 00:30 on 1 October locally: 30 September in UTC; due the 30th: late.
        "late": make_hazard(
            here,
            lead,
            category="food",
            status="closed",
            found_on=date(2026, 9, 2),
            closed_at=local(2026, 10, 1, 0, 30),
            due_on=date(2026, 9, 30),
        ),
        "on_time": make_hazard(
            here,
            lead,
            category="food",
            status="closed",
            found_on=date(2026, 9, 2),
            closed_at=local(2026, 9, 30, 23, 30),
            due_on=date(2026, 9, 30),
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "fire"}, ("fire",)),
        ({"category": "none"}, ("none",)),
        ({"category": "food", "on_time": "0"}, ("late",)),
        ({"on_time": "1"}, ("on_time",)),
        ({"found_from": "2026-10"}, ("none",)),
        ({"found_from": "2026-09", "found_to": "2026-09"}, ("fire", "late", "on_time")),
        ({"closed_from": "2026-10", "closed_to": "2026-10"}, ("late",)),
        ({"closed_to": "2026-09"}, ("on_time",)),
        # Open at the end of September: found by then, not closed by then.
        ({"open_end": "2026-09"}, ("fire", "late")),
        ({"open_end": "2026-10"}, ("fire", "none")),
        ({"open_end": "2026-08"}, ()),
    ],
)
def test_the_hazard_list_filters(register, lead, as_user, params, expected):
    assert listed(as_user(lead), HAZARDS, params) == {register[name].pk for name in expected}


def test_the_hazard_list_shows_the_new_filters_as_chips(register, lead, as_user):
    response = as_user(lead).get(
        HAZARDS, {"category": "none", "found_from": "2026-09", "open_end": "2026-10"}
    )
    chosen = {chip["name"]: chip["value"] for chip in response.context["chosen"]}
    assert chosen == {"category": "Uncategorised", "found_from": "2026-09", "open_end": "2026-10"}


@pytest.mark.parametrize("param", ["found_from", "closed_to", "open_end"])
def test_a_bad_month_on_the_hazard_list_is_explained_and_ignored(register, lead, as_user, param):
    response = as_user(lead).get(HAZARDS, {param: "2026-1"}, follow=True)
    assert any("YYYY-MM" in str(m) for m in response.context["messages"])
    assert response.context["page"].paginator.count == 4
