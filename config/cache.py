"""The ``default`` cache, chosen from the environment.

The cache counts the public site's downloads and complaint lookups per client, so every
worker process of every application server must share it: Redis (REDIS_URL) when there
is more than one server, a directory under VAR_DIR (the default) on one server. Never a
process-local cache (locmem, dummy) in production: ``check --deploy`` warns about it
(config/checks.py).
"""

from collections.abc import Mapping
from pathlib import Path

REDIS = "django.core.cache.backends.redis.RedisCache"
FILES = "django.core.cache.backends.filebased.FileBasedCache"
PROCESS_LOCAL = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def caches_from_env(environ: Mapping[str, str], var_dir: Path) -> dict[str, dict[str, str]]:
    """REDIS_URL wins; else DJANGO_CACHE_BACKEND and DJANGO_CACHE_LOCATION; else files."""
    if environ.get("REDIS_URL"):
        return {"default": {"BACKEND": REDIS, "LOCATION": environ["REDIS_URL"]}}
    return {
        "default": {
            "BACKEND": environ.get("DJANGO_CACHE_BACKEND", FILES),
            "LOCATION": environ.get("DJANGO_CACHE_LOCATION", str(var_dir / "cache")),
        }
    }
