"""A per-client limit on the public site's downloads (PDF documents and open data).

Rendering a PDF costs a CPU second; without a limit anyone could keep every worker busy.
Each client address may make PUBLIC_DOWNLOAD_LIMIT downloads in each window of
PUBLIC_DOWNLOAD_WINDOW_SECONDS, counted in the shared cache; more get HTTP 429 with a
page saying when to try again. Logged-in users are accountable and not counted.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from core.clientip import client_ip


def _count(address, window):
    """This request's number in the client's current window."""
    slot = int(time.time() // window)
    key = f"public-downloads:{address}:{slot}"
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # the window's entry expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def limited(view):
    """Decorate a public download view with the per-client limit."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        window = settings.PUBLIC_DOWNLOAD_WINDOW_SECONDS
        if _count(client_ip(request), window) > settings.PUBLIC_DOWNLOAD_LIMIT:
            wait = window - int(time.time() % window)
            response = render(
                request,
                "reports/rate_limited.html",
                {"seconds": wait, "limit": settings.PUBLIC_DOWNLOAD_LIMIT, "window": window},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapped
