"""Exactly once: the rule for every write a phone may queue and send again.

The phone names each queued write with a client id (``X-Client-Id: <uuid>``) and keeps
it for every retry. The first response to it (status and JSON body, a refusal too) is
stored in the transaction of the write; the same id from the same user gets that
response again and writes nothing. Two copies sent at once: the unique constraint on
(user, client id) decides, and the loser's write is rolled back. Without the header an
endpoint behaves as it always did.
"""

import json
import re
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from inspections.onsite.models import StoredResponse
from registry.models import User

HEADER = "X-Client-Id"
# The canonical form crypto.randomUUID() makes; anything else is refused.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def client_id_from(value: object) -> uuid.UUID | None:
    """A client id in its canonical form, or None for anything else."""
    if not isinstance(value, str) or not _UUID.fullmatch(value.strip()):
        return None
    return uuid.UUID(value.strip())


def malformed() -> JsonResponse:
    return JsonResponse(
        {"ok": False, "message": _("The request id (X-Client-Id) must be a UUID.")}, status=400
    )


def sent_with_id(request: HttpRequest) -> bool:
    return HEADER in request.headers


def _replay(request: HttpRequest, stored: StoredResponse) -> JsonResponse:
    if stored.endpoint != request.path[:200]:
        return JsonResponse(
            {"ok": False, "message": _("This request id was already used for another request.")},
            status=400,
        )
    response = JsonResponse(stored.body, status=stored.status)
    response["X-Client-Replay"] = "1"
    return response


def _stored(user: User, client_id: uuid.UUID) -> StoredResponse | None:
    return StoredResponse.objects.filter(user=user, client_id=client_id).first()


def exactly_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a view's POST in the rule above. The view answers JSON when the header is
    sent (see ``views._wants_json``); a 404 or 403 it raises is not stored (nothing was
    written, and a repeat meets the same check)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user  # behind login_required: the check below is for the types
        if request.method != "POST" or not sent_with_id(request) or not isinstance(user, User):
            return view(request, *args, **kwargs)
        client_id = client_id_from(request.headers[HEADER])
        if client_id is None:
            return malformed()
        stored = _stored(user, client_id)
        if stored is not None:
            return _replay(request, stored)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if isinstance(response, JsonResponse) and response.status_code < 500:
                    StoredResponse.objects.create(
                        user=user,
                        client_id=client_id,
                        endpoint=request.path[:200],
                        status=response.status_code,
                        body=json.loads(response.content),
                    )
        except IntegrityError:
            stored = _stored(user, client_id)
            if stored is None:
                raise  # another constraint: not a duplicate of this id
            return _replay(request, stored)
        return response

    return wrapper
