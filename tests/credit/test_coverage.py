"""Annual coverage: what the year asks per class, what was checked, and draws that
cover what remains (sha256-rank-v2) with the key supervision list always drawn."""

import copy
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audited import save_with_history
from inspections.credit import coverage
from inspections.credit import services as credit_services
from inspections.credit.models import CreditCase
from inspections.onsite.models import Inspection
from inspections.planning import drawing
from inspections.planning import services as planning_services
from inspections.planning.models import Draw
from registry.models import Facility
from tests.inspections.conftest import make_plan
from tests.tools.test_verify_draw import public_record, verify

YEARLY = {"A": 5, "B": 20, "C": 40, "D": 80}  # the shipped default rules
# The county: the world's two facilities and 40 more (tests/inspections/conftest.py).
COUNTY = {"A": 5, "B": 9, "C": 12, "D": 16}
REQUIRED = {cls: (n * YEARLY[cls] + 99) // 100 for cls, n in COUNTY.items()}  # 1, 2, 5, 13


def url(query=""):
    return reverse("inspections:credit_coverage") + query


def this_year():
    return timezone.localdate().year


def window():
    """A plan window that is still open today."""
    today = timezone.localdate()
    return {
        "year": today.year,
        "window_start": today,
        "window_end": min(today + timedelta(days=20), date(today.year, 12, 31)),
    }


def approved(world, lead, template, **values):
    plan = make_plan(world, lead, template, **{**window(), **values})
    return planning_services.plan_approve(plan=plan, by=lead)


def draw_plan(plan, lead, entropy="03 07 12 19 25 31 + 09"):
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    return planning_services.draw_run(draw=draw, public_entropy=entropy, source="测试", by=lead)


def finish_all(draw, by):
    """Test setup: every inspection of the draw carried out (the declared transitions,
    without the answers the onsite tests cover)."""
    for inspection in draw.inspections.all():
        inspection.start(by=by)
        inspection.finish(by=by)
        save_with_history(inspection, by=by)


def drawn_facilities(draw):
    return {draw.code_map["facilities"][a["facility"]] for a in draw.assignments}


def put_on_key_list(facility, lead):
    case = save_with_history(
        CreditCase(facility=facility, kind=CreditCase.Kind.LIST_ENTRY, list_name="key")
    )
    credit_services.case_decide(case=case, decision=CreditCase.Decision.ACCEPTED, by=lead)


def counts(world):
    summary = coverage.class_coverage(this_year(), Facility.objects.filter(region=world["county"]))
    return {row.cls: (row.count, row.required, row.checked) for row in summary.rows}


@pytest.fixture
def county(world, county_facilities, pool, published_template):
    return world


def test_two_quarterly_plans_add_up_to_the_yearly_ratio(county, lead, published_template):
    world = county
    assert counts(world) == {cls: (COUNTY[cls], REQUIRED[cls], 0) for cls in COUNTY}

    # The first quarter samples half the yearly ratios, the plain way (v1).
    first = draw_plan(
        approved(world, lead, published_template, name="第一季度", ratio_a=5, ratio_b=10,
                 ratio_c=20, ratio_d=40),
        lead,
    )  # fmt: skip
    assert first.algorithm == drawing.V1
    first_sizes = {cls: len(codes) for cls, codes in first.selected.items()}
    assert first_sizes == {"A": 1, "B": 1, "C": 3, "D": 7}
    finish_all(first, lead)
    assert counts(world) == {cls: (COUNTY[cls], REQUIRED[cls], first_sizes[cls]) for cls in COUNTY}

    # The second covers what remains: the plan's own ratios no longer matter.
    second_plan = approved(world, lead, published_template, name="第二季度", cover_remaining=True,
                           ratio_a=100, ratio_b=100, ratio_c=100, ratio_d=100)  # fmt: skip
    second = draw_plan(second_plan, lead, entropy="另一个公开随机数")
    assert second.algorithm == drawing.V2
    parameters = second.candidates["parameters"]
    assert parameters["ratios"] == YEARLY
    assert parameters["cover_remaining"] is True
    first_codes = sorted(a["facility"] for a in first.assignments)
    assert parameters["checked"] == first_codes
    sizes = {cls: len(codes) for cls, codes in second.selected.items()}
    assert sizes == {cls: REQUIRED[cls] - first_sizes[cls] for cls in COUNTY}
    assert not drawn_facilities(first) & drawn_facilities(second)

    finish_all(second, lead)
    assert counts(world) == {cls: (COUNTY[cls], REQUIRED[cls], REQUIRED[cls]) for cls in COUNTY}

    # A third plan covering what remains has nothing left to draw.
    third = draw_plan(
        approved(world, lead, published_template, name="第三季度", cover_remaining=True), lead
    )
    assert third.status == Draw.Status.VALID
    assert third.selected == {"A": [], "B": [], "C": [], "D": []}
    assert third.assignments == []


def test_only_finished_bureau_inspections_of_the_local_year_count(county, lead, published_template):
    world = county
    facility = world["facility"]  # class B
    zone = timezone.get_current_timezone()

    def inspection(kind, status, finished_at):
        return save_with_history(
            Inspection(
                facility=facility,
                kind=kind,
                status=status,
                window_start=finished_at.date(),
                window_end=finished_at.date(),
                finished_at=finished_at if status == Inspection.Status.FINISHED else None,
            )
        )

    new_year = datetime.combine(date(this_year(), 1, 1), time.min, zone)
    inspection("self", Inspection.Status.FINISHED, new_year + timedelta(days=3))
    inspection("case", Inspection.Status.FINISHED, new_year - timedelta(minutes=30))
    inspection("case", Inspection.Status.SCHEDULED, new_year + timedelta(days=3))
    assert counts(world)["B"] == (9, 2, 0)

    inspection("case", Inspection.Status.FINISHED, new_year + timedelta(minutes=30))
    inspection("reinspection", Inspection.Status.FINISHED, new_year + timedelta(days=5))
    assert counts(world)["B"] == (9, 2, 1)  # one facility, however often
    assert coverage.checked_ids(this_year() - 1, [facility.pk]) == {facility.pk}

    # Inspected already: a plan covering what remains does not draw it again.
    plan = approved(world, lead, published_template, cover_remaining=True)
    document, codes = planning_services.plan_candidates(plan)
    code = next(c for c, pk in codes["facilities"].items() if pk == facility.pk)
    assert document["parameters"]["checked"] == [code]
    assert code in document["strata"]["B"]  # still counted in its class


def test_a_key_list_facility_is_always_drawn(county, lead, published_template, client, tmp_path):
    world = county
    member = Facility.objects.filter(region=world["county"], risk_class="A").first()
    put_on_key_list(member, lead)
    # Class A yields nothing by ratio; the key list member is drawn all the same.
    draw = draw_plan(approved(world, lead, published_template, ratio_a=0), lead)
    code = next(c for c, pk in draw.code_map["facilities"].items() if pk == member.pk)
    assert draw.algorithm == drawing.V2
    assert draw.candidates["parameters"]["required"] == [code]
    assert draw.candidates["parameters"]["checked"] == []
    assert draw.selected["A"] == [code]
    assert member.pk in drawn_facilities(draw)
    record = public_record(client, draw)
    assert verify(record, tmp_path) == (0, "OK")


def test_a_required_facility_fills_its_class_quota_first(county, lead, published_template):
    world = county
    members = list(Facility.objects.filter(region=world["county"], risk_class="C")[:2])
    for member in members:
        put_on_key_list(member, lead)
    draw = draw_plan(approved(world, lead, published_template), lead)
    # 40 % of 12 is 5: the two members and three more by rank.
    assert len(draw.selected["C"]) == 5
    assert {m.pk for m in members} <= drawn_facilities(draw)


@pytest.fixture
def v2_record(county, lead, published_template, client):
    world = county
    first = draw_plan(approved(world, lead, published_template, name="上半年"), lead)
    finish_all(first, lead)
    member = Facility.objects.filter(region=world["county"], risk_class="D").exclude(
        pk__in=drawn_facilities(first)
    )[0]
    put_on_key_list(member, lead)
    second = draw_plan(
        approved(world, lead, published_template, name="下半年", cover_remaining=True), lead
    )
    record = public_record(client, second)
    assert record["algorithm"] == "sha256-rank-v2"
    assert record["parameters"]["checked"] and record["parameters"]["required"]
    return record


def test_the_verifier_verifies_a_v2_record(v2_record, tmp_path):
    assert verify(v2_record, tmp_path) == (0, "OK")


def _move_to_class(record, code, cls):
    for codes in record["strata"].values():
        if code in codes:
            codes.remove(code)
    record["strata"][cls] = sorted([*record["strata"][cls], code])


def _drop_required(record):
    code = record["parameters"]["required"][0]
    for codes in record["selected"].values():
        if code in codes:
            codes.remove(code)
    record["assignments"] = [a for a in record["assignments"] if a["facility"] != code]


V2_MUTATIONS = {
    "a candidate's class": lambda r: _move_to_class(r, r["strata"]["D"][0], "A"),
    "the required list": lambda r: r["parameters"]["required"].pop(),
    "a required facility left out of the draw": _drop_required,
    "the checked list": lambda r: r["parameters"]["checked"].pop(),
    "cover_remaining": lambda r: r["parameters"].update(cover_remaining=False),
    "a checked facility drawn again": lambda r: r["selected"]["D"].append(
        next(c for c in r["parameters"]["checked"] if c in r["strata"]["D"])
    ),
    "labelled v1": lambda r: r.update(algorithm="sha256-rank-v1"),
}


@pytest.mark.parametrize("change", list(V2_MUTATIONS))
def test_the_verifier_rejects_a_v2_record_with_one_thing_changed(v2_record, tmp_path, change):
    record = copy.deepcopy(v2_record)
    V2_MUTATIONS[change](record)
    assert record != v2_record
    status, output = verify(record, tmp_path)
    assert status == 1, output


def test_a_changed_class_is_caught_by_the_candidates_hash(v2_record, tmp_path):
    record = copy.deepcopy(v2_record)
    _move_to_class(record, record["strata"]["D"][0], "A")
    assert verify(record, tmp_path)[1].startswith("candidates_sha256:")


def test_a_plain_plan_still_draws_and_verifies_as_v1(county, lead, published_template, client,
                                                     tmp_path):  # fmt: skip
    draw = draw_plan(approved(county, lead, published_template), lead)
    record = public_record(client, draw)
    assert record["algorithm"] == "sha256-rank-v1"
    assert set(record["parameters"]) == {"ratios", "team_size", "max_per_inspector"}
    assert verify(record, tmp_path) == (0, "OK")
    # The class of each candidate is bound by the candidates hash in v1 too.
    _move_to_class(record, record["strata"]["C"][0], "D")
    status, output = verify(record, tmp_path)
    assert status == 1 and output.startswith("candidates_sha256:")


# ---------------------------------------------------------------- the page


def test_the_lead_sees_the_year_per_class_and_what_remains(
    county, lead, published_template, as_user, django_assert_max_num_queries
):
    world = county
    first = draw_plan(approved(world, lead, published_template, ratio_d=20), lead)
    finish_all(first, lead)
    member = Facility.objects.filter(region=world["county"], risk_class="D").exclude(
        pk__in=drawn_facilities(first)
    )[0]
    put_on_key_list(member, lead)
    client = as_user(lead)
    # 13: the lead's region ids are resolved once per request (registry.access.region_q).
    with django_assert_max_num_queries(13):
        page = client.get(url())
    assert page.status_code == 200
    rows = {row.cls: row for row in page.context["summary"].rows}
    sizes = {cls: len(codes) for cls, codes in first.selected.items()}
    for cls in COUNTY:
        assert (rows[cls].required, rows[cls].checked) == (REQUIRED[cls], sizes[cls])
        assert rows[cls].unchecked == COUNTY[cls] - sizes[cls]
    sections = dict((row.cls, facilities) for row, facilities in page.context["sections"])
    assert len(sections["D"]) == 10  # capped, with a link to all of them
    assert f"?year={this_year()}&amp;show=D" in page.content.decode()
    lists = {section["name"]: section for section in page.context["lists"]}
    assert [e.facility for e in lists["key"]["rows"]] == [member]
    assert lists["key"]["rows"][0].checks == 0
    # The dishonesty list's members are shown against their own minimum (4 a year).
    assert (lists["dishonest"]["rows"], lists["dishonest"]["minimum"]) == ([], 4)
    assert member.name in page.content.decode()

    whole = client.get(url(f"?year={this_year()}&show=D"))
    unchecked = list(whole.context["page"])
    assert len(unchecked) == COUNTY["D"] - sizes["D"]
    assert not {f.pk for f in unchecked} & drawn_facilities(first)


def test_a_bad_year_is_refused_with_a_reason(county, lead, as_user):
    page = as_user(lead).get(url("?year=1850"))
    assert page.status_code == 200
    assert page.context["year"] == this_year()
    assert "2000" in page.content.decode()  # the form's message names the range
    assert as_user(lead).get(url("?year=abc")).context["year"] == this_year()


def test_each_lead_counts_only_their_county(county, lead, other_lead, as_user):
    mine = as_user(lead).get(url()).context["summary"].total.count
    theirs = as_user(other_lead).get(url()).context["summary"].total.count
    assert (mine, theirs) == (sum(COUNTY.values()), 1)
