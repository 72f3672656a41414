"""The read-only API keeps its published contract: schemathesis generates requests from
the OpenAPI schema (/api/schema/) and every response must be what the schema says."""

from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings

from config.wsgi import application
from inspections.hazards.models import Hazard
from inspections.publication import services as publication_services
from inspections.publication.models import Publication
from registry.models import Region
from reports.models import ApiToken
from tests.inspections.conftest import finish_case as finish
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    finished,
    item_key,
    make_hazard,
    onsite_template,
    started,
)
from tests.reports.test_api import make_plan, run, token_for


@pytest.fixture
def api_data(world, onsite_template, inspector, inspector2, lead, other_lead):  # noqa: F811
    """A little of everything in two counties: list endpoints return rows and detail
    URLs exist, inside and outside the token's regions."""
    team = (inspector, inspector2)
    near = finish(world["other_facility"], onsite_template, team, fail=("S-01", "S-02")).publication
    publication_services.publication_publish(publication=near, by=lead, follow_up="限期整改。")
    far = finish(world["far_facility"], onsite_template, team, on=date(2026, 5, 6)).publication
    publication_services.publication_publish(publication=far, by=other_lead)
    make_hazard(world["facility"], lead, severity="major", status="overdue")
    run(make_plan(world, onsite_template, lead, region=world["county"]), lead)
    return world


@pytest.fixture
def in_test_transaction():
    """Requests go straight to the WSGI application, which closes the database connection
    as a request starts and ends; keep it open (and the test's data visible) as Django's
    test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def county_key(world):
    """A token for the county over the suite's small world: enough for refusals and walks."""
    return token_for(world["county"], name="county")


@pytest.fixture
def api_key(api_data):
    return token_for(api_data["county"], name="contract")


@pytest.fixture
def api_schema(request, api_data, in_test_transaction):
    """The schema as the application serves it; requests go to the same application,
    in-process, inside the test's transaction."""
    # schemathesis 4.32 renames the running test through ``_nodeid``, which pytest 9
    # nodes no longer have: give it one.
    request.node._nodeid = request.node.nodeid
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded.config.generation.update(max_examples=10, deterministic=True)
    return loaded


