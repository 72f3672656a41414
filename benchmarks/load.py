"""Load: inspectors on site and the public on a publication day, against gunicorn.

    scripts/with-postgres.sh .venv/bin/python benchmarks/load.py          # PostgreSQL
    .venv/bin/python benchmarks/load.py --sqlite                          # SQLite

Builds a throwaway data set (``benchmarks/scale_build.build("M")`` where it exists,
else ``manage.py seed_demo``; ``--data`` chooses), adds 16 inspectors each with an
inspection under way on an 80-item checklist and enough published results for the
public site, then starts gunicorn (4 sync workers, DEBUG off, a free loopback port) and
runs for ``--seconds``:

- each inspector logs in before the clock starts (session cookie and CSRF token, like
  the phone page), pauses ``--think`` seconds on average between answers, opens
  its checklist page (again every 25 steps), saves answers one by one through the
  page's JSON endpoint with a client id each (retried with the same id after an error,
  as the phone's outbox does) and, every 10th step, sends a 12-megapixel JPEG through
  the resumable upload the phone uses (256 KiB chunks doubling up to 4 MiB);
- 50 anonymous readers browse the public results, pausing ``--reader-think`` seconds
  on average: the list with and without filters, a result's page, now and then
  results.csv or results.json.

The client is threads over http.client and shares the machine's cores with the
server. Afterwards every answer and photo sent is looked up in the database: each
must be stored exactly once. Prints one JSON object of figures prefixed ``load_pg_``
or ``load_sqlite_`` (see ``figures``); ``--probe`` adds the server's side
(benchmarks/load_probe.py: time and CPU per request kind, SQLite's write-lock waits).
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INSPECTORS = 16
READERS = 50
ITEMS = 80  # a realistic checklist: 20-150 items
PHOTO_EVERY = 10
CHECKLIST_EVERY = 25
PUBLISHED_MIN = 40
CHUNK_MIN = 256 * 1024
CHUNK_MAX = 4 * 1024 * 1024
PASSWORD = "Load-bench-2026!"  # noqa: S105  (throwaway users of a throwaway database)
PREFIX = "load"


# ---------------------------------------------------------------- recording


class Recorder:
    """Latencies per request kind and the errors (non-2xx/3xx or an exception)."""

    def __init__(self):
        self.samples = {}
        self.errors = {}
        self.lock = threading.Lock()
        self.recording = True

    def add(self, kind, seconds, ok):
        if not self.recording:
            return
        with self.lock:
            self.samples.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# ---------------------------------------------------------------- transport


class HttpSession:
    """One simulated user: http.client to the server, its own cookies (gunicorn's sync
    workers close each connection, so one connection a request)."""

    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port = host, port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        headers["Host"] = "localhost"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or ():
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            connection.close()

    def cookie(self, name):
        return self.cookies.get(name, "")


def chunk_ranges(size):
    """The phone's chunks on a good link: 256 KiB, then each twice the last, at most
    4 MiB (static/js/outbox.js)."""
    ranges, start, chunk = [], 0, CHUNK_MIN
    while start < size:
        end = min(start + chunk, size)
        ranges.append((start, end))
        start, chunk = end, min(2 * chunk, CHUNK_MAX)
    return ranges


# ---------------------------------------------------------------- simulated users


_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Inspector:
    """One inspector on site, driven step by step by ``run`` (or by a test)."""

    def __init__(self, session, plan, photo, recorder, think=0.0, seed=0):
        self.session, self.plan, self.photo = session, plan, photo
        self.photo_sha = hashlib.sha256(photo).hexdigest() if photo else ""
        self.recorder, self.think = recorder, think
        self.rng = random.Random(seed)
        self.revisions = {}
        # The ledger the exactly-once check reads: every client id sent, per key.
        self.answers = {}
        self.photos = {}
        self.steps = 0

    def timed(self, kind, method, path, body=None, headers=None, ok=(200, 201, 302)):
        start = time.perf_counter()
        try:
            status, data = self.session.request(method, path, body, headers)
        except (OSError, http.client.HTTPException):
            self.recorder.add(kind, time.perf_counter() - start, False)
            return None, b""
        self.recorder.add(kind, time.perf_counter() - start, status in ok or 200 <= status < 400)
        return status, data

    def headers(self, **extra):
        return {
            "Accept": "application/json",
            "X-CSRFToken": self.session.cookie("csrftoken"),
            **extra,
        }

    def login(self):
        status, page = self.timed("login_page", "GET", "/accounts/login/")
        token = _CSRF_INPUT.search(page or b"")
        form = urllib.parse.urlencode(
            {
                "username": self.plan["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1).decode() if token else "",
            }
        )
        status, _ = self.timed(
            "login",
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.session.cookies:
            raise RuntimeError(f"{self.plan['username']} could not log in ({status})")

    def open_checklist(self):
        self.timed(
            "checklist", "GET", f"/inspections/inspections/{self.plan['inspection']}/checklist/"
        )

    def save_answer(self, key):
        """One answer with its client id; after an error the same id again, as the
        phone's outbox does, until a stored response comes back."""
        client_id = str(uuid.uuid4())
        self.answers.setdefault(key, []).append(client_id)
        form = urllib.parse.urlencode(
            {
                "key": key,
                "value": "pass",
                "note": f"step {self.steps}",
                "revision": self.revisions.get(key, 0),
            }
        )
        headers = self.headers(
            **{"X-Client-Id": client_id, "Content-Type": "application/x-www-form-urlencoded"}
        )
        for attempt in range(5):
            status, data = self.timed(
                "answer",
                "POST",
                f"/inspections/inspections/{self.plan['inspection']}/answer/",
                form,
                headers,
                ok=(200,),
            )
            if status == 200:
                self.revisions[key] = json.loads(data)["answer"]["revision"]
                return True
            time.sleep(0.2 * (attempt + 1))
        return False

    def send_photo(self, key):
        """The phone's resumable upload: open it, then the chunks; timed as a whole
        (``photo``) and per request (``photo_request``)."""
        client_id = str(uuid.uuid4())
        self.photos.setdefault(key, []).append(client_id)
        start = time.perf_counter()
        declared = json.dumps(
            {
                "client_id": client_id,
                "key": key,
                "purpose": "evidence",
                "size": len(self.photo),
                "sha256": self.photo_sha,
                "name": "photo.jpg",
                "content_type": "image/jpeg",
            }
        )
        ok = False
        for _attempt in range(5):
            status, _ = self.timed(
                "photo_request",
                "POST",
                f"/inspections/inspections/{self.plan['inspection']}/uploads/",
                declared,
                self.headers(**{"Content-Type": "application/json"}),
                ok=(200, 201),
            )
            if status in (200, 201):
                ok = True
                break
            time.sleep(0.2)
        offset, size, tries = 0, len(self.photo), 0
        ranges = dict(chunk_ranges(size))
        while ok and tries < 40:
            tries += 1
            end = ranges.get(offset) or min(offset + CHUNK_MIN, size)
            chunk = self.photo[offset:end]
            status, data = self.timed(
                "photo_request",
                "PUT",
                f"/inspections/uploads/{client_id}/",
                chunk,
                self.headers(
                    **{
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"bytes {offset}-{end - 1}/{size}",
                    }
                ),
                ok=(200, 201),
            )
            if status == 201:
                break
            if status in (200, 409):
                offset = json.loads(data).get("offset", offset) if status == 409 else end
                continue
            # An error or a cut: ask where the upload stands, as the phone does.
            time.sleep(0.2)
            status, data = self.timed("photo_request", "GET", f"/inspections/uploads/{client_id}/")
            if status == 200:
                offset = json.loads(data).get("offset", offset)
        else:
            ok = False
        self.recorder.add("photo", time.perf_counter() - start, ok)

    def step(self):
        keys = self.plan["keys"]
        key = keys[self.steps % len(keys)]
        if self.steps and self.steps % CHECKLIST_EVERY == 0:
            self.open_checklist()
        saved = self.save_answer(key)
        if saved and self.photo and self.steps % PHOTO_EVERY == PHOTO_EVERY - 1:
            self.send_photo(key)
        self.steps += 1

    def ledger(self):
        return {
            "user": self.plan["user"],
            "inspection": self.plan["inspection"],
            "answers": self.answers,
            "photos": self.photos,
        }

    def run(self, until):
        """Steps until ``until`` (time.monotonic), logged in beforehand."""
        self.open_checklist()
        while time.monotonic() < until:
            self.step()
            if self.think:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think)


