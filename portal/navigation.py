from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from registry import access

# (label, url name, who sees it: a predicate of the access module, or None for everyone).
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Inspections"), "inspections:inspection_list", access.can_use_app),
    (_("Hazard register"), "inspections:hazard_list", access.can_use_app),
    (_("Spot-check plans"), "inspections:plan_list", access.can_read_staff_pages),
    (_("Results for publication"), "inspections:publication_list", access.can_read_staff_pages),
    (_("Facilities"), "registry:facility_list", access.can_use_app),
    (_("Inspectors"), "registry:inspector_list", access.can_read_staff_pages),
    (_("Checklists"), "checklists:template_list", access.can_use_app),
    (_("Import"), "registry:import_facilities", access.can_lead),
    (_("Export the hazard register"), "reports_staff:hazard_export", access.can_lead),
    (_("Hazard dashboard"), "reports_staff:hazard_dashboard", access.can_lead),
    (_("Supervision overview"), "reports_staff:overview", access.can_lead),
    (_("Credit cases"), "inspections:credit_cases", access.can_lead),
    (_("Enforcement cases"), "inspections:case_list", access.can_read_staff_pages),
    (_("Complaints"), "inspections:complaint_list", access.can_read_staff_pages),
    (_("Supervision of lower levels"), "inspections:level_actions", access.can_read_staff_pages),
    (_("My duties"), "inspections:duty_list", access.is_manager),
    (_("Late duties"), "inspections:duties_late", access.can_read_staff_pages),
    (_("Report an incident"), "inspections:incident_report", access.is_manager),
    (_("Incidents"), "inspections:incident_list", access.can_use_app),
    (_("Licences"), "registry:licence_list", access.is_manager),
    (_("Licences expiring"), "registry:licence_list", access.can_read_staff_pages),
    (_("Working days"), "registry:calendar", access.can_use_app),
    (_("Change history"), "audit:history", access.can_read_history),
    (_("Exception reports"), "audit:exceptions", access.can_read_history),
    (_("Messages"), "portal:notifications", None),
    (_("Public site"), "reports:index", None),
]


@lru_cache(maxsize=512)
def _reverse(name, urlconf, prefix):
    # A menu URL depends on the code alone (the URLconf and the site's prefix), not on
    # any data: reversing it once per process saves ~30 reversals on every page.
    return reverse(name, urlconf=urlconf)


def _url(name):
    return _reverse(name, get_urlconf(), get_script_prefix())


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    urls = [
        (label, _url(name))
        for label, name, allowed in NAVIGATION
        if allowed is None or allowed(user)
    ]
    # Counted on every page: the partial index of unread messages (core.Notification)
    # keeps it a lookup of the few unread ones, however many read ones the user keeps.
    unread = user.notifications.filter(read_at=None).count()
    messages = _url("portal:notifications")
    items = [
        {
            "label": f"{label} ({unread})" if url == messages and unread else label,
            "url": url,
            "active": request.path == url,
        }
        for label, url in urls
    ]
    # The menu stands twice on each page (the wide bar and the phone's menu): its items
    # are joined once here rather than looped over twice by the template engine.
    current = mark_safe(' aria-current="page"')
    nav_html = format_html_join(
        "",
        '<li><a href="{}"{}>{}</a></li>',
        ((item["url"], current if item["active"] else "", item["label"]) for item in items),
    )
    return {"nav_items": items, "nav_html": nav_html, "unread_notifications": unread}
