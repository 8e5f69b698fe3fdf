"""System checks for configuration that Django's own checks do not cover."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    if settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY:
        return [
            Warning(
                "SECRET_KEY is the development default. / SECRET_KEY đang là giá trị mặc định.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value.",
                id="langso.W001",
            )
        ]
    return []


@register()
def check_time_zone(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    errors = []
    if not settings.USE_TZ:
        errors.append(Error("USE_TZ must be True: times are stored in UTC.", id="langso.E001"))
    return errors


@register(deploy=True)
def check_database(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "The database is SQLite. It serves one commune or a demo; a province runs on "
                "PostgreSQL.",
                hint="Set DATABASE_URL=postgres://user:password@host/dbname.",
                id="langso.W002",
            )
        ]
    return []


@register()
def check_fhir_identifier_system(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    # FHIR requires an absolute URI; an empty or relative value would export unusable bundles.
    system = settings.LANGSO_FHIR_IDENTIFIER_SYSTEM
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+", system or ""):
        return [
            Error(
                f"LANGSO_FHIR_IDENTIFIER_SYSTEM={system!r} không phải là URI tuyệt đối. / "
                "It is not an absolute URI.",
                hint="Đặt một URI như https://example.gov.vn/fhir/sid/cccd, hoặc bỏ biến này để "
                "dùng giá trị mặc định. / Set a URI such as https://example.gov.vn/fhir/sid/cccd, "
                "or unset it to use the default.",
                id="langso.E002",
            )
        ]
    return []
