"""Photos that cost or claim too much (issue 14, findings 8 and 11): a rectification
takes at most ten photos and checks every header before decoding any; the time a
camera claims is kept as its claim, flagged when it cannot be right, and never
stamped: the server's receive time is the photo's time."""

import io
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard, Rectification
from inspections.onsite import photos
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Photo
from inspections.publication import services as publications

from .conftest import item_key
from .test_photos import png_header

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 19:21 in Shanghai, 11:21 UTC.
NOW = datetime(2026, 11, 30, 19, 21, 31, tzinfo=SHANGHAI)
YEAR_2099 = datetime(2099, 1, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def jpeg(camera_time=None, name="after.jpg"):
    """A small JPEG whose EXIF claims ``camera_time`` (as a phone writes it: local
    wall time, no offset)."""
    exif = Image.Exif()
    if camera_time is not None:
        exif.get_ifd(0x8769)[36867] = camera_time.strftime("%Y:%m:%d %H:%M:%S")
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 160, 60)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


@pytest.fixture
def rectifying(finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


def submit(hazard, manager, uploads):
    return hazard_services.rectification_submit(
        hazard=hazard, description="已清理通道杂物", uploads=uploads, by=manager
    )


@pytest.fixture
def stamps(monkeypatch):
    """The stamp lines of every photo processed."""
    seen = []
    process = photos.process

    def spy(data, *, stamp_lines):
        seen.append(stamp_lines)
        return process(data, stamp_lines=stamp_lines)

    monkeypatch.setattr(photos, "process", spy)
    return seen


# ---------------------------------------------------------------- finding 8


def test_it_refuses_eleven_photos_in_one_rectification(rectifying, manager, monkeypatch):
    monkeypatch.setattr(photos, "read_upload", mock.Mock(side_effect=AssertionError("read")))

    with pytest.raises(
        ValidationError, match=r"^\['Send at most 10 photos with one rectification, not 11.'\]$"
    ):
        submit(rectifying, manager, [jpeg() for _ in range(11)])

    rectifying.refresh_from_db()
    assert rectifying.status == Hazard.Status.RECTIFYING
    assert not Rectification.objects.exists()


def test_ten_photos_make_one_rectification(rectifying, manager):
    rectification = submit(rectifying, manager, [jpeg() for _ in range(10)])

    assert rectification.photos.count() == 10


def test_a_bad_tenth_photo_refuses_the_submission_before_any_photo_is_decoded(
    rectifying, manager, monkeypatch, evidence_root
):
    decode = mock.Mock(side_effect=AssertionError("a photo was decoded"))
    monkeypatch.setattr(photos, "_decode", decode)
    # Nine good photos, then 49 megapixels of 16-bit grey: within the pixel limit,
    # too large once decoded.
    uploads = [jpeg() for _ in range(9)]
    uploads.append(SimpleUploadedFile("scan.png", png_header(7000, 7000, 16, 0), "image/png"))

    with pytest.raises(
        photos.PhotoRefused,
        match=r"Photo 10: This photo \(7000 × 7000 pixels\) would need more than 256 MB",
    ):
        submit(rectifying, manager, uploads)

    decode.assert_not_called()
    assert not Rectification.objects.exists()
    assert not (evidence_root / f"h{rectifying.pk}").exists()


def test_the_rectify_form_refuses_eleven_photos_with_a_message(
    rectifying, manager, as_user, monkeypatch
):
    submit_service = mock.Mock()
    monkeypatch.setattr(hazard_services, "rectification_submit", submit_service)

    response = as_user(manager).post(
        reverse("inspections:hazard_rectify", args=[rectifying.pk]),
        {"description": "已清理通道杂物", "photos": [jpeg() for _ in range(11)]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "Send at most 10 photos with one rectification, not 11." in response.content.decode()
    submit_service.assert_not_called()


def test_the_rectify_form_says_how_many_photos_it_takes(rectifying, manager, as_user):
    response = as_user(manager).get(
        reverse("inspections:hazard_detail", args=[rectifying.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "At most 10 photos." in response.content.decode()


# ---------------------------------------------------------------- finding 11


def test_a_photo_dated_2099_keeps_its_claim_is_flagged_and_is_stamped_with_the_server_time(
    rectifying, manager, stamps
):
    with time_machine.travel(NOW, tick=False):
        rectification = submit(rectifying, manager, [jpeg(YEAR_2099)])

    photo = rectification.photos.get()
    assert photo.camera_time == YEAR_2099
    assert photo.camera_time_doubtful
    assert photo.uploaded_at == NOW
    assert stamps == [["2026-11-30 19:21", rectifying.facility.name, mock.ANY]]


def test_a_photo_taken_an_hour_before_it_is_sent_is_not_flagged(rectifying, manager):
    with time_machine.travel(NOW, tick=False):
        rectification = submit(rectifying, manager, [jpeg(NOW - timedelta(hours=1))])

    photo = rectification.photos.get()
    assert photo.camera_time == NOW.replace(second=0) - timedelta(hours=1, seconds=-31)
    assert not photo.camera_time_doubtful


@pytest.mark.parametrize(
    "camera_time, doubtful",
    [
        pytest.param(None, False, id="no-exif-time"),
        pytest.param(NOW - timedelta(days=6), False, id="six-days-before"),
        pytest.param(NOW - timedelta(days=8), True, id="eight-days-before"),
        pytest.param(NOW + timedelta(minutes=10), False, id="clock-ten-minutes-fast"),
        pytest.param(NOW + timedelta(hours=2), True, id="two-hours-in-the-future"),
    ],
)
def test_a_camera_time_is_doubtful_in_the_future_or_a_week_before_the_upload(camera_time, doubtful):
    assert Photo(camera_time=camera_time, uploaded_at=NOW).camera_time_doubtful is doubtful


def test_how_old_a_camera_time_may_be_is_a_setting(settings):
    photo = Photo(camera_time=NOW - timedelta(days=8), uploaded_at=NOW)

    settings.PHOTO_CAMERA_TIME_MAX_AGE_DAYS = 10

    assert not photo.camera_time_doubtful


def test_an_on_site_photo_is_stamped_and_dated_with_the_server_time(started, inspector, stamps):
    from .test_onsite import answer

    answer(started, "S-01", "fail", inspector, note="通道堵塞")
    with time_machine.travel(NOW, tick=False):
        photo = onsite_services.photo_add(
            inspection=started,
            key=item_key(started, "S-01"),
            upload=jpeg(YEAR_2099, "site.jpg"),
            by=inspector,
        )

    assert (photo.camera_time, photo.uploaded_at) == (YEAR_2099, NOW)
    assert photo.camera_time_doubtful
    assert stamps == [["2026-11-30 19:21", started.facility.name, inspector.display_name]]


def test_the_hazard_page_warns_of_a_doubtful_camera_time(rectifying, manager, lead, as_user):
    with time_machine.travel(NOW, tick=False):
        submit(rectifying, manager, [jpeg(NOW - timedelta(minutes=5)), jpeg(YEAR_2099)])

    page = as_user(lead).get(
        reverse("inspections:hazard_detail", args=[rectifying.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    text = page.content.decode()
    assert (
        "Photo 2: its camera claims it was taken at 2099-01-01 10:00, but it was received "
        "at 2026-11-30 19:21." in text
    )
    assert "Photo 1: its camera claims" not in text


def test_the_public_copy_is_stamped_with_the_receive_time_not_the_camera_time(finished, stamps):
    photo = finished.photos.first()
    photo.camera_time = YEAR_2099
    photo.save()

    publications._public_copy(photo)

    local = photo.uploaded_at.astimezone(SHANGHAI)
    assert stamps == [[local.strftime("%Y-%m-%d %H:%M"), photo.facility.name]]


def test_the_record_captions_a_photo_with_its_receive_time(finished, inspector):
    from reports import documents
    from tests.reports.test_documents import squashed

    photo = finished.photos.first()
    photo.camera_time = YEAR_2099
    photo.save()

    text = squashed(documents.inspection_document(finished, "record", by=inspector).pdf)

    assert photo.uploaded_at.astimezone(SHANGHAI).strftime("%Y-%m-%d%H:%M") in text
    assert "2099" not in text