# One test, every operation a subtest of it: the data is built once.
schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_response_matches_the_schema(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Token {api_key}"})


# ---------------------------------------------------------------- refused parameters


def get(client, url, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en", **headers)


@pytest.mark.parametrize(
    "endpoint, params, message",
    [
        ("results", {"date_from": ""}, "Give a value or leave the parameter out."),
        ("results", {"date_to": "3/2/2026"}, "Enter a valid date."),
        ("results", {"category": "bogus"}, "Select a valid choice."),
        ("results", {"credit_code": "9" * 19}, "at most 18 characters"),
        ("hazards", {"status": "bogus"}, "Select a valid choice."),
        ("hazards", {"severity": ""}, "Give a value or leave the parameter out."),
        ("hazards", {"updated_since": "yesterday"}, "Enter a valid date/time."),
        ("hazards", {"region": "4306"}, "6 digits"),
        ("plans", {"year": "2026.5"}, "Enter a whole number."),
        ("plans", {"year": "1999"}, "greater than or equal to 2000"),
        ("draws", {"plan": "0"}, "greater than or equal to 1"),
        ("credit", {"class": "E"}, "Select a valid choice."),
        ("hazards", {"page": "abc"}, "Give a whole number from 1."),
        ("hazards", {"page": "0"}, "Give a whole number from 1."),
        ("hazards", {"page": ""}, "Give a whole number from 1."),
        ("results", {"page_size": "1.5"}, "Give a whole number from 1."),
    ],
)
def test_a_malformed_parameter_is_refused_with_its_reason(
    client, county_key, endpoint, params, message
):
    response = get(client, f"/api/{endpoint}/", county_key, **params)
    assert response.status_code == 400, response.content
    [name] = params
    assert message in " ".join(response.json()[name])


def test_a_region_outside_the_token_is_404_with_its_reason(client, world, county_key):
    response = get(client, "/api/hazards/", county_key, region=world["other_county"].code)
    assert response.status_code == 404
    assert "No region with division code 430603" in response.json()["detail"]


def test_a_malformed_id_is_the_apis_own_404(client, county_key):
    for url in ("/api/plans/x/", "/api/hazards/%C2%84/", "/api/nothing/"):
        response = get(client, url, county_key)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json" and response.json()["detail"]
    assert get(client, "/api/plans/x/").status_code == 401


def test_without_a_valid_token_every_operation_is_a_documented_401(client, world):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert len(paths) == 10
    for template, item in paths.items():
        url = template.replace("{id}", "1").replace("{register_no}", "x")
        url = url.replace("{directory_no}", "x")
        assert "401" in item["get"]["responses"], template
        for key in (None, "not-a-token"):
            response = get(client, url, key)
            assert response.status_code == 401, (template, key)
            assert response.json()["detail"]


# ---------------------------------------------------------------- cursor walks


def walk(client, key, endpoint, id_key, *, between_pages=None, **params):
    """Every row of a cursor walk, one row a page; ``between_pages`` runs after each."""
    seen = []
    response = get(client, f"/api/{endpoint}/", key, cursor="", page_size=1, **params)
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        assert "count" not in data and data["previous"] is None
        seen += [row[id_key] for row in data["results"]]
        if between_pages:
            between_pages()
        if not data["next"]:
            return seen
        response = client.get(data["next"], HTTP_AUTHORIZATION=f"Token {key}")


def test_a_cursor_walk_returns_every_row_once_while_rows_are_added(client, world, county_key, lead):
    for _n in range(4):
        make_hazard(world["facility"], lead)
    before = set(
        Hazard.objects.filter(facility__region=world["county"]).values_list(
            "register_no", flat=True
        )
    )
    added = []

    def register_one():
        if len(added) < 3:  # each sorts after the position: the walk must end
            added.append(make_hazard(world["other_facility"], lead).register_no)

    seen = walk(client, county_key, "hazards", "register_no", between_pages=register_one)
    assert len(seen) == len(set(seen)), "a row on two pages"
    assert before <= set(seen)
    # Each hazard added during the walk sorts after the rows already read: it is there too.
    assert set(seen) == before | set(added)
    assert seen == sorted(seen)


def test_a_walk_reads_the_same_rows_whether_the_scope_or_the_index_comes_first(client, world, lead):
    """A token over part of the country reads its rows first and sorts them; one over
    every region walks the key's index: both give every row once, in key order."""
    for facility in ("facility", "other_facility", "far_facility"):
        for _n in range(2):
            make_hazard(world[facility], lead)
    everything = token_for(world["province"], name="all")
    assert ApiToken.objects.get(name="all").covers_every_region()
    county = token_for(world["county"], name="part")
    assert not ApiToken.objects.get(name="part").covers_every_region()

    assert walk(client, everything, "hazards", "register_no") == sorted(
        Hazard.objects.values_list("register_no", flat=True)
    )
    assert walk(client, county, "hazards", "register_no") == sorted(
        Hazard.objects.filter(facility__region=world["county"]).values_list(
            "register_no", flat=True
        )
    )
    # A second top-level region: the province's token no longer covers everything, and
    # reads its own rows first; the walk is the same.
    Region.objects.create(code="440000", name="广东省")
    assert not ApiToken.objects.get(name="all").covers_every_region()
    assert walk(client, everything, "hazards", "register_no") == sorted(
        Hazard.objects.values_list("register_no", flat=True)
    )


def test_a_cursor_walk_of_results_goes_newest_first_without_repeats(
    client,
    api_data,
    api_key,
    onsite_template,  # noqa: F811
    inspector,
    inspector2,
    lead,
):
    before = list(
        Publication.objects.filter(status=Publication.Status.PUBLISHED)
        .filter(inspection__facility__region=api_data["county"])
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    assert before

    def publish_one():
        if not added:
            team = (inspector, inspector2)
            new = finish(api_data["facility"], onsite_template, team).publication
            publication_services.publication_publish(publication=new, by=lead)
            added.append(new.pk)

    added = []
    seen = walk(client, api_key, "results", "id", between_pages=publish_one)
    # A newer row sorts before the position already reached: none repeats, none is lost.
    assert seen == before and added and added[0] > before[0]


def test_a_deep_cursor_page_costs_what_the_first_does(client, world, county_key, lead):
    for _n in range(6):
        make_hazard(world["facility"], lead)
    get(client, "/api/hazards/", county_key)  # stamps the token's last use once

    def queries(response_of):
        with CaptureQueriesContext(connection) as captured:
            response = response_of()
        assert response.status_code == 200
        return len(captured), response.json()

    first, data = queries(lambda: get(client, "/api/hazards/", county_key, cursor="", page_size=1))
    walked = [row["register_no"] for row in data["results"]]
    for _n in range(5):
        deep, data = queries(
            lambda url=data["next"]: client.get(url, HTTP_AUTHORIZATION=f"Token {county_key}")
        )
        walked += [row["register_no"] for row in data["results"]]
    assert data["results"] and deep == first
    # Numbered pages add the total count, and find the page's keys before its rows.
    numbered, data = queries(lambda: get(client, "/api/hazards/", county_key, page=5, page_size=1))
    assert numbered == first + 2
    assert [row["register_no"] for row in data["results"]] == [walked[4]]


def test_a_cursor_the_api_did_not_give_out_is_404(client, county_key):
    # Not base64 JSON, [true], {}, [1] where the key is a register number.
    for cursor in ("not-a-cursor", "W3RydWVd", "e30", "WzFd"):
        response = get(client, "/api/hazards/", county_key, cursor=cursor)
        assert response.status_code == 404, cursor
        assert "not given out by the API" in response.json()["detail"]
