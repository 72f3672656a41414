import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_deploy(**env):
    """``check --deploy`` with the production environment, plus ``env``."""
    return run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 20 + "Z9x!q$w2#e4r%t6y&u8i*o0p(a1s)d3f",
        DJANGO_ALLOWED_HOSTS="example.org",
        **env,
    )


def test_production_settings_pass_check_deploy():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_behind_the_proxy_passes_check_deploy():
    result = check_deploy(DJANGO_BEHIND_PROXY="1", DJANGO_TRUSTED_PROXY_COUNT="2")
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_with_no_trusted_proxy():
    result = run_manage("check", DJANGO_BEHIND_PROXY="1", DJANGO_TRUSTED_PROXY_COUNT="0")
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_COUNT must be 1 or more" in result.stderr
