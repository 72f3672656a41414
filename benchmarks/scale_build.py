"""The scale data set: one county (S), a province (M) or ten provinces (L) of
facilities with two years of inspections, answers, hazards and published results.

``build(size)`` fills a freshly migrated, empty database. Regions, departments, the
checklist library and the calendar go through the application's services and
loaders, so their history and audit chain are exactly what the application writes;
everything else (the people included) is generated in Python with a fixed seed and
written with PostgreSQL COPY (plain INSERTs elsewhere), each row with its
django-simple-history row and its audit change-index row (``audit.ChangeLog`` +
``ChangeRegion``), linked into the hash chain after the services' rows, so
``manage.py audit_verify`` holds.

Every object is recorded once, as created in its final state (one "+" history row),
the way a back-filled register looks: statuses agree with their lifecycle fields,
register and notice numbers follow the services' formats and the series counters
(``core.Sequence``) continue after them, every hazard points at a failed answer of
its own inspection, every published result at a finished inspection, and every open
hazard holds its next alarm (``Hazard.next_alarm_at``) as the alarm rule computes it.

    scripts/with-postgres.sh .venv/bin/python benchmarks/scale_build.py --size S
"""

import argparse
import itertools
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from hashlib import sha256
from pathlib import Path

SEED = 20260101
YEARS = 2

# Shape of each size. "XS" is for the test suite only.
SIZES = {
    "XS": {"provinces": 1, "cities": 1, "counties": 1, "facilities": 6, "days": 200},
    "S": {"provinces": 1, "cities": 1, "counties": 1, "facilities": 44, "days": 365 * YEARS},
    "M": {"provinces": 1, "cities": 14, "counties": 98, "facilities": 2000, "days": 365 * YEARS},
    "L": {"provinces": 10, "cities": 14, "counties": 98, "facilities": 2000, "days": 365 * YEARS},
}
# The measured county's facilities: the demo county's 44.
COUNTY_FACILITIES = 44
INSPECTIONS_PER_YEAR = 2
INSPECTORS_PER_COUNTY = 4
# Chance a checklist item with a hazard class fails: ≈ 2.5 hazards per inspection.
FAIL_RATE = 0.069
ANSWERS_TARGET = 37
DEPARTMENTS = [
    ("scale-civil", "规模测试民政局", "civil_affairs"),
    ("scale-fire", "规模测试消防救援大队", "fire_rescue"),
    ("scale-market", "规模测试市场监督管理局", "market"),
    ("scale-housing", "规模测试住房和城乡建设局", "housing"),
    ("scale-health", "规模测试卫生健康局", "health"),
]
STEMS = "康乐 福寿 颐和 安康 夕阳红 松鹤 长青 仁爱 慈善 幸福 和谐 惠民 敬老 永安 德馨".split()
TYPES = [
    ("care_home", "养老院"),
    ("care_home", "养老服务中心"),
    ("welfare_home", "敬老院"),
    ("community", "日间照料中心"),
    ("rural_mutual", "互助幸福院"),
    ("medical_care", "医养结合中心"),
]


# ------------------------------------------------------------------ bulk writer


class Writer:
    """Rows buffered per table and written in batches: COPY on PostgreSQL, INSERT
    elsewhere (the test suite's SQLite)."""

    BATCH = 20000

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.rows = defaultdict(list)
        self.columns = {}
        self.counts = Counter()
        self.next_ids = {}
        self.write_s = 0.0

    def next_id(self, table, pk="id"):
        if table not in self.next_ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608
                self.next_ids[table] = (cursor.fetchone()[0] or 0) + 1
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table, columns, row):
        self.columns[table] = columns
        rows = self.rows[table]
        rows.append(row)
        if len(rows) >= self.BATCH:
            self.flush(table)

    def flush(self, table=None):
        started = time.perf_counter()
        tables = [table] if table else list(self.rows)
        for name in tables:
            rows = self.rows.pop(name, [])
            if not rows:
                continue
            columns = self.columns[name]
            quoted = ", ".join(f'"{c}"' for c in columns)
            with self.connection.cursor() as cursor:
                if self.postgres:
                    with cursor.cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    sql = f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})'  # noqa: S608
                    cursor.executemany(sql, rows)
            self.counts[name] += len(rows)
        self.write_s += time.perf_counter() - started

    def reset_sequences(self):
        """Move the id sequences past the ids given here, so the application's next
        insert does not collide."""
        if not self.postgres:
            return
        with self.connection.cursor() as cursor:
            for table, pk in self.pks.items():
                # Identifiers from the models' meta, never from input.
                top = f'(SELECT MAX("{pk}") FROM "{table}")'  # noqa: S608
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), {top})"
                )

    def check_constraints(self):
        """Run the deferred foreign-key checks queued so far (PostgreSQL keeps them in
        memory until the commit: millions at L). Only when every table is flushed."""
        if self.postgres:
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    pks: dict


# One encoder for every JSON column: ``json.dumps`` with options builds a new one per
# call, a large share of the cost of an object.
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
# The audit chain's encoding (audit.chain.canonical, as text).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _json(value):
    return _ENCODE(value)


# A JSON string as that encoder writes it (quotes, escapes, non-ASCII as is).
_STRING = json.encoder.encode_basestring


