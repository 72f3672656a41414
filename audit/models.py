"""One row per recorded change, across every audited model.

django-simple-history keeps a history table per model; this index lets an
auditor browse, filter and export all of them in one paginated list, and
stores each change's field-by-field difference when it is recorded, with the
regions the change belongs to and the inspection it is about (see
``audit.places``), which decide who may read it (``audit.access``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inspections.onsite.models import Inspection
from registry.models import Region


class ChangeLog(models.Model):
    class Action(models.TextChoices):
        CREATED = "+", _("created")
        CHANGED = "~", _("changed")
        DELETED = "-", _("deleted")

    at = models.DateTimeField(_("time"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    model = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    action = models.CharField(_("action"), max_length=1, choices=Action.choices)
    history_id = models.BigIntegerField()
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # {field name: [before, after]} as display strings; a many-to-many field holds
    # [[names before], [names after]].
    changes = models.JSONField(_("changes"), default=dict)
    # The regions whose auditors may read the change, as they were when it was
    # recorded; none for objects that belong to no region (checklists, the calendar).
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), through="ChangeRegion", related_name="+"
    )
    # The inspection the change is about: hidden while that inspection is undisclosed.
    # No constraint: history outlives what it describes.
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    # The tamper-evident chain (audit.chain): the row's place in it, the regions it
    # was recorded with (its ChangeRegion rows may grow later: a row recorded before
    # its object had a region adopts the first it gets) and its link.
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True, null=True)
    region_ids = models.JSONField(_("regions when recorded"), default=list)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.model} {self.object_repr}"


class ChangeRegion(models.Model):
    """A region a change belongs to. Without a constraint on the region: deleting a
    region must neither fail on its history nor take its history's scope with it
    (a change pointing at a deleted region stays out of every auditor's scope)."""

    change = models.ForeignKey(ChangeLog, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change", "region"], name="change_region_once")
        ]

    def __str__(self):
        return f"{self.change_id} @ {self.region_id}"


class ChainHead(models.Model):
    """The end of the chain: one row (pk 1), locked by each append (audit.chain)."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"{self.seq} {self.hash}"


class ChainSeal(models.Model):
    """The chain's head at a moment, published: the past up to ``seq`` can no longer be
    rewritten without disagreeing with it."""

    seq = models.PositiveBigIntegerField(_("sequence number"))
    hash = models.CharField(_("hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"))

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("seal")
        verbose_name_plural = _("seals")

    def __str__(self):
        return f"{self.seq} {self.hash}"
