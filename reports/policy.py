"""Who may see and download the staff export jobs: the one place these rules live.

- A job is its requester's alone, and only while they may use its kind (a lead's hazard
  register, an auditor's change history: core.exportkinds); to anyone else it does not
  exist (404).
- Its file holds what the requester saw when asking: it is handed out only while the
  kind says they still see all of it (a lead moved to another county loses the files of
  the old one).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import exportkinds
from inspections import access

from .models import ExportJob


def may_use_exports(user):
    return user.is_authenticated and bool(exportkinds.usable_by(user))


def exports_required(view):
    """View decorator: log-in required, and a role with an export of its own."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_use_exports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def export_jobs_for(user):
    if not user.is_authenticated:
        return ExportJob.objects.none()
    kinds = exportkinds.usable_by(user)
    if not kinds:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user, kind__in=kinds)


def export_job_for_user(user, pk):
    try:
        return export_jobs_for(user).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_download(user, job):
    return exportkinds.get(job.kind).may_download(user, job.parameters)


def hazards_may_download(user, parameters):
    """A hazard file is handed out only while its requester still sees every region it
    covers (the hazards kind's rule, reports.jobs)."""
    return set(parameters.get("regions", [])) <= set(access.region_ids_for(user))