class Recorder:
    """Writes an object's row, its "+" history row and its change-index row linked
    into the audit chain, as ``audit.signals.record_change`` would."""

    def __init__(self, writer):
        from audit.chain import utc_iso
        from audit.models import ChainHead, ChangeLog, ChangeRegion

        self.writer = writer
        writer.pks = {}
        self.models = {}
        head = ChainHead.objects.filter(pk=1).first()
        self.seq = head.seq if head else 0
        self.head = head.hash if head else "0" * 64
        self.changelog = ChangeLog._meta.db_table
        self.changeregion = ChangeRegion._meta.db_table
        self.changelog_columns = [
            "id",
            "at",
            "user_id",
            "model",
            "object_id",
            "object_repr",
            "action",
            "history_id",
            "reason",
            "changes",
            "inspection_id",
            "seq",
            "region_ids",
            "hash",
        ]
        self.changeregion_columns = ["id", "change_id", "region_id"]
        writer.pks[self.changelog] = "id"
        writer.pks[self.changeregion] = "id"
        # The chain's own time format (audit.chain), looked up once.
        self._utc_iso = utc_iso
        self._last_at = self._last_iso = None

    def _meta(self, model):
        if model not in self.models:
            history = model.history.model
            fields = [f for f in model._meta.concrete_fields]
            names = {f.name for f in history._meta.fields}
            tracked = [f for f in fields if f.name in names]
            extra = [f for f in history._meta.concrete_fields if f.attname.startswith("history_")]
            json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
            attnames = [f.attname for f in fields]
            self.models[model] = {
                "table": model._meta.db_table,
                "columns": [f.column for f in fields],
                "attnames": attnames,
                "defaults": {f.attname: f.get_default() for f in fields},
                "json_positions": [i for i, a in enumerate(attnames) if a in json_fields],
                "history_table": history._meta.db_table,
                "history_columns": [f.column for f in tracked] + [f.column for f in extra],
                "extra": [f.attname for f in extra],
                # (field name, position in the object's row) of each tracked field
                "tracked": [(f.name, attnames.index(f.attname)) for f in tracked],
                "label": model._meta.label_lower,
                # '"name":[null,' and the row position of each tracked field, by name
                "changes_prefixes": sorted(
                    (f'"{f.name}":[null,', attnames.index(f.attname)) for f in tracked
                ),
            }
            self.writer.pks[model._meta.db_table] = "id"
            self.writer.pks[history._meta.db_table] = "history_id"
        return self.models[model]

    def new_id(self, model):
        return self.writer.next_id(model._meta.db_table)

    def record(
        self,
        model,
        values,
        *,
        at,
        user,
        regions,
        inspection=None,
        repr_=None,
        action="+",
        changes=None,
        indexed=None,
    ):
        """Write ``values`` (attname → value, with "id") as a new row of ``model``.

        With ``action="~"`` the object's row is not written again, only its history
        row and its change row (with ``changes``, as an m2m change reads).
        ``indexed``: the regions its change row is filed under when they differ from
        the ``regions`` its hash covers (a user's "+" row, hashed before the user had
        regions, is adopted by the regions it then gets)."""
        meta = self.models.get(model) or self._meta(model)
        defaults = meta["defaults"]
        full = [values[a] if a in values else defaults[a] for a in meta["attnames"]]
        if changes is None:
            # {"field": [null, "shown"], ...} in the chain's canonical JSON (sorted
            # keys, no spaces), written out directly: the costliest step otherwise.
            parts = []
            for prefix, i in meta["changes_prefixes"]:
                value = full[i]
                if value is None:
                    continue
                kind = value.__class__
                shown = (
                    value
                    if kind is str
                    else ", ".join(map(str, value))
                    if kind is list or kind is tuple
                    else str(value)
                )
                if shown:  # "" is not shown (an empty list shows as "")
                    parts.append(f"{prefix}{_STRING(shown)}]")
            changes_json = "{" + ",".join(parts) + "}"
        else:
            changes_json = _CANONICAL(changes)
        row = full
        if meta["json_positions"]:
            row = list(full)
            for i in meta["json_positions"]:
                if row[i] is not None:
                    row[i] = _ENCODE(row[i])
        writer = self.writer
        if action == "+":
            writer.add(meta["table"], meta["columns"], row)
        history_id = writer.next_id(meta["history_table"], "history_id")
        extra = {
            "history_id": history_id,
            "history_date": at,
            "history_type": action,
            "history_user_id": user,
        }
        history_row = [row[i] for _n, i in meta["tracked"]]
        history_row += [extra.get(a) for a in meta["extra"]]
        writer.add(meta["history_table"], meta["history_columns"], history_row)
        self.seq += 1
        region_ids = sorted(set(regions))
        object_id = str(values["id"])
        if at is not self._last_at:
            self._last_at, self._last_iso = at, self._utc_iso(at)
        # audit.chain.link: SHA-256(previous hash ‖ canonical JSON of the row), the
        # canonical JSON spelled out (sorted keys, no spaces) so that ``changes`` is
        # encoded once, for the hash and the column alike.
        regions_json = "[" + ",".join(map(str, region_ids)) + "]"
        document = (
            f'{{"action":"{action}","at":"{self._last_iso}","changes":{changes_json},'
            f'"inspection":{"null" if inspection is None else int(inspection)},'
            f'"model":"{meta["label"]}","object_id":"{object_id}","reason":"",'
            f'"regions":{regions_json},"seq":{self.seq},'
            f'"user":{"null" if user is None else int(user)}}}'
        )
        self.head = sha256((self.head + document).encode("utf-8")).hexdigest()
        change_id = writer.next_id(self.changelog)
        writer.add(
            self.changelog,
            self.changelog_columns,
            [
                change_id,
                at,
                user,
                meta["label"],
                object_id,
                (repr_ if repr_ is not None else object_id)[:300],
                action,
                history_id,
                "",
                changes_json,
                inspection,
                self.seq,
                regions_json,
                self.head,
            ],
        )
        for region in region_ids if indexed is None else sorted(set(indexed)):
            writer.add(
                self.changeregion,
                self.changeregion_columns,
                [writer.next_id(self.changeregion), change_id, region],
            )
        return history_id

    def finish(self):
        from audit.models import ChainHead

        self.writer.flush()
        self.writer.reset_sequences()
        ChainHead.objects.update_or_create(pk=1, defaults={"seq": self.seq, "hash": self.head})


