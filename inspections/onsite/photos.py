"""Validation and processing of one uploaded evidence photo (no models, no storage).

``process(data, stamp_lines=...)`` accepts JPEG, PNG, WebP and HEIC/HEIF by
content and refuses everything else, files over ``MAX_BYTES``, images over
``MAX_PIXELS`` or whose processing would hold more than ``MAX_DECODED_BYTES``
(both checked from the header, before any pixel is decoded) and truncated or
corrupt files, always with :class:`PhotoRefused` carrying a translated message
the inspector can act on. ``check(data)`` makes the header checks alone, so that
a batch of photos can be refused before any of them is decoded.

For an accepted photo it returns the original bytes untouched with their
SHA-256, the time the camera claims and the GPS position read from EXIF
(``None`` when absent or broken; neither is verified: a camera's clock is
whatever its owner set), and two JPEG derivatives without EXIF, XMP or comments
(only an RGB colour profile is kept): a preview whose longest side is at most
``PREVIEW_PX`` and a thumbnail of at most ``THUMB_PX`` made from the preview.
Both are turned upright per the EXIF orientation and carry the caller's stamp
lines in the bottom-left corner.

HEIF: pillow-heif (libheif) applies the container's rotation while decoding and
resets the EXIF orientation, so for HEIF ``width``/``height`` are already those
of the upright image.

Speed: a JPEG is decoded at a reduced scale (``draft``) close to the preview
size, and everything after that (resizing, rotation, stamp, encoding) works on
the small image.
"""

import functools
import hashlib
import io
import logging
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFile, ImageFont, UnidentifiedImageError

from core.audited import save_with_history
from inspections.onsite.models import Photo

pillow_heif.register_heif_opener()

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
# Peak memory one photo may take while it is decoded and shrunk (see
# _decoded_bytes): room for a 24-megapixel HEIC, the largest a current phone
# saves by default (about 220 MB); a 49-megapixel 16-bit PNG (95 KB on disk) needs
# 467 MB.
MAX_DECODED_BYTES = 256 * 1024 * 1024
PREVIEW_PX = 1600
THUMB_PX = 320

# Formats accepted by content, as Pillow names them ("HEIF" is pillow-heif's).
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")

JPEG_QUALITY = 82
# The band under the stamp keeps this fraction of the photo's brightness
# (black at 55 % opacity).
BAND_KEEP = 0.45
_BAND_LUT = [round(value * BAND_KEEP) for value in range(256)] * 3
STAMP_MIN_PX = 14
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)

# EXIF tags and IFDs.
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_DATETIME = 306
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME = 36880
_OFFSET_TIME_ORIGINAL = 36881
_GPS_LATITUDE_REF, _GPS_LATITUDE = 1, 2
_GPS_LONGITUDE_REF, _GPS_LONGITUDE = 3, 4
_MICRODEGREE = Decimal("0.000001")

# EXIF orientation -> transposition that makes the image upright (as in
# PIL.ImageOps.exif_transpose, which cannot be used on the shrunk image because
# that image no longer carries the original's EXIF).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class PhotoRefused(ValidationError):
    """The upload is not an acceptable photo; the message tells the inspector why."""


@dataclass
class Processed:
    original: bytes
    sha256: str  # hex
    format: str  # "JPEG" | "PNG" | "WEBP" | "HEIF"
    width: int  # of the original as stored (before rotation)
    height: int
    camera_time: datetime | None  # as the camera's clock claims it, unverified
    latitude: Decimal | None
    longitude: Decimal | None
    preview: bytes  # JPEG
    thumbnail: bytes  # JPEG
    preview_size: tuple[int, int]  # after rotation


# --------------------------------------------------------------------------
# Refusals


