"""Who may see and download the staff export jobs: the one place these rules live.

- A job is its requester's alone, and only while they may use the lead's pages; to
  anyone else it does not exist (404).
- Its file holds the hazards of the regions the requester saw when asking: it is handed
  out only while they still see every one of them (a lead moved to another county loses
  the files of the old one).
"""

from django.http import Http404

from inspections import access

from .models import ExportJob


def export_jobs_for(user):
    if not access.can_lead(user):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user)


def export_job_for_user(user, pk):
    try:
        return export_jobs_for(user).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_download(user, job):
    return set(job.parameters.get("regions", [])) <= set(access.region_ids_for(user))
