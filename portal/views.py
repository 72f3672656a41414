"""The home page: what each role sees first; the phone's app shell (manifest,
service worker, outbox page)."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET, require_POST

from core import pages
from core.notifications import notifications_read as mark_read
from core.workdays import countdown_for
from portal.numbers import home_numbers
from registry import access
from workflows import policy as task_policy
from workflows import selectors as task_selectors


@login_required
def home(request):
    """Each person's inbox: their open tasks, soonest due first, one tap from the
    page where each is done; below it the few numbers their role watches."""
    return render(request, "portal/home.html", home_context(request))


def home_context(request) -> dict:
    user = request.user
    countdown = countdown_for(request)
    inbox, scopes = task_selectors.page(request, task_policy.tasks_for(user))
    return {
        "page": inbox,
        "rows": task_selectors.rows(scopes, countdown),
        "numbers": home_numbers(user, countdown),
        "regions": access.own_regions(user) if not access.is_admin(user) else None,
        "managed": access.facilities_for(user) if access.is_manager(user) else None,
        "lead": access.is_lead(user),
        "today": timezone.localdate(),
    }


@login_required
def notifications(request):
    page = pages.page(request, request.user.notifications.all())
    return render(request, "portal/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    mark_read(user=request.user)
    return redirect("portal:notifications")


# ---------------------------------------------------------------- installable, offline


def _service_worker_source():
    """The worker's code: a static file (the CSP keeps scripts in files), served from
    the site root because a worker only controls pages under its own path."""
    with open(finders.find("js/sw.js"), "rb") as source:
        return source.read()


@require_GET
@condition(etag_func=lambda request: hashlib.sha256(_service_worker_source()).hexdigest())
def service_worker(request):
    response = HttpResponse(_service_worker_source(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker on every visit; revalidated by its ETag.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    icons = [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": _("Elderly-care safety supervision"),
        "short_name": _("Care-home safety"),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("inspections:inspection_list"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f6f8",
        "theme_color": "#123b6d",
        "icons": icons,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@login_required
def outbox(request):
    """What waits on this phone to be sent: the list is the browser's (IndexedDB),
    drawn by outbox.js; the server never sees the queue."""
    return render(request, "portal/outbox.html")
