"""System checks catch notification settings that would fail only later, at night."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.checks import check_notification_settings


def ids(settings: Any) -> list[str]:
    return [problem.id for problem in check_notification_settings(None)]


def test_it_accepts_the_default_settings(settings: Any) -> None:
    settings.NOTIFY_QUIET_HOURS = "21-7"
    assert ids(settings) == []


@pytest.mark.parametrize("value", ["21", "25-7", "nine-seven", "21:75-7"])
def test_it_reports_quiet_hours_it_cannot_read(settings: Any, value: str) -> None:
    settings.NOTIFY_QUIET_HOURS = value
    [problem] = check_notification_settings(None)
    assert problem.id == "notifications.E001"
    assert "21-7" in problem.msg


def test_it_reports_a_backend_that_cannot_be_imported(settings: Any) -> None:
    settings.NOTIFICATION_BACKENDS = {"sms": "notifications.backends.NoSuchBackend"}
    assert ids(settings) == ["notifications.E003"]


def test_it_warns_when_an_http_gateway_has_no_url(settings: Any) -> None:
    settings.NOTIFICATION_BACKENDS = {"zalo": "notifications.backends.ZaloOABackend"}
    settings.NOTIFY_ZALO_URL = ""
    assert ids(settings) == ["notifications.W001"]


def test_it_reports_fewer_than_one_attempt(settings: Any) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 0
    assert ids(settings) == ["notifications.E002"]
