"""Staff exports as background jobs (``ExportJob``): requested by a view, claimed and
written by ``manage.py export_worker``, kept ``EXPORT_KEEP_HOURS``, then removed.

A job is claimed under a row lock that other workers skip, so two workers never run one
job. The file is written as the rows are read (reports.exports) to a temporary file, then
saved to the private export storage; progress is stamped every ``exports.BATCH`` rows in
its own short write, so the job's page can show it while the export runs."""

import logging
import tempfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from core import exportkinds
from core.audited import save_with_history
from core.notifications import notify
from core.timefmt import for_people
from inspections import access
from inspections.hazards.models import Hazard
from registry.models import Region, User

from . import exports, policy
from .models import ExportJob

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- what a job exports


def hazard_parameters(
    *, user: User, region: Region | None, status: str, fmt: str
) -> dict[str, Any]:
    """The parameters of a hazard export chosen in the form, with the ids of the regions
    the user sees now: the file may hold no other region's hazards (reports.policy)."""
    return {
        "region": region.pk if region else None,
        "status": status or "",
        "format": fmt,
        "regions": access.region_ids_for(user),
    }


def hazards_chosen(user: User, parameters: dict[str, Any]) -> QuerySet[Hazard]:
    """The hazards a hazard export of ``parameters`` holds for ``user``, read through
    the access module every time (a job runs later than it was asked for)."""
    region = None
    if parameters.get("region"):
        region = Region.objects.filter(pk=parameters["region"]).first()
        if region is None:
            return Hazard.objects.none()
    hazards = exports.filtered(
        access.hazards_for(user), region=region, status=parameters.get("status")
    )
    return hazards.filter(facility__region_id__in=parameters["regions"])


HAZARDS = exportkinds.ExportKind(
    name=ExportJob.Kind.HAZARDS,
    may_use=access.can_lead,
    count=lambda user, parameters: hazards_chosen(user, parameters).count(),
    chunks=lambda user, parameters, progress: exports.chunks(
        hazards_chosen(user, parameters), parameters["format"], progress=progress
    ),
    may_download=policy.hazards_may_download,
    formats=exports.CONTENT_TYPES,
    refused=gettext_lazy("You may no longer export the hazard register."),
    start_url="reports_staff:hazard_export",
    start_label=gettext_lazy("Export the hazard register"),
)


def export_filename(job: ExportJob) -> str:
    stamp = timezone.localdate(job.finished_at or timezone.now()).isoformat()
    return f"{job.kind}-{stamp}.{job.parameters['format']}"


# ---------------------------------------------------------------- the job's life


@transaction.atomic
def job_request(
    *, by: User, kind: str, parameters: dict[str, Any], rows_total: int = 0
) -> ExportJob:
    """Queue an export for ``by``; the worker writes it. A kind no room registered
    (core.exportkinds), or a format the kind does not write, is a programming error."""
    if kind not in ExportJob.Kind.values or parameters.get("format") not in (
        exportkinds.get(kind).formats
    ):
        raise ValueError(f"no export {kind!r} in {parameters.get('format')!r}")
    job = ExportJob(
        requested_by=by,
        kind=kind,
        parameters=parameters,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rows_total=rows_total,
    )
    return save_with_history(job, by=by)


@transaction.atomic
def job_claim() -> ExportJob | None:
    """The oldest queued job, now running, or None. A job another worker is claiming
    at this moment is skipped, not waited for, and never claimed twice."""
    job = (
        ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=ExportJob.Status.QUEUED)
        .order_by("created_at", "pk")
        .first()
    )
    if job is None:
        return None
    job.start(at=timezone.now())
    return save_with_history(job)


def job_run(job: ExportJob) -> None:
    """Write the file of a claimed (running) job, then mark it done and tell its
    requester; on any error mark it failed, keep no file and log the traceback."""
    with translation.override(job.language):
        user, kind = job.requested_by, exportkinds.get(job.kind)
        if not (user.is_active and kind.may_use(user)):
            _job_failed(job, str(kind.refused))
            return
        try:
            name = _write(job)
        except Exception:
            # The person reads a sentence; the operator reads the traceback in the log.
            logger.exception("Export job %s failed", job.pk)
            _remove_files(job)
            _job_failed(
                job,
                gettext(
                    "The export could not be written. Try again later; if it fails again, "
                    "tell the administrator (export job %(id)s)."
                )
                % {"id": job.pk},
            )
            return
        try:
            _job_done(job, name)
        except BaseException:
            _remove_files(job)
            raise


