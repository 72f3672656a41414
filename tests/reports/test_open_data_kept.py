"""The whole open-data register is kept as a file once built (reports/opendata.py):
later downloads read the file, not the rows, and any change to what the rows show
(a publication, a correction, a withdrawal, a hazard's status) gives the next reader
the new rows at once. Filtered downloads are built live."""

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audited import save_with_history
from inspections.hazards.models import Hazard
from inspections.publication import services as publication_services
from reports import opendata
from tests.reports import test_open_data_export as golden

pytestmark = pytest.mark.django_db

# The five results of the golden-file tests, and their download helper.
results = golden.results
team = golden.team
body = golden.body

URLS = ["/public/results.csv", "/public/results.json"]


def kept_files(documents_root):
    folder = documents_root / "opendata"
    return (
        sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if folder.exists()
        else []
    )


def rows(data):
    return list(csv.DictReader(io.StringIO(data.decode().lstrip("\ufeff"))))


@pytest.mark.parametrize("url", URLS)
def test_a_second_download_reads_the_kept_file_not_the_rows(client, results, url, documents_root):
    first = body(client.get(url))
    suffix = url.rpartition(".")[2]
    (name,) = kept_files(documents_root)
    assert name.endswith(f".{suffix}")
    with CaptureQueriesContext(connection) as captured:
        again = body(client.get(url))
    assert again == first
    # The stamp's three maxima; no publication, version or hazard row is read.
    assert len(captured) == 3
    assert all("MAX(" in q["sql"] for q in captured)


def test_a_withdrawal_shows_at_once_and_the_old_file_is_dropped(
    client, results, lead, documents_root
):
    before = rows(body(client.get("/public/results.csv")))
    (old,) = kept_files(documents_root)
    target = results[0]
    assert {r["status"] for r in before if r["publication_id"] == str(target.pk)} == {"published"}
    publication_services.publication_withdraw(publication=target, by=lead, reason="对象有误")
    after = rows(body(client.get("/public/results.csv")))
    (row,) = [r for r in after if r["publication_id"] == str(target.pk)]
    assert row["status"] == "withdrawn"
    assert row["follow_up"] == ""
    (new,) = kept_files(documents_root)
    assert new != old


def test_a_hazard_closed_changes_the_counts_at_once(client, results, lead):
    def counts():
        data = rows(body(client.get("/public/results.csv")))
        (row,) = [r for r in data if r["publication_id"] == str(results[0].pk)]
        return row["general_open"], row["general_closed"], row["major_open"], row["major_closed"]

    before = counts()
    hazard = Hazard.objects.filter(inspection=results[0].inspection).order_by("pk").first()
    was_major = hazard.severity == Hazard.Severity.MAJOR
    hazard.status = Hazard.Status.CLOSED
    save_with_history(hazard, by=lead)
    after = counts()
    column = 2 if was_major else 0
    assert int(after[column]) == int(before[column]) - 1
    assert int(after[column + 1]) == int(before[column + 1]) + 1


def test_a_filtered_download_is_built_live_and_kept_nowhere(client, results, documents_root):
    data = body(client.get("/public/results.csv", {"region": "430602"}))
    assert len(rows(data)) == len(rows(body(client.get("/public/results.csv"))))
    assert kept_files(documents_root) == [
        "results-" + opendata.stamp("csv", "http://testserver") + ".csv"
    ]


def test_the_etag_answers_not_modified_until_something_changes(client, results, lead):
    first = client.get("/public/results.csv")
    etag = first["ETag"]
    body(first)
    again = client.get("/public/results.csv", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    publication_services.publication_withdraw(publication=results[1], by=lead, reason="对象有误")
    changed = client.get("/public/results.csv", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    body(changed)


def test_while_another_request_builds_it_the_download_waits_for_its_file(
    client, results, documents_root, monkeypatch
):
    built = body(client.get("/public/results.json"))
    (name,) = kept_files(documents_root)
    kept = (documents_root / "opendata" / name).read_bytes()
    (documents_root / "opendata" / name).unlink()
    cache.add(f"opendata-build:opendata/{name}", 1)
    waits = []

    def builder_done(seconds):
        # The other request's build lands while this one waits.
        waits.append(seconds)
        if len(waits) == 2:
            (documents_root / "opendata" / name).write_bytes(kept)

    monkeypatch.setattr(opendata.time, "sleep", builder_done)
    response = client.get("/public/results.json")
    assert response["ETag"]
    assert body(response) == built
    assert len(waits) == 2


def test_when_the_builder_takes_too_long_the_rows_are_sent_live(
    client, results, documents_root, monkeypatch
):
    monkeypatch.setattr(opendata, "WAIT_SECONDS", 0.01)
    monkeypatch.setattr(opendata, "WAIT_STEP_SECONDS", 0.001)
    digest = opendata.stamp("json", "http://testserver")
    cache.add(f"opendata-build:opendata/results-{digest}.json", 1)
    live = body(client.get("/public/results.json"))
    assert kept_files(documents_root) == []
    cache.clear()
    assert body(client.get("/public/results.json")) == live
    assert kept_files(documents_root) == [f"results-{digest}.json"]


def test_each_site_address_has_its_own_file(client, results, documents_root, settings):
    settings.ALLOWED_HOSTS = ["testserver", "open.example.org"]
    ours = rows(body(client.get("/public/results.csv")))
    theirs = rows(body(client.get("/public/results.csv", HTTP_HOST="open.example.org")))
    assert ours[0]["url"].startswith("http://testserver/")
    assert theirs[0]["url"].startswith("http://open.example.org/")
    assert len(kept_files(documents_root)) == 1  # the other address's file replaced it
