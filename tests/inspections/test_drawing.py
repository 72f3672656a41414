"""The draw algorithm sha256-rank-v1 on its own: sizes, order, exclusions, limits."""

import hashlib

import pytest

from inspections.planning import drawing

SEED = drawing.seed_of("ab" * 32, "2026-11-20 双色球 03 07 12 19 25 31 + 09")
RATIOS = {"A": 5, "B": 20, "C": 40, "D": 80}


def codes(prefix, n):
    return [f"{prefix}{i:03d}" for i in range(n)]


def run(strata, inspectors, exclusions=None, team_size=2, limit=10, ratios=RATIOS):
    return drawing.draw(
        seed=SEED,
        strata=strata,
        ratios=ratios,
        inspectors=inspectors,
        exclusions=exclusions or {},
        team_size=team_size,
        max_per_inspector=limit,
    )


def test_the_seed_and_commitment_are_sha256_of_the_documented_strings():
    assert drawing.commitment_of("ab" * 32) == hashlib.sha256(b"ab" * 32).hexdigest()
    assert drawing.seed_of("00", "x") == hashlib.sha256(b"00|x").hexdigest()


@pytest.mark.parametrize(
    "count, percent, expected",
    [(0, 80, 0), (1, 5, 1), (7, 5, 1), (20, 5, 1), (21, 5, 2), (10, 20, 2), (3, 40, 2),
     (5, 80, 4), (5, 100, 5), (9, 0, 0)],
)  # fmt: skip
def test_sample_sizes_round_up_in_integers(count, percent, expected):
    assert drawing.sample_size(count, percent) == expected


def test_each_class_yields_its_ceiling_ranked_by_hash_and_an_empty_class_yields_nothing():
    strata = {"A": codes("A", 7), "B": codes("B", 10), "C": codes("C", 3), "D": []}
    result = run(strata, codes("I", 12))

    assert {c: len(v) for c, v in result.selected.items()} == {"A": 1, "B": 2, "C": 2, "D": 0}
    for cls, chosen in result.selected.items():
        ranked = sorted(strata[cls], key=lambda code: (drawing.facility_key(SEED, code), code))
        assert chosen == ranked[: len(chosen)]
    everything = [code for chosen in result.selected.values() for code in chosen]
    assert result.order == sorted(everything, key=lambda c: drawing.facility_key(SEED, c))
    assert [a["facility"] for a in result.assignments] == result.order


def test_a_different_public_value_gives_a_different_draw():
    strata = {"A": [], "B": codes("B", 40), "C": [], "D": []}
    other_seed = drawing.seed_of("ab" * 32, "another value")
    first = drawing.select(SEED, strata, RATIOS)[0]["B"]
    second = drawing.select(other_seed, strata, RATIOS)[0]["B"]
    assert first != second and len(first) == len(second) == 8


def test_teams_follow_the_k_sequence_and_never_repeat_an_inspector():
    inspectors = codes("I", 5)
    result = run({"A": [], "B": [], "C": [], "D": ["F1"]}, inspectors, team_size=3)
    team = result.assignments[0]["inspectors"]
    expected, k = [], 0
    while len(expected) < 3:
        code = inspectors[drawing.inspector_index(SEED, "F1", k, 5)]
        k += 1
        if code not in expected:
            expected.append(code)
    assert team == expected and result.next_k["F1"] == k


def test_exclusions_are_honoured():
    strata = {"A": [], "B": [], "C": [], "D": codes("F", 30)}
    inspectors = codes("I", 6)
    exclusions = {f: inspectors[:4] for f in strata["D"]}
    result = run(strata, inspectors, exclusions, limit=100)
    for assignment in result.assignments:
        assert set(assignment["inspectors"]) == {"I004", "I005"}


def test_the_per_inspector_limit_is_honoured():
    strata = {"A": [], "B": [], "C": [], "D": codes("F", 50)}
    result = run(strata, codes("I", 10), limit=8)
    loads = {}
    for assignment in result.assignments:
        for code in assignment["inspectors"]:
            loads[code] = loads.get(code, 0) + 1
    assert len(result.assignments) == 40
    assert max(loads.values()) <= 8 and sum(loads.values()) == 80


def test_the_draw_fails_naming_the_first_facility_without_a_full_team():
    strata = {"A": [], "B": [], "C": [], "D": codes("F", 10)}
    inspectors = codes("I", 4)
    with pytest.raises(drawing.DrawFailed, match="eligible inspector") as failed:
        run(strata, inspectors, limit=2)
    # 4 inspectors × 2 inspections = 8 places: the fifth facility in draw order fails.
    order = drawing.select(SEED, strata, RATIOS)[1]
    assert failed.value.facility == order[4]
    assert failed.value.available == 0


def test_a_substitute_is_the_next_eligible_inspector_of_the_same_sequence():
    strata = {"A": [], "B": [], "C": [], "D": ["F1", "F2"]}
    inspectors = codes("I", 6)
    result = run(strata, inspectors, team_size=2)
    team = result.assignments[0]
    facility, out = team["facility"], team["inspectors"][0]

    chosen, teams = drawing.substitutes(
        seed=SEED,
        inspectors=inspectors,
        exclusions={},
        team_size=2,
        max_per_inspector=10,
        result=result,
        changes=[(facility, out)],
    )

    k, expected = result.next_k[facility], None
    while expected is None:
        code = inspectors[drawing.inspector_index(SEED, facility, k, 6)]
        k += 1
        if code not in team["inspectors"]:
            expected = code
    assert chosen == [expected]
    assert teams[facility] == [expected, team["inspectors"][1]]


def test_the_candidates_hash_is_over_canonical_json():
    document = drawing.candidates_document(
        parameters={"ratios": RATIOS, "team_size": 2, "max_per_inspector": 5},
        strata={"A": ["甲"], "B": [], "C": [], "D": []},
        inspectors=["I1"],
        exclusions={},
    )
    raw = (
        '{"exclusions":{},"inspectors":["I1"],"parameters":{"max_per_inspector":5,'
        '"ratios":{"A":5,"B":20,"C":40,"D":80},"team_size":2},'
        '"strata":{"A":["甲"],"B":[],"C":[],"D":[]}}'
    ).encode()
    assert drawing.candidates_sha256(document) == hashlib.sha256(raw).hexdigest()
