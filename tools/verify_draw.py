#!/usr/bin/env python3
"""Check a published spot-check draw ("double random, one public", 双随机、一公开).

Usage::

    python3 verify_draw.py https://SITE/public/draws/ID.json
    python3 verify_draw.py record.json
    python3 verify_draw.py - < record.json

The program reads one draw record (JSON), recomputes everything in it that can be
recomputed, and prints ``OK`` (exit status 0) or the first discrepancy it finds, on one
line (exit status 1). Input that cannot be read or is not JSON gives a message and exit
status 2.

It needs only Python 3.11 or newer and its standard library, and it shares no code with
the system that made the draw: it is a second, independent implementation of the
algorithms ``sha256-rank-v1``, ``sha256-rank-v2`` and ``sha256-rank-v3`` described in
docs/draw-algorithm.md. Read the two side by side; the checks below are numbered like the
steps of section 2.4 there (v2's additions are in section 2.7, v3's in section 2.8).

For use from other Python code: ``verify(record)`` returns ``None`` when the record is
consistent and otherwise the first discrepancy as a string; ``check(record)`` does the
same but raises ``Discrepancy``; ``main(argv)`` is the command line and returns the exit
status.
"""

import hashlib
import json
import sys
import urllib.error
import urllib.request
from datetime import datetime

V1 = "sha256-rank-v1"
V2 = "sha256-rank-v2"  # v1 plus required facilities and those already checked this year
V3 = "sha256-rank-v3"  # v2 with one inspector pool per department (joint inspections)
ALGORITHMS = (V1, V2, V3)
PARAMETER_KEYS = {
    V1: ("ratios", "team_size", "max_per_inspector"),
    V2: ("ratios", "team_size", "max_per_inspector", "cover_remaining", "required", "checked"),
    V3: (
        "ratios",
        "team_size",
        "max_per_inspector",
        "cover_remaining",
        "required",
        "checked",
        "departments",
    ),
}
CLASSES = ("A", "B", "C", "D")  # risk classes, A = highest risk
RECORD_KEYS = (
    "algorithm",
    "plan",
    "frozen_at",
    "drawn_at",
    "commitment",
    "secret",
    "public_entropy",
    "public_entropy_source",
    "seed",
    "candidates_sha256",
    "parameters",
    "strata",
    "inspectors",
    "exclusions",
    "selected",
    "assignments",
    "substitutions",
    "status",
    "void_reason",
)
HEX_DIGITS = frozenset("0123456789abcdef")


class Discrepancy(Exception):
    """The record contradicts itself or the recomputation. The message names the field."""

    def __init__(self, field, message):
        self.field = field
        text = f"{field}: {message}"
        super().__init__(text.replace("\r", "\\r").replace("\n", "\\n"))  # one line


class InputError(Exception):
    """The input could not be read, or is not JSON."""


# --------------------------------------------------------------------------- building blocks
#
# Every hash in the protocol is SHA-256 of the UTF-8 bytes of a text, written as 64
# lowercase hexadecimal digits.


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(value):
    """The exact bytes whose SHA-256 is ``candidates_sha256``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def commitment_of(secret):
    return sha256_hex(secret)


def candidates_hash(record):
    document = {key: record[key] for key in ("parameters", "strata", "inspectors", "exclusions")}
    return hashlib.sha256(canonical_json(document)).hexdigest()


def seed_of(secret, public_entropy):
    return sha256_hex(secret + "|" + public_entropy)


def sample_size(count, percent):
    """ceil(count * percent / 100), computed with integers only."""
    return (count * percent + 99) // 100


def facility_key(seed, code):
    """The rank of a facility: smaller keys are drawn first."""
    return sha256_hex(seed + "|F|" + code)


def inspector_pick(seed, pool, facility, k):
    """The k-th inspector of ``facility``'s sequence (k = 0, 1, 2, ...)."""
    number = int(sha256_hex(f"{seed}|I|{facility}|{k}"), 16)
    return pool[number % len(pool)]


def rank(seed, codes):
    """``codes`` ordered by their facility key; equal keys (never seen in practice) by code."""
    return sorted(codes, key=lambda code: (facility_key(seed, code), code))