class Reader:
    """An anonymous reader of the public results on a publication day."""

    def __init__(self, session, public, recorder, think=0.0, seed=0):
        self.session, self.public, self.recorder, self.think = session, public, recorder, think
        self.rng = random.Random(seed)

    def get(self, kind, path):
        start = time.perf_counter()
        try:
            status, _ = self.session.request("GET", path, headers={"Accept": "text/html"})
        except (OSError, http.client.HTTPException):
            self.recorder.add(kind, time.perf_counter() - start, False)
            return
        self.recorder.add(kind, time.perf_counter() - start, 200 <= status < 400)

    def step(self):
        roll = self.rng.random()
        if roll < 0.35:
            page = self.rng.choice(("", "", "?page=2", "?page=3"))
            self.get("public_list", f"/public/results/{page}")
        elif roll < 0.6:
            query = {"category": self.rng.choice(self.public["categories"])}
            if self.public["regions"] and self.rng.random() < 0.5:
                query["region"] = self.rng.choice(self.public["regions"])
            if self.rng.random() < 0.3:
                query["date_from"] = self.public["date_from"]
            self.get("public_filtered", "/public/results/?" + urllib.parse.urlencode(query))
        elif roll < 0.95:
            self.get("public_detail", f"/public/results/{self.rng.choice(self.public['results'])}/")
        else:
            self.get(
                "public_export", self.rng.choice(("/public/results.csv", "/public/results.json"))
            )

    def run(self, until):
        while time.monotonic() < until:
            self.step()
            if self.think:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think)