# ------------------------------------------------------------------ people and places


def _credit_code(county_code, serial):
    from registry.creditcode import check_character

    body = f"52{county_code}MJ{serial:07d}"
    return body + check_character(body)


def _regions(shape, log):
    """Departments and regions through the registry's services: the region tree's
    paths and history are exactly what the application writes."""
    from registry import services
    from registry.models import Department, Region

    departments = []
    for code, name, kind in DEPARTMENTS:
        department, _c, _ch = services.upsert(
            Department, lookup={"code": code}, values={"name": name, "kind": kind}
        )
        departments.append(department)
    tree = []
    for p in range(shape["provinces"]):
        province_code = f"{43 + p:02d}0000"
        province, _c, _ch = services.upsert(
            Region,
            lookup={"code": province_code},
            values={"name": f"规模第{p + 1}省", "parent": None},
        )
        cities = []
        per_city = -(-shape["counties"] // shape["cities"])
        county_index = 0
        for c in range(shape["cities"]):
            city_code = f"{province_code[:2]}{c + 1:02d}00"
            city, _c, _ch = services.upsert(
                Region,
                lookup={"code": city_code},
                values={"name": f"{province.name}第{c + 1}市", "parent": province},
            )
            counties = []
            for d in range(per_city):
                if county_index == shape["counties"]:
                    break
                county_index += 1
                code = f"{city_code[:4]}{d + 1:02d}"
                county, _c, _ch = services.upsert(
                    Region,
                    lookup={"code": code},
                    values={"name": f"{city.name}第{d + 1}区", "parent": city},
                )
                counties.append({"region": county})
            cities.append((city, counties))
        tree.append(
            {
                "province": province,
                "cities": cities,
                "counties": [c for _city, counties in cities for c in counties],
            }
        )
    log(f"regions: {Region.objects.count()}")
    return tree, departments


def _people(rec, tree, departments, at, log):
    """A lead per county, city and province, an auditor per province, four inspectors
    with their profiles and one facility manager per county, written in bulk the way
    ``registry.services.user_ensure`` records them: the user's "+" row, then a "~" row
    for the regions it is given (which also files the "+" row under them), then the
    inspector's profile. One unusable password hash for all: nobody logs in with a
    password here (a test or a load run uses ``force_login`` or its own users)."""
    from django.apps import apps
    from django.contrib.auth.hashers import make_password

    from registry.models import InspectorProfile, User

    writer = rec.writer
    password = make_password(None)
    through = User.regions.through._meta.db_table
    m2m_table = apps.get_model("registry", "HistoricalUser_regions")._meta.db_table
    writer.pks[through] = "id"
    writer.pks[m2m_table] = "m2m_history_id"
    joined = at.astimezone(UTC)
    count = 0

    def user(username, full_name, role, regions=()):
        nonlocal count
        user_id = rec.new_id(User)
        values = {
            "id": user_id,
            "password": password,
            "username": username,
            "full_name": full_name,
            "role": role,
            "date_joined": joined,
            "is_active": True,
        }
        ids = [r.pk for r in regions]
        rec.record(User, values, at=at, user=None, regions=[], indexed=ids, repr_=full_name)
        count += 1
        if not regions:
            return user_id
        history_id = rec.record(
            User,
            values,
            at=at,
            user=None,
            regions=ids,
            repr_=full_name,
            action="~",
            changes={"regions": [[], [str(r) for r in sorted(regions, key=lambda r: r.code)]]},
        )
        for region in regions:
            link_id = writer.next_id(through)
            writer.add(through, ["id", "user_id", "region_id"], [link_id, user_id, region.pk])
            writer.add(
                m2m_table,
                ["id", "m2m_history_id", "history_id", "region_id", "user_id"],
                [
                    link_id,
                    writer.next_id(m2m_table, "m2m_history_id"),
                    history_id,
                    region.pk,
                    user_id,
                ],
            )
        return user_id

    lead, auditor, manager, inspector = (
        User.Role.LEAD,
        User.Role.AUDITOR,
        User.Role.MANAGER,
        User.Role.INSPECTOR,
    )
    for p, branch in enumerate(tree):
        province = branch["province"]
        branch["lead"] = user(f"scale-p{p}-lead", f"省局长{p + 1}", lead, [province])
        branch["auditor"] = user(f"scale-p{p}-auditor", f"省审计{p + 1}", auditor, [province])
        for city, counties in branch["cities"]:
            user(f"scale-{city.code}-lead", f"市局长{city.code}", lead, [city])
            for county in counties:
                region = county["region"]
                code = region.code
                county["lead"] = user(f"scale-{code}-lead", f"区局长{code}", lead, [region])
                county["manager"] = user(f"scale-{code}-manager", f"院长{code}", manager)
                inspectors = []
                for i in range(INSPECTORS_PER_COUNTY):
                    full_name = f"检查员{code}-{i}"
                    user_id = user(f"scale-{code}-i{i}", full_name, inspector, [region])
                    department = departments[i % len(departments)]
                    profile_id = rec.new_id(InspectorProfile)
                    credential = f"规模执{code}{i:03d}"
                    rec.record(
                        InspectorProfile,
                        {
                            "id": profile_id,
                            "user_id": user_id,
                            "department_id": department.pk,
                            "region_id": region.pk,
                            "credential_no": credential,
                            "categories": ["fire", "service", "food", "building"],
                            "active": True,
                        },
                        at=at,
                        user=None,
                        regions=[region.pk],
                        repr_=f"{full_name} ({credential})",
                    )
                    inspectors.append((user_id, profile_id, department))
                county["inspectors"] = inspectors
    log(f"people: {count} users")


def _checklists(log):
    """The shipped standard library, published through its loader; its versions and
    items as plain tuples for the generator."""
    from checklists.library import load_library
    from checklists.models import ChecklistVersion

    load_library()
    versions = []
    for version in (
        ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED)
        .select_related("template")
        .prefetch_related("items")
        .order_by("template__code", "-number")
    ):
        if any(v.template_id == version.template_id for v in versions):
            continue  # the newest published version of each template
        versions.append(version)
    log(f"checklists: {[(v.template.code, v.items.count()) for v in versions]}")
    return versions


