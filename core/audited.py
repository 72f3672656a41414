"""Write guards for audited models.

django-simple-history records a row per ``save()`` and ``delete()``. Queryset
``update()``, ``bulk_create()`` and ``bulk_update()`` bypass it, so on audited
models they raise instead of silently writing unrecorded changes;
``bulk_create_with_history`` is the one bulk write that records them.
"""

from collections.abc import Sequence
from typing import Any, NoReturn, TypeAlias, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, UserManager
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone


class UnauditedWriteError(RuntimeError):
    pass


class AuditedQuerySet(models.QuerySet):
    def _refuse(self, what: str) -> NoReturn:
        raise UnauditedWriteError(
            f"{what}() on {self.model.__name__} would write no history; "
            "save each object instead (see core.audited)."
        )

    def update(self, **kwargs: Any) -> NoReturn:
        self._refuse("update")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("bulk_create")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("bulk_update")


# Named first: django-stubs' plugin follows from_queryset() only in an assignment.
_AuditedManagerBase = models.Manager.from_queryset(AuditedQuerySet)


class AuditedManager(_AuditedManagerBase):
    pass


# The plugin cannot build this one (UserManager is generic in django-stubs).
class AuditedUserManager(UserManager.from_queryset(AuditedQuerySet)):  # type: ignore[misc]
    pass


# django-simple-history's change reason column holds 100 characters. A longer reason
# (a draw voided with a user's full sentence) stays whole on the object itself.
CHANGE_REASON_CHARS = 100

# Who acts: a person, the public (anonymous) or, as None, the system.
Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None

_Saved = TypeVar("_Saved", bound=models.Model)


def set_history_user(obj: models.Model, by: Actor) -> None:
    """Name ``by`` as the user of ``obj``'s next history row, for the writes that take
    no user of their own: ``delete()`` and many-to-many changes."""
    # django-simple-history reads this attribute; the model does not declare it.
    obj._history_user = by  # type: ignore[attr-defined]


def save_with_history(obj: _Saved, *, by: Actor = None, reason: str | None = None) -> _Saved:
    """Save ``obj`` recording ``by`` as the user and ``reason`` as the change reason."""
    if by is not None and getattr(by, "is_authenticated", False):
        set_history_user(obj, by)
    if reason:
        reason = str(reason)
        if len(reason) > CHANGE_REASON_CHARS:
            reason = reason[: CHANGE_REASON_CHARS - 1] + "…"
        # Read by django-simple-history, like _history_user.
        obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()
    return obj


# Sent with ``pairs``, [(object, its historical record)], after a bulk write: what
# simple-history's post_create_historical_record is to one save. The audit index
# (audit.signals) records the rows and their chain links in one go.
history_bulk_created = Signal()


def bulk_create_with_history(objs: Sequence[_Saved], *, by: Actor = None) -> Sequence[_Saved]:
    """Insert new ``objs`` (of one model) with a history row each, as many saves would
    record them (user ``by``, type "+"), in a handful of queries: for the dispatcher's
    bursts. Needs a database that returns the new primary keys (PostgreSQL, SQLite
    3.35 or later)."""
    if not objs:
        return objs
    model = type(objs[0])
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        # The plain queryset: the audited one refuses, since it cannot add the history.
        models.QuerySet[_Saved](model).bulk_create(objs)
        assert all(obj.pk for obj in objs), "the database returned no primary keys"
        records = model.history.bulk_history_create(  # type: ignore[attr-defined]
            objs, default_user=user, default_date=timezone.now()
        )
        history_bulk_created.send(sender=model, pairs=list(zip(objs, records, strict=True)))
    return objs