def _too_large():
    return PhotoRefused(
        _(
            "This photo is larger than %(limit)d MB. Send a smaller photo, "
            "for example by lowering the camera resolution."
        )
        % {"limit": MAX_BYTES // (1024 * 1024)},
        code="too_large",
    )


def _too_many_pixels():
    return PhotoRefused(
        _(
            "This photo has more than %(limit)d megapixels. Lower the camera "
            "resolution and take the photo again."
        )
        % {"limit": MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _too_large_decoded(size):
    return PhotoRefused(
        _(
            "This photo (%(width)d × %(height)d pixels) would need more than %(limit)d MB "
            "of memory to open. Send it as a JPEG, or lower the camera resolution and "
            "take it again."
        )
        % {"width": size[0], "height": size[1], "limit": MAX_DECODED_BYTES // (1024 * 1024)},
        code="too_large_decoded",
    )


def _not_a_photo():
    return PhotoRefused(
        _("This file is not a photo. Use a JPEG, PNG, WebP or HEIC image."),
        code="not_a_photo",
    )


def _damaged():
    return PhotoRefused(
        _("This photo is damaged or incomplete and cannot be opened. Send it again."),
        code="damaged",
    )


# --------------------------------------------------------------------------
# Public interface


def read_upload(upload) -> bytes:
    """The bytes of a Django ``UploadedFile``, refusing more than ``MAX_BYTES``.

    The declared ``upload.size`` is checked before anything is read; the bytes
    actually read are counted too, so a wrong size cannot sneak past.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large()
    parts = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > MAX_BYTES:
            raise _too_large()
        parts.append(chunk)
    return b"".join(parts)


def check_size(size: int) -> None:
    """Refuse a photo declared larger than ``MAX_BYTES`` before any byte of it is
    sent (a resumable upload declares its size first)."""
    if size > MAX_BYTES:
        raise _too_large()


def refuse_truncated():
    """Make Pillow refuse truncated files again. WeasyPrint turns the process-wide
    ``LOAD_TRUNCATED_IMAGES`` on when it is imported (the first PDF), which would let
    a damaged upload through."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False


def check(data: bytes) -> None:
    """Make every check of :func:`process` that needs no decoding: size, format,
    pixel count and decoded size, from the header. Raises :class:`PhotoRefused`."""
    refuse_truncated()
    with _checked(bytes(data))[0]:
        pass


def process(data: bytes, *, stamp_lines: list[str]) -> Processed:
    """Validate one photo and make its stamped preview and thumbnail.

    Raises :class:`PhotoRefused` for anything that is not an acceptable photo.
    """
    refuse_truncated()
    data = bytes(data)
    image, (width, height), target = _checked(data)
    with image:
        kind = "JPEG" if image.format == "MPO" else image.format
        _decode(image)
        orientation, camera_time, latitude, longitude = _metadata(image)
        icc_profile = image.info.get("icc_profile")
        frame = _shrink(image, target)

    # pillow-heif has already turned HEIF images upright (and reset the tag).
    if kind != "HEIF" and orientation in _UPRIGHT:
        frame = frame.transpose(_UPRIGHT[orientation])
    frame = _to_rgb(frame)
    frame.info = {}  # nothing of the original (EXIF, XMP, comment) goes out
    if not (isinstance(icc_profile, bytes) and icc_profile[16:20] == b"RGB "):
        icc_profile = None
    _stamp(frame, stamp_lines)
    preview = _jpeg(frame, icc_profile)
    # From the stamped preview; reduce() by a whole factor first (5 for 1600 to
    # 320), which costs a third of resampling directly.
    thumb = frame.resize(_fit(frame.size, THUMB_PX), Image.Resampling.BOX, reducing_gap=1.0)
    return Processed(
        original=data,
        sha256=hashlib.sha256(data).hexdigest(),
        format=kind,
        width=width,
        height=height,
        camera_time=camera_time,
        latitude=latitude,
        longitude=longitude,
        preview=preview,
        thumbnail=_jpeg(thumb, icc_profile),
        preview_size=frame.size,
    )


# --------------------------------------------------------------------------
# Opening and decoding


def _checked(data):
    """``data`` opened and checked from its header, nothing decoded yet:
    ``(image, (width, height) as stored, preview size)``. A JPEG is set to decode
    at a reduced scale (``draft``) close to the preview size."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    # A WebP decoder allocates its whole canvas while opening: check first.
    canvas = _webp_canvas(data)
    if canvas is not None:
        if canvas[0] * canvas[1] > MAX_PIXELS:
            raise _too_many_pixels()
        if _decoded_bytes("WEBP", "RGBA", canvas, transparent=True) > MAX_DECODED_BYTES:
            raise _too_large_decoded(canvas)
    image = _open(data)
    try:
        size = image.size
        if size[0] * size[1] > MAX_PIXELS:
            raise _too_many_pixels()
        target = _fit(size, PREVIEW_PX)
        if image.format in ("JPEG", "MPO") and target != size:
            # libjpeg scales by 1/2, 1/4 or 1/8 while decoding, staying >= target.
            image.draft("RGB", target)
        transparent = "transparency" in image.info
        if _decoded_bytes(image.format, image.mode, image.size, transparent) > MAX_DECODED_BYTES:
            raise _too_large_decoded(size)
    except BaseException:
        image.close()
        raise
    return image, size, target


def _decode(image):
    try:
        image.load()
    except MemoryError:
        raise
    except Exception as exc:  # any decoder failure means the file is unusable
        raise _damaged() from exc


# Bytes per pixel the decoders of WebP and HEIF hold besides Pillow's copy of the
# picture (libwebp's RGBA output and its copy; libheif's planes and RGB output).
_DECODER_BYTES = {"WEBP": 12, "HEIF": 5}


def _decoded_bytes(kind, mode, size, transparent):
    """The peak memory decoding and shrinking an image of ``mode`` and ``size``
    holds: the decoded pixels, the decoder's own buffers, and the full-size copies
    ``_shrink`` makes before the image is small. For 49-megapixel images of each
    mode, Pillow 13 was measured to take this or up to 50 MB more (resampling
    buffers, the stamp). Keep in step with ``_shrink``."""
    # Pillow keeps 1-bit, grey and palette pixels in a byte, 16-bit grey in two,
    # every other mode (RGB too) in four.
    stored = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    if mode.startswith("I"):
        copies = 8  # to 32 bits, then scaled to 8 bits: two 32-bit copies
    elif mode in ("P", "PA"):
        alpha = mode == "PA" or transparent
        copies = 8 if alpha else 4  # to RGB(A); resizing with alpha premultiplies a copy
    elif mode in ("LA", "RGBA"):
        copies = 4  # resizing with alpha premultiplies a copy
    elif mode == "1":
        copies = 1  # to grey
    elif mode in ("L", "RGB"):
        copies = 0
    else:
        copies = 4  # CMYK, YCbCr, LAB, HSV, F...: to RGB
    return size[0] * size[1] * (stored + _DECODER_BYTES.get(kind, 0) + copies)


def _open(data):
    try:
        # Pillow's own decompression-bomb check runs inside Image.open, before
        # ours can: turn its warning (and error) into our refusal. Other
        # warnings (a JPEG's broken EXIF is parsed here for its DPI) are
        # harmless and kept quiet.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise _not_a_photo() from None
    except Exception as exc:  # recognised signature, unreadable header
        raise _damaged() from exc


def _webp_canvas(data):
    """(width, height) from a WebP header, or None if ``data`` is not one."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return (
            int.from_bytes(data[26:28], "little") & 0x3FFF,
            int.from_bytes(data[28:30], "little") & 0x3FFF,
        )
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _fit(size, bound):
    """``size`` scaled down (never up) so that its longest side is ``bound``."""
    width, height = size
    longest = max(width, height)
    if longest <= bound:
        return width, height
    scale = bound / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image, target):
    """The decoded ``image`` in a resizable mode, resized to ``target``. The copies
    made here are counted by ``_decoded_bytes``: keep the two in step."""
    mode = image.mode
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode.startswith("I"):
        # 16-bit grey: scale to 8 bits (convert("L") would clip at 255).
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, F...
    if image.size == target:
        return image
    # BOX is an area average: antialiased when shrinking and the cheapest filter
    # (on a drafted 2000x1500 JPEG it costs 2/3 of BILINEAR), fine for a preview.
    return image.resize(target, Image.Resampling.BOX)


def _to_rgb(image):
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image, icc_profile):
    out = io.BytesIO()
    options = {"quality": JPEG_QUALITY, "optimize": False}
    if icc_profile:
        options["icc_profile"] = icc_profile  # colour, not metadata
    image.save(out, format="JPEG", **options)
    return out.getvalue()


# --------------------------------------------------------------------------
# EXIF (every reader tolerates broken data and answers None)


def _metadata(image):
    """(orientation, camera_time, latitude, longitude) from the image's EXIF.

    Broken EXIF is common (editing apps, cheap phones) and only costs the
    metadata: parsing problems, including Pillow's "Corrupt EXIF data"
    warnings, are kept quiet.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exif = image.getexif()
        except Exception:
            return None, None, None, None
        return (_exif_get(exif, _ORIENTATION), _camera_time(exif), *_gps(exif))


def _exif_get(exif, tag, ifd=None):
    try:
        return (exif.get_ifd(ifd) if ifd else exif).get(tag)
    except Exception:
        return None


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ")


def _camera_time(exif):
    for tag, offset_tag, ifd in (
        (_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _EXIF_IFD),
        (_DATETIME, _OFFSET_TIME, None),
    ):
        taken = _parse_datetime(
            _text(_exif_get(exif, tag, ifd)), _text(_exif_get(exif, offset_tag, _EXIF_IFD))
        )
        if taken is not None:
            return taken
    return None


_OFFSET_RE = re.compile(r"([+-])(\d{2}):(\d{2})")


def _parse_datetime(value, offset):
    if not value:
        return None
    for layout in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M"):
        try:
            naive = datetime.strptime(value, layout)  # the zone is applied below
            break
        except ValueError:
            continue
    else:
        return None
    current = timezone.get_current_timezone()
    match = _OFFSET_RE.fullmatch(offset or "")
    if match:
        sign = -1 if match[1] == "-" else 1
        delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
        if delta <= timedelta(hours=14):
            zone = dt_timezone(sign * delta)
            return naive.replace(tzinfo=zone).astimezone(current)
    return timezone.make_aware(naive, current)


def _gps(exif):
    """(latitude, longitude) as signed Decimals with 6 places, or (None, None)."""
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:
        return None, None
    latitude = _coordinate(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "S", 90)
    longitude = _coordinate(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "W", 180)
    if latitude is None or longitude is None:
        return None, None
    return latitude, longitude


def _coordinate(value, ref, negative_ref, limit):
    try:
        parts = list(value) if isinstance(value, (tuple, list)) else [value]
        if not 1 <= len(parts) <= 3:
            return None
        degrees = sum(
            (_fraction(part) / 60**index for index, part in enumerate(parts)), Fraction(0)
        )
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if degrees < 0 or degrees > limit:
        return None
    if (_text(ref) or "").upper() == negative_ref:
        degrees = -degrees
    result = Decimal(degrees.numerator) / Decimal(degrees.denominator)
    return result.quantize(_MICRODEGREE, rounding=ROUND_HALF_UP)


def _fraction(value):
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        # IFDRational (or int/Fraction); a zero denominator raises ZeroDivisionError.
        return Fraction(value.numerator) / Fraction(value.denominator)
    if isinstance(value, float):
        return Fraction(value)
    raise TypeError(value)


# --------------------------------------------------------------------------
# Stamp


def _stamp(image, stamp_lines):
    """Draw ``stamp_lines`` in white on a dark band in the bottom-left corner."""
    lines = [part for line in stamp_lines for part in str(line).splitlines() if part.strip()]
    if not lines:
        return
    width, height = image.size
    size = max(STAMP_MIN_PX, round(max(width, height) / 40))
    font, layout = _stamp_layout(size, lines)
    if layout["width"] > width and size > STAMP_MIN_PX:
        # Too wide for a narrow photo: shrink the text to fit (not below the minimum).
        size = max(STAMP_MIN_PX, size * width // layout["width"])
        font, layout = _stamp_layout(size, lines)
    band = (0, max(0, height - layout["height"]), min(width, layout["width"]), height)
    image.paste(image.crop(band).point(_BAND_LUT), band[:2])
    draw = ImageDraw.Draw(image)
    for line, baseline in zip(lines, layout["baselines"], strict=True):
        draw.text((layout["pad"], band[1] + baseline), line, font=font, fill="white", anchor="ls")


def _stamp_layout(size, lines):
    font = _font(size)
    top, bottom = font.getbbox("国Hg", anchor="ls")[1::2]
    line_height = bottom - top
    pad = max(4, round(size * 0.5))
    gap = round(size * 0.25)
    text_width = max(font.getbbox(line, anchor="ls")[2] for line in lines)
    baselines = [pad - top + index * (line_height + gap) for index in range(len(lines))]
    return font, {
        "pad": pad,
        "width": text_width + 2 * pad,
        "height": len(lines) * line_height + (len(lines) - 1) * gap + 2 * pad,
        "baselines": baselines,
    }


def _font(size):
    configured = getattr(settings, "STAMP_FONT", None)
    candidates = ([str(configured)] if configured else []) + list(FONT_CANDIDATES)
    for path in candidates:
        if Path(path).is_file():
            try:
                return _load_font(path, size)
            except OSError:
                logger.warning("Stamp font %s cannot be loaded", path)
    return _default_font(size)


@functools.lru_cache(maxsize=64)
def _load_font(path, size):
    return ImageFont.truetype(path, size, index=_face_index(path))


@functools.lru_cache(maxsize=8)
def _face_index(path):
    """In a font collection (e.g. Noto Sans CJK), the Simplified Chinese face."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(16):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@functools.lru_cache(maxsize=64)
def _default_font(size):
    return ImageFont.load_default(size)


EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}


