"""What the inspection sub-domains share: who acted (for the ``*_by`` stamps) and
telling a facility's managers. Numbered series and notifications themselves are in
core (core.numbers, core.notifications)."""

from core.audited import Actor
from core.notifications import notify
from registry.models import Facility, User


def _user(by: Actor) -> User | None:
    return by if isinstance(by, User) and by.pk else None


def notify_managers(*, facility: Facility, text: str, by: Actor, url: str = "") -> None:
    """Tell every manager of ``facility``."""
    for manager in facility.managers.all():
        notify(user=manager, text=text, url=url, by=by)