# ---------------------------------------------------------------- exactly once


def check_exactly_once(ledgers):
    """Look up every answer and photo the inspectors sent. An answer key saved n times
    must have revision n and n stored responses for its client ids; a key sent m
    photos must have m photos made from m completed uploads. Returns counts of what
    was sent, ``lost`` and ``duplicated``."""
    from inspections.onsite.models import Answer, Photo, PhotoUpload, StoredResponse

    sent_answers = sent_photos = lost = duplicated = 0
    for ledger in ledgers:
        user, inspection = ledger["user"], ledger["inspection"]
        revisions = dict(
            Answer.objects.filter(inspection_id=inspection).values_list("item_id", "revision")
        )
        for key, client_ids in ledger["answers"].items():
            sent = len(client_ids)
            sent_answers += sent
            stored = StoredResponse.objects.filter(
                user_id=user, client_id__in=client_ids, status=200
            ).count()
            revision = revisions.get(int(key[1:]), 0)
            lost += max(sent - revision, sent - stored, 0)
            duplicated += max(revision - sent, 0)
        for key, client_ids in ledger["photos"].items():
            sent = len(client_ids)
            sent_photos += sent
            made = Photo.objects.filter(
                inspection_id=inspection, answer__item_id=int(key[1:]), removed_at__isnull=True
            ).count()
            done = PhotoUpload.objects.filter(
                created_by_id=user, client_id__in=client_ids, photo__isnull=False
            ).count()
            lost += max(sent - made, sent - done, 0)
            duplicated += max(made - sent, 0)
    return {
        "answers_sent": sent_answers,
        "photos_sent": sent_photos,
        "lost": lost,
        "duplicated": duplicated,
    }


# ---------------------------------------------------------------- data


def build_data(log, size="M"):
    """The base data set: the scale data set of ``size`` (benchmarks/scale_build.py)
    where it exists, else (or with size "demo") the demo county."""
    try:
        if size == "demo":
            raise ImportError("the demo county asked for")
        from benchmarks import scale_build

        start = time.perf_counter()
        summary = scale_build.build(size)
        log(f"data: scale_build {size} in {time.perf_counter() - start:.0f} s: {summary}")
        return f"scale_build {size}"
    except ImportError:
        from django.core.management import call_command

        call_command("seed_demo", verbosity=0)
        log("data: seed_demo (scale_build not available)")
        return "seed_demo"


