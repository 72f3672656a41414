"""The read replica (DATABASE_REPLICA_URL, config/routers.py): the public site's and the
API's reads go to the replica; staff pages, POSTs, transactions, sessions and every
write go to the primary. Here the replica is a second connection to the test database,
so what is read there is what the primary committed."""

import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from config.routers import REPLICA, ReplicaRouter, replica_reads
from registry.models import Facility
from reports.tokens import api_token_create
from tests.conftest import client_for

ROUTER = "config.routers.ReplicaRouter"
MIDDLEWARE = "config.routers.ReplicaReadsMiddleware"


@pytest.fixture
def replica(transactional_db, settings):
    """A ``replica`` alias, the router and the middleware, as DATABASE_REPLICA_URL sets.
    Outside a transaction (transactional_db): the replica sees committed rows only."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    # A connection of its own, not a settings alias: the test database already exists.
    connection = load_backend(primary["ENGINE"]).DatabaseWrapper({**primary}, REPLICA)
    connections[REPLICA] = connection
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [settings.MIDDLEWARE[0], MIDDLEWARE, *settings.MIDDLEWARE[1:]]
    yield connection
    connection.close()
    del connections[REPLICA]


class Queries:
    """The queries a block sends to the primary and to the replica."""

    def __init__(self, replica_connection):
        self.default = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(replica_connection)

    def __enter__(self):
        self.default.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.default.__exit__(*exc)

    def sql(self, where):
        return [q["sql"] for q in getattr(self, where).captured_queries]


# ---------------------------------------------------------------- the router alone


def test_reads_go_to_the_replica_only_while_a_public_request_is_marked(db):
    router = ReplicaRouter()
    assert router.db_for_read(Facility) == DEFAULT_DB_ALIAS
    token = replica_reads.set(True)
    try:
        # The test runs in a transaction (db): reads stay on the primary.
        assert connections[DEFAULT_DB_ALIAS].in_atomic_block
        assert router.db_for_read(Facility) == DEFAULT_DB_ALIAS
    finally:
        replica_reads.reset(token)


def test_marked_reads_outside_a_transaction_go_to_the_replica_but_not_sessions(
    transactional_db,
):
    router = ReplicaRouter()
    token = replica_reads.set(True)
    try:
        assert router.db_for_read(Facility) == REPLICA
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
        with transaction.atomic():
            assert router.db_for_read(Facility) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Facility) == DEFAULT_DB_ALIAS
    finally:
        replica_reads.reset(token)
    assert router.db_for_read(Facility) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "registry") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry") is True


def test_without_a_replica_url_there_is_no_replica_nor_router(settings):
    assert REPLICA not in settings.DATABASES
    assert ROUTER not in getattr(settings, "DATABASE_ROUTERS", [])
    assert MIDDLEWARE not in settings.MIDDLEWARE


# ---------------------------------------------------------------- requests


def test_a_public_page_reads_the_replica(replica, world, client):
    with Queries(replica) as queries:
        response = client.get("/public/results/")
    assert response.status_code == 200
    assert queries.sql("replica"), "the public page read nothing from the replica"
    assert queries.sql("default") == []
    # The mark ends with the request.
    assert replica_reads.get() is False


def test_a_streamed_public_export_keeps_reading_the_replica(replica, world, client):
    with Queries(replica) as queries:
        response = client.get("/public/results.csv")
        assert response.status_code == 200
        b"".join(response.streaming_content)
    assert queries.sql("replica")
    assert queries.sql("default") == []


def test_the_api_reads_the_replica_and_writes_the_primary(replica, world, client):
    _token, key = api_token_create(name="county", region_codes=[world["county"].code])
    with Queries(replica) as queries:
        response = client.get("/api/hazards/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert queries.sql("replica")
    # The token's use is stamped: a write, on the primary, and nothing else there.
    assert queries.sql("default")
    assert all(not sql.lstrip().upper().startswith("SELECT") for sql in queries.sql("default"))


def test_a_staff_page_reads_the_primary(replica, world, lead):
    client = client_for(lead)
    with Queries(replica) as queries:
        response = client.get("/inspections/hazards/")
    assert response.status_code == 200
    assert queries.sql("default")
    assert queries.sql("replica") == []


def test_a_public_post_reads_and_writes_the_primary(replica, world, client):
    with Queries(replica) as queries:
        response = client.post("/public/complaints/", {})
    assert response.status_code == 200  # the form again, with what is missing
    assert queries.sql("default")
    assert queries.sql("replica") == []
