"""PDFs are rendered once for what they show and kept: a published result's public PDF
until its version, withdrawal or live counts change, a staff document (and a plan's
announcements) until its HTML changes; numbers issued on the first download stay."""

import os

import pytest
from django.urls import reverse

from inspections.hazards import services as hazard_services
from inspections.onsite.models import Inspection
from inspections.publication import services as publication_services
from inspections.publication.models import IssuedDocument
from reports import documents
from tests.inspections.test_onsite import jpeg
from tests.reports.test_documents import squashed
from tests.reports.test_public_results import publish


@pytest.fixture
def renders(monkeypatch):
    """The HTML of every PDF rendered during the test."""
    calls = []
    render = documents.html_to_pdf

    def counting(html, photos=(), **options):
        calls.append(html)
        return render(html, photos, **options)

    monkeypatch.setattr(documents, "html_to_pdf", counting)
    return calls


def kept(root, folder):
    path = root / folder
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def test_a_published_result_pdf_is_rendered_once_and_then_served_from_storage(
    client, finished, lead, renders, documents_root
):
    publication = publish(finished, lead, follow_up="限期整改")
    url = reverse("reports:result_pdf", args=[publication.pk])
    downloads = [client.get(url) for _ in range(3)]
    assert [d.status_code for d in downloads] == [200, 200, 200]
    assert len(renders) == 1, "the second and third downloads read the kept file"
    assert downloads[0].content == downloads[1].content == downloads[2].content
    (name,) = kept(documents_root, f"results/{publication.pk}")
    assert name.startswith(f"v{publication.current_id}-")
    assert (documents_root / "results" / str(publication.pk) / name).read_bytes() == (
        downloads[0].content
    )
    assert "限期整改" in squashed(downloads[1].content)


def test_a_corrected_result_gets_a_new_pdf_and_the_old_one_is_dropped(
    client, finished, lead, renders, documents_root
):
    publication = publish(finished, lead, follow_up="第一版跟进说明")
    url = reverse("reports:result_pdf", args=[publication.pk])
    client.get(url)
    publication_services.publication_correct(
        publication=publication, by=lead, reason="跟进说明有误", follow_up="第二版跟进说明"
    )
    publication.refresh_from_db()
    text = squashed(client.get(url).content)
    assert "第二版跟进说明" in text and "第一版跟进说明" not in text
    assert len(renders) == 2
    (name,) = kept(documents_root, f"results/{publication.pk}")
    assert name.startswith(f"v{publication.current_id}-")
    client.get(url)
    assert len(renders) == 2


def test_the_public_pdf_follows_the_live_counts_and_a_withdrawal(
    client, finished, lead, manager, renders
):
    publication = publish(finished, lead)
    url = reverse("reports:result_pdf", args=[publication.pk])
    client.get(url)
    general = finished.hazards.get(item_code="S-01")
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    hazard_services.rectification_submit(
        hazard=general, description="已清理通道", by=manager, uploads=[jpeg()]
    )
    hazard_services.rectification_verify(hazard=general, accept=True, by=lead)
    client.get(url)
    assert len(renders) == 2, "a hazard closed: the counts it prints changed"
    client.get(url)
    assert len(renders) == 2
    publication_services.publication_withdraw(publication=publication, by=lead, reason="对象有误")
    assert "对象有误" in squashed(client.get(url).content)
    assert len(renders) == 3


def test_a_staff_document_is_rendered_again_only_when_what_it_shows_changes(
    finished, lead, inspector, renders, documents_root
):
    once = documents.inspection_document(finished, "record", by=inspector)
    again = documents.inspection_document(finished, "record", by=lead)
    assert len(renders) == 1
    assert again.pdf == once.pdf and again.number == once.number
    assert IssuedDocument.objects.filter(inspection=finished, kind="record").count() == 1
    # Published: its QR code now leads to the public page, so the document changed.
    publish(finished, lead)
    record = Inspection.objects.get(pk=finished.pk)
    changed = documents.inspection_document(record, "record", by=lead)
    assert len(renders) == 2
    assert changed.number == once.number and changed.pdf != once.pdf
    assert len(kept(documents_root, f"inspections/{finished.pk}/record")) == 1
    documents.inspection_document(record, "record", by=inspector)
    assert len(renders) == 2


def test_staff_downloads_read_the_kept_document(finished, lead, as_user, renders):
    url = reverse("reports_staff:inspection_document", args=[finished.pk, "record"])
    client = as_user(lead)
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and len(renders) == 1
    assert second["Cache-Control"] == "private, no-store"


def test_a_plans_announcement_is_kept_for_staff_and_public_alike(
    drawn, lead, as_user, client, renders
):
    staff = as_user(lead).get(reverse("reports_staff:plan_document", args=[drawn.plan.pk, "plan"]))
    public = client.get(reverse("reports:plan_announcement_pdf", args=[drawn.plan.pk]))
    assert staff.status_code == public.status_code == 200
    assert staff.content == public.content
    assert len(renders) == 1


def test_a_document_the_storage_cannot_keep_is_still_served(
    finished, inspector, renders, monkeypatch, documents_root
):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    rendered = documents.inspection_document(finished, "record", by=inspector)
    assert rendered.pdf.startswith(b"%PDF-")
    assert kept(documents_root, f"inspections/{finished.pk}/record") == [], "nothing half-written"
    documents.inspection_document(finished, "record", by=inspector)
    assert len(renders) == 2
