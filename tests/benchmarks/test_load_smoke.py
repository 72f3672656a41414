"""The load benchmark's core in-process: its inspectors and readers drive the real
views through the test client (no gunicorn), and its exactly-once check can fail."""

import pytest
from django.test import Client

from benchmarks import load
from benchmarks.photo_bench import phone_photo
from inspections.onsite import services
from inspections.onsite.models import Answer, Inspection
from registry.models import User


class ClientSession:
    """``HttpSession``'s interface over Django's test client, CSRF checks on."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")

    def request(self, method, path, body=None, headers=None):
        headers = {k: v for k, v in (headers or {}).items() if k != "Host"}
        content_type = headers.pop("Content-Type", "application/octet-stream")
        if isinstance(body, str):
            body = body.encode()
        response = self.client.generic(
            method, path, data=body or b"", content_type=content_type, headers=headers
        )
        return response.status_code, b"".join(response) if response.streaming else response.content

    def cookie(self, name):
        morsel = self.client.cookies.get(name)
        return morsel.value if morsel else ""

    @property
    def cookies(self):
        return {name: morsel.value for name, morsel in self.client.cookies.items()}


@pytest.fixture
def prepared(db):
    return load.setup_inspectors(count=2, items=12, published=1, tag="smoke")


def test_inspectors_and_readers_store_everything_exactly_once(prepared):
    plans, public = prepared
    recorder = load.Recorder()
    photo = phone_photo(size=(800, 600))
    inspector = load.Inspector(ClientSession(), plans[0], photo, recorder)
    inspector.login()
    inspector.open_checklist()
    for _ in range(load.PHOTO_EVERY + 3):  # one photo, and one key saved twice
        inspector.step()
    reader = load.Reader(ClientSession(), public, recorder, seed=3)
    for _ in range(12):
        reader.step()

    assert recorder.errors == {}
    assert {"login", "checklist", "answer", "photo", "photo_request"} <= set(recorder.samples)
    assert any(kind.startswith("public") for kind in recorder.samples)
    ledger = inspector.ledger()
    check = load.check_exactly_once([ledger])
    assert check == {
        "answers_sent": load.PHOTO_EVERY + 3,
        "photos_sent": 1,
        "lost": 0,
        "duplicated": 0,
    }
    # The checklist has 12 items: the 13th step saved the first key again.
    first = plans[0]["keys"][0]
    assert len(ledger["answers"][first]) == 2
    assert (
        Answer.objects.get(inspection_id=plans[0]["inspection"], item_id=int(first[1:])).revision
        == 2
    )


def test_the_check_catches_a_duplicate_and_a_loss(prepared):
    plans, _public = prepared
    recorder = load.Recorder()
    inspector = load.Inspector(ClientSession(), plans[0], b"", recorder)
    inspector.login()
    for _ in range(3):
        inspector.step()
    ledger = inspector.ledger()
    assert load.check_exactly_once([ledger])["duplicated"] == 0

    # The same answer stored a second time (as a retry without its client id would).
    key = plans[0]["keys"][1]
    services.answer_save(
        inspection=Inspection.objects.get(pk=plans[0]["inspection"]),
        key=key,
        value="pass",
        base_revision=1,
        by=User.objects.get(pk=plans[0]["user"]),
    )
    assert load.check_exactly_once([ledger])["duplicated"] == 1

    # An answer sent whose response and row never came.
    ledger["answers"][plans[0]["keys"][5]] = ["00000000-0000-4000-8000-000000000000"]
    check = load.check_exactly_once([ledger])
    assert (check["lost"], check["duplicated"]) == (1, 1)


def test_percentiles():
    assert load.percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert load.percentile(list(range(1, 101)), 0.95) == 95
    assert load.percentile([], 0.5) is None
