"""The parts of a resumable photo upload in the evidence storage (no models, no database).

Each chunk is stored as a part of its own, named by the byte it starts at
(``<stem>.<start>``): object storage cannot append to a file, and a chunk sent again
after a cut simply replaces the part it left. ``assemble`` reads the parts back in
order into the original's bytes; ``discard`` removes them all.
"""

import posixpath
import uuid

from django.core.files.base import ContentFile

from inspections.onsite.models import evidence_storage


def stem_for(user_id: int, client_id: uuid.UUID) -> str:
    """Where an upload's parts go: one folder per user, so that listing a folder stays
    short and no empty folder is left per upload."""
    return f"uploads/{user_id}/{client_id}"


def _part_name(stem: str, start: int) -> str:
    return f"{stem}.{start:010d}"  # 10 digits: far above the largest photo accepted


def store_part(stem: str, start: int, data: bytes) -> None:
    """Store the chunk that starts at byte ``start``."""
    storage = evidence_storage()
    name = _part_name(stem, start)
    # A part written before a cut whose offset was never recorded: replaced, not renamed.
    storage.delete(name)
    storage.save(name, ContentFile(data))


def assemble(stem: str, size: int) -> bytes | None:
    """The ``size`` bytes of the parts in order, or None when a part is missing or they
    do not add up to ``size`` exactly."""
    storage = evidence_storage()
    parts = []
    position = 0
    while position < size:
        name = _part_name(stem, position)
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as part:
            data = part.read(size - position + 1)
        if not data:
            return None
        parts.append(data)
        position += len(data)
    return b"".join(parts) if position == size else None


def discard(stem: str) -> None:
    """Remove every part of the upload (parts of a chunk sent twice included)."""
    storage = evidence_storage()
    folder, prefix = posixpath.split(stem)
    try:
        names = storage.listdir(folder)[1]
    except FileNotFoundError:
        return
    for name in names:
        if name.startswith(prefix + "."):
            storage.delete(posixpath.join(folder, name))
