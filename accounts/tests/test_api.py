"""The accounts API: bearer tokens and scopes, the session, the one error shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, AuditEntry
from conftest import COMMUNE_A, login

ME = "/api/v1/accounts/me"
AUDIT = "/api/v1/accounts/audit"


def _bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "message_en", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and body["error"]["message_en"]


@pytest.fixture
def admin_token(province_admin: Any) -> tuple[ApiToken, str]:
    return services.api_token_create(owner=province_admin, name="siem", scopes=["audit:read"])


def test_it_answers_401_in_the_error_shape_without_a_token(client: Any, db: Any) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    _assert_error_shape(response.json(), "unauthenticated")


def test_it_answers_401_for_an_unknown_token(client: Any, db: Any) -> None:
    response = client.get(ME, **_bearer("ls_00000000_nothing"))
    assert response.status_code == 401
    _assert_error_shape(response.json(), "unauthenticated")


def test_it_knows_the_owner_of_a_token(client: Any, officer_a: Any, province_admin: Any) -> None:
    _token, raw = services.api_token_create(owner=province_admin, name="x", scopes=["read"])
    body = client.get(ME, **_bearer(raw)).json()
    assert body == {
        "username": "admin.province",
        "full_name": "Võ Quốc Bảo",
        "role": "province_admin",
        "communes": [],
    }


def test_it_works_with_a_session(client: Any, officer_a: Any) -> None:
    login(client, officer_a)
    body = client.get(ME).json()
    assert body["username"] == "officer.a"
    assert body["communes"] == [COMMUNE_A]


def test_it_answers_401_for_a_revoked_token(client: Any, province_admin: Any) -> None:
    token, raw = services.api_token_create(owner=province_admin, name="x", scopes=["read"])
    assert client.get(ME, **_bearer(raw)).status_code == 200
    services.api_token_revoke(token=token, by=province_admin)
    response = client.get(ME, **_bearer(raw))
    assert response.status_code == 401
    _assert_error_shape(response.json(), "unauthenticated")


def test_it_answers_401_for_an_expired_token(client: Any, province_admin: Any) -> None:
    import time_machine

    expires = timezone.now() + timedelta(days=1)
    _token, raw = services.api_token_create(
        owner=province_admin, name="x", scopes=["read"], expires_at=expires
    )
    assert client.get(ME, **_bearer(raw)).status_code == 200
    with time_machine.travel(expires + timedelta(seconds=1)):
        response = client.get(ME, **_bearer(raw))
    assert response.status_code == 401


def test_it_answers_401_for_a_deactivated_owner(client: Any, province_admin: Any) -> None:
    owner = services.user_create(username="gw", password="river-mango-2041", role="partner")
    _token, raw = services.api_token_create(owner=owner, name="x", scopes=["partner"])
    services.user_update(
        user=owner,
        changed_by=province_admin,
        role="partner",
        full_name="",
        phone=None,
        communes=[],
        is_active=False,
    )
    assert client.get(ME, **_bearer(raw)).status_code == 401


def test_it_answers_403_for_a_token_without_the_scope(client: Any, province_admin: Any) -> None:
    _token, raw = services.api_token_create(owner=province_admin, name="x", scopes=["read"])
    response = client.get(AUDIT, **_bearer(raw))
    assert response.status_code == 403
    _assert_error_shape(response.json(), "forbidden")


def test_it_serves_the_audit_log_to_an_administrators_token(
    client: Any, officer_a: Any, admin_token: tuple[ApiToken, str]
) -> None:
    services.audit_record(
        actor=officer_a,
        action=AuditEntry.Action.VIEW,
        object_type="person",
        object_id=7,
        commune_code=COMMUNE_A,
    )
    response = client.get(AUDIT, {"object_type": "person"}, **_bearer(admin_token[1]))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["actor"] == "officer.a" and item["object_id"] == "7"
    assert item["commune_code"] == COMMUNE_A
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert export.via == "api" and export.details == {"object_type": "person"}


def test_it_filters_the_audit_log_by_time(
    client: Any, officer_a: Any, admin_token: tuple[ApiToken, str]
) -> None:
    import time_machine

    with time_machine.travel("2026-03-01 10:00 +0700", tick=False):
        services.audit_record(actor=officer_a, action="view", object_type="person", object_id=1)
    with time_machine.travel("2026-03-03 10:00 +0700", tick=False):
        services.audit_record(actor=officer_a, action="view", object_type="person", object_id=2)
    body = client.get(
        AUDIT,
        {"object_type": "person", "since": "2026-03-02T00:00:00"},
        **_bearer(admin_token[1]),
    ).json()
    assert [item["object_id"] for item in body["items"]] == ["2"]


def test_it_refuses_the_audit_log_to_other_roles_sessions(client: Any, officer_a: Any) -> None:
    login(client, officer_a)
    response = client.get(AUDIT)
    assert response.status_code == 403
    _assert_error_shape(response.json(), "forbidden")


def test_it_serves_the_audit_log_to_an_administrators_session(
    client: Any, province_admin: Any
) -> None:
    login(client, province_admin)
    assert client.get(AUDIT).status_code == 200


def test_it_refuses_a_bad_filter_in_the_error_shape(
    client: Any, admin_token: tuple[ApiToken, str]
) -> None:
    response = client.get(AUDIT, {"action": "dance"}, **_bearer(admin_token[1]))
    assert response.status_code == 422
    _assert_error_shape(response.json(), "validation_error")
