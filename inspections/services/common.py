"""Helpers every service uses: who did it, numbered series, notifications."""

from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audited import save_with_history

from ..models import Hazard, Notification, Photo, Sequence
from ..signals import hazard_changed


def _user(by):
    return by if getattr(by, "pk", None) else None


def next_number(*, series, year, by):
    """The next number of ``series`` in ``year``: gap-free and never issued twice,
    because the counter row is locked until the caller's transaction commits."""
    try:
        with transaction.atomic():
            counter, _created = Sequence.objects.select_for_update().get_or_create(
                name=series, year=year
            )
    except IntegrityError:  # another transaction created the row first
        counter = Sequence.objects.select_for_update().get(name=series, year=year)
    counter.last += 1
    save_with_history(counter, by=by)
    return counter.last


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


def emit_hazard(hazard, event, by):
    """Tell the flows what happened to a hazard, inside the writing transaction."""
    hazard_changed.send(sender=Hazard, hazard=hazard, event=event, by=by)


# ---------------------------------------------------------------- notifications

NOTIFICATION_CHARS = Notification._meta.get_field("text").max_length


def notify(*, user, text, url="", by=None):
    """Tell one user something: on their home page, and by e-mail when they have an address.
    The home page shows a notification's first 500 characters (a quoted reason may
    be longer; the linked page has all of it); the e-mail has the whole text."""
    shown = text if len(text) <= NOTIFICATION_CHARS else text[: NOTIFICATION_CHARS - 1] + "…"
    notification = save_with_history(Notification(user=user, text=shown, url=url), by=by)
    if user.email:
        # After commit: a rolled-back change must not have e-mailed anyone.
        transaction.on_commit(
            lambda: send_mail(
                _("Elderly-care safety supervision"), text, None, [user.email], fail_silently=True
            )
        )
    return notification


def notify_managers(*, facility, text, by, url=""):
    """Tell every manager of ``facility``."""
    for manager in facility.managers.all():
        notify(user=manager, text=text, url=url, by=by)


@transaction.atomic
def notifications_read(*, user):
    now = timezone.now()
    for notification in user.notifications.filter(read_at=None):
        notification.read_at = now
        save_with_history(notification, by=user)
