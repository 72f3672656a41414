"""What the phone's outbox costs the server (see run.py for the figures).

Registered as "offline" in ``benchmarks/run.py`` (``--only offline``): 200 answers
replayed one by one with client ids against the same answers saved online, and a
12-megapixel photo sent in chunks against the same photo in one request: in the chunks
the phone sends on a good link (256 KiB, then each twice the last, at most 4 MiB) and,
for information, on a slow one (256 KiB throughout). Both as the phone sends them, and
timed as the server spends them: the whole handling of each request (middleware,
session, access checks, services, JSON), without the test client's own work of
building requests and reading responses.
"""

import hashlib
import json
import time
import uuid

ANSWERS = 200
CHUNK_MIN = 256 * 1024  # static/js/outbox.js: the first chunk, and every chunk on a slow link
CHUNK_MAX = 4 * 1024 * 1024  # the largest the phone sends (and the server takes)


def chunk_ranges(size, fast):
    """The (start, end) byte ranges the phone sends: on a good link each chunk is twice
    the last, up to the largest."""
    ranges, start, chunk = [], 0, CHUNK_MIN
    while start < size:
        end = min(start + chunk, size)
        ranges.append((start, end))
        start = end
        if fast:
            chunk = min(2 * chunk, CHUNK_MAX)
    return ranges


class ServerClock:
    """Adds up the time the client's handler spends answering requests."""

    def __init__(self, client):
        self.spent = 0.0
        handle = client.handler.get_response

        def timed(request):
            start = time.perf_counter()
            try:
                return handle(request)
            finally:
                self.spent += time.perf_counter() - start

        client.handler.get_response = timed

    def best_of(self, runs, function):
        """The least server time of ``runs`` calls of ``function``, in seconds."""
        best = float("inf")
        for _ in range(runs):
            self.spent = 0.0
            function()
            best = min(best, self.spent)
        return best


