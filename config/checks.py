"""Deployment checks of the settings that matter once there is more than one process."""

from django.conf import settings
from django.core import checks

from config.cache import PROCESS_LOCAL


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """A process-local cache gives each worker its own download and lookup counts: the
    limits multiply by the number of processes. Warned in deploy mode only (the tests
    use one on purpose)."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PROCESS_LOCAL:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend}) lives in one process: rate limits are not "
            "shared between worker processes and servers.",
            hint="Set REDIS_URL (several servers) or keep the default file cache (one server).",
            id="config.W001",
        )
    ]
