"""The one access module: every view and list reaches domain objects through it.

Inspectors, bureau leads and auditors are scoped to their regions and every
region below; facility managers to the facilities they manage; administrators
see everything. An object outside the scope is answered with 404, never 403, so
its existence is not revealed. A role that may not use a page at all gets 403.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .models import Facility, InspectorProfile, Licence, Region, User

Role = User.Role
REGION_ROLES = (Role.INSPECTOR, Role.LEAD, Role.AUDITOR)

# Named groups of roles: views and the other policy modules name a group or ask a
# predicate below; nothing outside the policy layer compares a user's role.
STAFF = REGION_ROLES
EVERYONE = (*STAFF, Role.MANAGER)


def is_admin(user):
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN)


def administrators():
    """Every account ``is_admin`` holds for, as a queryset (for filtering rows by who
    wrote them)."""
    return User.objects.filter(Q(is_superuser=True) | Q(role=Role.ADMIN))


def has_role(user, *roles):
    return user.is_authenticated and (is_admin(user) or user.role in roles)


def is_lead(user):
    """A bureau lead acting in the domain (decides, signs off, publishes).
    Administrators run the site; they are not actors of the supervision itself."""
    return user.is_authenticated and user.role == Role.LEAD


def is_inspector(user):
    return user.is_authenticated and user.role == Role.INSPECTOR


def is_manager(user):
    return user.is_authenticated and user.role == Role.MANAGER


def can_lead(user):
    """Whether the user may use the bureau lead's pages (administrators too)."""
    return has_role(user, Role.LEAD)


def can_use_app(user):
    """Every role with work here: staff and facility managers."""
    return has_role(user, *EVERYONE)


def can_read_staff_pages(user):
    return has_role(user, *STAFF)


def can_see_conflicts(user):
    """Declared conflicts of interest are for the bureau and its auditors."""
    return has_role(user, Role.LEAD, Role.AUDITOR)


def can_read_history(user):
    return has_role(user, Role.AUDITOR)


def active_leads():
    """Every active bureau lead account (callers narrow it to a region)."""
    return User.objects.filter(role=Role.LEAD, is_active=True)


def role_required(*roles):
    """View decorator: log-in required, and one of ``roles`` (administrators always)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def own_regions(user):
    """The regions the user is assigned to, read once per request (the user object
    lives as long as the request): the scope's paths and the pages share the query."""
    if not hasattr(user, "_own_regions"):
        user._own_regions = list(user.regions.all())
    return user._own_regions


def _region_paths(user):
    return [region.path for region in own_regions(user)]


# Up to this many regions in a scope (a county and its townships, a city), rows are
# filtered by the region ids themselves; a province's thousand and more would cost more
# to pass (Django builds each parameter, ~6 ms a thousand) than the subquery they replace.
LISTED_REGIONS = 200
# Regions at this depth of the tree or above (1 a province, 2 a city) always take the
# subquery.
WIDE_LEVEL = 2


def region_q(user, field="region"):
    """A Q matching rows whose ``field`` (a Region FK) lies in the user's regions.

    The regions are resolved first (one query per request, kept on the user): the big
    table is then filtered on its indexed foreign key with the ids themselves, or for a
    wide scope with a subquery on the region path (``in_array``: on PostgreSQL an array
    read once, then the key's index), never by joining the region tree and testing each
    row's path, which lets the planner scan every facility."""
    ids = _scope_region_ids(user)
    if ids is None:
        subquery = Region.objects.filter(_paths_q(user)).order_by().values("pk")
        return Q(**{f"{field}__in_array": subquery})
    return Q(**{f"{field}__in": ids})


def _scope_region_ids(user):
    """The ids of the user's regions and all below them, or None when they are more than
    ``LISTED_REGIONS``; read once per request, like ``own_regions``."""
    if not hasattr(user, "_scope_region_ids"):
        if any(region.path.count("/") <= WIDE_LEVEL for region in own_regions(user)):
            # A province or a city: its regions are more than a list should carry, or
            # close to it; the subquery serves, without reading the ids to find out.
            user._scope_region_ids = None
            return None
        ids = list(
            Region.objects.filter(_paths_q(user))
            .order_by()
            .values_list("pk", flat=True)[: LISTED_REGIONS + 1]
        )
        user._scope_region_ids = ids if len(ids) <= LISTED_REGIONS else None
    return user._scope_region_ids


def regions_for(user):
    if is_admin(user):
        return Region.objects.all()
    if user.is_authenticated and user.role in REGION_ROLES:
        return Region.objects.filter(_paths_q(user))
    return Region.objects.none()


def region_ids_for(user):
    """The ids of ``regions_for(user)`` as a list of ints, read in one query: a big
    table is then filtered by a plain ``IN`` instead of re-running the path test for
    each of its rows."""
    return list(regions_for(user).values_list("pk", flat=True))


def is_every_region(region_ids):
    """Whether ``region_ids`` (ids of existing regions, as ``region_ids_for`` gives)
    name every region there is."""
    return len(set(region_ids)) == Region.objects.count()


def _paths_q(user, lookup="path"):
    return paths_q(_region_paths(user), lookup)


def paths_q(paths, lookup="path"):
    """A Q matching rows whose ``lookup`` (a region path) lies under any of ``paths``."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def facilities_for(user):
    """Facilities the user may see."""
    if not user.is_authenticated:
        return Facility.objects.none()
    if is_admin(user):
        return Facility.objects.all()
    if user.role in REGION_ROLES:
        return Facility.objects.filter(region_q(user))
    if user.role == Role.MANAGER:
        return Facility.objects.filter(managers=user)
    return Facility.objects.none()


def facility_for_user(user, pk):
    try:
        return facilities_for(user).select_related("region").get(pk=pk)
    except (Facility.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def inspectors_for(user):
    """The inspector directory as the user may see it (managers see none of it)."""
    if is_admin(user):
        return InspectorProfile.objects.all()
    if user.is_authenticated and user.role in REGION_ROLES:
        return InspectorProfile.objects.filter(region_q(user))
    return InspectorProfile.objects.none()


def inspector_for_user(user, pk):
    try:
        return inspectors_for(user).select_related("user", "department", "region").get(pk=pk)
    except (InspectorProfile.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def region_for_user(user, code):
    """A region by code, if it is within the user's scope (for imports and filters)."""
    return regions_for(user).filter(code=code).first()


# Page decorators by group, so views never name a role.
staff_required = role_required(*STAFF)
member_required = role_required(*EVERYONE)
lead_required = role_required(Role.LEAD)
auditor_required = role_required(Role.AUDITOR)
manager_required = role_required(Role.MANAGER)


def licences_for(user):
    """Licences of the facilities the user may see."""
    return Licence.objects.filter(facility__in=facilities_for(user))


def licence_for_user(user, pk):
    try:
        return licences_for(user).select_related("facility__region").get(pk=pk)
    except (Licence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
