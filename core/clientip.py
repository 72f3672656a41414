"""The address of the client that sent a request: the one answer the log-in lock-out
(django-axes, through AXES_CLIENT_IP_CALLABLE) and per-client rate limits ask.

Behind the reverse proxy of docs/deployment.md every request comes from the proxy's own
address, so the client is read from X-Forwarded-For. Only with DJANGO_BEHIND_PROXY=1:
anyone can send that header, and without a proxy that overwrites it, trusting it would
let a client choose its address (and so escape its lock-out)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address, or "" when the request carries none (never a made-up one).

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For (nginx: ``$proxy_add_x_forwarded_for``), so with N proxies the
    client is the N-th entry from the right; entries further left were written by the
    client itself and are ignored. A header shorter than N or holding no valid address
    means the request did not come through every proxy: the direct peer is used."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    count = settings.TRUSTED_PROXY_COUNT
    if len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote
