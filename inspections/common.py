"""Helpers every service uses: who did it, numbered series, notifications."""

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import save_with_history
from inspections.models import Notification, Sequence


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