def removing_files_on_failure(write, **kwargs):
    """Run ``write(saved=[...], **kwargs)``; if it fails, delete the files it stored
    (their rows were rolled back with its transaction)."""
    saved = []
    try:
        return write(saved=saved, **kwargs)
    except Exception:
        for field in saved:
            field.storage.delete(field.name)
        raise


def photo_store(*, processed, folder, saved, by, received_at, **links):
    """Store a processed photo (original, preview, thumbnail) and its row, received
    at ``received_at`` (the server's time, which its stamp shows). Each file written
    is appended to ``saved`` so the caller can remove them if the write fails."""
    photo = Photo(
        sha256=processed.sha256,
        format=processed.format,
        width=processed.width,
        height=processed.height,
        size=len(processed.original),
        camera_time=processed.camera_time,
        latitude=processed.latitude,
        longitude=processed.longitude,
        uploaded_by=by,
        uploaded_at=received_at,
        **links,
    )
    stem = f"{folder}/{processed.sha256[:16]}"
    for field, name, content in (
        (photo.original, f"{stem}.{EXTENSIONS[processed.format]}", processed.original),
        (photo.preview, f"{stem}.jpg", processed.preview),
        (photo.thumbnail, f"{stem}.jpg", processed.thumbnail),
    ):
        field.save(name, ContentFile(content), save=False)
        saved.append(field)
    return save_with_history(photo, by=by)
