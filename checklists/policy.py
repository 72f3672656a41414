"""Who may read, edit and publish checklists: the one place these rules live.

Views ask it which pages and buttons to offer; services enforce it when they are
given the acting user (``by``). A service called with ``by=None`` is a management
command run by the operator (the library loader, ``import_checklist``) and is not
checked here.

- Every staff role reads every checklist.
- Bureau leads (and administrators) author: they edit drafts of their own
  regions' templates and drafts of shared templates (templates with no owning
  region: the standard library every county uses).
- Publishing a shared template, or creating one, needs the permission
  ``checklists.publish_shared_template``, which an administrator grants to a user
  or a group (e.g. the provincial bureau's staff). A lead without it submits the
  draft for approval instead.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from registry import access

PUBLISH_SHARED = "checklists.publish_shared_template"

reader_required = access.member_required
author_required = access.lead_required


def _permission_name():
    return _("Publish shared checklists")


def can_author(user):
    """May create checklists and edit drafts at all (each template decides further)."""
    return access.can_lead(user)


def may_publish_shared(user):
    return can_author(user) and user.has_perm(PUBLISH_SHARED)


def template_regions(user):
    """Regions the user may own a template for."""
    if not can_author(user):
        return access.regions_for(user).none()
    return access.regions_for(user)


def _owns(user, template):
    return access.is_admin(user) or template_regions(user).filter(pk=template.region_id).exists()


def create_refusal(user, region):
    """Why ``user`` may not create a template owned by ``region`` (None: shared), or None."""
    if not can_author(user):
        return _("Only bureau leads create checklists.")
    if region is None:
        if not may_publish_shared(user):
            return _(
                "Creating a shared checklist needs the permission “%(permission)s”; "
                "ask an administrator."
            ) % {"permission": _permission_name()}
        return None
    if not template_regions(user).filter(pk=region.pk).exists():
        return _("You cannot create checklists for %(region)s.") % {"region": region.name}
    return None


def edit_refusal(user, template):
    """Why ``user`` may not change drafts of ``template``, or None."""
    if not can_author(user):
        return _("Only bureau leads change checklists.")
    if not template.is_shared and not _owns(user, template):
        return _("This checklist belongs to %(region)s; only its bureau leads change it.") % {
            "region": template.region.name
        }
    return None


def publish_refusal(user, template):
    """Why ``user`` may not publish versions of ``template``, or None."""
    refusal = edit_refusal(user, template)
    if refusal is None and template.is_shared and not user.has_perm(PUBLISH_SHARED):
        refusal = _(
            "Publishing a shared checklist needs the permission “%(permission)s”; "
            "ask an administrator."
        ) % {"permission": _permission_name()}
    return refusal


def can_edit(user, template):
    return edit_refusal(user, template) is None


def can_publish(user, template):
    return publish_refusal(user, template) is None


def can_submit(user, template):
    """Submitting for approval is how an author who may not publish asks someone who may."""
    return can_edit(user, template) and not can_publish(user, template)


def require(refusal):
    """Raise PermissionDenied with ``refusal`` as its message, if there is one."""
    if refusal is not None:
        raise PermissionDenied(refusal)
