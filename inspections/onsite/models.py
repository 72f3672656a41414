"""On site: inspections, their teams and checklists, answers and evidence photos."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from checklists.models import ChecklistVersion, Item
from checklists.scoring import Result
from core.audited import AuditedManager, AuditedQuerySet
from core.fields import user_field
from inspections.planning.models import Draw, Plan
from registry.models import Department, Facility, InspectorProfile, User


class Inspection(models.Model):
    """One visit to one facility: by a drawn team (routine, special), a team a
    bureau lead sends (case-triggered, re-inspection), or the facility itself
    (self-inspection)."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("Routine (日常)")
        SPECIAL = "special", _("Special campaign (专项)")
        CASE = "case", _("Case-triggered (个案)")
        SELF = "self", _("Self-inspection (自查)")
        REINSPECTION = "reinspection", _("Re-inspection (复查)")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("On site")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="inspections"
    )
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    draw = models.ForeignKey(
        Draw,
        verbose_name=_("draw"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unannounced = models.BooleanField(_("unannounced"), default=False)
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    status = fsm.FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    # Where it came from besides plan and draw: the complaint or lead of a
    # case-triggered inspection, the inspection a re-inspection follows up.
    source_note = models.TextField(_("complaint or lead"), blank=True)
    source_inspection = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reinspections",
    )
    created_by = user_field(_("opened by"), null=True, blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    notified_at = models.DateTimeField(_("facility notified at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    started_by = user_field(_("started by"), null=True, blank=True)
    start_latitude = models.DecimalField(
        _("latitude at start"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_longitude = models.DecimalField(
        _("longitude at start"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_accuracy = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    # What the phone's clock said when the inspector tapped start, perhaps offline and
    # long before the server accepted it (``started_at``); kept as the phone's claim.
    start_captured_at = models.DateTimeField(
        _("start time recorded on the phone"), null=True, blank=True
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = user_field(_("finished by"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    # The facility's acknowledgement of receipt (签收) or its refusal (拒签).
    signer_name = models.CharField(_("signed by (facility)"), max_length=100, blank=True)
    signature_text = models.CharField(_("typed signature"), max_length=100, blank=True)
    signature_image = models.TextField(_("drawn signature"), blank=True, editable=False)
    signature_refused = models.BooleanField(_("refused to sign"), default=False)
    signature_note = models.CharField(_("note on the signature"), max_length=500, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    cancelled_reason = models.CharField(_("why it was cancelled"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["window_start", "facility__name", "pk"]
        indexes = [
            # The dispatcher's sweep for drawn inspections past their window, every
            # minute: only the scheduled ones, not the years of inspections done.
            models.Index(
                fields=["window_end"],
                name="inspection_window_scheduled",
                condition=models.Q(status="scheduled", plan__isnull=False),
            ),
            # The unannounced inspections still to come (inspections.access
            # undisclosed_inspections), which every auditor's and manager's page leaves
            # out: a handful, read without scanning every inspection of the country.
            models.Index(
                fields=["id"],
                name="inspection_undisclosed",
                condition=models.Q(unannounced=True, status="scheduled"),
            ),
        ]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return _("Inspection of %(facility)s") % {"facility": self.facility}

    def get_absolute_url(self):
        return reverse("inspections:inspection_detail", args=[self.pk])

    @property
    def is_self(self):
        return self.kind == self.Kind.SELF

    @property
    def needs_notice(self):
        """Drawn inspections with notice: the facility hears 3 working days ahead."""
        return self.kind in (self.Kind.ROUTINE, self.Kind.SPECIAL) and not self.unannounced

    @property
    def is_signed(self):
        return bool(self.signed_at)

    @status.transition(source=Status.SCHEDULED, target=Status.IN_PROGRESS)
    def start(self, *, by: User | None) -> None:
        """Declared transition: a team member (or the manager, for a self-inspection)
        begins on site."""
        self.started_at = timezone.now()
        self.started_by = by

    @status.transition(source=Status.IN_PROGRESS, target=Status.FINISHED)
    def finish(self, *, by: User | None) -> None:
        """Declared transition: every answer given, the team confirmed, the facility
        signed or refused; the result is fixed and hazards registered."""
        self.finished_at = timezone.now()
        self.finished_by = by

    @status.transition(source=Status.SCHEDULED, target=Status.CANCELLED)
    def cancel(self):
        """Declared transition: not carried out, with ``cancelled_reason``: the draw that
        created it was voided, or the plan's window ended, before it started."""

    def may_start_on(self, day):
        """A drawn inspection starts within its plan's window only; one a lead or the
        facility opens (case, self, re-inspection) keeps no plan window."""
        return self.plan_id is None or self.window_start <= day <= self.window_end


class TeamMember(models.Model):
    """An inspector on an inspection's team, in draw order; replaced members stay, inactive."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="team"
    )
    inspector = models.ForeignKey(
        InspectorProfile,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    # In a joint inspection: the department the member was drawn for, whose items they
    # answer and confirm (blank: a single-department inspection, any item).
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    replaced_reason = models.CharField(_("why replaced"), max_length=500, blank=True)
    # A confirmation covers the answers as they were: a later change clears it.
    confirmed_at = models.DateTimeField(_("confirmed the record at"), null=True, blank=True)
    # When the member was last asked to confirm the complete record: asked once per
    # need, again only after a change voided their confirmation.
    confirmation_asked_at = models.DateTimeField(_("asked to confirm at"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "-active", "position"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self):
        return f"{self.inspector} @ {self.inspection_id}"


class InspectionChecklist(models.Model):
    """A checklist version the inspection uses, attributed to its department."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="checklists",
    )
    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.BooleanField(_("key item (重点)"), default=False)
    # In a joint inspection: the department whose members answer it (blank: any member).
    department = models.ForeignKey(
        Department,
        verbose_name=_("answering department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "-key", "pk"]
        verbose_name = _("inspection checklist")
        verbose_name_plural = _("inspection checklists")

    def __str__(self):
        return str(self.version)


class Answer(models.Model):
    """One checklist item answered on one inspection, saved on its own.

    ``revision`` counts saves: a save based on an older revision than the stored
    one is refused, so two inspectors cannot overwrite each other unseen.
    """

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="answers"
    )
    # Either a checklist item or an open hazard re-checked on site (复查).
    item = models.ForeignKey(
        Item,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rechecked_hazard = models.ForeignKey(
        "Hazard",
        verbose_name=_("hazard re-checked"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rechecks",
    )
    value = models.CharField(_("answer"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    location = models.CharField(_("exact location"), max_length=200, blank=True)
    # A failed item's deadline in working days: never longer than the item's default.
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"), null=True)
    corrected = models.BooleanField(_("corrected on the spot"), default=False)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    answered_by = user_field(_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="one_answer_per_item"),
            models.UniqueConstraint(
                fields=["inspection", "rechecked_hazard"], name="one_recheck_per_hazard"
            ),
            models.CheckConstraint(
                condition=models.Q(item__isnull=True) ^ models.Q(rechecked_hazard__isnull=True),
                name="answer_is_item_or_recheck",
            ),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.key}: {self.value}"

    @property
    def key(self):
        return answer_key(self.item_id, self.rechecked_hazard_id)


class Recheck(models.TextChoices):
    """Re-check of an open hazard on site (复查意见)."""

    FIXED = "fixed", _("Fixed")
    PARTLY = "partly", _("Partly fixed")
    NOT_FIXED = "not_fixed", _("Not fixed")


def answer_key(item_id=None, hazard_id=None):
    """The key an answer is posted under: ``i<item pk>`` or ``h<hazard pk>``."""
    return f"i{item_id}" if item_id else f"h{hazard_id}"


def evidence_storage():
    """Private storage for evidence: never mapped to a URL (see settings.STORAGES)."""
    from django.core.files.storage import storages

    return storages["evidence"]


# How far ahead of the server a camera's clock may run before its time is doubted.
CAMERA_CLOCK_SLACK = timedelta(minutes=15)


class PhotoQuerySet(AuditedQuerySet):
    def kept(self) -> "PhotoQuerySet":
        """Photos not removed: the ones that count for their answer and are shown."""
        return self.filter(removed_at=None)


# Named first: django-stubs' plugin follows from_queryset() only in an assignment.
_PhotoManagerBase = models.Manager.from_queryset(PhotoQuerySet)


class PhotoManager(_PhotoManagerBase):
    pass


class Photo(models.Model):
    """An evidence photo: the original kept unchanged and private, with the
    derivatives that are the only thing ever served.

    A photo taken by mistake is removed while the inspection is under way
    (``removed_at``, ``removed_by``, ``removed_reason``): it no longer counts for its
    answer nor shows anywhere (``Photo.objects.kept()``), but its files and row stay,
    because evidence is never destroyed."""

    class Purpose(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        AFTER = "after", _("After correction")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="photos"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    hazard = models.ForeignKey(
        "Hazard",
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    rectification = models.ForeignKey(
        "Rectification",
        verbose_name=_("rectification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.EVIDENCE
    )
    original = models.FileField(_("original"), storage=evidence_storage, upload_to="originals/")
    preview = models.FileField(_("preview"), storage=evidence_storage, upload_to="previews/")
    thumbnail = models.FileField(_("thumbnail"), storage=evidence_storage, upload_to="thumbs/")
    sha256 = models.CharField(_("SHA-256 of the original"), max_length=64)
    format = models.CharField(_("format"), max_length=10)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    # What the camera's clock said (EXIF), kept as evidence but never trusted: the
    # photo's time is ``uploaded_at``, when the server received it.
    camera_time = models.DateTimeField(
        _("time claimed by the camera (EXIF)"), null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude (EXIF)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (EXIF)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    uploaded_by = user_field(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = user_field(_("removed by"), null=True, blank=True)
    removed_reason = models.CharField(_("why it was removed"), max_length=500, blank=True)

    objects = PhotoManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.sha256[:12]} ({self.format})"

    @property
    def camera_time_doubtful(self):
        """Whether the camera's claimed time cannot be when the photo was taken: after
        it was received (beyond a clock running a little fast), or more than
        ``PHOTO_CAMERA_TIME_MAX_AGE_DAYS`` before."""
        if self.camera_time is None:
            return False
        earliest = self.uploaded_at - timedelta(days=settings.PHOTO_CAMERA_TIME_MAX_AGE_DAYS)
        return not earliest <= self.camera_time <= self.uploaded_at + CAMERA_CLOCK_SLACK

    @property
    def public_name(self):
        """Storage name of the copy shown on the public site: made from the original
        when a lead chooses the photo, stamped without the inspector's name."""
        return f"public/{self.pk}-{self.sha256[:16]}.jpg"


class EvidenceAccess(models.Model):
    """Who saw which evidence photo, and when (the access log auditors read)."""

    photo = models.ForeignKey(
        Photo, verbose_name=_("photo"), on_delete=models.PROTECT, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    variant = models.CharField(_("variant"), max_length=10)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("evidence access")
        verbose_name_plural = _("evidence accesses")

    def __str__(self):
        return f"{self.user} {self.variant} {self.photo_id}"


# ---------------------------------------------------------------- writes queued on the phone
#
# The two models below are technical records of the conversation with a phone, not
# domain records, so they keep no history (tests/test_history_coverage.py lists them):
# what they lead to (answers, photos, starts, signatures...) is saved by the services
# with its own history, in the same transaction.


class StoredResponse(models.Model):
    """The first answer the server gave to a write the phone queued under a client id
    (``X-Client-Id``): a repeat of the id by the same user gets it again, and nothing is
    written twice. Written once, in the transaction of the write it answers, and never
    changed: history would only copy each row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.UUIDField(_("client id"))
    # The path it was sent to: the same id sent elsewhere is not a repeat.
    endpoint = models.CharField(_("endpoint"), max_length=200)
    status = models.PositiveSmallIntegerField(_("HTTP status"))
    body = models.JSONField(_("JSON body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="one_response_per_client_id")
        ]
        verbose_name = _("stored response")
        verbose_name_plural = _("stored responses")

    def __str__(self):
        return f"{self.client_id} {self.status}"


class PhotoUpload(models.Model):
    """A photo sent in chunks, resumable after a cut: the declared size and SHA-256 of
    the original, how many bytes have arrived (``offset``) and, once all arrived and the
    hash matched, the photo made of them.

    The chunks are kept as numbered parts under ``temp_name`` in the evidence storage
    (object storage cannot append to a file), never the whole file in memory while it
    arrives; they are removed when the photo is made, or with the upload when it is left
    unfinished longer than ``PHOTO_UPLOAD_STALE_HOURS``. Transport state, changed by
    every chunk: no history (the photo it makes has its own)."""

    class State(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        DONE = "done", _("Done")

    client_id = models.UUIDField(_("client id"), default=uuid.uuid4)
    created_by = user_field(_("uploaded by"))
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="photo_uploads",
    )
    key = models.CharField(_("answer key"), max_length=20)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Photo.Purpose.choices, default=Photo.Purpose.EVIDENCE
    )
    size = models.PositiveIntegerField(_("declared size (bytes)"))
    sha256 = models.CharField(_("declared SHA-256"), max_length=64)
    name = models.CharField(_("file name on the phone"), max_length=200, blank=True)
    content_type = models.CharField(_("declared type"), max_length=100, blank=True)
    offset = models.PositiveIntegerField(_("bytes received"), default=0)
    temp_name = models.CharField(_("name of the parts in the evidence storage"), max_length=200)
    state = fsm.FSMField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVING)
    photo = models.OneToOneField(
        Photo,
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="upload",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_id"], name="one_upload_per_client_id"
            )
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="photo_upload_stale")]
        verbose_name = _("photo upload")
        verbose_name_plural = _("photo uploads")

    def __str__(self):
        return f"{self.client_id} {self.offset}/{self.size}"

    @state.transition(source=State.RECEIVING, target=State.DONE)
    def complete(self, *, photo: Photo) -> None:
        """Declared transition: every byte arrived, the hash matched and ``photo`` was
        made of them."""
        self.photo = photo