# ------------------------------------------------------------------ the generator


@cache
def _working_days(start, n):
    from core.workdays import add_working_days

    return add_working_days(start, n)


def _aware(day, hour, minute=0, second=0, micro=0):
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=hour, minutes=minute, seconds=second, microseconds=micro
    )


def _combos(versions):
    """Sets of checklist versions an inspection may use (20–150 items in all) and
    their weights: one version half the time, two most of the rest, now and then
    three, for about ``ANSWERS_TARGET`` answers an inspection."""
    share = {1: 0.5, 2: 0.45, 3: 0.05}
    sized = []
    for n in range(1, 4):
        combos = [
            c
            for c in itertools.combinations(versions, n)
            if 20 <= sum(len(v.items.all()) for v in c) <= 150
        ]
        sized += [(c, share[n] / len(combos)) for c in combos]
    if not sized:  # a library smaller than expected: every version at once
        sized = [(tuple(versions), 1)]
    return [c for c, _w in sized], [w for _c, w in sized]


def _answer_value(item, fails, rng):
    if item.answer_type == "pass_fail":
        if fails:
            return "fail"
        return "na" if rng.random() < 0.05 else "pass"
    if item.answer_type == "number":
        low = item.min_value if item.min_value is not None else Decimal(0)
        high = item.max_value if item.max_value is not None else low + 100
        if fails:
            return str(high + 1) if item.max_value is not None else str(low - 1)
        return str(low + (high - low) / 2)
    if item.answer_type == "choice":
        wanted = not fails
        for choice in item.choices:
            if bool(choice.get("passes", True)) == wanted:
                return choice["value"]
        return item.choices[0]["value"] if item.choices else "na"
    return "已查看"


def _fails_possible(item):
    if item.hazard == "none":
        return False
    if item.answer_type == "number":
        return item.min_value is not None or item.max_value is not None
    if item.answer_type == "choice":
        return any(not c.get("passes", True) for c in item.choices)
    return item.answer_type == "pass_fail"


