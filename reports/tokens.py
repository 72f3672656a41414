"""Writes of API tokens: create one (its key is returned once and never stored),
revoke one, stamp its last use. The API's authentication is in reports/api_auth.py."""

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import save_with_history
from registry.models import Region, User
from registry.services import set_members
from reports.models import ApiToken

# Stamping the last use on every request would be a write per read: once a minute will do.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def api_token_create(
    *, name: str, region_codes: Iterable[str], by: User | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``region_codes`` (each with everything below it).

    Returns ``(token, key)``; ``key`` exists only in this return value."""
    name = limits.text(name, limit=limits.NAME, label=_("name"))
    if not name:
        raise ValidationError(_("Give the token a name."))
    if ApiToken.objects.filter(name=name).exists():
        raise ValidationError(_("A token called “%(name)s” already exists.") % {"name": name})
    codes = list(dict.fromkeys(region_codes or ()))
    if not codes:
        raise ValidationError(_("Give at least one region (division code)."))
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in regions]
    if unknown:
        raise ValidationError(
            _("No region with division code %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    key = secrets.token_urlsafe(32)
    token = save_with_history(
        ApiToken(name=name, key_sha256=ApiToken.digest(key), created_by=by), by=by
    )
    set_members(token, "regions", regions.values(), by=by)
    return token, key


@transaction.atomic
def api_token_revoke(*, name: str, by: User | None = None) -> ApiToken:
    """Revoke the token called ``name``: from now on it is refused with 401."""
    token = ApiToken.objects.select_for_update().filter(name=name).first()
    if token is None:
        raise ValidationError(_("No token is called “%(name)s”.") % {"name": name})
    if token.revoked_at is not None:
        raise ValidationError(_("The token “%(name)s” is already revoked.") % {"name": name})
    token.revoked_at = timezone.now()
    return save_with_history(token, by=by, reason="revoked")


def api_token_used(token: ApiToken, now: datetime | None = None) -> None:
    """Stamp the token's last use, at most once a minute and without a history row
    (the stamp is excluded from history, like a user's last log-in)."""
    now = now or timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    token.last_used_at = now
    token.skip_history_when_saving = True
    try:
        token.save(update_fields=["last_used_at"])
    finally:
        del token.skip_history_when_saving
