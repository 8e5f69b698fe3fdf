"""Logging in with a username or a phone number, throttling, and the audit trail of logins."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import PASSWORD

LOGIN = "/accounts/login/"


def _post_login(client: Any, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_it_shows_the_login_form_with_the_digital_corner_note(client: Any, db: Any) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert html.count("<h1") == 1
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "+84912345678",
        "84912345678",
        "+84 912 345 678",
        "0912.345.678",
    ],
)
def test_it_logs_a_citizen_in_with_any_common_form_of_the_phone(
    client: Any, citizen: Any, typed: str
) -> None:
    response = _post_login(client, typed)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_it_logs_in_with_a_legacy_eleven_digit_number(client: Any, make_user: Any) -> None:
    user = make_user("citizen.legacy", "citizen", phone="0331234567")
    response = _post_login(client, "01631234567")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_logs_in_with_the_username_in_any_case(client: Any, officer_a: Any) -> None:
    response = _post_login(client, "Officer.A")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer_a.pk)


def test_it_refuses_a_wrong_password_and_records_it(client: Any, citizen: Any) -> None:
    response = _post_login(client, "0912345678", "wrong-password-1")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.object_label == "0912345678"
    assert entry.actor is None


def test_it_refuses_a_deactivated_account(client: Any, citizen: Any) -> None:
    from accounts import services

    services.user_update(
        user=citizen,
        changed_by=None,
        role="citizen",
        full_name=citizen.full_name,
        phone=citizen.phone,
        communes=[],
        is_active=False,
    )
    response = _post_login(client, "citizen.a")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_records_login_and_logout_in_the_audit_log(client: Any, officer_a: Any) -> None:
    _post_login(client, "officer.a", REMOTE_ADDR="10.0.0.7")
    login_entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert login_entry.actor == officer_a
    assert login_entry.ip_address == "10.0.0.7"
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=officer_a).exists()
    assert "_auth_user_id" not in client.session


def test_it_does_not_log_out_on_a_get(client: Any, officer_a: Any) -> None:
    _post_login(client, "officer.a")
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session


def test_it_follows_a_safe_next_and_ignores_another_site(client: Any, citizen: Any) -> None:
    response = client.post(
        LOGIN, {"username": "citizen.a", "password": PASSWORD, "next": "/about/"}
    )
    assert response["Location"] == "/about/"
    client.post("/accounts/logout/")
    response = client.post(
        LOGIN, {"username": "citizen.a", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("workspace")


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_it_throttles_an_account_however_its_phone_is_typed(client: Any, citizen: Any) -> None:
    for index, typed in enumerate(["0912345678", "+84912345678", "84912345678"]):
        _post_login(client, typed, "wrong-password-1", REMOTE_ADDR=f"10.0.0.{index + 1}")
    # The right password from yet another address is refused while the account is throttled.
    response = _post_login(client, "citizen.a", REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15" in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_it_throttles_an_address_that_tries_many_accounts(client: Any, citizen: Any) -> None:
    # An address gets four times the per-account allowance (a corner's shared phone).
    for n in range(8):
        _post_login(client, f"nobody{n}", "wrong-password-1", REMOTE_ADDR="10.9.9.9")
    response = _post_login(client, "citizen.a", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    response = _post_login(client, "citizen.a", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_it_lets_the_account_in_again_after_the_window(client: Any, citizen: Any) -> None:
    import time_machine

    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        _post_login(client, "citizen.a", "wrong-password-1")
        _post_login(client, "citizen.a", "wrong-password-1")
        assert _post_login(client, "citizen.a").status_code == 429
    with time_machine.travel("2026-03-02 08:16 +0700", tick=False):
        assert _post_login(client, "citizen.a").status_code == 302


def test_it_forgets_failed_attempts_after_a_successful_login(client: Any, citizen: Any) -> None:
    from accounts.models import LoginAttempt

    _post_login(client, "0912 345 678", "wrong-password-1")
    assert LoginAttempt.objects.count() == 1
    _post_login(client, "citizen.a")
    assert LoginAttempt.objects.count() == 0


@override_settings(LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_it_drops_failed_attempts_once_they_no_longer_count(client: Any, citizen: Any) -> None:
    import time_machine

    from accounts.models import LoginAttempt

    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        _post_login(client, "someone.else", "wrong-password-1")
    with time_machine.travel("2026-03-02 09:00 +0700", tick=False):
        _post_login(client, "citizen.a", "wrong-password-1")
    assert list(LoginAttempt.objects.values_list("identifier", flat=True)) == ["citizen.a"]
