"""Production configuration: `check --deploy` is clean, and a bad value stops start-up loudly.

Each case runs manage.py in a subprocess so that the settings module is read fresh from the
environment, exactly as a server starts.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "langso.example.org",
    "HTTPS": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
    "DATABASE_URL": "postgres://langso:unused@127.0.0.1:5432/langso",
}


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what a process needs to run: the test run's own variables (DJANGO_ALLOW_ASYNC_UNSAFE,
    # DATABASE_URL, ...) must not leak into a "production" start.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "langso.settings",
            "LANGSO_VAR_DIR": str(tmp_path / "var"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "SECRET_KEY": secrets.token_urlsafe(64),
        }
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_passes_the_deploy_check_with_a_production_environment(tmp_path: Path) -> None:
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_warns_in_the_deploy_check_about_the_development_secret_key(tmp_path: Path) -> None:
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "SECRET_KEY": "insecure-langso-development-key-change-me"},
    )

    assert result.returncode != 0
    assert "langso.W001" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "maybe"), ("PROVINCE_CODE", "abc"), ("SECURE_HSTS_SECONDS", "one year")],
)
def test_it_refuses_to_start_with_a_bad_environment_value(
    tmp_path: Path, name: str, value: str
) -> None:
    result = _manage(tmp_path, "check", **{name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}={value!r}" in result.stderr
