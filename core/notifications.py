"""Notifications: a message to one user, on their messages page and by e-mail."""

from django.contrib.auth.models import AbstractUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import Actor, save_with_history
from core.models import NOTIFICATION_CHARS, Notification


# ``user`` is typed by Django's abstract user: core cannot name the project's user model,
# which is registry's (settings.AUTH_USER_MODEL).
def notify(*, user: AbstractUser, text: str, url: str = "", by: Actor = None) -> Notification:
    """Tell one user something: on their messages page, and by e-mail when they have an
    address. The page shows a notification's first 500 characters (a quoted reason may
    be longer; the linked page has all of it); the e-mail has the whole text."""
    shown = text if len(text) <= NOTIFICATION_CHARS else text[: NOTIFICATION_CHARS - 1] + "…"
    notification = save_with_history(Notification(user_id=user.pk, text=shown, url=url), by=by)
    if user.email:
        # After commit: a rolled-back change must not have e-mailed anyone.
        transaction.on_commit(
            lambda: send_mail(
                _("Elderly-care safety supervision"), text, None, [user.email], fail_silently=True
            )
        )
    return notification


@transaction.atomic
def notifications_read(*, user: AbstractUser) -> None:
    now = timezone.now()
    for notification in Notification.objects.filter(user_id=user.pk, read_at=None):
        notification.read_at = now
        save_with_history(notification, by=user)
