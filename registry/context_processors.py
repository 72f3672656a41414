from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import has_role
from .models import User

Role = User.Role

# (label, url name, roles allowed); administrators see every entry.
EVERYONE = (Role.INSPECTOR, Role.LEAD, Role.AUDITOR, Role.MANAGER)
STAFF = (Role.INSPECTOR, Role.LEAD, Role.AUDITOR)

NAVIGATION = [
    (_("Home"), "home", None),
    (_("Facilities"), "registry:facility_list", EVERYONE),
    (_("Inspectors"), "registry:inspector_list", STAFF),
    (_("Checklists"), "checklists:template_list", EVERYONE),
    (_("Import"), "registry:import_facilities", (Role.LEAD,)),
    (_("Working days"), "registry:calendar", EVERYONE),
    (_("Change history"), "audit:history", (Role.AUDITOR,)),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name, roles in NAVIGATION
        if roles is None or has_role(user, *roles)
    ]
    return {"nav_items": items}
