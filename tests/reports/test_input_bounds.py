"""The read-only API takes numbers and times no record can have without an error
(issue 14, finding 9): no match, or everything, never a 500."""

from django.test import Client

from reports.tokens import api_token_create
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    case,
    finished,
    onsite_template,
    started,
)


def api_get(world, url, **params):
    _token, key = api_token_create(name="bounds", region_codes=[world["county"].code])
    client = Client(raise_request_exception=False)
    return client.get(url, params, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_plan_id_beyond_any_id_matches_no_draw(world):
    response = api_get(world, "/api/draws/", plan="99999999999999999999")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_hazards_changed_since_the_year_1_are_all_of_them(finished, world):  # noqa: F811
    response = api_get(world, "/api/hazards/", updated_since="0001-01-01")
    assert response.status_code == 200
    assert {row["register_no"] for row in response.json()["results"]} == set(
        finished.hazards.values_list("register_no", flat=True)
    )