def _checklist(code, items, sections):
    from checklists import services as checklist_services

    template = checklist_services.template_create(
        code=code, title="负载检查表", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    parts = [
        checklist_services.section_save(version=version, values={"title": f"第{s + 1}部分"})
        for s in range(sections)
    ]
    for n in range(items):
        checklist_services.item_save(
            section=parts[n % sections],
            values={
                "code": f"{code.upper()}-{n:03d}",
                "question": f"第{n + 1}项：安全出口、疏散通道是否畅通，标志是否完好？",
                "legal_basis": "《养老机构消防安全管理规定》",
            },
        )
    checklist_services.version_publish(version=version)
    return template


def setup_inspectors(count=INSPECTORS, items=ITEMS, published=PUBLISHED_MIN, tag=PREFIX):
    """``count`` inspectors (password ``PASSWORD``) each with an inspection under way
    on an ``items``-item checklist at a facility of its own; at least ``published``
    published results on the public site. Returns (plans, public)."""
    from inspections.onsite import selectors
    from inspections.onsite import services as onsite
    from inspections.publication import services as publication_services
    from inspections.publication.models import Publication
    from registry.creditcode import check_character
    from registry.models import Department, Facility, InspectorProfile, Region, User

    province, _ = Region.objects.get_or_create(code="469900", defaults={"name": "负载测试省"})
    county, _ = Region.objects.get_or_create(
        code="469901", defaults={"name": "负载测试县", "parent": province}
    )
    department = Department.objects.create(
        code=f"{tag}-civil", name=f"{tag}民政局", kind=Department.Kind.CIVIL_AFFAIRS
    )
    lead = User.objects.create_user(username=f"{tag}-lead", role="lead", full_name="负载组长")
    lead.regions.set([county])
    profiles = []
    for n in range(count):
        user = User.objects.create_user(
            username=f"{tag}-i{n:02d}", password=PASSWORD, role="inspector", full_name=f"检查员{n}"
        )
        user.regions.set([county])
        profiles.append(
            InspectorProfile.objects.create(
                user=user, department=department, region=county, credential_no=f"LD{n:05d}"
            )
        )
    serial = iter(range(1, 1_000_000))

    def facility():
        body = f"52469901MJ{next(serial):07d}"
        return Facility.objects.create(
            name=f"负载测试养老院{body[-4:]}",
            credit_code=body + check_character(body),
            type="care_home",
            address="负载测试县",
            region=county,
            beds=80,
        )

    template = _checklist(f"{tag}-full", items, 8)
    plans = []
    for n, profile in enumerate(profiles):
        team = [profile, profiles[(n + 1) % count]]
        inspection = onsite.case_open(
            facility=facility(),
            complaint="负载测试",
            inspectors=team,
            templates=[template],
            by=lead,
        )
        inspection = onsite.inspection_start(inspection=inspection, by=profile.user)
        keys = [
            f"i{item.pk}"
            for _c, entries in selectors.inspection_items(inspection)
            for item in entries
        ]
        plans.append(
            {
                "username": profile.user.username,
                "user": profile.user.pk,
                "inspection": inspection.pk,
                "keys": keys,
            }
        )
    # Published results, so that the public pages have something to show.
    missing = published - Publication.objects.filter(status=Publication.Status.PUBLISHED).count()
    if missing > 0:
        small = _checklist(f"{tag}-short", 5, 1)
        for n in range(missing):
            first, second = profiles[n % count], profiles[(n + 1) % count]
            inspection = onsite.case_open(
                facility=facility(),
                complaint="负载测试",
                inspectors=[first, second],
                templates=[small],
                by=lead,
            )
            inspection = onsite.inspection_start(inspection=inspection, by=first.user)
            for _c, entries in selectors.inspection_items(inspection):
                for item in entries:
                    onsite.answer_save(
                        inspection=inspection,
                        key=f"i{item.pk}",
                        value="pass",
                        base_revision=0,
                        by=first.user,
                    )
            onsite.inspection_sign(
                inspection=inspection, by=first.user, signer_name="王院长", typed="王院长"
            )
            onsite.member_confirm(inspection=inspection, by=first.user)
            onsite.member_confirm(inspection=inspection, by=second.user)
            onsite.inspection_finish(inspection=inspection, by=first.user)
            inspection.refresh_from_db()
            publication_services.publication_publish(publication=inspection.publication, by=lead)
    published_qs = Publication.objects.filter(status=Publication.Status.PUBLISHED)
    results = list(published_qs.order_by("-pk").values_list("pk", flat=True)[:500])
    regions = sorted(
        {
            path.strip("/").split("/")[-1]
            for path in published_qs.values_list(
                "inspection__facility__region__path", flat=True
            ).distinct()[:200]
        }
    )
    public = {
        "results": results,
        "regions": regions,
        "categories": [value for value, _label in Publication.Category.choices],
        "date_from": "2026-01-01",
    }
    return plans, public


# ---------------------------------------------------------------- the run


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url, workdir, conn_max_age=60):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no proxy in front to terminate TLS.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(workdir),
            "EVIDENCE_ROOT": str(workdir / "evidence"),
            "DOCUMENTS_ROOT": str(workdir / "documents"),
            # All readers come from 127.0.0.1 here: the per-address download limit
            # would stop the open-data downloads of 50 readers sharing one address.
            "PUBLIC_DOWNLOAD_LIMIT": "1000000",
            "DJANGO_LOG_LEVEL": "WARNING",
            # As docs/deployment.md's environment file: connections kept for a minute.
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
            # No mail server here: the notifications' e-mails stay in memory.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    return env


