"""Who may read which recorded change: the one scope of the audit browser.

Every audit view reaches ``ChangeLog`` through ``changes_for``. A change is read
by the auditors of a region it was recorded in (``audit.places``); a change of
an object of no region (the checklist library, the calendar) by every auditor.
Changes about an inspection nobody outside the bureau may know of yet (see
``inspections.access.undisclosed_inspections``), and changes of a draw that
names facilities of such visits (``undisclosed_draws``), stay hidden until it is.
"""

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.http import Http404

from inspections import access
from inspections.access import auditor_required  # noqa: F401  (re-exported)

from .models import ChangeLog, ChangeRegion

# Beyond this many deleted region ids, the per-change test is cheaper than the list.
MAX_GAPS = 1000


def changes_for(user):
    """The ChangeLog rows ``user`` may read: one query with subqueries, so a page
    costs the same at any size."""
    if access.is_admin(user):
        return ChangeLog.objects.all()
    if not access.can_read_history(user):
        return ChangeLog.objects.none()
    # ChangeLog.object_id is text (it names objects of every model).
    hidden_draws = access.undisclosed_draws().annotate(key=Cast("pk", CharField())).values("key")
    return (
        ChangeLog.objects.filter(_placed_in(access.region_ids_for(user)))
        .exclude(inspection__in=access.undisclosed_inspections())
        .exclude(model="inspections.draw", object_id__in=hidden_draws)
    )


def _placed_in(region_ids):
    """The changes of no region, and those recorded in one of ``region_ids``.

    The ids are read beforehand (one query), so the test for each change is an index
    lookup, not the region tree's path test again. When they are every region, the
    test is turned around: every change but those whose regions were all deleted,
    a short list found once through the index on the region (the ids missing from
    the range of existing ones)."""
    placed = ChangeRegion.objects.filter(change=OuterRef("pk"))
    if not region_ids:
        return ~Exists(placed)
    mine = placed.filter(region_id__in=region_ids)
    if access.is_every_region(region_ids):
        low, high = min(region_ids), max(region_ids)
        gaps = sorted(set(range(low, high + 1)) - set(region_ids))
        if len(gaps) <= MAX_GAPS:
            elsewhere = ChangeRegion.objects.filter(
                Q(region_id__lt=low) | Q(region_id__gt=high) | Q(region_id__in=gaps)
            )
            mine_too = ChangeRegion.objects.filter(
                change=OuterRef("change"), region_id__in=region_ids
            )
            orphans = elsewhere.exclude(Exists(mine_too)).values("change")
            return ~Q(pk__in=orphans)
    return ~Exists(placed) | Exists(mine)


def more_than(user, changes, limit):
    """Whether ``changes`` (``changes_for(user)``, perhaps narrowed) are more than
    ``limit``. Those recorded in the user's own regions are counted first, from the
    index on the region: a county's changes are a sliver of a country's, and counting
    the first ``limit`` of the whole scope walks every region's changes by time to find
    the county's. Only when those are not enough is the whole scope counted (the
    changes of no region as well)."""
    region_ids = access.region_ids_for(user)
    if region_ids and not access.is_every_region(region_ids):
        own = ChangeRegion.objects.filter(region_id__in=region_ids).values("change")
        if changes.filter(pk__in=own).order_by()[: limit + 1].count() > limit:
            return True
    return changes[: limit + 1].count() > limit


def may_download_history(user, parameters):
    """A history file (audit.exports) is handed out only to an auditor who still reads
    every region they read when asking for it."""
    return access.can_read_history(user) and set(parameters.get("regions", [])) <= set(
        access.region_ids_for(user)
    )


def change_for_user(user, pk):
    try:
        return changes_for(user).select_related("user").get(pk=pk)
    except (ChangeLog.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
