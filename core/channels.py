"""Where a notification goes besides the in-app inbox: the channels named in
``settings.NOTIFY_CHANNELS`` (dotted paths of classes with one method,
``send(message)``), run in order once the action that notified has committed.

A channel that fails is logged and skipped: the action is done by then, and the
other channels still run. docs/deployment.md "Notifications: e-mail and other
channels" shows how to write one (an SMS gateway, a messaging app)."""

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core import checks
from django.core.mail import send_mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationMessage:
    """What a channel is given. The contact details stay out of ``repr`` so that a
    message logged by mistake shows no address or number."""

    user_id: int
    text: str
    # Absolute (``SITE_URL`` + the page), or "" for a notification without a page.
    link: str
    email: str = field(default="", repr=False)
    # The user's phone as recorded (User.phone): a mobile or a landline.
    phone: str = field(default="", repr=False)


def masked_phone(phone: str) -> str:
    """138****5678: enough to tell numbers apart in a log, not to call one."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def _without_query(link: str) -> str:
    # A query string or fragment may carry a token; the page's path is what a log needs.
    parts = urlsplit(link)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class LogChannel:
    """The default: writes each notification to the log (logger ``core.channels``,
    level INFO), with the phone masked and the link without its query string."""

    def send(self, message: NotificationMessage) -> None:
        phone = f" (phone {masked_phone(message.phone)})" if message.phone else ""
        logger.info(
            "notification to user %s%s: %s %s",
            message.user_id,
            phone,
            message.text,
            _without_query(message.link),
        )


class EmailChannel:
    """An e-mail through Django's mail settings (``EMAIL_*``) to users with an
    address: the whole text, then the link on a line of its own."""

    def send(self, message: NotificationMessage) -> None:
        if not message.email:
            return
        body = f"{message.text}\n\n{message.link}" if message.link else message.text
        send_mail(_("Elderly-care safety supervision"), body, None, [message.email])


def deliver(message: NotificationMessage) -> None:
    """Hand ``message`` to every configured channel; one failing does not stop the rest."""
    for path in settings.NOTIFY_CHANNELS:
        try:
            import_string(path)().send(message)
        except Exception:
            # The action has committed: a broken gateway must not turn it into an error
            # page, nor keep the user's other channels from being tried.
            logger.exception("notification channel %s failed for user %s", path, message.user_id)


@checks.register()
def notify_channels(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """A mistyped channel would only show as an error in the log at each notification:
    ``manage.py check`` (and so every start) names it instead."""
    errors: list[checks.CheckMessage] = []
    for path in settings.NOTIFY_CHANNELS:
        try:
            channel = import_string(path)
        except ImportError as error:
            errors.append(
                checks.Error(
                    f"NOTIFY_CHANNELS names {path!r}, which cannot be imported: {error}",
                    id="core.E001",
                )
            )
            continue
        if not callable(getattr(channel, "send", None)):
            errors.append(
                checks.Error(
                    f"NOTIFY_CHANNELS names {path!r}, which has no send(message) method.",
                    id="core.E002",
                )
            )
    return errors
