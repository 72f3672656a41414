"""The whole open-data register (``/public/results.csv`` and ``.json`` without a filter)
kept as a file, built once per change and then served as it is.

On a publication day every reader downloads the same rows, and building them costs
about a second of CPU at a province's size (ten at ten provinces'): under load those
builds queued the inspectors' answer saves behind them (docs/scaling.md, "Load"). The
file is named by a stamp of everything its bytes depend on: the publications' and
versions' latest history rows (published, corrected, withdrawn), the hazards' latest
history row (the open and closed counts) and the site's address (each row's link). A
change gives a new stamp, so a reader never gets rows older than the live ones; the file
of the previous stamp is removed when the new one is kept. Filtered downloads are built
live, as before.
"""

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db.models import Max

from inspections.hazards.models import Hazard
from inspections.publication.models import Publication, PublicationVersion

logger = logging.getLogger(__name__)

FOLDER = "opendata"
# How long a build may hold the right to build (seconds): a worker killed mid-build
# must not stop the others for longer.
BUILD_LOCK_SECONDS = 600
# How long a download waits for the file another request is building before it builds
# the rows itself, and how often it looks.
WAIT_SECONDS = 20
WAIT_STEP_SECONDS = 0.25


def storage() -> Storage:
    """Private storage of rendered files, shared by every server (settings.STORAGES)."""
    return storages["documents"]


def stamp(fmt: str, base_url: str) -> str:
    """What the register's bytes in ``fmt`` depend on, as a short digest: three
    indexed maxima."""
    parts = [
        Publication.history.aggregate(n=Max("history_id"))["n"],
        PublicationVersion.objects.aggregate(n=Max("pk"))["n"],
        Hazard.history.aggregate(n=Max("history_id"))["n"],
    ]
    text = "|".join(str(p) for p in parts) + f"|{base_url}|{fmt}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _name(fmt: str, digest: str) -> str:
    return f"{FOLDER}/results-{digest}.{fmt}"


def kept(fmt: str, base_url: str, build: Callable[[], Iterable[str]]):
    """``(file, etag)``: the kept register in ``fmt`` (an open binary file), built from
    ``build()`` when this state has none yet, or waited for while another request builds
    it; ``(None, etag)`` when that takes too long (the caller streams it live) or the
    storage fails."""
    digest = stamp(fmt, base_url)
    name = _name(fmt, digest)
    files = storage()
    try:
        return files.open(name, "rb"), digest
    except FileNotFoundError:
        pass
    except OSError:
        logger.warning("Cannot read the kept open data %s", name, exc_info=True)
        return None, digest
    # One builder at a time per state: the others would build the same bytes, and on a
    # publication day a dozen live builds at once took the CPU the inspectors' saves
    # needed. They wait for the file instead (a worker held, no CPU), and stream live
    # only if it is not there in time.
    lock = f"opendata-build:{name}"
    if not cache.add(lock, 1, timeout=BUILD_LOCK_SECONDS):
        return _awaited(files, name), digest
    try:
        with tempfile.TemporaryFile() as part:
            for piece in build():
                part.write(piece.encode())
            # A change while it was built: its rows may mix both states; keep nothing.
            if stamp(fmt, base_url) != digest:
                return None, digest
            part.seek(0)
            _keep(files, name, part)
    except OSError:
        logger.warning("Cannot keep the open data %s", name, exc_info=True)
        return None, digest
    finally:
        cache.delete(lock)
    return files.open(name, "rb"), digest


def _awaited(files: Storage, name: str):
    """The file another request is building, once it is there; None after
    ``WAIT_SECONDS`` (or when its builder gave up)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
        try:
            return files.open(name, "rb")
        except FileNotFoundError:
            pass
        except OSError:
            return None
    return None


def _keep(files: Storage, name: str, part) -> None:
    """Store ``part`` as ``name`` so that no reader sees half of it, then drop the files
    of earlier states in the same format."""
    try:
        path = files.path(name)
    except NotImplementedError:
        # Object storage: one upload is atomic and replaces the object.
        files.save(name, File(part))
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := part.read(1 << 20):
                    out.write(chunk)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    own = name.rpartition("/")[2]
    suffix = own.rpartition(".")[2]
    for other in files.listdir(FOLDER)[1]:
        if other != own and other.startswith("results-") and other.endswith(f".{suffix}"):
            files.delete(f"{FOLDER}/{other}")
