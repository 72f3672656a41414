"""Gunicorn hooks for ``benchmarks/load.py --probe``: where a request's time goes.

Loaded as ``gunicorn -c python:benchmarks.load_probe``. In each worker it records, per
request kind, the wall time and the worker's CPU time of the request (a sync worker
serves one request at a time, so its process time is the request's); on SQLite also
each write transaction's wait for the write lock (``BEGIN IMMEDIATE``) and how long it
held the lock (until COMMIT or ROLLBACK), with the request that held it. Each worker
writes its samples to ``$LOAD_PROBE_DIR/<pid>.json`` when it exits.
"""

import json
import os
import time

_samples = {"requests": [], "waits": [], "holds": []}
_current = {"kind": "other", "begun": None}


def kind_of(path):
    if path.endswith("/answer/"):
        return "answer"
    if path.endswith("/checklist/"):
        return "checklist"
    if "/uploads/" in path:
        return "photo_request"
    if path.startswith("/public/"):
        return "public"
    if path.startswith("/accounts/"):
        return "login"
    return "other"


def _patch_sqlite():
    from django.db.backends.sqlite3.base import DatabaseWrapper

    start_transaction = DatabaseWrapper._start_transaction_under_autocommit
    commit, rollback = DatabaseWrapper._commit, DatabaseWrapper._rollback

    def timed_start(self):
        began = time.perf_counter()
        start_transaction(self)
        now = time.perf_counter()
        _samples["waits"].append((_current["kind"], now - began))
        _current["begun"] = now

    def ended(self, end):
        result = end(self)
        if _current["begun"] is not None:
            held = time.perf_counter() - _current["begun"]
            _samples["holds"].append((_current["kind"], held))
            _current["begun"] = None
        return result

    DatabaseWrapper._start_transaction_under_autocommit = timed_start
    DatabaseWrapper._commit = lambda self: ended(self, commit)
    DatabaseWrapper._rollback = lambda self: ended(self, rollback)


def post_fork(server, worker):
    import django

    django.setup()
    _patch_sqlite()


def pre_request(worker, req):
    _current["kind"] = kind_of(req.path)
    _current["wall"] = time.perf_counter()
    _current["cpu"] = time.process_time()


def post_request(worker, req, environ, resp):
    _samples["requests"].append(
        (
            _current["kind"],
            time.perf_counter() - _current["wall"],
            time.process_time() - _current["cpu"],
        )
    )


def worker_exit(server, worker):
    folder = os.environ.get("LOAD_PROBE_DIR")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as out:
            json.dump(_samples, out)