def select(seed, strata, parameters):
    """Step 7: the facilities drawn in each class, in rank order."""
    ratios = parameters["ratios"]
    required = set(parameters.get("required", ()))  # v2 only
    checked = set(parameters.get("checked", ()))  # v2 only
    selected = {}
    for cls in CLASSES:
        candidates = strata[cls]
        target = sample_size(len(candidates), ratios[cls])
        if "required" not in parameters:  # v1
            selected[cls] = rank(seed, candidates)[:target]
            continue
        # v2 (section 2.7): the quota is what the year still lacks; required facilities
        # are always drawn and fill it first, unless the quota already counted them.
        quota = max(0, target - sum(1 for code in candidates if code in checked))
        must = [code for code in candidates if code in required]
        newly_covered = sum(1 for code in must if code not in checked)
        free = [code for code in candidates if code not in required and code not in checked]
        picks = rank(seed, free)[: max(0, quota - newly_covered)]
        selected[cls] = rank(seed, must + picks)
    return selected


class DrawFails(Exception):
    """Step 8 ends without a result: a facility cannot get a full team."""

    def __init__(self, facility, eligible, team_size, department=None):
        self.facility = facility
        self.eligible = eligible
        self.team_size = team_size
        self.department = department  # v3 only
        of = f" of department {show(department)}" if department is not None else ""
        super().__init__(
            f"facility {show(facility)} has {eligible} eligible inspector(s){of} "
            f"for a team of {team_size}"
        )


class Pool:
    """The inspectors, their loads, and which of them are at the limit.

    The set of inspectors at the limit is kept up to date so that counting the eligible
    inspectors for a facility costs time in proportion to that facility's exclusions,
    not to the size of the pool.
    """

    def __init__(self, seed, inspectors, exclusions, limit):
        self.seed = seed
        self.codes = sorted(inspectors)  # P
        self.members = set(self.codes)
        self.exclusions = {facility: set(codes) for facility, codes in exclusions.items()}
        self.limit = limit
        self.load = dict.fromkeys(self.codes, 0)
        self.at_limit = set()

    def change_load(self, code, delta):
        self.load[code] += delta
        if self.load[code] >= self.limit:
            self.at_limit.add(code)
        else:
            self.at_limit.discard(code)

    def excluded(self, facility):
        return self.exclusions.get(facility, set())

    def eligible_count(self, facility, also_blocked=()):
        """How many inspectors of P may still join ``facility``'s team.

        That is: not excluded for the facility, not at the limit, not in ``also_blocked``.
        """
        blocked = self.excluded(facility) | set(also_blocked)
        blocked_but_free = sum(1 for c in blocked if c in self.members and c not in self.at_limit)
        return len(self.codes) - len(self.at_limit) - blocked_but_free

    def next_eligible(self, facility, k, skip):
        """Walk the facility's sequence from ``k``: the first usable inspector, and the next k.

        Callers first make sure that at least one inspector is usable (``eligible_count``),
        so the walk ends.
        """
        excluded = self.excluded(facility)
        while True:
            code = inspector_pick(self.seed, self.codes, facility, k)
            k += 1
            if code not in skip and code not in excluded and code not in self.at_limit:
                return code, k


def draw_teams(order, pool, team_size):
    """Step 8: a team for each facility of ``order``; raises ``DrawFails``.

    Returns the assignments and, for each facility, the next k not yet used.
    """
    assignments = []
    next_k = {}
    for facility in order:
        eligible = pool.eligible_count(facility)
        if eligible < team_size:
            raise DrawFails(facility, eligible, team_size)
        team = []
        k = 0
        while len(team) < team_size:
            code, k = pool.next_eligible(facility, k, skip=set(team))
            team.append(code)
        for code in team:  # loads change only once the team is complete
            pool.change_load(code, +1)
        assignments.append({"facility": facility, "inspectors": team})
        next_k[facility] = k
    return assignments, next_k


# v3 (section 2.8): one pool per department. Each department's inspectors are drawn from
# its own pool with a sequence of its own; loads and the limit count across all pools.


def department_pick(seed, pool, facility, department, k):
    """The k-th inspector of ``department``'s sequence for ``facility``."""
    number = int(sha256_hex(f"{seed}|I|{facility}|{department}|{k}"), 16)
    return pool[number % len(pool)]


