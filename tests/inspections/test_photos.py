"""inspections.onsite.photos: what an inspector sees when uploading an evidence photo.

Images are built in memory and kept small, except where size is the point.
No database is needed.
"""

import hashlib
import io
import struct
import time
import zlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image, ImageFile, TiffImagePlugin

from inspections.onsite import photos

STAMP = ["2026-11-23 10:42", "岳阳楼区夕阳红养老院", "检查人员 李喆"]
RED = (255, 0, 0)


@pytest.fixture(autouse=True)
def english():
    # The source strings are English; a Chinese catalogue may be added later.
    with translation.override("en"):
        yield


# --------------------------------------------------------------------------
# Builders


def encode(image, format="JPEG", **options):
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def photo(size=(400, 300), colour="white", format="JPEG", **options):
    return encode(Image.new("RGB", size, colour), format, **options)


def noisy_jpeg(size):
    """Incompressible content, so cutting the file in half cuts the pixel data."""
    return encode(Image.merge("RGB", [Image.effect_noise(size, 40) for _ in range(3)]))


def png_chunk(kind, body):
    crc = struct.pack(">I", zlib.crc32(kind + body))
    return struct.pack(">I", len(body)) + kind + body + crc


def png_header(width, height, bit_depth=1, colour_type=0):
    """A PNG that only claims its size: valid signature, IHDR and a token IDAT.
    By default 1-bit grey; colour type 2 is RGB, 6 RGBA."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def black_16_bit_png(width, height):
    """A complete, valid 16-bit grey PNG, black. Large ones stay small on disk
    (7000 x 7000: 97 KB) and are built in a fraction of a second: the deflate
    stream repeats one block, each made after a full flush and so identical."""
    row = bytes(1 + 2 * width)  # filter byte, then the samples
    rows_per_block = 64
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(row * rows_per_block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(height, rows_per_block)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = tail.compress(row * rest) + tail.flush()
    checksum = 1
    for _ in range(height):
        checksum = zlib.adler32(row, checksum)
    stream = b"\x78\xda" + block * blocks + last + struct.pack(">I", checksum)
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", stream)
        + png_chunk(b"IEND", b"")
    )


def webp_header(width, height):
    """An extended (VP8X) WebP header announcing a canvas of width x height."""
    body = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0"
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def refusal(data, match):
    with pytest.raises(photos.PhotoRefused, match=match) as caught:
        photos.process(data, stamp_lines=STAMP)
    return caught.value


def opened(data):
    return Image.open(io.BytesIO(data))


def forbid_decoding(monkeypatch):
    def fail(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", fail)
    monkeypatch.setattr(ImageFile.ImageFile, "load", fail)


NOT_A_PHOTO = "This file is not a photo. Use a JPEG, PNG, WebP or HEIC image."
NOT_A_PHOTO_MATCH = "This file is not a photo"


# --------------------------------------------------------------------------
# Refusals


def test_text_file_is_refused_as_not_a_photo():
    error = refusal("检查记录：消防通道畅通。\nFire exits clear.\n".encode(), NOT_A_PHOTO_MATCH)

    assert error.code == "not_a_photo"
    assert error.messages == [NOT_A_PHOTO]


def test_svg_document_is_refused_as_not_a_photo():
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><rect width="10" height="10" fill="red"/></svg>'
    )

    assert refusal(svg, NOT_A_PHOTO_MATCH).messages == [NOT_A_PHOTO]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(photo(format="GIF"), id="gif"),
        pytest.param(photo(format="BMP"), id="bmp"),
        pytest.param(photo(format="TIFF"), id="tiff"),
        pytest.param(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", id="pdf"),
        pytest.param(b"", id="empty"),
    ],
)
def test_other_formats_are_refused_as_not_a_photo(data):
    assert refusal(data, NOT_A_PHOTO_MATCH).messages == [NOT_A_PHOTO]


def test_file_over_20_mb_is_refused_before_anything_else(monkeypatch):
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the file was opened"))

    error = refusal(bytes(photos.MAX_BYTES + 1), "larger than 20 MB")

    assert error.code == "too_large"
    assert "20 MB" in error.messages[0]


def test_read_upload_refuses_by_declared_size_without_reading():
    class HugeUpload:
        size = photos.MAX_BYTES + 1

        def chunks(self):
            pytest.fail("the upload was read")

        read = chunks

    with pytest.raises(photos.PhotoRefused, match="larger than 20 MB") as caught:
        photos.read_upload(HugeUpload())

    assert caught.value.code == "too_large"
    assert "20 MB" in caught.value.messages[0]


def test_read_upload_refuses_an_oversized_uploaded_file():
    upload = SimpleUploadedFile("site.jpg", bytes(photos.MAX_BYTES + 1), "image/jpeg")

    with pytest.raises(photos.PhotoRefused, match="20 MB"):
        photos.read_upload(upload)


def test_read_upload_counts_bytes_when_the_declared_size_is_wrong():
    upload = SimpleUploadedFile("site.jpg", bytes(photos.MAX_BYTES + 1), "image/jpeg")
    upload.size = 10

    with pytest.raises(photos.PhotoRefused, match="20 MB"):
        photos.read_upload(upload)


def test_read_upload_returns_the_bytes_unchanged():
    data = photo()
    upload = SimpleUploadedFile("site.jpg", data, "image/jpeg")
    upload.read(10)  # a validator may have peeked already

    assert photos.read_upload(upload) == data


@pytest.mark.parametrize(
    "width, height",
    [
        pytest.param(10_000, 6_000, id="60-megapixels"),
        # Above Image.MAX_IMAGE_PIXELS Pillow warns, above twice that it raises:
        # the inspector must still get our message.
        pytest.param(12_000, 9_000, id="108-megapixels-pillow-warns"),
        pytest.param(20_000, 10_000, id="200-megapixels-pillow-raises"),
    ],
)
def test_too_many_megapixels_refused_from_the_header(monkeypatch, recwarn, width, height):
    data = png_header(width, height)
    forbid_decoding(monkeypatch)

    start = time.perf_counter()
    error = refusal(data, "more than 50 megapixels")

    assert time.perf_counter() - start < 0.5
    assert error.code == "too_many_pixels"
    assert "50 megapixels" in error.messages[0]
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_huge_webp_refused_before_its_canvas_is_allocated(monkeypatch):
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the file was opened"))

    error = refusal(webp_header(10_000, 6_000), "more than 50 megapixels")

    assert error.code == "too_many_pixels"


def test_fifty_megapixels_exactly_is_not_refused_for_size():
    # 10,000 x 5,000 is at the limit: it gets past the size check and fails
    # later only because this file has no real pixel data.
    error = refusal(png_header(10_000, 5_000), "This photo is damaged or incomplete")

    assert error.code == "damaged"


def test_it_refuses_a_49_megapixel_16_bit_png_from_its_header(monkeypatch):
    # The review's file: 95 KB on disk, 2.4 s and 464 MB to process. Under the
    # pixel limit, but its decoding and 8-bit conversion hold ten bytes a pixel.
    data = black_16_bit_png(7000, 7000)
    assert len(data) < 100_000
    forbid_decoding(monkeypatch)

    start = time.perf_counter()
    error = refusal(data, "would need more than 256 MB of memory")

    assert time.perf_counter() - start < 0.5
    assert error.code == "too_large_decoded"
    assert error.messages == [
        "This photo (7000 × 7000 pixels) would need more than 256 MB of memory to open. "
        "Send it as a JPEG, or lower the camera resolution and take it again."
    ]


def test_a_small_16_bit_png_built_the_same_way_is_accepted():
    preview = opened(photos.process(black_16_bit_png(300, 200), stamp_lines=[]).preview)

    assert preview.getpixel((150, 100)) == pytest.approx((0, 0, 0), abs=2)


@pytest.mark.parametrize(
    "data",
    [
        # 40 MP of RGBA: four bytes a pixel, and resizing premultiplies a copy.
        pytest.param(png_header(8000, 5000, 8, 6), id="40-megapixel-rgba-png"),
        pytest.param(png_header(6000, 5000, 16, 0), id="30-megapixel-16-bit-grey-png"),
    ],
)
def test_images_under_the_pixel_limit_are_refused_by_decoded_size(monkeypatch, data):
    forbid_decoding(monkeypatch)

    assert refusal(data, "would need more than 256 MB of memory").code == "too_large_decoded"


def test_webp_refused_by_decoded_size_before_it_is_opened(monkeypatch):
    # libwebp decodes into its own buffer while Pillow opens the file.
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the file was opened"))

    error = refusal(webp_header(5000, 5000), "would need more than 256 MB of memory")

    assert error.code == "too_large_decoded"
    assert "5000 × 5000" in error.messages[0]


def test_a_photo_the_size_a_phone_makes_passes_the_decoded_size_limit(monkeypatch):
    forbid_decoding(monkeypatch)

    assert photos.check(png_header(8000, 6000, 8, 2)) is None  # 48 MP RGB
    # A 24 MP HEIC, the largest a current phone saves by default (no HEIC header
    # can be built here without encoding one).
    assert photos._decoded_bytes("HEIF", "RGB", (5712, 4284), False) <= photos.MAX_DECODED_BYTES


def test_check_passes_a_good_photo_without_decoding_it(monkeypatch):
    data = photo((3000, 2000))
    forbid_decoding(monkeypatch)

    assert photos.check(data) is None


@pytest.mark.parametrize(
    "size",
    [pytest.param((200, 150), id="small"), pytest.param((3300, 1800), id="decoded-at-half-scale")],
)
def test_truncated_jpeg_is_refused_as_damaged(size):
    data = noisy_jpeg(size)

    error = refusal(data[: len(data) // 2], "This photo is damaged or incomplete")

    assert error.code == "damaged"
    assert error.messages == [
        "This photo is damaged or incomplete and cannot be opened. Send it again."
    ]


def test_truncated_png_is_refused_as_damaged():
    data = encode(Image.effect_noise((300, 200), 40), "PNG")

    assert refusal(data[: len(data) // 2], "This photo is damaged or incomplete").code == "damaged"


def test_loading_truncated_images_is_never_enabled():
    data = noisy_jpeg((200, 150))
    refusal(data[: len(data) // 2], "This photo is damaged or incomplete")

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --------------------------------------------------------------------------
# Accepted formats


@pytest.mark.parametrize(
    "format, options",
    [("JPEG", {}), ("PNG", {}), ("WEBP", {"quality": 80})],
)
def test_jpeg_png_and_webp_are_accepted(format, options):
    data = photo((640, 480), (30, 120, 200), format, **options)

    result = photos.process(data, stamp_lines=STAMP)

    assert result.format == format
    assert (result.width, result.height) == (640, 480)
    assert opened(result.preview).format == "JPEG"
    assert opened(result.thumbnail).format == "JPEG"
    assert opened(result.preview).getpixel((600, 20)) == pytest.approx((30, 120, 200), abs=6)


def test_heic_is_accepted():
    # The pinned pillow-heif wheel carries an HEIF encoder, so the test photo is real HEIC.
    pillow_heif.register_heif_opener()
    data = photo((640, 480), (30, 120, 200), "HEIF")

    result = photos.process(data, stamp_lines=STAMP)

    assert result.format == "HEIF"
    assert (result.width, result.height) == (640, 480)
    assert opened(result.preview).getpixel((600, 20)) == pytest.approx((30, 120, 200), abs=8)


def test_multi_picture_jpeg_from_a_phone_is_accepted_as_jpeg():
    image = Image.new("RGB", (400, 300), "white")
    data = encode(image, "MPO", save_all=True, append_images=[image])
    assert opened(data).format == "MPO"

    assert photos.process(data, stamp_lines=STAMP).format == "JPEG"


def test_transparent_png_is_flattened_onto_white():
    data = encode(Image.new("RGBA", (400, 300), (255, 0, 0, 0)), "PNG")

    preview = opened(photos.process(data, stamp_lines=[]).preview)

    assert preview.mode == "RGB"
    assert preview.getpixel((200, 150)) == pytest.approx((255, 255, 255), abs=2)


def test_sixteen_bit_grey_png_keeps_its_tones():
    data = encode(Image.new("I;16", (300, 200), 32768), "PNG")  # mid grey

    preview = opened(photos.process(data, stamp_lines=[]).preview)

    assert preview.getpixel((150, 100)) == pytest.approx((128, 128, 128), abs=2)


# --------------------------------------------------------------------------
# Rotation, metadata and the original


def sideways_photo():
    """Landscape 400x200 pixels with a red top-left corner, held rotated 90° CW."""
    image = Image.new("RGB", (400, 200), "white")
    image.paste(RED, (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(image, exif=exif)


def test_derivatives_are_turned_upright_per_exif_orientation():
    result = photos.process(sideways_photo(), stamp_lines=[])

    preview = opened(result.preview)
    thumbnail = opened(result.thumbnail)
    assert (result.width, result.height) == (400, 200)  # as stored
    assert result.preview_size == preview.size == (200, 400)
    assert thumbnail.width < thumbnail.height
    # Turning 90° clockwise brings the top-left corner to the top-right.
    assert preview.getpixel((190, 10)) == pytest.approx(RED, abs=12)
    assert preview.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)
    assert thumbnail.getpixel((thumbnail.width - 3, 3)) == pytest.approx(RED, abs=40)


def located_exif():
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"
    exif[306] = "2026:11:20 08:00:00"
    exif.get_ifd(0x8769)[36867] = "2026:11:23 10:42:05"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (
        TiffImagePlugin.IFDRational(29, 1),
        TiffImagePlugin.IFDRational(21, 1),
        TiffImagePlugin.IFDRational(3612, 100),
    )
    gps[3] = "E"
    gps[4] = (
        TiffImagePlugin.IFDRational(113, 1),
        TiffImagePlugin.IFDRational(5, 1),
        TiffImagePlugin.IFDRational(24, 1),
    )
    return exif


def test_derivatives_carry_no_exif_while_the_original_is_untouched():
    data = photo(exif=located_exif(), comment=b"private note")

    result = photos.process(data, stamp_lines=STAMP)

    assert result.original == data
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    for derivative in (result.preview, result.thumbnail):
        image = opened(derivative)
        assert not image.getexif()
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert b"Phone maker" not in derivative


def test_capture_time_and_gps_are_read_from_exif():
    data = photo(exif=located_exif())

    result = photos.process(data, stamp_lines=STAMP)

    # DateTimeOriginal wins over DateTime, in the current (settings) time zone.
    assert result.camera_time == datetime(2026, 11, 23, 10, 42, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert result.camera_time.tzinfo == timezone.get_current_timezone()
    # 29° 21' 36.12" N, 113° 5' 24" E
    assert result.latitude == Decimal("29.360033")
    assert result.longitude == Decimal("113.090000")
    assert result.latitude.as_tuple().exponent == -6


def test_capture_time_is_in_the_current_time_zone():
    data = photo(exif=located_exif())

    with timezone.override(ZoneInfo("Europe/Paris")):
        camera_time = photos.process(data, stamp_lines=[]).camera_time

    assert camera_time == datetime(2026, 11, 23, 10, 42, 5, tzinfo=ZoneInfo("Europe/Paris"))


def test_capture_time_falls_back_to_datetime_and_honours_a_recorded_offset():
    exif = Image.Exif()
    exif[306] = "2026:11:20 08:00:00"
    exif.get_ifd(0x8769)[36880] = "+09:00"  # OffsetTime, for DateTime

    camera_time = photos.process(photo(exif=exif), stamp_lines=[]).camera_time

    assert camera_time == datetime(2026, 11, 20, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert camera_time.tzinfo == ZoneInfo("Asia/Shanghai")


def test_southern_and_western_positions_are_negative():
    exif = located_exif()
    exif.get_ifd(0x8825)[1] = "S"
    exif.get_ifd(0x8825)[3] = "W"

    result = photos.process(photo(exif=exif), stamp_lines=[])

    assert (result.latitude, result.longitude) == (Decimal("-29.360033"), Decimal("-113.090000"))


def test_photo_without_exif_has_no_time_or_place():
    result = photos.process(photo(), stamp_lines=[])

    assert (result.camera_time, result.latitude, result.longitude) == (None, None, None)


@pytest.mark.parametrize(
    "exif",
    [
        pytest.param(b"Exif\x00\x00garbage that is not TIFF", id="garbage"),
        pytest.param(b"Exif\x00\x00II*\x00\xff\xff\xff\x7f", id="offset-out-of-range"),
    ],
)
def test_broken_exif_is_tolerated(exif):
    result = photos.process(photo(exif=exif), stamp_lines=STAMP)

    assert (result.camera_time, result.latitude, result.longitude) == (None, None, None)
    assert opened(result.preview).size == (400, 300)


def test_nonsense_exif_values_are_ignored():
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "0000:00:00 00:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "N", "E"
    zero = TiffImagePlugin.IFDRational(0, 0)
    gps[2] = gps[4] = (zero, zero, zero)

    result = photos.process(photo(exif=exif), stamp_lines=[])

    assert (result.camera_time, result.latitude, result.longitude) == (None, None, None)


# --------------------------------------------------------------------------
# Sizes and stamp


def test_large_image_gets_a_1600_preview_and_a_320_thumbnail():
    result = photos.process(photo((3000, 2000)), stamp_lines=STAMP)

    assert result.preview_size == opened(result.preview).size == (1600, 1067)
    assert opened(result.thumbnail).size == (320, 213)


def test_small_image_is_never_upscaled():
    result = photos.process(photo((300, 200)), stamp_lines=STAMP)

    assert result.preview_size == (300, 200)
    assert opened(result.thumbnail).size == (300, 200)


def dark_pixels(image, box):
    return sum(image.crop(box).convert("L").histogram()[:128])


def test_stamp_is_visible_in_the_bottom_left_corner():
    result = photos.process(photo((2400, 1800)), stamp_lines=STAMP)

    preview = opened(result.preview)
    width, height = preview.size
    assert dark_pixels(preview, (0, height - 100, 300, height)) > 10_000
    assert dark_pixels(preview, (width - 300, 0, width, 100)) == 0
    thumbnail = opened(result.thumbnail)
    assert dark_pixels(thumbnail, (0, thumbnail.height - 10, 40, thumbnail.height)) > 100


def test_no_stamp_lines_leave_the_photo_clean():
    preview = opened(photos.process(photo((800, 600)), stamp_lines=[]).preview)

    assert dark_pixels(preview, (0, 500, 200, 600)) == 0


# fonts-noto-cjk is installed by scripts/system-packages.sh: without it these fail.
def test_stamp_renders_chinese_characters():
    # Without a Chinese font both lines would be the same row of empty boxes.
    def band(line):
        preview = opened(photos.process(photo((800, 600)), stamp_lines=[line]).preview)
        return preview.crop((0, 540, 400, 600)).tobytes()

    assert band("夕阳红养老院") != band("康乐养老服务")


BOLD_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def test_stamp_font_setting_is_honoured(settings):
    def band():
        preview = opened(photos.process(photo((800, 600)), stamp_lines=STAMP).preview)
        return preview.crop((0, 480, 400, 600)).tobytes()

    settings.STAMP_FONT = photos.FONT_CANDIDATES[0]
    regular = band()
    settings.STAMP_FONT = BOLD_CJK

    assert band() != regular


def test_missing_stamp_font_falls_back_instead_of_failing_the_upload(settings):
    settings.STAMP_FONT = "/nonexistent/font.ttf"

    preview = opened(photos.process(photo((800, 600)), stamp_lines=STAMP).preview)

    assert dark_pixels(preview, (0, 500, 200, 600)) > 1000
