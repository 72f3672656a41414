from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.notifications import unread_of
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


@lru_cache(maxsize=256)
def _menu(allowed, language, urlconf, prefix):
    """The items a user sees, as (label, url, escaped label, escaped url), for one
    answer of the access predicates (``allowed``, one per entry of NAVIGATION) and one
    language: the same for every user with the same answers, so built once per process
    rather than translated, reversed and escaped on every page."""
    entries = []
    for (label, name, _rule), shown in zip(NAVIGATION, allowed, strict=True):
        if shown:
            text, url = str(label), _reverse(name, urlconf, prefix)
            entries.append((text, url, escape(text), escape(url)))
    return tuple(entries)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    # The access module decides who sees what on every request; only the rendering of
    # an answer already given is kept.
    allowed = tuple(rule is None or rule(user) for _label, _name, rule in NAVIGATION)
    entries = _menu(allowed, get_language(), get_urlconf(), get_script_prefix())
    # Counted on every page, through the partial index of unread messages.
    unread = unread_of(user.pk).count()
    messages = _url("portal:notifications")
    path = request.path
    items, parts = [], []
    for text, url, safe_text, safe_url in entries:
        label, safe_label = text, safe_text
        if url == messages and unread:
            label, safe_label = f"{text} ({unread})", f"{safe_text} ({unread})"
        active = path == url
        items.append({"label": label, "url": url, "active": active})
        # The menu stands twice on each page (the wide bar and the phone's menu): its
        # items are joined once here rather than looped over twice by the template.
        current = ' aria-current="page"' if active else ""
        parts.append(f'<li><a href="{safe_url}"{current}>{safe_label}</a></li>')
    nav_html = mark_safe("".join(parts))  # noqa: S308 - every part escaped above
    return {"nav_items": items, "nav_html": nav_html, "unread_notifications": unread}
