# ruff: noqa: F811  (the hazards fixture imported from tests.reports.test_hazard_export)
"""Staff exports as background jobs: a small export streams in the response, a large one
is posted as a job that ``export_worker`` writes, with progress, a message when it is
done, access for its requester only, failure, expiry and one worker per job."""

import io
import logging
import os
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from core.models import Notification
from reports import exports, jobs
from reports.models import ExportJob
from tests.locks import waiting_for_a_lock
from tests.reports.test_hazard_export import hazards  # noqa: F401  (fixture)

EXPORT = "/reports/hazards/export/"


def streamed(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def large(settings):
    """Every export of more than one row becomes a job."""
    settings.EXPORT_INLINE_ROWS = 1


def ask(client, fmt="csv", **more):
    return client.post(EXPORT, {"format": fmt, "region": "", "status": "", **more})


def done_job(client, lead, fmt="csv"):
    response = ask(client, fmt)
    job = ExportJob.objects.get(requested_by=lead)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    call_command("export_worker", "--once", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def test_a_small_export_streams_in_the_response(hazards, lead, as_user):
    response = ask(as_user(lead))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="hazards-')
    assert len(streamed(response).decode("utf-8-sig").splitlines()) == 3
    assert not ExportJob.objects.exists()


def test_a_get_never_creates_a_job(hazards, lead, as_user, large):
    page = as_user(lead).get(EXPORT + "?format=csv&region=&status=")
    assert page.status_code == 200
    assert page.context["rows"] == 2
    assert 'method="post"' in page.content.decode()
    assert not ExportJob.objects.exists()


def test_a_large_export_becomes_a_job_the_worker_writes(
    hazards, lead, as_user, large, settings, monkeypatch
):
    client = as_user(lead)
    seen = []
    real = jobs._stamp_progress

    def watched(job, rows_done):
        real(job, rows_done)
        # Committed as it goes: what the job's page reads while the export runs.
        seen.append(ExportJob.objects.values_list("rows_done", "rows_total").get(pk=job.pk))

    monkeypatch.setattr(jobs, "_stamp_progress", watched)
    monkeypatch.setattr(exports, "BATCH", 1)
    response = ask(client)
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("reports_staff:export_job", args=[job.pk])
    assert job.status == ExportJob.Status.QUEUED and job.rows_total == 2
    waiting = client.get(job.get_absolute_url())
    assert waiting["Refresh"] and gettext("Waiting in the queue") in waiting.content.decode()

    call_command("export_worker", "--once", stdout=io.StringIO())

    assert seen[0] == (0, 2) and (1, 2) in seen and seen[-1] == (2, 2)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows_done == 2
    assert job.expires_at == job.finished_at + timedelta(hours=settings.EXPORT_KEEP_HOURS)
    page = client.get(job.get_absolute_url())
    assert "Refresh" not in page
    download = reverse("reports_staff:export_job_download", args=[job.pk])
    assert download in page.content.decode()
    # The same bytes as the same choice downloaded at once.
    settings.EXPORT_INLINE_ROWS = 500
    inline = streamed(ask(client))
    assert b"".join(client.get(download).streaming_content) == inline
    # The requester is told, with the link to the job's page.
    told = Notification.objects.get(user=lead)
    assert told.url == job.get_absolute_url()
    assert "2" in told.text


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_every_format_of_a_job_equals_its_inline_export(hazards, lead, as_user, large, fmt):
    job = done_job(as_user(lead), lead, fmt)
    with job.file.open("rb") as kept:
        data = kept.read()
    if fmt == "json":
        assert data == exports.render(jobs.hazards_chosen(lead, job.parameters), fmt)
    else:
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert list(rows[0]) == exports.COLUMNS and len(rows) == 3


def test_only_the_requester_downloads_a_job(
    hazards, lead, other_lead, manager, admin_user, as_user, client, large, world
):
    job = done_job(as_user(lead), lead)
    download = reverse("reports_staff:export_job_download", args=[job.pk])
    page = job.get_absolute_url()
    for user in (other_lead, admin_user):
        assert as_user(user).get(download).status_code == 404
        assert as_user(user).get(page).status_code == 404
    assert as_user(manager).get(download).status_code == 403
    assert client.get(download).status_code == 302
    assert as_user(lead).get(download).status_code == 200
    # A lead moved to another county loses the file of the old one.
    lead.regions.set([world["other_county"]])
    assert as_user(lead).get(download).status_code == 404


def test_a_failing_export_fails_the_job_with_a_message_and_no_file(
    hazards, lead, as_user, large, monkeypatch, documents_root, caplog
):
    real = exports.row
    calls = []

    def failing(hazard):
        calls.append(hazard.pk)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real(hazard)

    monkeypatch.setattr(exports, "row", failing)
    ask(as_user(lead))
    job = ExportJob.objects.get()
    with caplog.at_level(logging.ERROR, logger="reports.jobs"):
        call_command("export_worker", "--once", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    expected = gettext(
        "The export could not be written. Try again later; if it fails again, "
        "tell the administrator (export job %(id)s)."
    ) % {"id": job.pk}
    assert job.error == expected
    assert "connection lost" in caplog.text and "connection lost" not in job.error
    assert not list((documents_root / "exports").rglob("*.*"))
    assert job.error in as_user(lead).get(job.get_absolute_url()).content.decode()
    told = Notification.objects.get(user=lead)
    assert told.url == job.get_absolute_url()


def test_expiry_removes_the_file_and_the_download_says_so(
    hazards, lead, as_user, large, settings, django_capture_on_commit_callbacks
):
    client = as_user(lead)
    job = done_job(client, lead)
    path = job.file.path
    assert jobs.jobs_expire(now=job.expires_at - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_expire(now=job.expires_at) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED
    assert not os.path.exists(path)
    response = client.get(reverse("reports_staff:export_job_download", args=[job.pk]))
    assert response.status_code == 410
    gone = gettext(
        "This file is no longer kept: export files are removed %(hours)s hours after they "
        "are ready. Ask for the export again."
    ) % {"hours": settings.EXPORT_KEEP_HOURS}
    assert gone in response.content.decode()


def test_a_job_left_running_by_a_stopped_worker_fails(hazards, lead, as_user, large, settings):
    ask(as_user(lead))
    job = jobs.job_claim()
    assert job.status == ExportJob.Status.RUNNING
    assert jobs.job_claim() is None
    later = job.started_at + timedelta(hours=settings.EXPORT_KEEP_HOURS)
    assert jobs.jobs_expire(now=later) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED


def test_a_lead_who_lost_the_role_gets_a_failed_job(hazards, lead, as_user, large):
    ask(as_user(lead))
    lead.role = lead.Role.INSPECTOR
    lead.save()
    call_command("export_worker", "--once", stdout=io.StringIO())
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert job.error == gettext("You may no longer export the hazard register.")


def test_the_job_list_shows_only_ones_own_jobs(hazards, lead, other_lead, as_user, large):
    ask(as_user(lead))
    ask(as_user(other_lead), region="")
    mine = ExportJob.objects.get(requested_by=lead)
    listed = as_user(lead).get(reverse("reports_staff:export_jobs"))
    assert [j.pk for j in listed.context["page"]] == [mine.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_take_the_same_job(world, lead):
    if connection.vendor != "postgresql":
        pytest.skip("row locks that others skip are PostgreSQL's; SQLite runs one writer")
    parameters = {"region": None, "status": "", "format": "csv", "regions": []}
    first, second = (
        jobs.job_request(by=lead, kind=ExportJob.Kind.HAZARDS, parameters=parameters)
        for _ in range(2)
    )
    holding, release = threading.Event(), threading.Event()
    claimed = {}

    def worker_a():
        # Claims inside a transaction held open: its row stays locked meanwhile.
        try:
            with transaction.atomic():
                claimed["a"] = jobs.job_claim()
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    def worker_b():
        try:
            claimed["b"] = jobs.job_claim()
            claimed["c"] = jobs.job_claim()
        finally:
            connection.close()

    a, b = threading.Thread(target=worker_a), threading.Thread(target=worker_b)
    a.start()
    try:
        assert holding.wait(30)
        b.start()
        # B skips A's row, then queues behind A's transaction for the audit chain's head
        # (every recorded change extends one chain): A commits once B waits there.
        waited = waiting_for_a_lock(b)
    finally:
        release.set()
        a.join(30)
        b.join(30)
    # A claim that waited for A's row (no SKIP LOCKED) would be seen here.
    assert not any("FOR UPDATE" in query for query in waited), waited
    assert {claimed["a"].pk, claimed["b"].pk} == {first.pk, second.pk}
    assert claimed["c"] is None
    assert set(ExportJob.objects.values_list("status", flat=True)) == {"running"}


def test_a_file_lost_from_the_storage_reads_as_expired(hazards, lead, as_user, large, settings):
    client = as_user(lead)
    job = done_job(client, lead)
    job.file.storage.delete(job.file.name)
    response = client.get(reverse("reports_staff:export_job_download", args=[job.pk]))
    assert response.status_code == 410
    gone = gettext(
        "This file is no longer kept: export files are removed %(hours)s hours after they "
        "are ready. Ask for the export again."
    ) % {"hours": settings.EXPORT_KEEP_HOURS}
    assert gone in response.content.decode()
