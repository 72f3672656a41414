"""The public copy of everything (pages, PDFs, open data) names no inspector and no
complainant; the public PDF prints photos from their public copy (time and facility),
never from the staff preview stamped with the uploader's name."""

import io

from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image, ImageStat

from registry.models import User
from tests.reports.test_documents import embedded_images, squashed
from tests.reports.test_public_results import body, publish

COMPLAINT = "群众来电反映夜间疏散通道堆放杂物。"


def blue_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 40, 220)).save(out, "JPEG")
    return out.getvalue()


def test_the_public_pdf_prints_photos_from_their_public_copy(client, finished, lead):
    chosen = finished.photos.order_by("pk").first()
    publication = publish(finished, lead, photos=[chosen], no_person_confirmed=True)
    # Mark the public copy: blue, where the staff preview (of a red photo) is red.
    storage = chosen.preview.storage
    storage.delete(chosen.public_name)
    storage.save(chosen.public_name, ContentFile(blue_jpeg()))

    pdf = client.get(reverse("reports:result_pdf", args=[publication.pk])).content
    coloured = []
    for image in embedded_images(pdf):
        red, green, blue = ImageStat.Stat(image.image.convert("RGB")).mean
        if max(red, green, blue) - min(red, green, blue) > 40:  # not the black-and-white QR
            coloured.append((red, blue))
    assert coloured, "the chosen photo is printed"
    assert all(blue > 150 and red < 100 for red, blue in coloured), coloured
    text = squashed(pdf)
    for member in finished.team.select_related("inspector__user"):
        assert member.inspector.user.display_name not in text


def test_a_photo_without_its_public_copy_is_left_out_of_the_public_pdf(client, finished, lead):
    chosen = finished.photos.order_by("pk").first()
    publication = publish(finished, lead, photos=[chosen], no_person_confirmed=True)
    chosen.preview.storage.delete(chosen.public_name)
    response = client.get(reverse("reports:result_pdf", args=[publication.pk]))
    assert response.status_code == 200
    # The QR code only: the staff preview is never the fallback.
    assert len({image.data for image in embedded_images(response.content)}) == 1


def test_nothing_public_names_an_inspector_or_the_complainant(client, finished, lead, drawn):
    assert finished.source_note == COMPLAINT
    chosen = finished.photos.order_by("pk").first()
    publication = publish(
        finished, lead, follow_up="责令限期整改", photos=[chosen], no_person_confirmed=True
    )
    plan = drawn.plan
    pages = [
        reverse("reports:index"),
        reverse("reports:plan_list"),
        reverse("reports:plan_detail", args=[plan.pk]),
        reverse("reports:draw_list_json"),
        reverse("reports:draw_json", args=[drawn.pk]),
        reverse("reports:result_list"),
        reverse("reports:result_detail", args=[publication.pk]),
        reverse("reports:result_version", args=[publication.pk, 1]),
        reverse("reports:facility_detail", args=[finished.facility_id]),
        reverse("reports:results_csv"),
        reverse("reports:results_json"),
    ]
    pdfs = [
        reverse("reports:result_pdf", args=[publication.pk]),
        reverse("reports:plan_announcement_pdf", args=[plan.pk]),
        reverse("reports:plan_results_pdf", args=[plan.pk]),
    ]
    texts = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = body(response).decode()
    for url in pdfs:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = squashed(response.content)
    # The checks below can fail: the draw's teams and the result are on these pages.
    drawn_codes = {code for row in drawn.assignments for code in row["inspectors"]}
    assert any(code in texts[pages[2]] for code in drawn_codes)
    assert "责令限期整改" in texts[pdfs[0]]

    names = list(User.objects.filter(role=User.Role.INSPECTOR).values_list("full_name", flat=True))
    assert len(names) >= 8
    for url, text in texts.items():
        for name in names:
            assert name not in text, f"{name} at {url}"
        assert COMPLAINT not in text, f"the complaint at {url}"
        assert "疏散通道堆放杂物" not in text, f"the complaint at {url}"
