"""The read-only API for the provincial platform: tokens and their regions, nothing
unpublished on any endpoint, withdrawal notices, pagination, filters, the hazard export's
columns, a fixed number of queries per page, the OpenAPI schema and the token commands."""

import io
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.planning import services as planning_services
from inspections.planning.models import Draw, Plan
from inspections.publication import services as publication_services
from inspections.publication.models import Publication
from inspections.publication.selectors import result_hazard_counts
from registry import services as registry_services
from registry.models import Department, Region
from reports import api, exports
from reports.models import ApiToken
from reports.tokens import api_token_create
from tests import snapshots
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    case,
    finished,
    item_key,
    make_hazard,
    onsite_template,
    started,
)
from tests.inspections.conftest import finish_case as finish

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENDPOINTS = ("plans", "draws", "results", "hazards")


def token_for(*regions, name=None):
    codes = [r.code for r in regions]
    _token, key = api_token_create(name=name or "-".join(codes), region_codes=codes)
    return key


def get(client, url, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.get(url, params, **headers)


def walk(client, key, endpoint, id_key="id", **params):
    """Every row of an endpoint, following ``next`` one row a page."""
    seen = []
    response = get(client, f"/api/{endpoint}/", key, page_size=1, **params)
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        seen += [row[id_key] for row in data["results"]]
        if not data["next"]:
            return seen
        response = client.get(data["next"], HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
@snapshots.kept
def results(world, finished, onsite_template, inspector, inspector2, lead, other_lead):  # noqa: F811
    """Results in every state: in the county a pending one (the world's facility), a
    returned one, a corrected one (two versions), a withdrawn one; one published in
    the other county."""
    team = (inspector, inspector2)
    returned = finish(world["facility"], onsite_template, team).publication
    publication_services.publication_return(publication=returned, by=lead, reason="请补充整改情况")
    corrected = finish(
        world["other_facility"], onsite_template, team, fail=("S-01", "S-02"), on=date(2026, 3, 2)
    ).publication
    publication_services.publication_publish(
        publication=corrected, by=lead, follow_up="责令限期整改。"
    )
    publication_services.publication_correct(
        publication=corrected, by=lead, reason="更正跟进说明", follow_up="责令限期整改，已复查。"
    )
    withdrawn = finish(world["other_facility"], onsite_template, team).publication
    publication_services.publication_publish(
        publication=withdrawn, by=lead, follow_up="不应公开的跟进说明"
    )
    publication_services.publication_withdraw(publication=withdrawn, by=lead, reason="检查对象有误")
    far = finish(world["far_facility"], onsite_template, team, on=date(2026, 5, 6)).publication
    publication_services.publication_publish(publication=far, by=other_lead)
    for publication in (returned, corrected, withdrawn, far):
        publication.refresh_from_db()
    return {
        "pending": finished.publication,
        "returned": returned,
        "corrected": corrected,
        "withdrawn": withdrawn,
        "far": far,
    }


def make_plan(world, template, by, *, region, notice=Plan.Notice.NOTICE, year=2026, name=None):
    """An approved plan owned by ``region`` drawing from its facilities, with the
    county's inspectors as its pool."""
    plan = planning_services.plan_save(
        values={
            "name": name or f"{region.name}{year}年抽查计划",
            "region": region,
            "year": year,
            "window_start": date(year, 12, 1),
            "window_end": date(year, 12, 31),
            "lead_department": world["civil"],
            "notice": notice,
            # Every facility of the region, whoever inspected it last: a full, known draw.
            "ratio_a": 100,
            "ratio_b": 100,
            "ratio_c": 100,
            "ratio_d": 100,
            "exclude_last_inspectors": False,
        },
        m2m={
            "scope_regions": [region],
            "pool_departments": list(Department.objects.all()),
            "pool_regions": [world["county"]],
        },
        checklists={template: True},
        by=by,
    )
    return planning_services.plan_approve(plan=plan, by=by)


def run(plan, by):
    draw = planning_services.draw_freeze(plan=plan, by=by)
    return planning_services.draw_run(
        draw=draw, public_entropy="12 34", source="福彩 2026001 期", by=by
    )


@pytest.fixture
@snapshots.kept
def plans(world, onsite_template, inspector, inspector2, lead, other_lead):  # noqa: F811
    """In the county: a draft plan, a plan whose draw is frozen, a plan with notice whose
    draw ran, an unannounced plan whose draw ran (not revealed while its inspections
    wait); in the other county a plan whose draw ran."""
    later = timezone.localdate().year + 1  # an inspection window still to come
    draft = planning_services.plan_save(
        values={
            "name": "草稿计划",
            "region": world["county"],
            "year": later,
            "window_start": date(later, 12, 1),
            "window_end": date(later, 12, 31),
            "lead_department": world["civil"],
        },
        m2m={},
        checklists={onsite_template: False},
        by=lead,
    )
    frozen_plan = make_plan(world, onsite_template, lead, region=world["county"], name="冻结计划")
    frozen = planning_services.draw_freeze(plan=frozen_plan, by=lead)
    noticed_plan = make_plan(world, onsite_template, lead, region=world["county"], name="告知计划")
    noticed = run(noticed_plan, lead)
    hidden_plan = make_plan(
        world,
        onsite_template,
        lead,
        region=world["county"],
        notice=Plan.Notice.UNANNOUNCED,
        year=later,
        name="四不两直计划",
    )
    hidden = run(hidden_plan, lead)
    far_plan = make_plan(world, onsite_template, other_lead, region=world["other_county"])
    far = run(far_plan, other_lead)
    assert noticed.status == hidden.status == far.status == Draw.Status.VALID
    return {
        "draft": draft,
        "frozen_plan": frozen_plan,
        "frozen": frozen,
        "noticed_plan": noticed_plan,
        "noticed": noticed,
        "hidden_plan": hidden_plan,
        "hidden": hidden,
        "far_plan": far_plan,
        "far": far,
    }


@pytest.fixture
def keys(world):
    return {
        "county": token_for(world["county"]),
        "other": token_for(world["other_county"]),
        "city": token_for(world["city"]),
    }


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_a_token_every_endpoint_is_401(endpoint, client, db):
    response = client.get(f"/api/{endpoint}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_logged_in_session_is_no_credential(lead, as_user):
    assert as_user(lead).get("/api/results/").status_code == 401


def test_an_unknown_or_malformed_token_is_401(client, keys):
    response = client.get(
        "/api/plans/", HTTP_AUTHORIZATION="Token not-a-token", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 401 and "Unknown" in response.json()["detail"]
    response = client.get("/api/plans/", HTTP_AUTHORIZATION=f"Token {keys['county']} extra")
    assert response.status_code == 401
    response = client.get("/api/plans/", HTTP_AUTHORIZATION=f"Bearer {keys['county']}")
    assert response.status_code == 401


def test_a_revoked_token_is_401_with_a_clear_message(client, world, keys):
    assert get(client, "/api/plans/", keys["county"]).status_code == 200
    call_command("api_token_revoke", "--name", world["county"].code, stdout=io.StringIO())
    response = client.get(
        "/api/plans/", HTTP_AUTHORIZATION=f"Token {keys['county']}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert get(client, "/api/plans/", keys["other"]).status_code == 200


def test_only_the_hash_of_the_key_is_stored(world, keys):
    token = ApiToken.objects.get(name=world["county"].code)
    assert token.key_sha256 == ApiToken.digest(keys["county"])
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get(pk=token.pk))
    assert keys["county"] not in stored
    for row in token.history.values():
        assert keys["county"] not in " ".join(str(v) for v in row.values())


def test_a_key_is_never_logged(client, keys, caplog):
    with caplog.at_level(logging.DEBUG):
        get(client, "/api/plans/", keys["county"])
        get(client, "/api/plans/", keys["county"] + "x")
    assert keys["county"] not in caplog.text


def test_use_is_stamped_at_most_once_a_minute_without_history(client, world, keys):
    token = ApiToken.objects.get(name=world["county"].code)
    rows = token.history.count()
    get(client, "/api/plans/", keys["county"])
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    get(client, "/api/plans/", keys["county"])
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(first + timedelta(minutes=2)):
        get(client, "/api/plans/", keys["county"])
    token.refresh_from_db()
    assert token.last_used_at > first
    assert token.history.count() == rows


# ---------------------------------------------------------------- scope


def test_each_token_sees_only_its_regions_on_every_endpoint_and_page(
    client, world, results, plans, keys
):
    county, other = world["county"], world["other_county"]
    expected = {
        "plans": {
            "county": {plans["frozen_plan"].pk, plans["noticed_plan"].pk, plans["hidden_plan"].pk},
            "other": {plans["far_plan"].pk},
        },
        "draws": {"county": {plans["noticed"].pk}, "other": {plans["far"].pk}},
        "results": {
            "county": {results["corrected"].pk, results["withdrawn"].pk},
            "other": {results["far"].pk},
        },
        "hazards": {
            "county": set(
                Hazard.objects.filter(facility__region=county).values_list("register_no", flat=True)
            ),
            "other": set(
                Hazard.objects.filter(facility__region=other).values_list("register_no", flat=True)
            ),
        },
    }
    assert expected["hazards"]["county"] and expected["hazards"]["other"]
    for endpoint in ENDPOINTS:
        id_key = "register_no" if endpoint == "hazards" else "id"
        mine = expected[endpoint]
        seen = {name: walk(client, keys[name], endpoint, id_key) for name in keys}
        for name in ("county", "other"):
            assert len(seen[name]) == len(set(seen[name])), f"{endpoint}: a row on two pages"
            assert set(seen[name]) == mine[name], f"{endpoint} for {name}"
        # The city's token covers both counties.
        assert set(seen["city"]) == mine["county"] | mine["other"], endpoint


def test_results_of_a_token_over_the_whole_country_and_over_part_of_it(client, world, results):
    """A token over every region reads every public result; once there is a second
    top-level region, the same token's scope is its province's regions: the same rows,
    and the pending and returned ones in neither."""
    public = {results[name].pk for name in ("corrected", "withdrawn", "far")}
    province = token_for(world["province"], name="whole")
    assert ApiToken.objects.get(name="whole").covers_every_region()
    assert set(walk(client, province, "results")) == public
    Region.objects.create(code="440000", name="广东省")
    assert not ApiToken.objects.get(name="whole").covers_every_region()
    assert set(walk(client, province, "results")) == public
    assert get(client, "/api/results/", province).json()["count"] == len(public)


def test_a_facility_moved_to_another_county_takes_its_results_and_hazards_along(
    client, world, results, keys, lead
):
    """Each result and hazard keeps its facility's region (the index the API's pages
    read); a facility moved by the registry takes them to the new county's token, each
    move recorded on the object, by whom and why."""
    moved = {results["corrected"].pk, results["withdrawn"].pk}
    hazards = set(
        Hazard.objects.filter(facility=world["other_facility"]).values_list(
            "register_no", flat=True
        )
    )
    assert hazards and hazards <= set(walk(client, keys["county"], "hazards", "register_no"))
    assert moved <= set(walk(client, keys["county"], "results"))
    registry_services.facility_save(
        facility=world["other_facility"], values={"region": world["other_county"]}, by=lead
    )
    assert not moved & set(walk(client, keys["county"], "results"))
    assert set(walk(client, keys["other"], "results")) == moved | {results["far"].pk}
    assert get(client, "/api/results/", keys["other"]).json()["count"] == 3
    assert get(client, "/api/results/", keys["county"]).json()["count"] == 0
    assert not hazards & set(walk(client, keys["county"], "hazards", "register_no"))
    assert hazards <= set(walk(client, keys["other"], "hazards", "register_no"))
    records = [Publication.history.filter(id=pk).latest("history_id") for pk in moved] + [
        Hazard.history.filter(register_no=no).latest("history_id") for no in hazards
    ]
    for record in records:
        assert record.region_id == world["other_county"].pk
        assert record.history_user == lead
        assert record.history_change_reason == "moved with its facility"
    # Saving the facility again without moving it records nothing more on either.
    before = Publication.history.count(), Hazard.history.count()
    registry_services.facility_save(facility=world["other_facility"], values={"beds": 77}, by=lead)
    assert (Publication.history.count(), Hazard.history.count()) == before


def test_an_object_outside_the_token_is_404(client, results, plans, keys):
    far_hazard = results["far"].inspection.hazards.first()
    for url in (
        f"/api/plans/{plans['far_plan'].pk}/",
        f"/api/draws/{plans['far'].pk}/",
        f"/api/results/{results['far'].pk}/",
        f"/api/hazards/{far_hazard.register_no}/",
    ):
        assert get(client, url, keys["county"]).status_code == 404, url
        assert get(client, url, keys["other"]).status_code == 200, url


def test_a_region_filter_outside_the_token_is_refused(client, world, keys):
    # 404, like an object outside the token: the code is well formed, the region is not
    # the token's to see (a malformed code is 400, tests/reports/test_api_contract.py).
    for endpoint in ENDPOINTS:
        response = get(
            client, f"/api/{endpoint}/", keys["county"], region=world["other_county"].code
        )
        assert response.status_code == 404, endpoint
        assert world["other_county"].code in response.json()["detail"]


# ---------------------------------------------------------------- nothing unpublished


def test_results_awaiting_review_or_returned_are_never_there(client, results, keys):
    hidden = {results["pending"].pk, results["returned"].pk}
    assert results["pending"].status == Publication.Status.PENDING
    assert results["returned"].status == Publication.Status.RETURNED
    for name in keys:
        assert not hidden & set(walk(client, keys[name], "results"))
        for pk in hidden:
            assert get(client, f"/api/results/{pk}/", keys[name]).status_code == 404
    # Their proposed text appears nowhere.
    body = get(client, "/api/results/", keys["city"], page_size=200).content.decode()
    assert "请补充整改情况" not in body


def test_draft_plans_and_unrevealed_draws_are_never_there(client, plans, keys):
    plan_ids = set(walk(client, keys["city"], "plans"))
    assert plans["draft"].pk not in plan_ids
    draw_ids = set(walk(client, keys["city"], "draws"))
    assert plans["frozen"].pk not in draw_ids
    assert plans["hidden"].pk not in draw_ids
    for draw in (plans["frozen"], plans["hidden"]):
        assert get(client, f"/api/draws/{draw.pk}/", keys["city"]).status_code == 404
    assert get(client, f"/api/plans/{plans['draft'].pk}/", keys["city"]).status_code == 404


def test_an_unannounced_draw_appears_once_every_inspection_has_started(client, plans, keys):
    hidden = plans["hidden"]
    inspections = list(hidden.inspections.all())
    assert inspections
    # Within the window, before its end.
    with time_machine.travel(datetime(hidden.plan.year, 12, 5, 10, tzinfo=SHANGHAI)):
        for inspection in inspections[:-1]:
            member = inspection.team.filter(active=True).select_related("inspector__user")[0]
            onsite_services.inspection_start(inspection=inspection, by=member.inspector.user)
        assert hidden.pk not in walk(client, keys["county"], "draws")
        member = inspections[-1].team.filter(active=True).select_related("inspector__user")[0]
        onsite_services.inspection_start(inspection=inspections[-1], by=member.inspector.user)
        assert hidden.pk in walk(client, keys["county"], "draws")
        record = get(client, f"/api/draws/{hidden.pk}/", keys["county"]).json()["record"]
    assert record["secret"] == Draw.objects.get(pk=hidden.pk).secret


def test_the_api_the_public_site_and_is_revealed_agree_on_every_draw(client, plans, keys):
    """Draw reveal has one definition (``DrawQuerySet.revealed``): the API, the public
    record, the public list, the public plan pages and ``Draw.is_revealed`` agree,
    before the unannounced window, after it while visits are still scheduled, and
    once the sweep has cancelled them."""
    hidden = plans["hidden"]

    def views():
        draws = list(Draw.objects.select_related("plan"))
        pages = {
            plan_id: client.get(f"/public/plans/{plan_id}/").content.decode()
            for plan_id in {d.plan_id for d in draws}
        }
        return {
            "is_revealed": {d.pk for d in draws if d.is_revealed()},
            "api": set(walk(client, keys["city"], "draws")),
            "public list": {row["id"] for row in client.get("/public/draws.json").json()},
            "public record": {
                d.pk for d in draws if client.get(f"/public/draws/{d.pk}.json").status_code == 200
            },
            "plan page": {d.pk for d in draws if f"/public/draws/{d.pk}.json" in pages[d.plan_id]},
        }

    def agreed():
        seen = views()
        assert len({frozenset(ids) for ids in seen.values()}) == 1, seen
        return seen["is_revealed"]

    assert hidden.pk not in agreed()
    after_window = datetime(hidden.plan.year + 1, 1, 1, 0, 30, tzinfo=SHANGHAI)
    with time_machine.travel(after_window, tick=False):
        assert hidden.pk not in agreed()
        planning_services.plan_windows_close()
        assert hidden.pk in agreed()
    assert plans["frozen"].pk not in agreed()


def test_a_withdrawn_result_shows_only_its_notice(client, results, keys):
    withdrawn = results["withdrawn"]
    data = get(client, f"/api/results/{withdrawn.pk}/", keys["county"]).json()
    assert data["status"] == "withdrawn"
    assert data["withdrawn_reason"] == "检查对象有误"
    assert data["withdrawn_at"]
    assert data["content"] is None and data["category"] is None and data["hazards"] is None
    assert data["versions"] == []
    assert data["facility"]["name"] == withdrawn.inspection.facility.name
    assert "不应公开的跟进说明" not in str(data)


# ---------------------------------------------------------------- content


def test_a_corrected_result_shows_its_current_version_and_history(client, results, keys):
    corrected = results["corrected"]
    data = get(client, f"/api/results/{corrected.pk}/", keys["county"]).json()
    assert data["status"] == "published" and data["version"] == 2
    assert data["content"] == corrected.current.content
    assert data["content"]["follow_up"] == "责令限期整改，已复查。"
    assert [(v["number"], v["reason"]) for v in data["versions"]] == [(1, ""), (2, "更正跟进说明")]
    assert data["inspected_on"] == "2026-03-02"
    assert data["url"].endswith(f"/public/results/{corrected.pk}/")
    assert data["hazards"]["general"]["total"] == 1 and data["hazards"]["major"]["total"] == 1


def test_hazard_counts_are_live_and_the_page_batch_matches_the_selector(
    client, results, keys, lead
):
    corrected = results["corrected"]
    hazard = corrected.inspection.hazards.get(severity=Hazard.Severity.GENERAL)
    hazard.status = Hazard.Status.CLOSED  # test setup: the hazard closed since publication
    hazard.save()
    listed = {
        row["id"]: row["hazards"]
        for row in get(client, "/api/results/", keys["city"], page_size=200).json()["results"]
    }
    assert listed[corrected.pk]["general"]["closed"] == 1
    assert listed[corrected.pk]["general"]["open"] == 0
    for publication in Publication.objects.exclude(current=None).exclude(status="withdrawn"):
        assert listed[publication.pk] == result_hazard_counts(publication.inspection_id)


def test_hazard_rows_are_the_export_contract(client, results, keys):
    rows = get(client, "/api/hazards/", keys["city"], page_size=200).json()["results"]
    expected = [exports.row(h) for h in exports.hazards_to_export(Hazard.objects.all())]
    assert rows == expected
    assert all(list(row) == exports.COLUMNS for row in rows)
    assert list(api.HazardSerializer().fields) == exports.COLUMNS
    one = get(client, f"/api/hazards/{rows[0]['register_no']}/", keys["city"]).json()
    assert one == rows[0]


def test_plans_show_their_public_facts(client, plans, keys):
    plan = plans["noticed_plan"]
    data = get(client, f"/api/plans/{plan.pk}/", keys["county"]).json()
    assert data["name"] == "告知计划" and data["region"]["code"] == "430602"
    assert data["scope_regions"] == ["430602"] and data["notice"] == "notice"
    assert data["checklists"][0]["code"] == "t-onsite" and data["checklists"][0]["version"] == 1
    assert data["url"].endswith(f"/public/plans/{plan.pk}/")


# ---------------------------------------------------------------- pagination and filters


def test_page_size_is_honoured_and_capped(client, world, keys, monkeypatch, lead):
    for _n in range(5):
        make_hazard(world["facility"], lead)
    data = get(client, "/api/hazards/", keys["county"], page_size=2).json()
    assert data["count"] == 5 and len(data["results"]) == 2 and data["next"]
    assert get(client, "/api/hazards/", keys["county"]).json()["count"] == 5
    assert api.Pagination.max_page_size == 200
    monkeypatch.setattr(api.Pagination, "max_page_size", 3)
    assert len(get(client, "/api/hazards/", keys["county"], page_size=1000).json()["results"]) == 3
    assert get(client, "/api/hazards/", keys["county"], page=99).status_code == 404


def test_numbered_pages_keep_the_lists_order_and_show_each_row_once(client, results, keys):
    """A numbered page reads its keys first, then its rows: the rows come back in the
    list's order (results: the newest inspection first, not the newest result), whole,
    each on one page."""
    key = keys["city"]
    public = [results[name] for name in ("corrected", "withdrawn", "far")]
    newest_inspection_first = [
        p.pk for p in sorted(public, key=lambda p: (p.current.inspected_on, p.pk), reverse=True)
    ]
    assert newest_inspection_first != sorted(newest_inspection_first, reverse=True)
    whole = get(client, "/api/results/", key, page_size=200).json()["results"]
    assert [row["id"] for row in whole] == newest_inspection_first
    pages = [
        get(client, "/api/results/", key, page=n, page_size=1).json()["results"] for n in (1, 2, 3)
    ]
    assert pages == [[row] for row in whole]


def test_the_public_search_keeps_the_same_order_from_each_results_own_date(client, results):
    """The public order reads the result's copy of its current version's inspection
    date (one index on the result): it is the version's, and the public search lists
    the same results as the API in the same order, newest inspection first."""
    public = [results[name] for name in ("corrected", "withdrawn", "far")]
    assert all(p.inspected_on == p.current.inspected_on for p in public)
    newest_inspection_first = [
        p.pk for p in sorted(public, key=lambda p: (p.current.inspected_on, p.pk), reverse=True)
    ]
    response = client.get("/public/results/")
    assert [p.pk for p in response.context["page"]] == newest_inspection_first
    pending = Publication.objects.exclude(pk__in=[p.pk for p in public]).filter(current=None)
    assert pending.exists() and not pending.exclude(inspected_on=None).exists()


def test_result_filters(client, world, results, keys):
    def ids(**params):
        return set(walk(client, keys["city"], "results", **params))

    corrected, withdrawn, far = results["corrected"], results["withdrawn"], results["far"]
    assert ids(region=world["other_county"].code) == {far.pk}
    assert ids(region=world["county"].code) == {corrected.pk, withdrawn.pk}
    assert ids(credit_code=world["far_facility"].credit_code.lower()) == {far.pk}
    assert ids(date_from="2026-03-01", date_to="2026-03-31") == {corrected.pk}
    assert ids(date_from="2026-05-06", date_to="2026-05-06") == {far.pk}
    # A withdrawn result's category is no longer public: it never matches.
    assert withdrawn.current.category == corrected.current.category == far.current.category
    assert ids(category=withdrawn.current.category) == {corrected.pk, far.pk}
    assert ids(category="none_found") == set()
    assert get(client, "/api/results/", keys["city"], category="bogus").status_code == 400
    assert get(client, "/api/results/", keys["city"], date_from="3/2/2026").status_code == 400


def test_hazard_filters(client, world, keys, lead, other_lead):
    general = make_hazard(world["facility"], lead)
    major = make_hazard(world["other_facility"], lead, severity="major", status="overdue")
    make_hazard(world["far_facility"], other_lead)

    def numbers(**params):
        return set(walk(client, keys["city"], "hazards", "register_no", **params))

    assert numbers(region=world["county"].code) == {general.register_no, major.register_no}
    assert numbers(severity="major") == {major.register_no}
    assert numbers(status="overdue", region=world["county"].code) == {major.register_no}
    since = timezone.now()
    with time_machine.travel(since + timedelta(seconds=5)):
        general.description = "已更新"
        general.save()
    assert numbers(updated_since=since.isoformat()) == {general.register_no}
    assert get(client, "/api/hazards/", keys["city"], status="bogus").status_code == 400


def test_plan_and_draw_filters(client, world, plans, keys):
    assert set(walk(client, keys["city"], "plans", year=plans["hidden_plan"].year)) == {
        plans["hidden_plan"].pk
    }
    assert set(walk(client, keys["city"], "plans", region=world["other_county"].code)) == {
        plans["far_plan"].pk
    }
    assert set(walk(client, keys["city"], "draws", plan=plans["noticed_plan"].pk)) == {
        plans["noticed"].pk
    }
    assert set(walk(client, keys["city"], "draws", region=world["county"].code)) == {
        plans["noticed"].pk
    }


# ---------------------------------------------------------------- speed


def queries(client, url, key, **params):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url, key, **params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_page_costs_the_same_queries_whatever_its_size(
    endpoint, client, world, results, plans, keys, lead, django_assert_max_num_queries
):
    for _n in range(3):
        make_hazard(world["facility"], lead)
    key = keys["city"]
    get(client, "/api/plans/", key)  # stamps the token's last use once
    one = queries(client, f"/api/{endpoint}/", key, page_size=1)
    many = queries(client, f"/api/{endpoint}/", key, page_size=200)
    filtered = queries(client, f"/api/{endpoint}/", key, page_size=200, region="430600")
    assert get(client, f"/api/{endpoint}/", key, page_size=200).json()["count"] > 1
    assert one == many
    assert filtered <= many + 1  # the region filter looks the region up once
    with django_assert_max_num_queries(10):
        get(client, f"/api/{endpoint}/", key, page_size=200)


# ---------------------------------------------------------------- schema and docs


def test_the_openapi_schema_is_valid_and_lists_every_endpoint(client, db):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for endpoint in ENDPOINTS:
        assert f"/api/{endpoint}/" in schema["paths"]
    assert "/api/hazards/{register_no}/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200 and "/api/results/" in response.json()["paths"]


def test_the_docs_page_serves_its_script_locally(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn." not in page and "jsdelivr" not in page


# ---------------------------------------------------------------- commands


def test_api_token_create_prints_the_key_once_and_it_works(client, world, lead):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token_create",
        "--name",
        "省平台",
        "--region",
        "430602",
        "--region",
        "430603",
        "--user",
        "lead",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    assert len(key) >= 40 and key not in err.getvalue()
    token = ApiToken.objects.get(name="省平台")
    assert sorted(token.regions.values_list("code", flat=True)) == ["430602", "430603"]
    assert token.created_by == lead and token.history.first().history_user == lead
    assert get(client, "/api/plans/", key).status_code == 200


def test_api_token_create_refuses_bad_input_and_writes_nothing(world):
    with pytest.raises(CommandError, match="999999"):
        call_command("api_token_create", "--name", "x", "--region", "999999", stdout=io.StringIO())
    assert not ApiToken.objects.exists()
    call_command("api_token_create", "--name", "x", "--region", "430602", stdout=io.StringIO())
    with pytest.raises(CommandError, match="x"):
        call_command("api_token_create", "--name", "x", "--region", "430602", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有用户名为“nobody”的用户。"):
        call_command("api_token_create", "--name", "y", "--region", "430602", "--user", "nobody")
    assert ApiToken.objects.count() == 1


def test_api_token_revoke(world, keys):
    with pytest.raises(CommandError, match="nobody"):
        call_command("api_token_revoke", "--name", "nobody", stdout=io.StringIO())
    call_command("api_token_revoke", "--name", "430602", stdout=io.StringIO())
    token = ApiToken.objects.get(name="430602")
    assert token.revoked_at is not None
    assert token.history.first().history_change_reason == "revoked"
    with pytest.raises(CommandError, match="Token“430602”已被吊销。"):
        call_command("api_token_revoke", "--name", "430602", stdout=io.StringIO())


def test_the_admin_lists_tokens_read_only(world, keys, admin_user, as_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    http = as_user(admin_user)
    page = http.get("/admin/reports/apitoken/")
    assert page.status_code == 200 and "430602" in page.content.decode()
    assert keys["county"] not in page.content.decode()
    assert http.get("/admin/reports/apitoken/add/").status_code == 403
