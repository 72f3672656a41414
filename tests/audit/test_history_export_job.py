"""The auditor's history CSV as a background job once it is longer than a request
should write (``EXPORT_INLINE_ROWS``): offered on a GET (never queued by one), queued by
a POST to reports' job request, written by the export worker with progress, the same
lines as the download, the changes recorded until it was asked for, for its requester
only and only while they read every region it covers; a failure says so."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit import exports, views
from core.models import CalendarDay, Notification
from registry import services
from reports.models import ExportJob

CSV_URL = reverse("audit:history_csv")
REQUEST = reverse("reports_staff:export_request", args=["audit_history"])


@pytest.fixture
def changes(world, lead):
    """Three recorded changes of the lead's, in the auditor's county."""
    for beds in (131, 132, 133):
        services.facility_save(facility=world["facility"], values={"beds": beds}, by=lead)


@pytest.fixture
def large(settings):
    settings.EXPORT_INLINE_ROWS = 2


def run_worker():
    call_command("export_worker", "--once", stdout=io.StringIO())


def downloaded(response):
    return b"".join(response.streaming_content)


def test_a_long_history_csv_is_offered_as_a_job_and_a_get_queues_nothing(
    changes, auditor, as_user, large
):
    page = as_user(auditor).get(CSV_URL, {"user": "lead"})
    assert page.status_code == 200
    assert not page.streaming
    body = page.content.decode()
    assert f'action="{REQUEST}"' in body and 'method="post"' in body
    assert '<input type="hidden" name="user" value="lead">' in body
    assert not ExportJob.objects.exists()


def test_the_limit_counts_the_changes_of_no_region_and_no_other_countys(
    world, lead, auditor, as_user, settings
):
    """The county's own changes are counted first; when they are not enough, the
    calendar's (of no region, read by every auditor) count too, another county's not."""
    settings.EXPORT_INLINE_ROWS = 2
    client = as_user(auditor)
    mine = {"user": "lead"}
    services.facility_save(facility=world["facility"], values={"beds": 131}, by=lead)
    for beds in (31, 32, 33):
        services.facility_save(facility=world["far_facility"], values={"beds": beds}, by=lead)
    assert downloaded(client.get(CSV_URL, mine)).decode().count("\n") == 1 + 1  # header, one
    for day in (date(2026, 12, 8), date(2026, 12, 9)):
        services.calendar_set_day(day=day, kind=CalendarDay.Kind.HOLIDAY, by=lead)
    page = client.get(CSV_URL, mine)
    assert not page.streaming and f'action="{REQUEST}"' in page.content.decode()
    settings.EXPORT_INLINE_ROWS = 3
    assert downloaded(client.get(CSV_URL, mine)).decode().count("\n") == 1 + 3


def test_the_job_writes_the_lines_the_download_would_have(
    world, changes, lead, auditor, as_user, large, settings
):
    client = as_user(auditor)
    settings.EXPORT_INLINE_ROWS = 1000
    inline = downloaded(client.get(CSV_URL, {"user": "lead"}))
    settings.EXPORT_INLINE_ROWS = 2
    response = client.post(REQUEST, {"user": "lead"})
    job = ExportJob.objects.get(requested_by=auditor)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.kind == "audit_history" and job.status == ExportJob.Status.QUEUED
    # A change recorded after the request is not in the file.
    services.facility_save(facility=world["facility"], values={"beds": 9}, by=lead)
    run_worker()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows_total == job.rows_done == 3
    file = client.get(reverse("reports_staff:export_job_download", args=[job.pk]))
    assert file.status_code == 200
    assert file["Content-Type"] == "text/csv; charset=utf-8"
    assert file["Content-Disposition"].startswith('attachment; filename="audit_history-')
    assert b"".join(file.streaming_content) == inline
    message = Notification.objects.get(user=auditor, url=job.get_absolute_url())
    assert "Change history" in message.text


def test_progress_is_stamped_as_the_lines_are_written(
    changes, auditor, as_user, large, monkeypatch
):
    as_user(auditor).post(REQUEST, {"user": "lead"})
    monkeypatch.setattr(views, "CSV_BATCH", 1)
    seen = []
    real = views.csv_lines

    def watched(rows, progress=None):
        return real(rows, progress=lambda n: (seen.append(n), progress(n)))

    monkeypatch.setattr(exports, "csv_lines", watched)
    run_worker()
    job = ExportJob.objects.get()
    assert seen == list(range(1, job.rows_total + 1))
    assert job.rows_done == job.rows_total


def test_bad_filters_queue_no_job_and_say_why(changes, auditor, as_user):
    response = as_user(auditor).post(REQUEST, {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("persona", ["lead", "inspector", "manager"])
def test_other_roles_cannot_ask_for_the_history(request, changes, as_user, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).post(REQUEST, {"user": "lead"})
    assert response.status_code in (403, 404)
    assert not ExportJob.objects.exists()


def test_only_the_requester_sees_the_job_and_only_while_reading_its_regions(
    world, changes, auditor, other_auditor, as_user, large
):
    as_user(auditor).post(REQUEST, {})
    run_worker()
    job = ExportJob.objects.get()
    pages = (job.get_absolute_url(), reverse("reports_staff:export_job_download", args=[job.pk]))
    for url in pages:
        assert as_user(other_auditor).get(url).status_code == 404
    # Moved to the other county: the file of the old one is no longer theirs to take.
    auditor.regions.set([world["other_county"]])
    assert as_user(auditor).get(pages[1]).status_code == 404
    # Their list of exports still names it (the job is theirs; the file is not).
    listed = as_user(auditor).get(reverse("reports_staff:export_jobs")).context["page"]
    assert list(listed.object_list) == [job]


def test_a_job_whose_requester_lost_the_role_fails_with_a_sentence(
    changes, auditor, as_user, large
):
    as_user(auditor).post(REQUEST, {})
    auditor.role = auditor.Role.INSPECTOR
    auditor.save()
    run_worker()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert job.error == "You may no longer read the change history."
    assert not job.file


def test_a_failed_write_keeps_no_file_and_tells_the_requester(
    changes, auditor, as_user, large, monkeypatch
):
    as_user(auditor).post(REQUEST, {})

    def broken(rows, progress=None):
        yield "\ufeffheader\r\n"
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "csv_lines", broken)
    run_worker()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert f"export job {job.pk}" in job.error
    assert not job.file
    assert Notification.objects.filter(user=auditor, url=job.get_absolute_url()).exists()


def test_an_unknown_kind_or_one_asked_for_on_its_own_page_is_not_found(auditor, lead, as_user):
    for user, kind in ((auditor, "nothing"), (lead, "hazards"), (auditor, "hazards")):
        url = reverse("reports_staff:export_request", args=[kind])
        assert as_user(user).post(url, {}).status_code in (403, 404)
    assert as_user(auditor).get(REQUEST).status_code == 405
    assert not ExportJob.objects.exists()