def _setup(tag="ob", number=1):
    """A county facility, two inspectors and a published 200-item checklist; ``tag`` and
    ``number`` keep the names apart when another benchmark builds its own in the same
    database (benchmarks/answer_bench.py)."""
    from checklists import services as checklist_services
    from registry.creditcode import check_character
    from registry.models import Department, Facility, InspectorProfile, Region, User

    county, _created = Region.objects.get_or_create(code="430621", defaults={"name": "岳阳县"})
    department, _created = Department.objects.get_or_create(
        name="民政局", defaults={"code": "js", "kind": "civil_affairs"}
    )
    lead = User.objects.create_user(username=f"{tag}-lead", role="lead")
    lead.regions.set([county])
    body = f"52430621MJ{number:07d}"
    facility = Facility.objects.create(
        name="岳阳县福寿养老院",
        credit_code=body + check_character(body),
        type="care_home",
        address="岳阳县",
        region=county,
        beds=60,
    )
    team = []
    for n in range(2):
        user = User.objects.create_user(username=f"{tag}-i{n}", role="inspector", full_name="李喆")
        user.regions.set([county])
        team.append(
            InspectorProfile.objects.create(
                user=user,
                department=department,
                region=county,
                credential_no=f"{tag.upper()}{n:04d}",
            )
        )
    template = checklist_services.template_create(
        code=f"bench-{tag}", title="离线检查表", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    sections = [
        checklist_services.section_save(version=version, values={"title": f"第{s + 1}部分"})
        for s in range(10)
    ]
    for n in range(ANSWERS):
        checklist_services.item_save(
            section=sections[n % 10],
            values={
                "code": f"O-{n:03d}",
                "question": f"第{n}项：安全出口是否畅通？",
                "legal_basis": "《养老机构消防安全管理规定》",
            },
        )
    checklist_services.version_publish(version=version)
    return facility, team, template, lead


def _started(facility, team, template, lead):
    from inspections.onsite import services

    inspection = services.case_open(
        facility=facility, complaint="基准", inspectors=team, templates=[template], by=lead
    )
    return services.inspection_start(inspection=inspection, by=team[0].user)


def bench_offline(runs):
    """``online_answers_ms`` and ``offline_replay_ms``: 200 answers posted one by one,
    without and with client ids; ``offline_replay_ratio`` is replay / online.
    ``photo_one_request_ms`` and ``photo_chunked_ms``: a 12-megapixel photo in one
    request and in the chunks the phone sends on a good link; ``photo_chunked_ratio``
    is chunked / one request. ``photo_chunked_slow_ms`` and ``_ratio``: the same in
    256 KiB chunks throughout, as on a slow link (for information)."""
    import logging

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from benchmarks.photo_bench import phone_photo

    logging.getLogger("axes").setLevel(logging.WARNING)
    facility, team, template, lead = _setup()
    inspector = team[0].user
    client = Client(HTTP_HOST="localhost")
    client.force_login(inspector)
    clock = ServerClock(client)
    keys = [
        f"i{pk}" for pk in template.versions.get().items.order_by("pk").values_list("pk", flat=True)
    ]

    def answers():
        """Server seconds of the answers saved online and replayed, (online, replay):
        each answer is posted online to one fresh inspection and then replayed to
        another, so that the machine's drift falls on both alike."""
        urls = [
            f"/inspections/inspections/{_started(facility, team, template, lead).pk}/answer/"
            for _kind in ("online", "replay")
        ]
        spent = [0.0, 0.0]
        for n, key in enumerate(keys):
            data = {"key": key, "value": "fail" if n % 10 == 0 else "pass", "revision": 0}
            for kind, url in enumerate(urls):
                extra = {"HTTP_X_CLIENT_ID": str(uuid.uuid4())} if kind else {}
                clock.spent = 0.0
                response = client.post(url, data, HTTP_ACCEPT="application/json", **extra)
                spent[kind] += clock.spent
                assert response.status_code == 200, response.content
        return spent

    online_s = replay_s = float("inf")
    for _ in range(max(runs, 3)):
        online, replay = answers()
        online_s, replay_s = min(online_s, online), min(replay_s, replay)

    data = phone_photo()
    digest = hashlib.sha256(data).hexdigest()
    inspection = _started(facility, team, template, lead)
    key = keys[0]
    client.post(
        f"/inspections/inspections/{inspection.pk}/answer/",
        {"key": key, "value": "pass", "revision": 0},
        HTTP_ACCEPT="application/json",
    )

    def one_request():
        response = client.post(
            f"/inspections/inspections/{inspection.pk}/photo/",
            {"key": key, "photo": SimpleUploadedFile("p.jpg", data, content_type="image/jpeg")},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200, response.content

    def chunked(fast):
        client_id = str(uuid.uuid4())
        opened = client.post(
            f"/inspections/inspections/{inspection.pk}/uploads/",
            json.dumps(
                {
                    "client_id": client_id,
                    "key": key,
                    "purpose": "evidence",
                    "size": len(data),
                    "sha256": digest,
                    "name": "p.jpg",
                    "content_type": "image/jpeg",
                }
            ),
            content_type="application/json",
            HTTP_ACCEPT="application/json",
        )
        assert opened.status_code == 201, opened.content
        for start, end in chunk_ranges(len(data), fast):
            chunk = data[start:end]
            response = client.put(
                f"/inspections/uploads/{client_id}/",
                chunk,
                content_type="application/octet-stream",
                headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"},
                HTTP_ACCEPT="application/json",
            )
            assert response.status_code in (200, 201), response.content
        assert response.status_code == 201

    one_request()  # warm up: font loading, plugin imports
    one_s = chunked_s = slow_s = float("inf")
    for _ in range(max(runs, 5)):
        one_s = min(one_s, clock.best_of(1, one_request))
        chunked_s = min(chunked_s, clock.best_of(1, lambda: chunked(True)))
        slow_s = min(slow_s, clock.best_of(1, lambda: chunked(False)))
    return {
        "online_answers_ms": round(online_s * 1000, 1),
        "offline_replay_ms": round(replay_s * 1000, 1),
        "offline_replay_ratio": round(replay_s / online_s, 2),
        "photo_one_request_ms": round(one_s * 1000, 1),
        "photo_chunked_ms": round(chunked_s * 1000, 1),
        "photo_chunked_ratio": round(chunked_s / one_s, 2),
        "photo_chunked_bytes": len(data),
        "photo_chunked_slow_ms": round(slow_s * 1000, 1),
        "photo_chunked_slow_ratio": round(slow_s / one_s, 2),
    }
