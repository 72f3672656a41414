"""The home page: what each role sees first."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import pages
from core.notifications import notifications_read as mark_read
from registry import access


@login_required
def home(request):
    user = request.user
    facilities = access.facilities_for(user)
    context = {
        "facility_count": facilities.filter(active=True).count(),
        "by_class": dict(
            facilities.filter(active=True)
            .values_list("risk_class")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "inspector_count": access.inspectors_for(user).filter(active=True).count(),
        "regions": user.regions.all() if not access.is_admin(user) else None,
        "managed": facilities if access.is_manager(user) else None,
    }
    return render(request, "portal/home.html", context)


@login_required
def notifications(request):
    page = pages.page(request, request.user.notifications.all())
    return render(request, "portal/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    mark_read(user=request.user)
    return redirect("portal:notifications")
