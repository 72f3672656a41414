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
    (_("Inspections"), "inspections:inspection_list", EVERYONE),
    (_("Hazard register"), "inspections:hazard_list", EVERYONE),
    (_("Spot-check plans"), "inspections:plan_list", STAFF),
    (_("Results for publication"), "inspections:publication_list", STAFF),
    (_("Facilities"), "registry:facility_list", EVERYONE),
    (_("Inspectors"), "registry:inspector_list", STAFF),
    (_("Checklists"), "checklists:template_list", EVERYONE),
    (_("Import"), "registry:import_facilities", (Role.LEAD,)),
    (_("Export the hazard register"), "reports_staff:hazard_export", (Role.LEAD,)),
    (_("Hazard dashboard"), "reports_staff:hazard_dashboard", (Role.LEAD,)),
    (_("Supervision overview"), "reports_staff:overview", (Role.LEAD,)),
    (_("Working days"), "registry:calendar", EVERYONE),
    (_("Change history"), "audit:history", (Role.AUDITOR,)),
    (_("Messages"), "inspections:notifications", None),
    (_("Public site"), "reports:index", None),
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
    # The reverse relation from inspections' notifications: registry imports nothing from there.
    unread = user.notifications.filter(read_at=None).count()
    for item in items:
        if item["url"] == reverse("inspections:notifications") and unread:
            item["label"] = f"{item['label']} ({unread})"
    return {"nav_items": items, "unread_notifications": unread}
