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
