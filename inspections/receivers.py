"""A result's and a hazard's region follow their facility: a facility moved to another
region (by ``registry.services.facility_save`` or the admin) takes its results and its
hazards with it, each change recorded on the object. Connected in
``InspectionsConfig.ready``."""

from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from core.audited import save_with_history
from inspections.hazards.models import Hazard
from inspections.publication.models import Publication
from registry.models import Facility


def _following(facility):
    """The facility's results and hazards not in its region, locked when the save is
    part of a transaction (a plain save outside one has nothing to keep them for)."""
    rows = []
    for moved in (
        Publication.objects.filter(inspection__facility=facility),
        Hazard.objects.filter(facility=facility),
    ):
        moved = moved.exclude(region_id=facility.region_id).order_by("pk")
        if connection.in_atomic_block:
            moved = moved.select_for_update(of=("self",))
        rows += list(moved)
    return rows


@receiver(pre_save, sender=Facility, dispatch_uid="region_follows_facility_lock")
def lock_followers(sender, instance, raw=False, **kwargs):
    # Before the facility's own history row takes the audit chain's head: every service
    # locks its rows first and the head last, so a request changing one of these hazards
    # meanwhile is waited for (and read as it left it), not deadlocked with.
    if raw or instance.pk is None:
        return
    instance._region_followers = _following(instance)


@receiver(post_save, sender=Facility, dispatch_uid="region_follows_facility")
def follow_facility(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    # Who moved the facility, when the saving service named them (else simple-history's
    # request user, as for any save).
    by = getattr(instance, "_history_user", None)
    for row in instance.__dict__.pop("_region_followers", []):
        row.region_id = instance.region_id
        save_with_history(row, by=by, reason="moved with its facility")
