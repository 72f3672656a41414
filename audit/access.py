"""Who may read which recorded change: the one scope of the audit browser.

Every audit view reaches ``ChangeLog`` through ``changes_for``. A change is read
by the auditors of a region it was recorded in (``audit.places``); a change of
an object of no region (the checklist library, the calendar) by every auditor.
Changes about an inspection nobody outside the bureau may know of yet (see
``inspections.access.undisclosed_inspections``), and changes of a draw that
names facilities of such visits (``undisclosed_draws``), stay hidden until it is.
"""

from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.http import Http404

from inspections import access
from inspections.access import auditor_required  # noqa: F401  (re-exported)

from .models import ChangeLog, ChangeRegion


def changes_for(user):
    """The ChangeLog rows ``user`` may read: one query with subqueries, so a page
    costs the same at any size."""
    if access.is_admin(user):
        return ChangeLog.objects.all()
    if not access.can_read_history(user):
        return ChangeLog.objects.none()
    placed = ChangeRegion.objects.filter(change=OuterRef("pk"))
    mine = placed.filter(region__in=access.regions_for(user))
    # ChangeLog.object_id is text (it names objects of every model).
    hidden_draws = access.undisclosed_draws().annotate(key=Cast("pk", CharField())).values("key")
    return (
        ChangeLog.objects.filter(~Exists(placed) | Exists(mine))
        .exclude(inspection__in=access.undisclosed_inspections())
        .exclude(model="inspections.draw", object_id__in=hidden_draws)
    )


def change_for_user(user, pk):
    try:
        return changes_for(user).select_related("user").get(pk=pk)
    except (ChangeLog.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
