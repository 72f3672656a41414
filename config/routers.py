"""Reads of the public site and the API on a PostgreSQL streaming replica.

Switched on by DATABASE_REPLICA_URL (settings add the ``replica`` alias, this router and
the middleware). The middleware marks a request that may read from the replica: a GET,
HEAD or OPTIONS under /public/ or /api/. Everything else reads the primary: staff pages
(people expect to see what they just saved), every POST of the public site (a complaint's
intake reads and writes in one go), anything inside a transaction, sessions and login
lockouts. Writes always go to the primary. The replica may lag by a moment: a reader of
the public site can see a result published a second ago a second later, never a
half-written one.
"""

from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

REPLICA = "replica"
# Path prefixes (config/urls.py) whose safe requests may read the replica.
REPLICA_PREFIXES = ("/public/", "/api/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Kept on the primary whatever the request: a session just written at login and a
# lockout just recorded must be read back at once.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes"})

replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def may_read_replica(request: HttpRequest) -> bool:
    return request.method in SAFE_METHODS and request.path_info.startswith(REPLICA_PREFIXES)


class ReplicaRouter:
    """Reads go to the replica only while a marked request is served and no transaction
    is open on the primary; every write, and every other read, goes to the primary."""

    def db_for_read(self, model: type[models.Model], **hints: object) -> str:
        if (
            replica_reads.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[models.Model], **hints: object) -> str:
        # Explicit: without it Django writes a row back where it was read from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: object, obj2: object, **hints: object) -> bool:
        return True  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == DEFAULT_DB_ALIAS


def _marked(content: Iterable[bytes]) -> Iterator[bytes]:
    """A streamed body (CSV, JSON exports) keeps reading the replica while it streams."""
    token = replica_reads.set(True)
    try:
        yield from content
    finally:
        replica_reads.reset(token)


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not may_read_replica(request):
            return self.get_response(request)
        token = replica_reads.set(True)
        try:
            response = self.get_response(request)
        finally:
            replica_reads.reset(token)
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            response.streaming_content = _marked(response.streaming_content)
        return response
