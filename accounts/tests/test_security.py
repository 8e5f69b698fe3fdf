"""The security page: password change, second-factor status, API tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, AuditEntry
from conftest import PASSWORD, login

SECURITY = "/accounts/security/"


def test_it_shows_the_security_page_to_staff_and_citizens(
    client: Any, officer_a: Any, citizen: Any
) -> None:
    login(client, officer_a)
    html = client.get(SECURITY).content.decode()
    assert 'class="workspace-nav"' in html
    assert "/accounts/two-step/setup/" in html
    assert html.count("<h1") == 1
    login(client, citizen)
    html = client.get(SECURITY).content.decode()
    assert 'class="workspace-nav"' not in html
    assert "/accounts/two-step/setup/" not in html
    assert 'name="old_password"' in html


def test_it_sends_anonymous_people_to_the_login_page(client: Any, db: Any) -> None:
    for url in (SECURITY,):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for url in (
        "/accounts/security/password/",
        "/accounts/security/tokens/",
        "/accounts/security/tokens/1/revoke/",
    ):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_changes_the_password_and_keeps_the_session(client: Any, citizen: Any) -> None:
    login(client, citizen)
    response = client.post(
        "/accounts/security/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "mango-river-73",
            "new_password2": "mango-river-73",
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("mango-river-73")
    assert client.get(SECURITY).status_code == 200  # still logged in
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, object_type="user", object_id=str(citizen.pk)
    ).exists()


def test_it_refuses_a_short_staff_password(client: Any, officer_a: Any) -> None:
    login(client, officer_a)
    response = client.post(
        "/accounts/security/password/",
        {"old_password": PASSWORD, "new_password1": "mango-73x", "new_password2": "mango-73x"},
    )
    assert response.status_code == 200
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)
    assert "errorlist" in response.content.decode()


def test_it_refuses_a_wrong_old_password_and_counts_it(client: Any, citizen: Any) -> None:
    from accounts.models import LoginAttempt

    login(client, citizen)
    response = client.post(
        "/accounts/security/password/",
        {
            "old_password": "not-it-at-all",
            "new_password1": "mango-river-73",
            "new_password2": "mango-river-73",
        },
    )
    assert response.status_code == 200
    assert LoginAttempt.objects.filter(identifier="citizen.a").count() == 1


@pytest.mark.parametrize(
    ("role", "password", "ok"),
    [
        ("commune_officer", "short-pass1", False),  # 12 characters needed
        ("commune_officer", "only-letters-here", False),  # digits needed
        ("commune_officer", "124578963214569", False),  # letters needed
        ("commune_officer", "river-mango-2041", True),
        ("province_admin", "river-mango-2041", True),
        ("citizen", "mango-73", True),  # citizens: 8 characters
        ("citizen", "mango-7", False),
    ],
)
def test_it_applies_the_password_rules_by_role(
    db: Any, commune_a: Any, role: str, password: str, ok: bool
) -> None:
    communes = [commune_a.code] if role == "commune_officer" else []
    create = lambda: services.user_create(  # noqa: E731
        username=f"u.{role}", password=password, role=role, communes=communes
    )
    if ok:
        assert create().check_password(password)
    else:
        with pytest.raises(ValidationError):
            create()


def test_it_hides_tokens_from_roles_that_hold_none(client: Any, officer_a: Any) -> None:
    login(client, officer_a)
    assert "API" not in client.get(SECURITY).content.decode()
    response = client.post(
        "/accounts/security/tokens/", {"name": "x", "scopes": ["read"], "expires_on": ""}
    )
    assert response.status_code == 403


def test_it_creates_a_token_and_shows_it_once(client: Any, make_user: Any) -> None:
    partner = make_user("viettel", "partner", organisation="Viettel Cà Mau")
    login(client, partner)
    html = client.get(SECURITY).content.decode()
    assert 'value="partner"' in html and 'value="people:sync"' not in html
    response = client.post(
        "/accounts/security/tokens/",
        {"name": "Wi-Fi monitoring", "scopes": ["partner"], "expires_on": "31/12/2099"},
    )
    assert response.status_code == 302
    html = client.get(SECURITY).content.decode()
    raw = re.search(r"<code>(ls_[0-9a-f]{8}_[^<]+)</code>", html)
    assert raw is not None
    token = ApiToken.objects.get(owner=partner)
    assert token.token_hash == ApiToken.hash(raw.group(1))
    # Valid to the end of 31/12/2099, local time.
    assert timezone.localtime(token.expires_at).isoformat() == "2100-01-01T00:00:00+07:00"
    # Shown once: the next visit lists the token without its value.
    html = client.get(SECURITY).content.decode()
    assert raw.group(1) not in html
    assert "Wi-Fi monitoring" in html


def test_it_refuses_a_scope_the_role_may_not_hold(client: Any, make_user: Any) -> None:
    partner = make_user("viettel", "partner")
    login(client, partner)
    response = client.post(
        "/accounts/security/tokens/",
        {"name": "sync", "scopes": ["people:sync"], "expires_on": ""},
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    with pytest.raises(ValidationError):
        services.api_token_create(owner=partner, name="sync", scopes=["people:sync"])


def test_it_refuses_an_expiry_in_the_past(client: Any, province_admin: Any) -> None:
    login(client, province_admin)
    response = client.post(
        "/accounts/security/tokens/",
        {"name": "old", "scopes": ["read"], "expires_on": "01/01/2020"},
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token(client: Any, province_admin: Any) -> None:
    token, _raw = services.api_token_create(owner=province_admin, name="gateway", scopes=["read"])
    login(client, province_admin)
    response = client.post(f"/accounts/security/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, object_type="api_token", object_id=str(token.pk)
    ).exists()


def test_it_refuses_to_revoke_another_users_token(
    client: Any, province_admin: Any, make_user: Any
) -> None:
    token, _raw = services.api_token_create(owner=province_admin, name="gateway", scopes=["read"])
    partner = make_user("viettel", "partner")
    login(client, partner)
    assert client.post(f"/accounts/security/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
