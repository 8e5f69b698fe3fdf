"""System checks for the notification settings, so that mistakes show at start-up, not at 21:00."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@register()
def check_notification_settings(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from notifications.backends import Backend, HttpJsonBackend
    from notifications.services import parse_quiet_hours

    problems: list[CheckMessage] = []
    try:
        parse_quiet_hours(settings.NOTIFY_QUIET_HOURS)
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), id="notifications.E001"))
    if settings.NOTIFY_MAX_ATTEMPTS < 1:
        problems.append(
            Error(
                "NOTIFY_MAX_ATTEMPTS phải từ 1 trở lên. / NOTIFY_MAX_ATTEMPTS must be 1 or more.",
                id="notifications.E002",
            )
        )
    for channel, path in settings.NOTIFICATION_BACKENDS.items():
        try:
            backend_class = import_string(path)
        except ImportError:
            problems.append(
                Error(
                    f"Không tìm thấy backend {path!r} cho kênh {channel}. / "
                    f"The {channel} backend {path!r} cannot be imported.",
                    hint="Use e.g. notifications.backends.ConsoleBackend.",
                    id="notifications.E003",
                )
            )
            continue
        if not (isinstance(backend_class, type) and issubclass(backend_class, Backend)):
            problems.append(
                Error(
                    f"{path!r} (kênh / channel {channel}) is not a notifications backend.",
                    id="notifications.E003",
                )
            )
        elif issubclass(backend_class, HttpJsonBackend) and not getattr(
            settings, backend_class.url_setting, ""
        ):
            problems.append(
                Warning(
                    f"Kênh {channel} dùng {path} nhưng {backend_class.url_setting} đang trống; "
                    f"tin nhắn sẽ thất bại. / The {channel} channel uses {path} but "
                    f"{backend_class.url_setting} is empty, so its messages will fail.",
                    hint=f"Set {backend_class.url_setting} and {backend_class.auth_setting}.",
                    id="notifications.W001",
                )
            )
    return problems