class DepartmentPools:
    """The pools of a v3 record: loads shared, the inspectors at the limit kept per pool."""

    def __init__(self, seed, inspectors, exclusions, limit):
        self.seed = seed
        self.pools = {department: sorted(codes) for department, codes in inspectors.items()}
        self.department_of = {
            code: department for department, codes in self.pools.items() for code in codes
        }
        self.exclusions = {facility: set(codes) for facility, codes in exclusions.items()}
        self.limit = limit
        self.load = dict.fromkeys(self.department_of, 0)
        self.at_limit = {department: set() for department in self.pools}

    def change_load(self, code, delta):
        at_limit = self.at_limit[self.department_of[code]]
        self.load[code] += delta
        if self.load[code] >= self.limit:
            at_limit.add(code)
        else:
            at_limit.discard(code)

    def eligible_count(self, department, facility, also_blocked=()):
        """How many of ``department``'s pool may still join ``facility``'s team."""
        at_limit = self.at_limit[department]
        blocked = self.exclusions.get(facility, set()) | set(also_blocked)
        blocked_but_free = sum(
            1 for c in blocked if self.department_of.get(c) == department and c not in at_limit
        )
        return len(self.pools[department]) - len(at_limit) - blocked_but_free

    def next_eligible(self, department, facility, k, skip):
        pool = self.pools[department]
        excluded = self.exclusions.get(facility, set())
        at_limit = self.at_limit[department]
        while True:
            code = department_pick(self.seed, pool, facility, department, k)
            k += 1
            if code not in skip and code not in excluded and code not in at_limit:
                return code, k


def draw_department_teams(order, pools, departments):
    """Step 8 in v3: for each facility, each department's members in department order."""
    assignments = []
    next_k = {}
    for facility in order:
        team = []
        next_k[facility] = {}
        for entry in departments:
            department, size = entry["code"], entry["team_size"]
            eligible = pools.eligible_count(department, facility)
            if eligible < size:
                raise DrawFails(facility, eligible, size, department)
            k = 0
            for _member in range(size):
                code, k = pools.next_eligible(department, facility, k, skip=set(team))
                team.append(code)
            next_k[facility][department] = k
        for code in team:
            pools.change_load(code, +1)
        assignments.append({"facility": facility, "inspectors": team})
    return assignments, next_k


# --------------------------------------------------------------------------- reporting


def show(value, items=4, chars=80):
    """A short, one-line rendering of a value for a message."""
    if isinstance(value, list) and len(value) > items:
        head = ", ".join(show(v, items, chars) for v in value[:items])
        return f"[{head}, ... {len(value) - items} more ({len(value)} in all)]"
    if isinstance(value, str) and len(value) > chars:
        value = value[:chars] + "..."
    text = json.dumps(value, ensure_ascii=False)  # escapes line breaks: one line
    if len(text) > 4 * chars:
        text = text[: 4 * chars] + "..."
    return text


def expect_equal(field, expected, actual, how=""):
    """Raise unless equal; ``how`` says how the expected value was computed."""
    if expected == actual:
        return
    how = f"{how} = " if how else ""
    message = f"expected {how}{show(expected)} but the record has {show(actual)}"
    if isinstance(expected, list) and isinstance(actual, list):
        for position, (want, have) in enumerate(zip(expected, actual, strict=False)):
            if want != have:
                message += f" (first difference at position {position}: expected {show(want)})"
                break
        else:
            message += f" ({len(expected)} expected, {len(actual)} in the record)"
    raise Discrepancy(field, message)


def is_int(value):
    return type(value) is int  # a JSON true/false or 5.0 is not an integer here


def is_hash(value):
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX_DIGITS


def is_blank(value):
    return not isinstance(value, str) or not value.strip()


def need(condition, field, message):
    # Used where the message is cheap to build; loops over many codes test with ``if``
    # first and build the message only when something is wrong.
    if not condition:
        raise Discrepancy(field, message)


def need_keys(value, keys, field):
    if not isinstance(value, dict):
        raise Discrepancy(field, f"must be a JSON object, not {show(value)}")
    if len(value) != len(keys) or any(key not in value for key in keys):
        missing = [key for key in keys if key not in value]
        extra = sorted(key for key in value if key not in keys)
        need(not missing, field, f"missing key(s) {', '.join(missing)}")
        need(not extra, field, f"unexpected key(s) {', '.join(extra)}")


def need_str_list(value, field):
    if not isinstance(value, list):
        raise Discrepancy(field, f"must be a list, not {show(value)}")
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise Discrepancy(f"{field}[{position}]", f"must be a string, not {show(item)}")


