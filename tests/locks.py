"""Waiting, in a test, for another thread's query to block on a row lock (PostgreSQL)."""

import time

from django.db import connection


def waiting_for_a_lock(thread):
    """The queries of this database that wait for a lock, once one does or ``thread``
    has ended (then none)."""
    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT query FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            waiting = [query for (query,) in cursor.fetchall()]
        if waiting or not thread.is_alive():
            return waiting
        time.sleep(0.05)
    return []
