"""Write guards for audited models.

django-simple-history records a row per ``save()`` and ``delete()``. Queryset
``update()``, ``bulk_create()`` and ``bulk_update()`` bypass it, so on audited
models they raise instead of silently writing unrecorded changes.
"""

from django.contrib.auth.models import UserManager
from django.db import models


class UnauditedWriteError(RuntimeError):
    pass


class AuditedQuerySet(models.QuerySet):
    def _refuse(self, what):
        raise UnauditedWriteError(
            f"{what}() on {self.model.__name__} would write no history; "
            "save each object instead (see core.audited)."
        )

    def update(self, **kwargs):
        self._refuse("update")

    def bulk_create(self, *args, **kwargs):
        self._refuse("bulk_create")

    def bulk_update(self, *args, **kwargs):
        self._refuse("bulk_update")


class AuditedManager(models.Manager.from_queryset(AuditedQuerySet)):
    pass


class AuditedUserManager(UserManager.from_queryset(AuditedQuerySet)):
    pass


# django-simple-history's change reason column holds 100 characters. A longer reason
# (a draw voided with a user's full sentence) stays whole on the object itself.
CHANGE_REASON_CHARS = 100


def save_with_history(obj, *, by=None, reason=None):
    """Save ``obj`` recording ``by`` as the user and ``reason`` as the change reason."""
    if by is not None and getattr(by, "is_authenticated", False):
        obj._history_user = by
    if reason:
        reason = str(reason)
        if len(reason) > CHANGE_REASON_CHARS:
            reason = reason[: CHANGE_REASON_CHARS - 1] + "…"
        obj._change_reason = reason
    obj.save()
    return obj