def need_sorted_unique(codes, field):
    """Non-empty codes, each greater than the one before (so sorted and without repeats)."""
    for position, code in enumerate(codes):
        if code == "":
            raise Discrepancy(f"{field}[{position}]", "a code must not be empty")
        if position and not codes[position - 1] < code:
            before = codes[position - 1]
            if before == code:
                raise Discrepancy(field, f"{show(code)} appears twice")
            raise Discrepancy(field, f"not sorted: {show(before)} comes before {show(code)}")


def parse_time(value, field):
    need(isinstance(value, str), field, f"must be a timestamp string, not {show(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Discrepancy(field, f"{show(value)} is not an ISO 8601 timestamp") from None
    need(moment.tzinfo is not None, field, f"{show(value)} has no UTC offset")
    return moment


# --------------------------------------------------------------------------- the checks


def check_shape(record):
    """Step 1: exactly the expected keys, each holding the expected type."""
    need_keys(record, RECORD_KEYS, "record")
    algorithm = record["algorithm"]
    need(
        isinstance(algorithm, str) and algorithm in ALGORITHMS,
        "algorithm",
        f"this program checks {' and '.join(map(show, ALGORITHMS))}, "
        f"the record says {show(algorithm)}",
    )

    plan = record["plan"]
    need_keys(plan, ("id", "name", "year"), "plan")
    need(is_int(plan["id"]), "plan.id", f"must be an integer, not {show(plan['id'])}")
    need(isinstance(plan["name"], str), "plan.name", f"must be a string, not {show(plan['name'])}")
    need(is_int(plan["year"]), "plan.year", f"must be an integer, not {show(plan['year'])}")

    parse_time(record["frozen_at"], "frozen_at")
    if record["drawn_at"] is not None:
        parse_time(record["drawn_at"], "drawn_at")
    for field in ("commitment", "candidates_sha256"):
        need(is_hash(record[field]), field, "must be 64 lowercase hexadecimal digits")
    need(is_hash(record["secret"]), "secret", "must be 64 lowercase hexadecimal digits")
    need(
        record["seed"] is None or is_hash(record["seed"]),
        "seed",
        "must be 64 lowercase hexadecimal digits or null",
    )
    for field in ("public_entropy", "public_entropy_source"):
        value = record[field]
        need(value is None or isinstance(value, str), field, "must be a string or null")

    parameters = record["parameters"]
    need_keys(parameters, PARAMETER_KEYS[algorithm], "parameters")
    if algorithm in (V2, V3):
        need(
            isinstance(parameters["cover_remaining"], bool),
            "parameters.cover_remaining",
            f"must be true or false, not {show(parameters['cover_remaining'])}",
        )
        need_str_list(parameters["required"], "parameters.required")
        need_str_list(parameters["checked"], "parameters.checked")
    need_keys(parameters["ratios"], CLASSES, "parameters.ratios")
    for cls in CLASSES:
        value = parameters["ratios"][cls]
        need(is_int(value), f"parameters.ratios.{cls}", f"must be an integer, not {show(value)}")
    for field in ("team_size", "max_per_inspector"):
        value = parameters[field]
        need(is_int(value), f"parameters.{field}", f"must be an integer, not {show(value)}")

    need_keys(record["strata"], CLASSES, "strata")
    for cls in CLASSES:
        need_str_list(record["strata"][cls], f"strata.{cls}")
    if algorithm == V3:
        departments = parameters["departments"]
        need(isinstance(departments, list), "parameters.departments", "must be a list")
        for position, entry in enumerate(departments):
            field = f"parameters.departments[{position}]"
            need_keys(entry, ("code", "team_size"), field)
            if not isinstance(entry["code"], str):
                raise Discrepancy(f"{field}.code", "must be a string")
            if not is_int(entry["team_size"]):
                raise Discrepancy(f"{field}.team_size", "must be an integer")
        inspectors = record["inspectors"]
        need(isinstance(inspectors, dict), "inspectors", "must be a JSON object in v3")
        for department, codes in inspectors.items():
            need_str_list(codes, f"inspectors[{show(department)}]")
    else:
        need_str_list(record["inspectors"], "inspectors")
    exclusions = record["exclusions"]
    need(isinstance(exclusions, dict), "exclusions", "must be a JSON object")
    for facility, codes in exclusions.items():
        need_str_list(codes, f"exclusions[{show(facility)}]")

    selected = record["selected"]
    need(isinstance(selected, dict), "selected", f"must be a JSON object, not {show(selected)}")
    if selected:
        need_keys(selected, CLASSES, "selected")
        for cls in CLASSES:
            need_str_list(selected[cls], f"selected.{cls}")

    assignments = record["assignments"]
    need(isinstance(assignments, list), "assignments", "must be a list")
    for position, entry in enumerate(assignments):
        field = f"assignments[{position}]"
        need_keys(entry, ("facility", "inspectors"), field)
        if not isinstance(entry["facility"], str):
            raise Discrepancy(f"{field}.facility", "must be a string")
        need_str_list(entry["inspectors"], f"{field}.inspectors")

    substitutions = record["substitutions"]
    need(isinstance(substitutions, list), "substitutions", "must be a list")
    for position, entry in enumerate(substitutions):
        field = f"substitutions[{position}]"
        need_keys(entry, ("facility", "out", "in", "reason", "at"), field)
        for key in ("facility", "out", "in", "reason", "at"):
            if not isinstance(entry[key], str):
                raise Discrepancy(f"{field}.{key}", "must be a string")

    need(
        record["status"] in ("valid", "void"),
        "status",
        f'must be "valid" or "void", not {show(record["status"])}',
    )
    need(
        record["void_reason"] is None or isinstance(record["void_reason"], str),
        "void_reason",
        "must be a string or null",
    )


def check_candidates(record):
    """Step 4: the frozen candidate lists and parameters follow the rules."""
    parameters = record["parameters"]
    for cls in CLASSES:
        ratio = parameters["ratios"][cls]
        need(0 <= ratio <= 100, f"parameters.ratios.{cls}", f"{ratio} is not between 0 and 100")
    need(parameters["team_size"] >= 2, "parameters.team_size", "must be at least 2")
    need(parameters["max_per_inspector"] >= 1, "parameters.max_per_inspector", "must be at least 1")

    class_of = {}
    for cls in CLASSES:
        codes = record["strata"][cls]
        need_sorted_unique(codes, f"strata.{cls}")
        for code in codes:
            if code in class_of:
                raise Discrepancy(
                    f"strata.{cls}", f"{show(code)} is also in class {class_of[code]}"
                )
            class_of[code] = cls

    if record["algorithm"] in (V2, V3):
        for field in ("required", "checked"):
            codes = parameters[field]
            need_sorted_unique(codes, f"parameters.{field}")
            for code in codes:
                if code not in class_of:
                    raise Discrepancy(f"parameters.{field}", f"{show(code)} is not in strata")
        need(
            parameters["cover_remaining"] or not parameters["checked"],
            "parameters.checked",
            "must be [] when cover_remaining is false",
        )

    if record["algorithm"] == V3:
        known = check_departments(parameters, record["inspectors"])
    else:
        inspectors = record["inspectors"]
        need_sorted_unique(inspectors, "inspectors")
        known = set(inspectors)
    for facility, codes in record["exclusions"].items():
        field = f"exclusions[{show(facility)}]"
        need(facility in class_of, field, "is not a candidate facility")
        need(codes, field, "an exclusion list must not be empty")
        need_sorted_unique(codes, field)
        for code in codes:
            if code not in known:
                raise Discrepancy(field, f"{show(code)} is not in inspectors")


def check_departments(parameters, inspectors):
    """Step 4 in v3: the departments, their team sizes and their pools.

    Returns every inspector code of every pool."""
    departments = parameters["departments"]
    codes = [entry["code"] for entry in departments]
    need(codes, "parameters.departments", "a v3 draw lists at least one department")
    need_sorted_unique(codes, "parameters.departments (codes)")
    for position, entry in enumerate(departments):
        need(
            entry["team_size"] >= 1,
            f"parameters.departments[{position}].team_size",
            "must be at least 1",
        )
    total = sum(entry["team_size"] for entry in departments)
    expect_equal(
        "parameters.team_size", total, parameters["team_size"], "the sum of the departments'"
    )
    need(
        sorted(inspectors) == codes,
        "inspectors",
        f"must have one pool per department, {show(codes)}, not {show(sorted(inspectors))}",
    )
    department_of = {}
    for department in codes:
        field = f"inspectors[{show(department)}]"
        need_sorted_unique(inspectors[department], field)
        for code in inspectors[department]:
            if code in department_of:
                raise Discrepancy(field, f"{show(code)} is also in {show(department_of[code])}")
            department_of[code] = department
    return set(department_of)


def check_void_reason(record, must_be_void):
    reason = record["void_reason"]
    if must_be_void:
        need(record["status"] == "void", "status", 'expected "void" but the record has "valid"')
    if record["status"] == "void":
        need(not is_blank(reason), "void_reason", "a void record must say why it is void")
    else:
        need(reason is None, "void_reason", f"a valid record has null here, not {show(reason)}")


def check(record):
    """Run every check in order; raise ``Discrepancy`` at the first failure."""
    if not isinstance(record, dict):
        raise Discrepancy("record", "must be a JSON object")

    # 1. Keys and types.
    check_shape(record)

    # 2. The commitment published at freeze time is the hash of the secret.
    secret = record["secret"]
    expect_equal("commitment", commitment_of(secret), record["commitment"], "SHA256(secret)")

    # 3. The candidates hash published at freeze time matches the lists in the record.
    expect_equal(
        "candidates_sha256",
        candidates_hash(record),
        record["candidates_sha256"],
        "SHA256(canonical JSON of parameters, strata, inspectors, exclusions)",
    )

    # 4. The candidate lists follow the rules.
    check_candidates(record)

    # 5. No public value was entered: the draw was voided before it was run.
    frozen_at = parse_time(record["frozen_at"], "frozen_at")
    if record["public_entropy"] is None:
        for field in ("seed", "drawn_at"):
            need(record[field] is None, field, "must be null when public_entropy is null")
        for field, empty in (("selected", {}), ("assignments", []), ("substitutions", [])):
            need(
                record[field] == empty,
                field,
                f"must be {show(empty)} when public_entropy is null (nothing was drawn)",
            )
        check_void_reason(record, must_be_void=True)
        return

    # 6. The seed mixes the secret with the public value.
    entropy = record["public_entropy"]
    need(entropy != "", "public_entropy", "must not be empty")
    need(record["drawn_at"] is not None, "drawn_at", "must be set when public_entropy is set")
    drawn_at = parse_time(record["drawn_at"], "drawn_at")
    need(
        drawn_at >= frozen_at,
        "drawn_at",
        f"{show(record['drawn_at'])} is earlier than frozen_at {show(record['frozen_at'])}",
    )
    seed = seed_of(secret, entropy)
    expect_equal("seed", seed, record["seed"], 'SHA256(secret + "|" + public_entropy)')

    # 7. The facilities drawn in each class.
    parameters = record["parameters"]
    selected = select(seed, record["strata"], parameters)
    need(record["selected"] != {}, "selected", "expected the classes A, B, C, D but it is {}")
    for cls in CLASSES:
        expect_equal(f"selected.{cls}", selected[cls], record["selected"][cls])

    # 8. The teams.
    order = rank(seed, [code for cls in CLASSES for code in selected[cls]])
    limit = parameters["max_per_inspector"]
    if record["algorithm"] == V3:
        pool = DepartmentPools(seed, record["inspectors"], record["exclusions"], limit)
    else:
        pool = Pool(seed, record["inspectors"], record["exclusions"], limit)
    try:
        if record["algorithm"] == V3:
            assignments, next_k = draw_department_teams(order, pool, parameters["departments"])
        else:
            assignments, next_k = draw_teams(order, pool, parameters["team_size"])
    except DrawFails as failure:
        need(
            record["assignments"] == [],
            "assignments",
            f"the draw fails ({failure}), so nothing may be assigned, "
            f"but the record has {len(record['assignments'])} assignment(s)",
        )
        need(record["substitutions"] == [], "substitutions", "must be [] for a failed draw")
        check_void_reason(record, must_be_void=True)
        return
    check_assignments(assignments, record["assignments"])
    check_void_reason(record, must_be_void=False)

    # 9. The substitutions, replayed in order.
    check_substitutions(record, pool, assignments, next_k, drawn_at)


def check_assignments(expected, actual):
    for position, (want, have) in enumerate(zip(expected, actual, strict=False)):
        if want["facility"] != have["facility"]:
            raise Discrepancy(
                f"assignments[{position}].facility",
                f"expected {show(want['facility'])} but the record has {show(have['facility'])}",
            )
        expect_equal(
            f"assignments[{position}].inspectors (facility {show(want['facility'])})",
            want["inspectors"],
            have["inspectors"],
        )
    need(
        len(expected) == len(actual),
        "assignments",
        f"expected {len(expected)} assignment(s) but the record has {len(actual)}",
    )


def check_substitutions(record, pool, assignments, next_k, drawn_at):
    teams = {entry["facility"]: list(entry["inspectors"]) for entry in assignments}
    taken_off = {}  # facility -> inspectors taken off its team so far
    previous = drawn_at
    for position, entry in enumerate(record["substitutions"]):
        field = f"substitutions[{position}]"
        facility, out = entry["facility"], entry["out"]
        team = teams.get(facility)
        need(team is not None, f"{field}.facility", f"{show(facility)} was not drawn")
        need(
            out in team,
            f"{field}.out",
            f"{show(out)} is not on the team of {show(facility)} at this point ({show(team)})",
        )
        need(not is_blank(entry["reason"]), f"{field}.reason", "must say why")
        at = parse_time(entry["at"], f"{field}.at")
        when = show(entry["at"])
        need(at >= drawn_at, f"{field}.at", f"{when} is earlier than drawn_at")
        need(at >= previous, f"{field}.at", f"{when} is earlier than the substitution before")
        previous = at

        gone = taken_off.setdefault(facility, set())
        gone.add(out)
        pool.change_load(out, -1)
        skip = set(team) | gone
        if isinstance(pool, DepartmentPools):  # v3: from the leaver's department
            department = pool.department_of[out]
            need(
                pool.eligible_count(department, facility, also_blocked=skip) > 0,
                f"{field}.in",
                f"no eligible inspector of {show(department)} is left for {show(facility)}, "
                "so there is no replacement",
            )
            code, next_k[facility][department] = pool.next_eligible(
                department, facility, next_k[facility][department], skip
            )
            expect_equal(f"{field}.in", code, entry["in"])
            team[team.index(out)] = code
            pool.change_load(code, +1)
            continue
        need(
            pool.eligible_count(facility, also_blocked=skip) > 0,
            f"{field}.in",
            f"no eligible inspector is left for {show(facility)}, so there is no replacement",
        )
        code, next_k[facility] = pool.next_eligible(facility, next_k[facility], skip)
        expect_equal(f"{field}.in", code, entry["in"])
        team[team.index(out)] = code
        pool.change_load(code, +1)


def verify(record):
    """``None`` if the record checks out, else the first discrepancy (one line of text)."""
    try:
        check(record)
    except Discrepancy as problem:
        return str(problem)
    return None


# --------------------------------------------------------------------------- input


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in JSON")


def _object_without_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {show(key)} appears twice in one object")
        result[key] = value
    return result


def parse(text):
    """JSON text to a value; duplicate keys and NaN/Infinity are refused as ambiguous."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
        )
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise InputError(f"not valid JSON: {error}") from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply") from None


def load(source):
    """Read a record from a file path, an http(s) URL, or ``-`` (standard input)."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        elif source.startswith(("http://", "https://")):
            # Only http and https reach urlopen (checked just above).
            headers = {"Accept": "application/json"}
            request = urllib.request.Request(source, headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                data = response.read()
        else:
            with open(source, "rb") as file:
                data = file.read()
    except urllib.error.HTTPError as error:
        raise InputError(f"cannot fetch {source}: HTTP {error.code} {error.reason}") from None
    except (OSError, ValueError) as error:  # URLError is an OSError
        raise InputError(f"cannot read {source}: {error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{source} is not UTF-8 text: {error}") from None
    return parse(text)


USAGE = "usage: python3 verify_draw.py FILE_OR_URL   (a path, an http(s) URL, or - for stdin)"


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    if args in (["-h"], ["--help"]):
        print(USAGE)
        print("Prints OK (exit 0) or the first discrepancy (exit 1); unreadable input: exit 2.")
        return 0
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        record = load(args[0])
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    problem = verify(record)
    if problem is None:
        print("OK")
        return 0
    print(problem)
    return 1


if __name__ == "__main__":
    for stream in (sys.stdout, sys.stderr):  # never crash on a console that lacks Chinese
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    sys.exit(main())