def _folder(job: ExportJob) -> str:
    # One folder per job: names never collide, and a failed job's leftovers are found.
    return f"exports/{job.pk}"


def _write(job: ExportJob) -> str:
    """The job's file saved to the export storage; its name there."""
    kind = exportkinds.get(job.kind)
    job.rows_total = kind.count(job.requested_by, job.parameters)
    _stamp_progress(job, 0)
    pieces = kind.chunks(job.requested_by, job.parameters, lambda n: _stamp_progress(job, n))
    with tempfile.TemporaryFile() as spool:
        spool.writelines(pieces)
        spool.seek(0)
        return job.file.storage.save(f"{_folder(job)}/{export_filename(job)}", File(spool))


def _remove_files(job: ExportJob) -> None:
    storage = job.file.storage
    try:
        _dirs, files = storage.listdir(_folder(job))
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{_folder(job)}/{name}")


def _stamp_progress(job: ExportJob, rows_done: int) -> None:
    # Not a change of the job (history leaves it out): a plain save of two counters,
    # committed at once so the job's page sees it while the export runs.
    job.rows_done = rows_done
    job.skip_history_when_saving = True
    try:
        job.save(update_fields=["rows_done", "rows_total"])
    finally:
        del job.skip_history_when_saving


@transaction.atomic
def _job_done(job: ExportJob, name: str) -> None:
    job.file.name = name
    job.finish(at=timezone.now(), keep=timedelta(hours=settings.EXPORT_KEEP_HOURS))
    save_with_history(job)
    notify(
        user=job.requested_by,
        text=gettext(
            "Your export of the %(kind)s is ready (%(rows)s rows). Download it before %(until)s."
        )
        % {
            "kind": job.get_kind_display(),
            "rows": job.rows_done,
            "until": for_people(job.expires_at),
        },
        url=job.get_absolute_url(),
    )


@transaction.atomic
def _job_failed(job: ExportJob, message: str) -> None:
    job.fail(at=timezone.now(), error=message)
    save_with_history(job)
    notify(
        user=job.requested_by,
        text=gettext("Your export of the %(kind)s failed: %(error)s")
        % {"kind": job.get_kind_display(), "error": message},
        url=job.get_absolute_url(),
    )


def jobs_drain() -> int:
    """Run queued jobs one after another until none is left; how many ran. A worker
    stopped in the middle of a job (Ctrl-C, systemctl stop) fails it before it exits,
    so its requester is told at once rather than after ``EXPORT_KEEP_HOURS``."""
    ran = 0
    while (job := job_claim()) is not None:
        try:
            job_run(job)
        except (KeyboardInterrupt, SystemExit):
            _job_abandon(job.pk)
            raise
        ran += 1
    return ran


def jobs_expire(*, now: datetime | None = None) -> int:
    """Remove the files kept longer than ``EXPORT_KEEP_HOURS`` and mark their jobs
    expired; fail the jobs left running that long (their worker was stopped). How many
    jobs it changed."""
    now = now or timezone.now()
    stale = now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    changed = 0
    due = ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        changed += _job_expire(pk, now=now)
    left = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, started_at__lte=stale)
    for pk in list(left.values_list("pk", flat=True)):
        changed += _job_abandon(pk)
    return changed


def _locked(pk: int, status: str) -> ExportJob | None:
    return (
        ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=pk, status=status)
        .first()
    )


@transaction.atomic
def _job_expire(pk: int, *, now: datetime) -> int:
    job = _locked(pk, ExportJob.Status.DONE)
    if job is None or (job.expires_at is not None and job.expires_at > now):
        return 0
    name, storage = job.file.name, job.file.storage
    job.expire()
    save_with_history(job)
    # Removed once the job says so: a rolled-back expiry keeps its file.
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    return 1


@transaction.atomic
def _job_abandon(pk: int) -> int:
    job = _locked(pk, ExportJob.Status.RUNNING)
    if job is None:
        return 0
    _remove_files(job)
    with translation.override(job.language):
        _job_failed(
            job,
            gettext("The export was interrupted before it was finished. Ask for it again."),
        )
    return 1
