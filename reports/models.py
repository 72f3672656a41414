"""The read-only API's keys. Only the API uses them: reports' first migration took them
over from registry with their rows, regions and history."""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audited import AuditedManager
from registry.models import Region, User


class ApiToken(models.Model):
    """A key for the read-only API (the provincial platform's pull), scoped to regions
    and everything below them. Only the SHA-256 of the key is stored: the key itself is
    shown once, when it is created (``manage.py api_token_create``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_sha256 = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), related_name="api_tokens")
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = AuditedManager()
    # Use stamps are not changes of the token: history records creation and revocation.
    history = HistoricalRecords(m2m_fields=[regions], excluded_fields=["last_used_at"])
    # django-simple-history's switch, set while a use is stamped (reports.tokens).
    skip_history_when_saving: bool

    class Meta:
        ordering = ["name"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        # The key is 256 random bits, so a plain SHA-256 cannot be brute-forced.
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def region_paths(self) -> list[str]:
        """Paths of the token's regions (cached on the instance for one request)."""
        if not hasattr(self, "_region_paths"):
            self._region_paths = list(self.regions.values_list("path", flat=True))
        return self._region_paths
