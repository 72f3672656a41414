"""A result's and a hazard's region follow their facility: a facility moved to another
region (by ``registry.services.facility_save`` or the admin) takes its results and its
hazards with it, each change recorded on the object. Connected in
``InspectionsConfig.ready``."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from core.audited import save_with_history
from inspections.hazards.models import Hazard
from inspections.publication.models import Publication
from registry.models import Facility


@receiver(post_save, sender=Facility, dispatch_uid="region_follows_facility")
def follow_facility(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    # Who moved the facility, when the saving service named them (else simple-history's
    # request user, as for any save).
    by = getattr(instance, "_history_user", None)
    for moved in (
        Publication.objects.filter(inspection__facility=instance),
        Hazard.objects.filter(facility=instance),
    ):
        for row in moved.exclude(region_id=instance.region_id).order_by("pk"):
            row.region_id = instance.region_id
            save_with_history(row, by=by, reason="moved with its facility")
