"""Evidence-photo ingest against the cost of merely decoding the photo.

Registered as "photo" in ``benchmarks/run.py`` (``--only photo``).
"""

import io
import os
import random
import tempfile
from pathlib import Path

PHOTO_SIZE = (4000, 3000)  # 12 megapixels, like a phone camera
STAMP_LINES = ["2026-11-23 10:42", "岳阳楼区夕阳红养老院", "检查人员 李喆"]


def phone_photo(size=PHOTO_SIZE, seed=2026):
    """A JPEG like a phone's: gradients, shapes and sensor-like noise, quality 90,
    EXIF Orientation 6 (held sideways), several megabytes."""
    from PIL import Image, ImageChops, ImageDraw

    rng = random.Random(seed)
    width, height = size
    ramp = Image.linear_gradient("L").resize(size)
    glow = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", [ramp, ramp.transpose(Image.Transpose.ROTATE_180), glow])
    draw = ImageDraw.Draw(image)
    for _ in range(150):
        x, y = rng.randrange(width), rng.randrange(height)
        side = rng.randrange(20, 400)
        box = (x, y, x + side, y + side * rng.random() + 5)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    noise = Image.merge("RGB", [Image.effect_noise(size, 16) for _ in range(3)])
    image = ImageChops.add(image, noise, scale=1, offset=-128)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x0110] = "Benchmark phone"
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def bench_photo(runs, best_of):
    """The three photo figures; ``best_of(runs, fn)`` is run.py's timer (seconds)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from PIL import Image

    from inspections.onsite import photos

    data = phone_photo()

    def floor():
        with Image.open(io.BytesIO(data)) as image:
            image.load()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        counter = iter(range(1_000_000))

        def ingest():
            result = photos.process(data, stamp_lines=STAMP_LINES)
            n = next(counter)
            for name, content in (
                (f"{n}-original.jpg", result.original),
                (f"{n}-preview.jpg", result.preview),
                (f"{n}-thumbnail.jpg", result.thumbnail),
            ):
                with open(folder / name, "wb") as out:
                    out.write(content)

        ingest()  # warm up: font loading, plugin imports
        floor_s = best_of(runs, floor)
        ingest_s = best_of(runs, ingest)
    return {
        "photo_decode_floor_ms": round(floor_s * 1000, 1),
        "photo_ingest_ms": round(ingest_s * 1000, 1),
        "photo_ingest_ratio": round(ingest_s / floor_s, 2),
    }
