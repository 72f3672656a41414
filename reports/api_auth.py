"""Token authentication of the read-only API: ``Authorization: Token <key>``.

A token is not a person: it stands for the provincial platform and is scoped to the
regions it was created for. Keys are never logged or stored, only their SHA-256."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission

from registry.access import paths_q
from reports.models import ApiToken
from reports.tokens import api_token_used


class ApiClient:
    """``request.user`` of an API request: the platform behind a token."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, token):
        self.token = token

    def __str__(self):
        return self.token.name


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing (and its OpenAPI description), our hashed, revocable keys."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.filter(key_sha256=ApiToken.digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("This API token was revoked. Ask the bureau for a new one.")
            )
        api_token_used(token)
        return ApiClient(token), token


class HasApiToken(BasePermission):
    """Every API endpoint needs a valid token (schema and docs pages excepted)."""

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiToken)


def token_q(token, lookup):
    """A Q matching rows whose ``lookup`` (a region path) lies in the token's regions."""
    return paths_q(token.region_paths(), lookup)
