"""The draw algorithms ``sha256-rank-v1``, ``sha256-rank-v2`` and ``sha256-rank-v3``,
in plain Python with no Django.

Everything here is a function of published data, so anyone holding a draw's
public record can recompute it (``tools/verify_draw.py`` does so with its own,
independent code; docs/draw-algorithm.md explains the protocol). All strings are
UTF-8 and hashes lowercase hex.

v2 adds to v1's parameters the facilities that must be drawn (the key supervision
list) and, when the plan covers what remains of the year, those already checked
this year: they lower their class's quota and are not drawn again. With both lists
empty v2 selects exactly what v1 does, so one ``select`` serves both.

v3 is the joint inspection (部门联合抽查): it selects facilities as v2 does, but the
inspectors come in one pool per department (``inspectors`` maps a department's code
to its credential codes) and each team takes ``team_size`` members of every
department of ``parameters["departments"]`` from that department's own pool.
"""

import hashlib
import json
from dataclasses import dataclass, field

V1 = "sha256-rank-v1"
V2 = "sha256-rank-v2"
V3 = "sha256-rank-v3"
CLASSES = ("A", "B", "C", "D")


class DrawFailed(Exception):
    """Some selected facility cannot get a full team; nothing is assigned."""

    def __init__(self, facility, available, team_size, department=None):
        self.facility = facility
        self.available = available
        self.team_size = team_size
        self.department = department  # v3: the department whose pool fell short
        where = f" of department {department}" if department else ""
        super().__init__(
            f"facility {facility}: {available} eligible inspector(s){where}, {team_size} needed"
        )


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(value):
    """Sorted keys, no spaces, non-ASCII kept: the bytes whose hash is published."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def commitment_of(secret_hex):
    return sha256_hex(secret_hex)


def candidates_document(*, parameters, strata, inspectors, exclusions):
    return {
        "parameters": parameters,
        "strata": strata,
        "inspectors": inspectors,
        "exclusions": exclusions,
    }


def candidates_sha256(document):
    return hashlib.sha256(canonical_json(document)).hexdigest()


def seed_of(secret_hex, public_entropy):
    return sha256_hex(f"{secret_hex}|{public_entropy}")


def sample_size(count, percent):
    """ceil(count * percent / 100) in integers."""
    return (count * percent + 99) // 100


def facility_key(seed, code):
    return sha256_hex(f"{seed}|F|{code}")


def inspector_index(seed, facility, k, pool_size):
    return int(sha256_hex(f"{seed}|I|{facility}|{k}"), 16) % pool_size


@dataclass
class Result:
    selected: dict  # class -> codes in rank order
    order: list  # every selected code, in draw order
    assignments: list  # [{"facility": code, "inspectors": [codes in draw order]}]
    next_k: dict = field(default_factory=dict)  # facility -> first k not yet used
    load: dict = field(default_factory=dict)  # inspector -> inspections assigned


def algorithm_of(parameters):
    """The algorithm a candidates document's parameters call for."""
    if "departments" in parameters:
        return V3
    return V2 if "required" in parameters else V1


def pool_codes(inspectors):
    """Every inspector code of a candidates document, sorted: v3 keeps one list per department."""
    if isinstance(inspectors, dict):
        return sorted(code for codes in inspectors.values() for code in codes)
    return list(inspectors)


def department_of_codes(inspectors):
    """v3: each inspector code's department code (empty for v1 and v2)."""
    if not isinstance(inspectors, dict):
        return {}
    return {code: department for department, codes in inspectors.items() for code in codes}


def department_inspector_index(seed, facility, department, k, pool_size):
    return int(sha256_hex(f"{seed}|I|{facility}|{department}|{k}"), 16) % pool_size


def selection_lists(parameters):
    """v2's required and already-checked codes (none in a v1 document)."""
    return {
        "required": parameters.get("required", []),
        "checked": parameters.get("checked", []),
    }


def quota(count, percent, checked):
    """What a class must still yield: its share, less those checked already."""
    return max(0, sample_size(count, percent) - checked)


def select(seed, strata, ratios, *, required=(), checked=()):
    """The facilities each class yields, and all of them in draw order.

    Required facilities are always drawn and fill the quota first (unless already
    checked, when the quota counted them); the rest of the quota is drawn by rank
    from those neither required nor already checked.
    """
    required, checked = set(required), set(checked)
    keys = {}
    selected = {}
    for cls in CLASSES:
        codes = strata.get(cls, [])
        must = [code for code in codes if code in required]
        done = sum(1 for code in codes if code in checked)
        n = quota(len(codes), ratios[cls], done)
        n = max(0, n - sum(1 for code in must if code not in checked))
        pickable = [code for code in codes if code not in required and code not in checked]
        ranked = sorted((facility_key(seed, code), code) for code in pickable)[:n]
        ranked = sorted([*ranked, *((facility_key(seed, code), code) for code in must)])
        selected[cls] = [code for _key, code in ranked]
        keys.update((code, key) for key, code in ranked)
    order = sorted(keys, key=lambda code: (keys[code], code))
    return selected, order


class _Teams:
    """Team drawing state: the pool, exclusions, loads and who is at the limit."""

    def __init__(self, seed, inspectors, exclusions, team_size, limit):
        self.seed = seed
        self.pool = sorted(inspectors)
        self.exclusions = {f: set(codes) for f, codes in exclusions.items()}
        self.team_size = team_size
        self.limit = limit
        self.load = dict.fromkeys(self.pool, 0)
        self.full = set()  # inspectors at the limit

    def available(self, facility, also_unavailable=()):
        """How many pool inspectors are neither excluded for ``facility`` nor at the limit."""
        blocked = self.exclusions.get(facility, set()) | set(also_unavailable)
        # Exclusion lists are short and the full set can be large: count, don't union.
        blocked_free = sum(1 for i in blocked if i in self.load and i not in self.full)
        return len(self.pool) - len(self.full) - blocked_free

    def next_member(self, facility, k, skip):
        """From ``k`` on, the first inspector the sequence yields who may join; and the next k."""
        excluded = self.exclusions.get(facility, ())
        size = len(self.pool)
        while True:
            code = self.pool[inspector_index(self.seed, facility, k, size)]
            k += 1
            if code in skip or code in excluded or code in self.full:
                continue
            return code, k

    def add_load(self, code, delta):
        self.load[code] += delta
        if self.load[code] >= self.limit:
            self.full.add(code)
        else:
            self.full.discard(code)


def draw(
    *,
    seed,
    strata,
    ratios,
    inspectors,
    exclusions,
    team_size,
    max_per_inspector,
    required=(),
    checked=(),
):
    """Run the draw. Raises ``DrawFailed`` naming the first facility without a full team."""
    selected, order = select(seed, strata, ratios, required=required, checked=checked)
    teams = _Teams(seed, inspectors, exclusions, team_size, max_per_inspector)
    assignments, next_k = [], {}
    for facility in order:
        available = teams.available(facility)
        if available < team_size:
            raise DrawFailed(facility, available, team_size)
        team, k = [], 0
        while len(team) < team_size:
            code, k = teams.next_member(facility, k, team)
            team.append(code)
        for code in team:
            teams.add_load(code, 1)
        assignments.append({"facility": facility, "inspectors": team})
        next_k[facility] = k
    return Result(
        selected=selected, order=order, assignments=assignments, next_k=next_k, load=teams.load
    )


class NoSubstitute(Exception):
    """No eligible inspector is left for the facility."""


def substitutes(*, seed, inspectors, exclusions, team_size, max_per_inspector, result, changes):
    """Replay substitutions after a draw and return each replacement in order.

    ``changes`` is a list of (facility, out) pairs; the replacement for each is the
    next inspector the facility's k-sequence yields who is not on its team, not
    excluded, not at the limit, and not someone already taken off this facility.
    """
    teams = _Teams(seed, inspectors, exclusions, team_size, max_per_inspector)
    current = {a["facility"]: list(a["inspectors"]) for a in result.assignments}
    for team in current.values():
        for code in team:
            teams.add_load(code, 1)
    next_k = dict(result.next_k)
    removed = {}
    chosen = []
    for facility, out in changes:
        team = current.get(facility)
        if team is None or out not in team:
            raise ValueError(f"{out} is not on the team of {facility}")
        gone = removed.setdefault(facility, set())
        gone.add(out)
        teams.add_load(out, -1)
        if teams.available(facility, also_unavailable=gone | set(team)) < 1:
            teams.add_load(out, 1)
            gone.discard(out)
            raise NoSubstitute(facility)
        code, next_k[facility] = teams.next_member(facility, next_k[facility], set(team) | gone)
        team[team.index(out)] = code
        teams.add_load(code, 1)
        chosen.append(code)
    return chosen, current


# ---------------------------------------------------------------- v3: one pool per department


class _JointTeams:
    """v3's team drawing state: a pool per department; loads and the limit are shared."""

    def __init__(self, seed, inspectors, exclusions, limit):
        self.seed = seed
        self.pools = {department: sorted(codes) for department, codes in inspectors.items()}
        self.department_of = department_of_codes(self.pools)
        self.exclusions = {f: set(codes) for f, codes in exclusions.items()}
        self.limit = limit
        self.load = dict.fromkeys(self.department_of, 0)
        self.full = {department: set() for department in self.pools}

    def available(self, facility, department, also_unavailable=()):
        """How many of ``department``'s pool are neither excluded for ``facility`` nor full."""
        full = self.full[department]
        blocked = self.exclusions.get(facility, set()) | set(also_unavailable)
        blocked_free = sum(
            1 for i in blocked if self.department_of.get(i) == department and i not in full
        )
        return len(self.pools[department]) - len(full) - blocked_free

    def next_member(self, facility, department, k, skip):
        """From ``k`` on, the first of the department's sequence who may join; and the next k."""
        excluded = self.exclusions.get(facility, ())
        pool = self.pools[department]
        full = self.full[department]
        while True:
            code = pool[department_inspector_index(self.seed, facility, department, k, len(pool))]
            k += 1
            if code in skip or code in excluded or code in full:
                continue
            return code, k

    def add_load(self, code, delta):
        full = self.full[self.department_of[code]]
        self.load[code] += delta
        if self.load[code] >= self.limit:
            full.add(code)
        else:
            full.discard(code)


def draw_joint(
    *,
    seed,
    strata,
    ratios,
    departments,
    inspectors,
    exclusions,
    max_per_inspector,
    required=(),
    checked=(),
):
    """Run a v3 draw. ``departments`` is [{"code", "team_size"}] in code order and
    ``inspectors`` maps each department's code to its pool. Raises ``DrawFailed``
    naming the first facility and department without enough eligible inspectors."""
    selected, order = select(seed, strata, ratios, required=required, checked=checked)
    teams = _JointTeams(seed, inspectors, exclusions, max_per_inspector)
    assignments, next_k = [], {}
    for facility in order:
        team, ks = [], {}
        for entry in departments:
            department, size = entry["code"], entry["team_size"]
            available = teams.available(facility, department)
            if available < size:
                raise DrawFailed(facility, available, size, department)
            k, drawn = 0, 0
            while drawn < size:
                code, k = teams.next_member(facility, department, k, team)
                team.append(code)
                drawn += 1
            ks[department] = k
        for code in team:
            teams.add_load(code, 1)
        assignments.append({"facility": facility, "inspectors": team})
        next_k[facility] = ks
    return Result(
        selected=selected, order=order, assignments=assignments, next_k=next_k, load=teams.load
    )


def substitutes_joint(*, seed, inspectors, exclusions, max_per_inspector, result, changes):
    """v3's ``substitutes``: the replacement comes from the department of the one who
    leaves, continuing that department's k-sequence for the facility."""
    teams = _JointTeams(seed, inspectors, exclusions, max_per_inspector)
    current = {a["facility"]: list(a["inspectors"]) for a in result.assignments}
    for team in current.values():
        for code in team:
            teams.add_load(code, 1)
    next_k = {facility: dict(ks) for facility, ks in result.next_k.items()}
    removed = {}
    chosen = []
    for facility, out in changes:
        team = current.get(facility)
        if team is None or out not in team:
            raise ValueError(f"{out} is not on the team of {facility}")
        department = teams.department_of[out]
        gone = removed.setdefault(facility, set())
        gone.add(out)
        teams.add_load(out, -1)
        if teams.available(facility, department, also_unavailable=gone | set(team)) < 1:
            teams.add_load(out, 1)
            gone.discard(out)
            raise NoSubstitute(facility)
        code, next_k[facility][department] = teams.next_member(
            facility, department, next_k[facility][department], set(team) | gone
        )
        team[team.index(out)] = code
        teams.add_load(code, 1)
        chosen.append(code)
    return chosen, current
