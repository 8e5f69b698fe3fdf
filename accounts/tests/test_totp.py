"""The staff second factor: setting it up, giving a code after the password, replays, limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyotp
import pytest
import time_machine
from django.test import override_settings

from accounts.middleware import SESSION_KEY
from accounts.models import AuditEntry, TotpDevice
from accounts.views import PENDING_TOTP_KEY
from conftest import PASSWORD, login

NOW = datetime.fromisoformat("2026-03-02T08:00:10+07:00")
SETUP = "/accounts/two-step/setup/"
VERIFY = "/accounts/two-step/verify/"
DISABLE = "/accounts/two-step/disable/"


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _code(secret: str, moment: datetime = NOW) -> str:
    return pyotp.TOTP(secret).at(moment)


def _set_up(client: Any, user: Any) -> str:
    """Turn on the second factor for `user` through the pages; returns the secret."""
    login(client, user)
    client.get(SETUP)
    secret = client.session[PENDING_TOTP_KEY]
    response = client.post(SETUP, {"code": _code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def _log_in_with_password(client: Any, username: str) -> Any:
    client.logout()
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_it_shows_a_qr_code_and_the_secret_in_groups(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    login(client, officer_a)
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = client.session[PENDING_TOTP_KEY]
    assert f"<span>{secret[:4]}</span>" in html
    assert "style=" not in html and "<script" not in html.split("</main>")[0]


def test_it_turns_the_second_factor_on_with_a_right_code(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    _set_up(client, officer_a)
    device = TotpDevice.objects.get(user=officer_a)
    assert device.confirmed
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, object_type="totp", actor=officer_a
    ).exists()
    assert PENDING_TOTP_KEY not in client.session


def test_it_refuses_a_wrong_setup_code_and_records_it(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    login(client, officer_a)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 200
    assert not TotpDevice.objects.filter(user=officer_a).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN_FAILED, object_type="totp"
    ).exists()


def test_it_refuses_setup_for_a_citizen(client: Any, citizen: Any) -> None:
    login(client, citizen)
    assert client.get(SETUP).status_code == 403


def test_it_sends_anonymous_people_to_the_login_page(client: Any, db: Any) -> None:
    for url in (SETUP, VERIFY, DISABLE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_asks_for_a_code_after_the_password(client: Any, officer_a: Any, frozen: Any) -> None:
    secret = _set_up(client, officer_a)
    response = _log_in_with_password(client, "officer.a")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    # Until the code is given every staff page leads back to the code page.
    response = client.get("/accounts/security/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    frozen.shift(30)
    response = client.post(
        VERIFY, {"code": _code(secret, NOW.replace(second=40)), "next": "/accounts/security/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/security/"
    assert client.session[SESSION_KEY] is True


def test_it_refuses_a_code_reused_in_the_same_time_step(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    secret = _set_up(client, officer_a)
    frozen.shift(30)
    code = _code(secret, NOW.replace(second=40))
    _log_in_with_password(client, "officer.a")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    # Someone who saw the code tries it again within the same 30 seconds.
    other = client.__class__()
    _log_in_with_password(other, "officer.a")
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert SESSION_KEY not in other.session or other.session[SESSION_KEY] is False
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN_FAILED, object_type="totp", reason="code reused"
    ).exists()


def test_it_refuses_the_setup_code_at_the_first_login(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    secret = _set_up(client, officer_a)
    _log_in_with_password(client, "officer.a")
    assert client.post(VERIFY, {"code": _code(secret)}).status_code == 200


def test_it_accepts_a_code_from_a_phone_with_a_slow_clock(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    secret = _set_up(client, officer_a)
    frozen.shift(60)
    _log_in_with_password(client, "officer.a")
    # Now is 08:01:10; a phone 30 seconds behind shows the 08:00:40 code.
    response = client.post(VERIFY, {"code": _code(secret, NOW.replace(second=40))})
    assert response.status_code == 302


def test_it_refuses_a_code_from_long_ago(client: Any, officer_a: Any, frozen: Any) -> None:
    secret = _set_up(client, officer_a)
    frozen.shift(300)
    _log_in_with_password(client, "officer.a")
    assert client.post(VERIFY, {"code": _code(secret, NOW.replace(minute=2))}).status_code == 200


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_it_throttles_wrong_codes_like_passwords(client: Any, officer_a: Any, frozen: Any) -> None:
    secret = _set_up(client, officer_a)
    frozen.shift(30)
    _log_in_with_password(client, "officer.a")
    for _ in range(3):
        assert client.post(VERIFY, {"code": "123456"}).status_code == 200
    response = client.post(VERIFY, {"code": _code(secret, NOW.replace(second=40))})
    assert response.status_code == 429
    assert client.session.get(SESSION_KEY) is False


def test_it_turns_the_second_factor_off_with_the_password(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    _set_up(client, officer_a)
    response = client.post(DISABLE, {"password": "not-my-password-1"})
    assert response.status_code == 200
    assert TotpDevice.objects.filter(user=officer_a).exists()
    response = client.post(DISABLE, {"password": PASSWORD})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=officer_a).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, object_type="totp", actor=officer_a
    ).exists()


@override_settings(STAFF_TOTP_REQUIRED=True)
def test_it_sends_staff_without_a_second_factor_to_set_one_up(
    client: Any, officer_a: Any, citizen: Any, frozen: Any
) -> None:
    login(client, officer_a)
    response = client.get("/accounts/security/")
    assert response.status_code == 302
    assert response["Location"] == SETUP
    login(client, citizen)
    assert client.get("/accounts/security/").status_code == 200


@override_settings(STAFF_TOTP_REQUIRED=True)
def test_it_does_not_turn_off_a_required_second_factor(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    _set_up(client, officer_a)
    response = client.post(DISABLE, {"password": PASSWORD})
    assert response.status_code == 302
    assert TotpDevice.objects.filter(user=officer_a).exists()


def test_it_keeps_the_api_closed_to_a_session_without_the_code(
    client: Any, officer_a: Any, frozen: Any
) -> None:
    secret = _set_up(client, officer_a)
    _log_in_with_password(client, "officer.a")
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    frozen.shift(30)
    client.post(VERIFY, {"code": _code(secret, NOW.replace(second=40))})
    assert client.get("/api/v1/accounts/me").json()["username"] == "officer.a"
