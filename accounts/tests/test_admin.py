"""The Django admin: users with role and communes, tokens without their hash, a read-only log."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services
from accounts.models import AuditEntry, User
from conftest import COMMUNE_A, login


@pytest.fixture
def superuser(db: Any) -> Any:
    return User.objects.create_superuser("root", "root@example.org", "river-mango-2041")


def test_it_shows_role_phone_and_communes_on_the_user_form(
    client: Any, superuser: Any, officer_a: Any
) -> None:
    login(client, superuser)
    html = client.get(f"/admin/accounts/user/{officer_a.pk}/change/").content.decode()
    assert 'name="role"' in html and 'name="phone"' in html
    assert 'name="communes"' in html and "selectfilter" in html  # filter_horizontal


def test_it_audits_a_change_made_in_the_admin(client: Any, superuser: Any, officer_a: Any) -> None:
    login(client, superuser)
    response = client.post(
        f"/admin/accounts/user/{officer_a.pk}/change/",
        {
            "username": "officer.a",
            "full_name": "Nguyễn Thị Lan",
            "phone": "",
            "email": "",
            "organisation": "",
            "role": "commune_officer",
            "communes": [str(COMMUNE_A)],
            "is_active": "on",
            "date_joined_0": "01/03/2026",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.filter(via="admin").get()
    assert entry.actor == superuser and entry.object_id == str(officer_a.pk)


def test_it_lists_tokens_without_their_hash(
    client: Any, superuser: Any, province_admin: Any
) -> None:
    token, raw = services.api_token_create(owner=province_admin, name="gateway", scopes=["read"])
    login(client, superuser)
    html = client.get("/admin/accounts/apitoken/").content.decode()
    assert "gateway" in html and token.prefix in html
    assert token.token_hash not in html and raw not in html
    html = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.token_hash not in html
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_it_revokes_tokens_from_the_admin(client: Any, superuser: Any, province_admin: Any) -> None:
    token, _raw = services.api_token_create(owner=province_admin, name="gateway", scopes=["read"])
    login(client, superuser)
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_it_keeps_the_audit_log_read_only_even_for_superusers(
    client: Any, superuser: Any, officer_a: Any
) -> None:
    entry = services.audit_record(actor=officer_a, action="view", object_type="person")
    login(client, superuser)
    assert client.get("/admin/accounts/auditentry/").status_code == 200
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert client.get(f"/admin/accounts/auditentry/{entry.pk}/delete/").status_code == 403
    response = client.post(
        f"/admin/accounts/auditentry/{entry.pk}/change/", {"object_type": "changed"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.object_type == "person"


def test_it_keeps_the_admin_closed_to_commune_officers(client: Any, officer_a: Any) -> None:
    login(client, officer_a)
    response = client.get("/admin/accounts/auditentry/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_adds_a_user_in_the_admin_with_a_normalised_phone(client: Any, superuser: Any) -> None:
    login(client, superuser)
    assert client.get("/admin/accounts/user/add/").status_code == 200
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "vnpt.camau",
            "full_name": "VNPT Cà Mau",
            "role": "partner",
            "phone": "0912 000 222",
            "usable_password": "true",
            "password1": "river-mango-2041",
            "password2": "river-mango-2041",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="vnpt.camau")
    assert user.phone == "+84912000222"
    assert user.search_key == "vnpt ca mau vnpt.camau 0912000222"
    assert AuditEntry.objects.filter(via="admin", action="create").exists()