def build(size: str) -> dict:
    """Fill the (migrated, empty) database with the data set of ``size`` and return
    its figures and the ids a measurer needs."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}: choose one of S, M, L")
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        figures = _build(size, SIZES[size], connection)
        committing = time.perf_counter()
    figures["commit_s"] = round(time.perf_counter() - committing, 1)
    figures["build_s"] = round(time.perf_counter() - started, 1)
    return figures


def _log(message):
    if os.environ.get("SCALE_BUILD_QUIET") != "1":
        print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _build(size, shape, connection):
    from django.utils import timezone
    from django.utils.translation import gettext

    from core.models import Sequence
    from inspections.hazards.models import Hazard, Rectification, RectificationNotice, Supervision
    from inspections.onsite.models import Answer, Inspection, InspectionChecklist, TeamMember
    from inspections.publication.models import Publication, PublicationVersion
    from registry import services as registry_services
    from registry.models import Facility, User

    rng = random.Random(SEED)
    _log(f"building {size}")
    today = timezone.localdate()
    first_day = today - timedelta(days=shape["days"])
    # The years the data set's deadlines fall in (due dates run a few months past today).
    registry_services.calendar_load_from_package(years=range(first_day.year - 1, today.year + 2))
    tree, departments = _regions(shape, _log)
    versions = _checklists(_log)
    combos, weights = _combos(versions)
    writer = Writer(connection)
    rec = Recorder(writer)

    now = timezone.now()
    setup_at = _aware(first_day - timedelta(days=30), 9)
    _people(rec, tree, departments, _aware(first_day - timedelta(days=60), 9), _log)
    from django.apps import apps

    m2m_history = apps.get_model("registry", "HistoricalFacility_managers")
    m2m_table = m2m_history._meta.db_table
    managers_table = Facility.managers.through._meta.db_table
    writer.pks[m2m_table] = "m2m_history_id"
    writer.pks[managers_table] = "id"
    inspection_label = gettext("Inspection of %(facility)s")
    result_label = gettext("Result of %(inspection)s")
    verbose_category = {v.pk: v.template.category for v in versions}
    department_of = {v.pk: v.template.department for v in versions}

    stats = Counter()
    series = Counter()  # (kind, county code, year) → last number
    open_hazards = []

    # Facilities (with the county's manager), then every facility's visits.
    facilities = []
    for province_index, province in enumerate(tree):
        counties = province["counties"]
        total = shape["facilities"]
        first = min(COUNTY_FACILITIES, total)
        shares = [first] + [0] * (len(counties) - 1)
        for n in range(total - first):
            shares[1 + n % (len(counties) - 1) if len(counties) > 1 else 0] += 1
        for county, share in zip(counties, shares, strict=True):
            region = county["region"]
            code = region.code
            for n in range(share):
                facility_type, suffix = TYPES[(n + province_index) % len(TYPES)]
                facility_id = rec.new_id(Facility)
                name = f"{region.name}{STEMS[n % len(STEMS)]}{suffix}{n + 1}号"
                beds = rng.choice([12, 30, 48, 60, 80, 120, 150, 200, 300])
                values = {
                    "id": facility_id,
                    "name": name,
                    "credit_code": _credit_code(code, n + 1),
                    "directory_no": f"{code}-{n + 1:05d}",
                    "type": facility_type,
                    "ownership": rng.choice(["public", "private", "public_private"]),
                    "filed": True,
                    "filed_on": date(2020, 1, 1) + timedelta(days=rng.randrange(1500)),
                    "address": f"{region.name}幸福路{n + 1}号",
                    "region_id": region.pk,
                    "beds": beds,
                    "has_canteen": rng.random() < 0.7,
                    "has_clinic": rng.random() < 0.3,
                    "floors": rng.randint(1, 8),
                    "capacity": beds,
                    "gas_supply": rng.choice(["piped", "bottled", "none"]),
                    "lifts": rng.randint(0, 3),
                    "has_boiler": rng.random() < 0.2,
                    "has_oxygen": rng.random() < 0.3,
                    "star_level": rng.randint(0, 5),
                    "risk_class": rng.choice("ABBCCD"),
                    "responsible_person": f"负责人{n + 1}",
                    "phone": f"0730-{8000000 + n}",
                    "active": True,
                }
                history_id = rec.record(
                    Facility, values, at=setup_at, user=None, regions=[region.pk], repr_=name
                )
                link_id = writer.next_id(managers_table)
                writer.add(
                    managers_table,
                    ["id", "facility_id", "user_id"],
                    [link_id, facility_id, county["manager"]],
                )
                writer.add(
                    m2m_table,
                    ["m2m_history_id", "id", "facility_id", "user_id", "history_id"],
                    [
                        writer.next_id(m2m_table, "m2m_history_id"),
                        link_id,
                        facility_id,
                        county["manager"],
                        history_id,
                    ],
                )
                facilities.append((facility_id, name, values, county))
    stats["facilities"] = len(facilities)
    _log(f"facilities: {len(facilities)}")

    # Visits: INSPECTIONS_PER_YEAR a year, spread over the period, in time order.
    visits = []
    slots = max(1, round(shape["days"] / 365 * INSPECTIONS_PER_YEAR))
    slot_days = shape["days"] // slots
    for facility in facilities:
        for slot in range(slots):
            day = first_day + timedelta(days=slot * slot_days + rng.randrange(slot_days))
            visits.append((day, rng.random(), facility))
    # A few visits still ahead or under way, as a live register has.
    for facility in facilities[:: max(1, len(facilities) // 40)]:
        visits.append((today + timedelta(days=rng.randint(3, 20)), rng.random(), facility))
    for facility in facilities[1 :: max(1, len(facilities) // 10)]:
        visits.append((today, rng.random(), facility))
    # And a few finished in the last days, whose hazards are still being fixed: without
    # them the smallest size could hold no open hazard at all on some days.
    for facility in facilities[2 :: max(1, len(facilities) // 20)]:
        visits.append((today - timedelta(days=rng.randint(2, 9)), rng.random(), facility))
    visits.sort(key=lambda v: (v[0], v[1]))

    for visit_no, (day, _r, (facility_id, facility_name, fvalues, county)) in enumerate(visits):
        if visit_no and visit_no % 2000 == 0:
            # Every row of the visits so far is written: check their foreign keys
            # now rather than queue them all for the commit.
            writer.flush()
            writer.check_constraints()
        region = county["region"]
        code = region.code
        place = [region.pk]
        inspection_id = rec.new_id(Inspection)
        kind = rng.choices(["routine", "special", "case"], [85, 8, 7])[0]
        team = rng.sample(county["inspectors"], 2)
        lead_user = county["lead"]
        inspection_repr = inspection_label % {"facility": facility_name}
        created_at = _aware(day - timedelta(days=12), 10, rng.randrange(60))
        base = {
            "id": inspection_id,
            "facility_id": facility_id,
            "kind": kind,
            "unannounced": kind == "case",
            "window_start": day - timedelta(days=10),
            "window_end": day + timedelta(days=20),
            "source_note": "群众反映" if kind == "case" else "",
            "created_by_id": lead_user,
            "planned_date": day,
            "created_at": created_at,
        }
        if day > today:
            base["status"] = "scheduled"
            rec.record(
                Inspection,
                base,
                at=created_at,
                user=lead_user,
                regions=place,
                inspection=inspection_id,
                repr_=inspection_repr,
            )
            stats["inspections"] += 1
            continue
        started_at = _aware(day, 9, rng.randrange(60), rng.randrange(60), rng.randrange(10**6))
        combo = rng.choices(combos, weights)[0]
        items = [(v, item) for v in combo for item in v.items.all()]
        finished = day < today
        finished_at = started_at + timedelta(minutes=30 + 2 * len(items))
        answers = []
        passed_w = failed_w = 0
        category_counts = defaultdict(Counter)
        for position, (version, item) in enumerate(items):
            fails = _fails_possible(item) and rng.random() < FAIL_RATE
            value = _answer_value(item, fails, rng)
            from checklists.scoring import outcome

            result = outcome(item, value)
            counts = category_counts[verbose_category[version.pk]]
            counts["checked"] += 1
            if result == "pass":
                passed_w += item.weight
                counts["passed"] += 1
            elif result == "fail":
                failed_w += item.weight
                counts["failed"] += 1
            elif result == "na":
                counts["not_applicable"] += 1
            answers.append((version, item, value, result == "fail", position))
        score = Decimal(100 * passed_w / max(1, passed_w + failed_w)).quantize(Decimal("0.1"))
        pass_at = combo[0].pass_threshold
        basic_at = combo[0].basic_threshold
        result = "pass" if score >= pass_at else "basic" if score >= basic_at else "fail"
        values = dict(
            base,
            status="finished" if finished else "in_progress",
            started_at=started_at,
            started_by_id=team[0][0],
            start_captured_at=started_at,
        )
        if finished:
            values.update(
                finished_at=finished_at,
                finished_by_id=team[0][0],
                score=score,
                result=result,
                signer_name=fvalues["responsible_person"],
                signature_text=fvalues["responsible_person"],
                signed_at=finished_at - timedelta(minutes=5),
            )
        rec.record(
            Inspection,
            values,
            at=created_at,
            user=lead_user,
            regions=place,
            inspection=inspection_id,
            repr_=inspection_repr,
        )
        stats["inspections"] += 1
        stats["finished"] += finished
        for position, (_user_id, profile_id, _department) in enumerate(team, 1):
            rec.record(
                TeamMember,
                {
                    "id": rec.new_id(TeamMember),
                    "inspection_id": inspection_id,
                    "inspector_id": profile_id,
                    "position": position,
                    "active": True,
                    "replaced_reason": "",
                    "confirmed_at": finished_at - timedelta(minutes=10) if finished else None,
                    "confirmation_asked_at": finished_at - timedelta(minutes=20)
                    if finished
                    else None,
                },
                at=created_at,
                user=lead_user,
                regions=place,
                inspection=inspection_id,
                repr_=f"{profile_id} @ {inspection_id}",
            )
        for n, version in enumerate(combo):
            rec.record(
                InspectionChecklist,
                {
                    "id": rec.new_id(InspectionChecklist),
                    "inspection_id": inspection_id,
                    "version_id": version.pk,
                    "key": n == 0,
                },
                at=created_at,
                user=lead_user,
                regions=place,
                inspection=inspection_id,
                repr_=str(version),
            )
        failed_answers = []
        for version, item, value, failed, position in answers:
            answered_at = started_at + timedelta(minutes=1 + position, seconds=rng.randrange(60))
            answer_id = rec.new_id(Answer)
            rec.record(
                Answer,
                {
                    "id": answer_id,
                    "inspection_id": inspection_id,
                    "item_id": item.pk,
                    "value": value,
                    "note": "现场发现问题" if failed else "",
                    "location": "一楼" if failed else "",
                    "deadline_days": item.deadline_days if failed else None,
                    "corrected": False,
                    "revision": 1,
                    "answered_by_id": team[0][0],
                    "answered_at": answered_at,
                },
                at=answered_at,
                user=team[0][0],
                regions=place,
                inspection=inspection_id,
                repr_=f"i{item.pk}: {value}",
            )
            stats["answers"] += 1
            if failed:
                failed_answers.append((version, item, answer_id))
        if not finished:
            continue

        # Hazards of the failed answers, registered when the inspection finished.
        hazards = []
        notice_id = None
        year = day.year
        for version, item, answer_id in failed_answers:
            on_spot = item.deadline_days == 0 and item.hazard == "general"
            series[("hazard", code, year)] += 1
            number = series[("hazard", code, year)]
            deadline = item.deadline_days if not on_spot else 0
            if item.hazard == "major":
                deadline = max(deadline, 1)
            due = _working_days(day, deadline)
            hazards.append(
                {
                    "id": rec.new_id(Hazard),
                    "register_no": f"{code}-{year}-{number:05d}",
                    "facility_id": facility_id,
                    "region_id": region.pk,
                    "inspection_id": inspection_id,
                    "answer_id": answer_id,
                    "item_id": item.pk,
                    "item_code": item.code,
                    "department": department_of[version.pk][:20],
                    "category": verbose_category[version.pk],
                    "severity": item.hazard,
                    "source": kind,
                    "self_reported": False,
                    "location": "一楼",
                    "description": item.question[:500],
                    "found_on": day,
                    "deadline_days": deadline,
                    "due_on": due.date,
                    "due_provisional": due.provisional,
                    "corrected_on_spot": on_spot,
                    "created_at": finished_at,
                }
            )
        if any(not h["corrected_on_spot"] for h in hazards):
            series[("notice", code, year)] += 1
            notice_id = rec.new_id(RectificationNotice)
            number = f"{code}-ZG-{year}-{series[('notice', code, year)]:04d}"
            age = (today - day).days
            acknowledged = age > 3 or rng.random() < 0.5
            rec.record(
                RectificationNotice,
                {
                    "id": notice_id,
                    "number": number,
                    "inspection_id": inspection_id,
                    "facility_id": facility_id,
                    "issued_at": finished_at,
                    "issued_by_id": team[0][0],
                    "acknowledged_at": finished_at + timedelta(days=1) if acknowledged else None,
                    "acknowledged_by_id": county["manager"] if acknowledged else None,
                },
                at=finished_at,
                user=team[0][0],
                regions=place,
                inspection=inspection_id,
                repr_=number,
            )
        else:
            acknowledged = True
        all_closed = True
        for hazard in hazards:
            state = _hazard_state(hazard, acknowledged, today, now, rng)
            if hazard["corrected_on_spot"]:
                state = {"status": "closed", "closed_at": finished_at, "closed": True}
            else:
                hazard["notice_id"] = notice_id
            hazard["status"] = state["status"]
            if state["status"] == "closed":
                hazard["closed_at"] = state["closed_at"]
                hazard["closed_by_id"] = lead_user if hazard["severity"] == "major" else team[1][0]
            else:
                all_closed = False
                open_hazards.append(hazard["id"])
            rec.record(
                Hazard,
                hazard,
                at=finished_at,
                user=team[0][0],
                regions=place,
                inspection=inspection_id,
                repr_=f"{hazard['register_no']} {hazard['description'][:30]}",
            )
            stats["hazards"] += 1
            stats[f"hazards_{hazard['status']}"] += 1
            stats["hazards_major"] += hazard["severity"] == "major"
            submitted = state.get("submitted_at")
            if submitted:
                decided = state["status"] == "closed"
                rec.record(
                    Rectification,
                    {
                        "id": rec.new_id(Rectification),
                        "hazard_id": hazard["id"],
                        "description": "已按要求完成整改",
                        "interim_measures": "",
                        "submitted_by_id": county["manager"],
                        "submitted_at": submitted,
                        "decision": "accepted" if decided else "pending",
                        "decided_by_id": team[1][0] if decided else None,
                        "decided_at": state["closed_at"] if decided else None,
                        "reason": "",
                    },
                    at=submitted,
                    user=county["manager"],
                    regions=place,
                    inspection=inspection_id,
                    repr_=hazard["register_no"],
                )
            if hazard["severity"] == "major":
                signed = state["status"] == "closed"
                rec.record(
                    Supervision,
                    {
                        "id": rec.new_id(Supervision),
                        "hazard_id": hazard["id"],
                        "lead_id": lead_user,
                        "opened_at": finished_at,
                        "plan_due_on": _working_days(day, 5).date,
                        "plan_due_provisional": _working_days(day, 5).provisional,
                        "measures": "落实整改措施",
                        "responsible_person": fvalues["responsible_person"],
                        "funds": "自筹",
                        "plan_deadline": hazard["due_on"],
                        "contingency_plan": "制定应急预案",
                        "plan_filed_at": finished_at + timedelta(hours=20),
                        "plan_filed_by_id": county["manager"],
                        "signed_off_at": state["closed_at"] if signed else None,
                        "signed_off_by_id": lead_user if signed else None,
                        "sign_off_note": "验收通过" if signed else "",
                    },
                    at=finished_at,
                    user=team[0][0],
                    regions=place,
                    inspection=inspection_id,
                    repr_=hazard["register_no"],
                )
                stats["supervisions"] += 1

        # The result: waiting for review in its first days, then published.
        ended = finished_at.astimezone(timezone.get_current_timezone()).date()
        limit = _working_days(ended, 20)
        if not hazards:
            category = "none_found"
        elif all_closed and all(h["corrected_on_spot"] for h in hazards):
            category = "corrected"
        else:
            category = "ordered"
        publication_id = rec.new_id(Publication)
        age = (today - day).days
        published = age > 10 or (age > 3 and rng.random() < 0.5)
        version_id = rec.new_id(PublicationVersion) if published else None
        publication_repr = result_label % {"inspection": inspection_repr}
        publication = {
            "id": publication_id,
            "inspection_id": inspection_id,
            "region_id": region.pk,
            "status": "published" if published else "pending",
            "due_on": limit.date,
            "due_provisional": limit.provisional,
            "category": category,
            "follow_up": "",
            "current_id": None,
            "inspected_on": None,
            "created_at": finished_at,
        }
        published_at = finished_at + timedelta(days=min(age - 1, 5), hours=2)
        if published:
            # The first version is written before the publication points at it; one
            # "+" row shows the publication as it stands.
            publication["current_id"] = version_id
            publication["inspected_on"] = day
        rec.record(
            Publication,
            publication,
            at=finished_at,
            user=team[0][0],
            regions=place,
            inspection=inspection_id,
            repr_=publication_repr,
        )
        stats["results_pending"] += not published
        if published:
            departments = list(dict.fromkeys(t[2].name for t in team))
            content = {
                "schema": 1,
                "authority": departments[0],
                "departments": departments,
                "kind": kind,
                "inspected_on": day.isoformat(),
                "facility": {
                    "id": facility_id,
                    "name": facility_name,
                    "credit_code": fvalues["credit_code"],
                    "type": fvalues["type"],
                    "region_code": code,
                    "region_name": region.name,
                },
                "plan": None,
                "draw": None,
                "items": [
                    {
                        "category": cat,
                        "checked": row["checked"],
                        "passed": row["passed"],
                        "failed": row["failed"],
                        "not_applicable": row["not_applicable"],
                    }
                    for cat, row in category_counts.items()
                ],
                "parts": [],
                "category": category,
                "follow_up": "",
                "photos": [],
            }
            rec.record(
                PublicationVersion,
                {
                    "id": version_id,
                    "publication_id": publication_id,
                    "number": 1,
                    "category": category,
                    "inspected_on": day,
                    "content": content,
                    "reason": "",
                    "published_at": published_at,
                    "published_by_id": lead_user,
                },
                at=published_at,
                user=lead_user,
                regions=place,
                inspection=inspection_id,
                repr_=f"{publication_id} v1",
            )
            stats["results"] += 1

    # The series counters continue after the numbers issued here.
    region_of = {c["region"].code: c["region"].pk for p in tree for c in p["counties"]}
    for (kind, code, year), last in sorted(series.items()):
        rec.record(
            Sequence,
            {"id": rec.new_id(Sequence), "name": f"{kind}:{code}", "year": year, "last": last},
            at=now,
            user=None,
            regions=[region_of[code]],
            repr_=f"{kind}:{code} {year}",
        )
    writer.flush()
    due_now, alarms = _store_next_alarms(rec, open_hazards, now)
    rec.finish()
    _log(f"bulk rows: {dict(writer.counts)}")
    _log(f"writing took {writer.write_s:.1f} s")
    province = tree[0]
    county = province["counties"][0]
    figures = {
        "size": size,
        "provinces": len(tree),
        "counties": sum(len(p["counties"]) for p in tree),
        "facilities": stats["facilities"],
        "inspections": stats["inspections"],
        "finished_inspections": stats["finished"],
        "answers": stats["answers"],
        "hazards": stats["hazards"],
        "open_hazards": len(open_hazards),
        "overdue_hazards": stats["hazards_overdue"],
        "major_hazards": stats["hazards_major"],
        "supervisions": stats["supervisions"],
        "alarms_due_now": due_now,
        "alarms_fired": alarms,
        "results": stats["results"],
        "results_pending": stats["results_pending"],
        "history_rows": sum(n for table, n in writer.counts.items() if "_historical" in table),
        "changes": rec.seq,
        "users": User.objects.count(),
        "province_region_id": province["province"].pk,
        "county_region_id": county["region"].pk,
        "province_lead": "scale-p0-lead",
        "county_lead": User.objects.get(pk=county["lead"]).username,
        "province_auditor": "scale-p0-auditor",
        "county_inspectors": [
            User.objects.get(pk=user_id).username for user_id, _p, _d in county["inspectors"]
        ],
        "checklist_template_ids": sorted({v.template_id for v in versions}),
        "checklist_version_ids": [v.pk for v in versions],
    }
    return figures


def _hazard_state(hazard, acknowledged, today, now, rng):
    """A lifecycle state consistent with the hazard's age: old ones fixed and
    verified, recent ones registered, rectifying, awaiting verification or just
    overdue (before the escalation ladder's first step)."""
    found = hazard["found_on"]
    due = hazard["due_on"]
    age = (today - found).days
    # Only a facility that acknowledged its notice has begun fixing.
    settled = age > 45 or due < today - timedelta(days=2) or rng.random() < 0.3
    if acknowledged and settled:
        closing_day = min(due, today - timedelta(days=1))
        submitted = _aware(max(found + timedelta(days=1), closing_day - timedelta(days=2)), 15)
        closed_at = submitted + timedelta(days=1, hours=1)
        if closed_at >= now:
            closed_at = now - timedelta(hours=1)
            submitted = closed_at - timedelta(hours=2)
        return {"status": "closed", "submitted_at": submitted, "closed_at": closed_at}
    if due < today:
        return {"status": "overdue"}
    if acknowledged and rng.random() < 0.25 and hazard["severity"] == "general":
        return {"status": "awaiting_verification", "submitted_at": now - timedelta(hours=5)}
    return {"status": "rectifying" if acknowledged else "registered"}


def _store_next_alarms(rec, open_ids, now):
    """Each open hazard's next alarm by the domain's own rule (``schedule.next_alarm``),
    stored without history as ``schedule.next_alarm_store`` does. Reminders whose time
    has passed went off (a ``HazardAlarm`` row each), as the dispatcher would have
    done, except for a few dozen left due for the next dispatcher run. Returns
    (alarms due now, alarms recorded as fired)."""
    from django.db import connection

    from inspections.hazards.models import Hazard, HazardAlarm
    from inspections.hazards.schedule import next_alarm, supervision_of

    rows = []
    due = fired_count = 0
    budget = max(3, len(open_ids) // 10)
    hazards = Hazard.objects.filter(pk__in=open_ids).select_related("facility")
    for hazard in hazards.order_by("pk").iterator(chunk_size=2000):
        supervision = supervision_of(hazard)
        fired = set()
        alarm = next_alarm(hazard, supervision, fired)
        while alarm is not None and alarm.at <= now and (due >= budget or len(rows) % 3):
            fired.add((alarm.kind, alarm.key))
            rec.record(
                HazardAlarm,
                {
                    "id": rec.new_id(HazardAlarm),
                    "hazard_id": hazard.pk,
                    "kind": alarm.kind,
                    "key": alarm.key,
                    "fired_at": alarm.at,
                    "sent": True,
                },
                at=alarm.at,
                user=None,
                regions=[hazard.facility.region_id],
                inspection=hazard.inspection_id,
                repr_=f"{hazard.register_no} {alarm.kind} {alarm.key}",
            )
            fired_count += 1
            alarm = next_alarm(hazard, supervision, fired)
        if alarm is None:
            continue
        rows.append((alarm.at, hazard.pk))
        due += alarm.at <= now
    with connection.cursor() as cursor:
        table = Hazard._meta.db_table
        sql = f'UPDATE "{table}" SET next_alarm_at = %s WHERE id = %s'  # noqa: S608
        cursor.executemany(sql, rows)
    return due, fired_count


# ------------------------------------------------------------------ command line


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the scale data set on PostgreSQL.")
    parser.add_argument("--size", choices=["S", "M", "L"], required=True)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "scale_build needs PostgreSQL: set DATABASE_URL=postgres://... (for a throwaway "
            "cluster: scripts/with-postgres.sh .venv/bin/python benchmarks/scale_build.py "
            "--size S). SQLite is for one county's trial, not for the scale data set."
        )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    print(json.dumps(build(args.size), ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
