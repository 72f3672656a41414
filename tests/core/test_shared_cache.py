"""State several servers share: the cache from REDIS_URL, a deploy warning for a
process-local cache, and login lockouts kept in the database."""

from pathlib import Path

from django.conf import settings
from django.core import checks

from config.cache import FILES, REDIS, caches_from_env
from tests.test_deploy_settings import check_deploy


def test_redis_url_selects_django_s_redis_cache() -> None:
    caches = caches_from_env(
        {"REDIS_URL": "redis://cache.internal:6379/1", "DJANGO_CACHE_BACKEND": FILES},
        Path("/srv/var"),
    )
    assert caches == {"default": {"BACKEND": REDIS, "LOCATION": "redis://cache.internal:6379/1"}}


def test_without_redis_the_cache_is_a_directory_of_the_server() -> None:
    caches = caches_from_env({}, Path("/srv/var"))
    assert caches == {"default": {"BACKEND": FILES, "LOCATION": str(Path("/srv/var/cache"))}}


def test_a_process_local_cache_is_warned_about_in_deploy_mode_only() -> None:
    # The test settings use the in-memory cache on purpose.
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    deploy = checks.run_checks(include_deployment_checks=True)
    assert "config.W001" in {message.id for message in deploy}
    plain = checks.run_checks(include_deployment_checks=False)
    assert "config.W001" not in {message.id for message in plain}


def test_login_lockouts_are_kept_in_the_database_not_the_cache() -> None:
    assert getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler") == (
        "axes.handlers.database.AxesDatabaseHandler"
    )


def test_production_with_redis_and_a_replica_passes_check_deploy() -> None:
    result = check_deploy(
        REDIS_URL="redis://cache.internal:6379/0",
        DATABASE_URL="postgres://app@db.internal/eldercare",
        DATABASE_REPLICA_URL="postgres://app@replica.internal/eldercare",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_with_an_in_memory_cache_fails_check_deploy() -> None:
    result = check_deploy(DJANGO_CACHE_BACKEND="django.core.cache.backends.locmem.LocMemCache")
    assert result.returncode != 0
    assert "config.W001" in result.stdout + result.stderr