def start_gunicorn(env, port, workers, log_path, probe=False):
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ] + (["--config", "python:benchmarks.load_probe"] if probe else [])
    log = open(log_path, "wb")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {Path(log_path).read_text()[-2000:]}")
        try:
            status, _ = HttpSession(port).request("GET", "/public/results/")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(process)
    raise RuntimeError("gunicorn did not answer in 60 s")


def stop_gunicorn(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def summarize_probe(prefix, folder):
    """The server side of the run (``--probe``, benchmarks/load_probe.py): per request
    kind the time in the worker and its CPU time; on SQLite the waits for the write
    lock and how long each kind of request held it."""
    requests, waits, holds = {}, {}, {}
    for path in Path(folder).glob("*.json"):
        data = json.loads(path.read_text())
        for kind, wall, cpu in data["requests"]:
            requests.setdefault(kind, []).append((wall, cpu))
        for kind, seconds in data["waits"]:
            waits.setdefault(kind, []).append(seconds)
        for kind, seconds in data["holds"]:
            holds.setdefault(kind, []).append(seconds)
    out = {}
    for kind, samples in sorted(requests.items()):
        for name, values in (("wall", [w for w, _c in samples]), ("cpu", [c for _w, c in samples])):
            out[f"{prefix}_server_{kind}_{name}_p50_ms"] = round(percentile(values, 0.5) * 1000, 1)
            out[f"{prefix}_server_{kind}_{name}_p95_ms"] = round(percentile(values, 0.95) * 1000, 1)
    for label, table in (("lock_wait", waits), ("lock_hold", holds)):
        for kind, values in sorted(table.items()):
            out[f"{prefix}_{label}_{kind}_count"] = len(values)
            out[f"{prefix}_{label}_{kind}_p95_ms"] = round(percentile(values, 0.95) * 1000, 1)
            out[f"{prefix}_{label}_{kind}_max_ms"] = round(max(values) * 1000, 1)
            out[f"{prefix}_{label}_{kind}_total_s"] = round(sum(values), 2)
    return out


def figures(prefix, recorder, seconds, check, extra):
    out = {}
    total = 0
    for kind, samples in sorted(recorder.samples.items()):
        total += len(samples)
        out[f"{prefix}_{kind}_count"] = len(samples)
        for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            out[f"{prefix}_{kind}_{name}_ms"] = round(percentile(samples, share) * 1000, 1)
    public = [
        s
        for kind, samples in recorder.samples.items()
        if kind.startswith("public")
        for s in samples
    ]
    if public:
        for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            out[f"{prefix}_public_{name}_ms"] = round(percentile(public, share) * 1000, 1)
    out[f"{prefix}_rps"] = round(total / seconds, 1)
    out[f"{prefix}_errors"] = sum(recorder.errors.values())
    for kind, count in sorted(recorder.errors.items()):
        out[f"{prefix}_{kind}_errors"] = count
    out[f"{prefix}_lost"] = check["lost"]
    out[f"{prefix}_duplicated"] = check["duplicated"]
    out[f"{prefix}_answers_sent"] = check["answers_sent"]
    out[f"{prefix}_photos_sent"] = check["photos_sent"]
    out.update({f"{prefix}_{k}": v for k, v in extra.items()})
    return out


def run(args, log):
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    try:
        database_url = os.environ.get("DATABASE_URL", "")
        if args.sqlite or not database_url.startswith(("postgres", "postgresql")):
            database_url = f"sqlite:///{workdir}/load.sqlite3"
        prefix = "load_sqlite" if database_url.startswith("sqlite") else "load_pg"
        env = server_env(database_url, workdir, args.conn_max_age)
        os.environ.update(
            {
                k: env[k]
                for k in (
                    "DATABASE_URL",
                    "VAR_DIR",
                    "EVIDENCE_ROOT",
                    "DOCUMENTS_ROOT",
                    "DJANGO_LOG_LEVEL",
                    "EMAIL_BACKEND",
                )
            }
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.db import connection

        logging.getLogger("axes").setLevel(logging.WARNING)
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        source = build_data(log, args.data) if args.data != "none" else "none"
        plans, public = setup_inspectors(args.inspectors)
        log(f"{prefix}: data ready in {time.perf_counter() - start:.0f} s ({source})")
        connection.close()

        from benchmarks.photo_bench import phone_photo

        photo = phone_photo()
        port = free_port()
        if args.probe:
            env["LOAD_PROBE_DIR"] = str(workdir / "probe")
            (workdir / "probe").mkdir()
        server = start_gunicorn(env, port, args.workers, workdir / "gunicorn.log", args.probe)
        try:
            recorder = Recorder()
            inspectors = [
                Inspector(HttpSession(port), plan, photo, recorder, args.think, seed=n)
                for n, plan in enumerate(plans)
            ]
            readers = [
                Reader(HttpSession(port), public, recorder, args.reader_think, seed=1000 + n)
                for n in range(args.readers)
            ]
            # Log in before the clock starts (a password hash is deliberately slow).
            recorder.recording = False
            for inspector in inspectors:
                inspector.login()
            recorder.recording = True
            load_before = os.getloadavg()
            until = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=inspector.run, args=(until,)) for inspector in inspectors
            ] + [threading.Thread(target=reader.run, args=(until,)) for reader in readers]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
            load_after = os.getloadavg()
        finally:
            stop_gunicorn(server)
        check = check_exactly_once([inspector.ledger() for inspector in inspectors])
        extra = {
            "seconds": round(elapsed, 1),
            "inspectors": len(inspectors),
            "readers": len(readers),
            "workers": args.workers,
            "think_s": args.think,
            "reader_think_s": args.reader_think,
            "conn_max_age": args.conn_max_age,
            "loadavg_1m_before": round(load_before[0], 2),
            "loadavg_1m_after": round(load_after[0], 2),
            "data": source,
        }
        if args.probe:
            extra_probe = summarize_probe(prefix, workdir / "probe")
        result = figures(prefix, recorder, elapsed, check, extra)
        return {**result, **extra_probe} if args.probe else result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="a throwaway SQLite file")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--inspectors", type=int, default=INSPECTORS)
    parser.add_argument("--readers", type=int, default=READERS)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--think", type=float, default=2.0, help="inspector's mean pause between answers, s"
    )
    parser.add_argument(
        "--reader-think", type=float, default=5.0, help="reader's mean pause between pages, s"
    )
    parser.add_argument("--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE")
    parser.add_argument(
        "--probe", action="store_true", help="time the server side too (benchmarks/load_probe.py)"
    )
    parser.add_argument(
        "--data",
        choices=("M", "S", "demo", "none"),
        default="M",
        help="base data set: scale_build's size (default M), the demo county, or none",
    )
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    print(json.dumps(run(args, log), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
