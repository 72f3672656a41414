"""A result's region follows its facility: a facility moved to another region (by
``registry.services.facility_save`` or the admin) takes its results with it, each
change recorded on the result. Connected in ``InspectionsConfig.ready``."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from core.audited import save_with_history
from inspections.publication.models import Publication
from registry.models import Facility


@receiver(post_save, sender=Facility, dispatch_uid="publication_region_follows_facility")
def follow_facility(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    moved = Publication.objects.filter(inspection__facility=instance).exclude(
        region_id=instance.region_id
    )
    # Who moved the facility, when the saving service named them (else simple-history's
    # request user, as for any save).
    by = getattr(instance, "_history_user", None)
    for publication in moved.order_by("pk"):
        publication.region_id = instance.region_id
        save_with_history(publication, by=by, reason="moved with its facility")
