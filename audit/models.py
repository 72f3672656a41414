"""One row per recorded change, across every audited model.

django-simple-history keeps a history table per model; this index lets an
auditor browse, filter and export all of them in one paginated list, and
stores each change's field-by-field difference when it is recorded.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    # {field name: [before, after]} as display strings.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.model} {self.object_repr}"
