"""Settings for the test suite: the production settings with a fast password hasher.

The production hasher (PBKDF2) costs about a second per user created or logged in;
the suite creates thousands. Nothing here weakens what the tests check.
"""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# One cache per test process: download counts of one test (or one parallel worker) must
# not reach another's; tests/conftest.py empties it before each test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests of the public site download more than a visitor would; the tests of the limit
# (tests/reports/test_download_limit.py) set their own.
PUBLIC_DOWNLOAD_LIMIT = 10_000

# A file, not SQLite's in-memory database: the browser tests' live server answers each
# request in its own thread, and an in-memory database is one connection shared by all
# of them, which breaks when the page loads several photos at once ("cannot commit
# transaction - SQL statements in progress"). A file gives each thread its own
# connection, as in production. One name per process: parallel workers and runs
# never share a file (pytest-django deletes it at the end).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test = DATABASES["default"].setdefault("TEST", {})  # noqa: F405
    if not _test.get("NAME"):
        import os
        import tempfile

        _test["NAME"] = os.path.join(tempfile.gettempdir(), f"eldercare-test-{os.getpid()}.sqlite3")
