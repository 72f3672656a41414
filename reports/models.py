"""The read-only API's keys (only the API uses them: reports' first migration took them
over from registry with their rows, regions and history) and the staff export jobs."""

import hashlib
from datetime import datetime, timedelta

from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from core.audited import AuditedManager
from core.fields import user_field
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

    def covers_every_region(self) -> bool:
        """Whether the token's regions include every top-level region (all the data)."""
        paths = set(self.region_paths())
        if not any(path.count("/") == 1 for path in paths):
            return False  # no top-level region among them: asked without a query
        return not Region.objects.filter(parent=None).exclude(path__in=paths).exists()

    def region_paths(self) -> list[str]:
        """Paths of the token's regions (cached on the instance for one request)."""
        if not hasattr(self, "_region_paths"):
            self._region_paths = list(self.regions.values_list("path", flat=True))
        return self._region_paths


def export_storage():
    """Private storage of finished exports (settings.STORAGES "documents": no URL, never
    served by nginx): a file of the register names people, so only the download view,
    which checks who asks, hands it out."""
    return storages["documents"]


class ExportJob(models.Model):
    """A staff export too large to build inside a request, built by ``manage.py
    export_worker`` and kept for ``EXPORT_KEEP_HOURS`` for the one who asked."""

    class Kind(models.TextChoices):
        HAZARDS = "hazards", _("Hazard register")
        # Registered by the audit room (core.exportkinds): reports never imports it.
        AUDIT_HISTORY = "audit_history", _("Change history")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting in the queue")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Export failed")
        EXPIRED = "expired", _("Expired")

    requested_by = user_field(_("requested by"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What to export, as the request's form chose it (for hazards: region id, status,
    # format); the requester's scope is applied again when the job runs.
    parameters = models.JSONField(_("parameters"), default=dict)
    # The language of the request: the worker writes the job's messages in it.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = fsm.FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(
        _("file"), storage=export_storage, upload_to="exports/", max_length=200, blank=True
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    objects = AuditedManager()
    # Progress stamps are not changes of the job: history records its status changes.
    history = HistoricalRecords(excluded_fields=["rows_done"])
    # django-simple-history's switch, set while progress is stamped (reports.jobs).
    skip_history_when_saving: bool

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [
            # The worker's query: the oldest queued job first.
            models.Index(
                fields=["created_at"], name="exportjob_queued", condition=Q(status="queued")
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("reports_staff:export_job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @status.transition(source=Status.QUEUED, target=Status.RUNNING)
    def start(self, *, at: datetime) -> None:
        """Declared transition: a worker claimed the job."""
        self.started_at = at

    @status.transition(source=Status.RUNNING, target=Status.DONE)
    def finish(self, *, at: datetime, keep: timedelta) -> None:
        """Declared transition: the file is written and kept until ``at + keep``."""
        self.finished_at = at
        self.expires_at = at + keep

    @status.transition(source=[Status.QUEUED, Status.RUNNING], target=Status.FAILED)
    def fail(self, *, at: datetime, error: str) -> None:
        """Declared transition: the export could not be written; no file is kept."""
        self.finished_at = at
        self.error = error[:300]

    @status.transition(source=Status.DONE, target=Status.EXPIRED)
    def expire(self) -> None:
        """Declared transition: the kept file was removed after ``EXPORT_KEEP_HOURS``."""
