"""Notifications: a message to one user, on their messages page and through the
channels of settings.NOTIFY_CHANNELS (e-mail, the log, SMS...: core.channels)."""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.audited import Actor, bulk_create_with_history, save_with_history
from core.channels import NotificationMessage, deliver
from core.models import NOTIFICATION_CHARS, Notification


# ``user`` is typed by Django's abstract user: core cannot name the project's user model,
# which is registry's (settings.AUTH_USER_MODEL).
def notify(*, user: AbstractUser, text: str, url: str = "", by: Actor = None) -> Notification:
    """Tell one user something: on their messages page, and through every channel
    (an e-mail when they have an address). ``url`` is the page where they act on it.
    The page shows a notification's first 500 characters (a quoted reason may be
    longer; the linked page has all of it); the channels get the whole text."""
    shown = text if len(text) <= NOTIFICATION_CHARS else text[: NOTIFICATION_CHARS - 1] + "…"
    notification = save_with_history(Notification(user_id=user.pk, text=shown, url=url), by=by)
    message = NotificationMessage(
        user_id=user.pk,
        text=text,
        link=absolute_link(url),
        email=user.email,
        # The project's user (registry.User) records a phone; Django's own has none.
        phone=getattr(user, "phone", ""),
    )
    # After commit: a rolled-back change must not have told anyone.
    transaction.on_commit(partial(deliver, message))
    return notification


def notify_many(items: Iterable[tuple[AbstractUser, str, str]], *, by: Actor = None) -> int:
    """``notify`` for many (user, text, url) at once, as the dispatcher's bursts need:
    the same notifications, history and change index in a few queries, delivered
    through the channels after commit. Returns how many."""
    notifications, messages = [], []
    for user, text, url in items:
        shown = text if len(text) <= NOTIFICATION_CHARS else text[: NOTIFICATION_CHARS - 1] + "…"
        notifications.append(Notification(user_id=user.pk, text=shown, url=url))
        messages.append(
            NotificationMessage(
                user_id=user.pk,
                text=text,
                link=absolute_link(url),
                email=user.email,
                phone=getattr(user, "phone", ""),
            )
        )
    if notifications:
        bulk_create_with_history(notifications, by=by)
        transaction.on_commit(partial(_deliver_all, messages))
    return len(notifications)


def _deliver_all(messages: list[NotificationMessage]) -> None:
    for message in messages:
        deliver(message)


def absolute_link(url: str) -> str:
    """The page as a reader outside the site opens it (an e-mail, a text message)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url}"


@transaction.atomic
def notifications_read(*, user: AbstractUser) -> None:
    now = timezone.now()
    for notification in unread_of(user.pk):
        notification.read_at = now
        save_with_history(notification, by=user)


def unread_of(user_pk: int) -> QuerySet[Notification]:
    """The user's unread messages, as the header's badge on every page counts them: the
    partial index ``notification_unread`` holds these rows alone, however many read ones
    the user keeps."""
    return Notification.objects.filter(user_id=user_pk, read_at__isnull=True)
