"""Province administrators manage users: list, search, create, edit, deactivate."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import AuditEntry, TotpDevice, User
from conftest import COMMUNE_A, COMMUNE_B, PASSWORD, login

USERS = "/accounts/users/"
NEW = "/accounts/users/new/"


def _edit_url(user: Any) -> str:
    return f"/accounts/users/{user.pk}/"


def _new_user_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": "ho.thi.nga",
        "full_name": "Hồ Thị Ngà",
        "role": "health_worker",
        "communes": [str(COMMUNE_A)],
        "phone": "0987 654 321",
        "organisation": "",
        "password1": "river-mango-2041",
        "password2": "river-mango-2041",
    }
    data.update(overrides)
    return data


def _edit_data(user: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": user.full_name,
        "role": user.role,
        "communes": [str(c) for c in user.communes.values_list("code", flat=True)],
        "phone": user.phone or "",
        "organisation": user.organisation,
        "is_active": "on" if user.is_active else "",
        "new_password": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in ("", None, [])}


def test_it_refuses_everybody_but_province_administrators(
    client: Any, officer_a: Any, officer_b: Any, helper_a: Any, health_worker_a: Any, citizen: Any
) -> None:
    for user in (officer_a, officer_b, helper_a, health_worker_a, citizen):
        login(client, user)
        assert client.get(USERS).status_code == 403
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, _new_user_data()).status_code == 403
        assert client.get(_edit_url(officer_a)).status_code == 403
        assert client.post(_edit_url(officer_a), _edit_data(officer_a)).status_code == 403
    assert not User.objects.filter(username="ho.thi.nga").exists()


def test_it_refuses_an_officer_of_commune_b_editing_anyone(
    client: Any, officer_a: Any, officer_b: Any
) -> None:
    login(client, officer_b)
    response = client.post(_edit_url(officer_a), _edit_data(officer_a, full_name="Changed"))
    assert response.status_code == 403
    officer_a.refresh_from_db()
    assert officer_a.full_name == "Nguyễn Thị Lan"


def test_it_sends_anonymous_people_to_the_login_page(client: Any, officer_a: Any) -> None:
    for url in (USERS, NEW, _edit_url(officer_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_finds_users_by_name_typed_without_diacritics(
    client: Any, province_admin: Any, officer_a: Any, officer_b: Any
) -> None:
    login(client, province_admin)
    html = client.get(USERS, {"q": "nguyen thi lan"}).content.decode()
    assert "officer.a" in html and "officer.b" not in html
    html = client.get(USERS, {"q": "HÙNG"}).content.decode()
    assert "officer.b" in html and "officer.a" not in html


@pytest.mark.parametrize("typed", ["0912 345 678", "+84912345678", "345678", "84912345678"])
def test_it_finds_users_by_phone_however_typed(
    client: Any, province_admin: Any, citizen: Any, officer_a: Any, typed: str
) -> None:
    login(client, province_admin)
    html = client.get(USERS, {"q": typed}).content.decode()
    assert "citizen.a" in html and "officer.a" not in html
    assert "0912 345 678" in html  # shown in the national form


def test_it_filters_users_by_role_commune_and_status(
    client: Any, province_admin: Any, officer_a: Any, officer_b: Any, helper_a: Any
) -> None:
    login(client, province_admin)
    html = client.get(USERS, {"role": "commune_officer", "commune": COMMUNE_B}).content.decode()
    assert "officer.b" in html and "officer.a" not in html and "helper.a" not in html
    services.user_update(
        user=helper_a,
        changed_by=province_admin,
        role="helper",
        full_name=helper_a.full_name,
        phone=None,
        communes=[COMMUNE_A],
        is_active=False,
    )
    html = client.get(USERS, {"active": "no"}).content.decode()
    assert "helper.a" in html and "officer.a" not in html


def test_it_lists_users_in_pages_with_a_fixed_number_of_queries(
    client: Any, province_admin: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        make_user(f"officer.{n:02d}", "commune_officer", (COMMUNE_A, COMMUNE_B))
    login(client, province_admin)
    with django_assert_max_num_queries(7):
        response = client.get(USERS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "?page=2" in html
    with django_assert_max_num_queries(7):
        html = client.get(USERS, {"page": 2, "role": "commune_officer"}).content.decode()
    assert "officer.29" in html


def test_it_creates_a_user_with_a_normalised_phone(client: Any, province_admin: Any) -> None:
    login(client, province_admin)
    response = client.post(NEW, _new_user_data())
    assert response.status_code == 302
    user = User.objects.get(username="ho.thi.nga")
    assert user.phone == "+84987654321"
    assert list(user.communes.values_list("code", flat=True)) == [COMMUNE_A]
    assert user.check_password("river-mango-2041")
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.CREATE, object_type="user", object_id=str(user.pk)
    )
    assert entry.actor == province_admin
    assert entry.via == "web"


@pytest.mark.parametrize(
    ("overrides", "field_hint"),
    [
        ({"communes": []}, "commune"),  # a health worker needs a commune
        ({"role": "citizen"}, "commune"),  # a citizen takes none
        ({"phone": "12345"}, "0912 345 678"),
        ({"password1": "short-pass1", "password2": "short-pass1"}, "12"),
        ({"password2": "something-else-42"}, "password"),
        ({"communes": ["1"]}, "communes"),  # Hà Nội's Ba Đình is outside the province
    ],
)
def test_it_explains_why_a_new_user_is_refused(
    client: Any, province_admin: Any, overrides: dict[str, Any], field_hint: str
) -> None:
    login(client, province_admin)
    response = client.post(NEW, _new_user_data(**overrides))
    assert response.status_code == 200
    assert not User.objects.filter(username="ho.thi.nga").exists()
    html = response.content.decode()
    assert "errorlist" in html


def test_it_offers_only_the_communes_of_the_province(client: Any, province_admin: Any) -> None:
    login(client, province_admin)
    html = client.get(NEW).content.decode()
    assert f'value="{COMMUNE_A}"' in html
    assert 'value="4"' not in html  # Phường Ba Đình, Hà Nội


def test_it_edits_a_user_and_records_the_changes(
    client: Any, province_admin: Any, officer_a: Any
) -> None:
    login(client, province_admin)
    response = client.post(
        _edit_url(officer_a),
        _edit_data(
            officer_a,
            full_name="Nguyễn Thị Lan Anh",
            communes=[str(COMMUNE_A), str(COMMUNE_B)],
            phone="+84 912 000 111",
        ),
    )
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.full_name == "Nguyễn Thị Lan Anh"
    assert officer_a.phone == "+84912000111"
    assert sorted(officer_a.communes.values_list("code", flat=True)) == [COMMUNE_A, COMMUNE_B]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_type="user")
    assert entry.actor == province_admin
    assert entry.details["changes"]["communes"] == [[COMMUNE_A], [COMMUNE_A, COMMUNE_B]]
    assert entry.details["changes"]["full_name"] == ["Nguyễn Thị Lan", "Nguyễn Thị Lan Anh"]
    # The new name is found without diacritics.
    assert "officer.a" in client.get(USERS, {"q": "lan anh"}).content.decode()


def test_it_keeps_a_commune_on_commune_scoped_roles(
    client: Any, province_admin: Any, officer_a: Any
) -> None:
    login(client, province_admin)
    data = _edit_data(officer_a)
    data.pop("communes")
    response = client.post(_edit_url(officer_a), data)
    assert response.status_code == 200
    assert list(officer_a.communes.values_list("code", flat=True)) == [COMMUNE_A]


def test_it_deactivates_instead_of_deleting(
    client: Any, province_admin: Any, officer_a: Any
) -> None:
    login(client, province_admin)
    data = _edit_data(officer_a)
    data.pop("is_active")
    response = client.post(_edit_url(officer_a), data)
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.is_active is False
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_type="user")
    assert entry.details["changes"]["is_active"] == [True, False]
    # A deactivated officer cannot log in any more.
    client.logout()
    client.post("/accounts/login/", {"username": "officer.a", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_administrator_locking_themselves_out(
    client: Any, province_admin: Any
) -> None:
    login(client, province_admin)
    data = _edit_data(province_admin)
    data.pop("is_active")
    assert client.post(_edit_url(province_admin), data).status_code == 200
    data = _edit_data(province_admin, role="citizen")
    assert client.post(_edit_url(province_admin), data).status_code == 200
    province_admin.refresh_from_db()
    assert province_admin.is_active and province_admin.role == "province_admin"


def test_it_resets_a_password_and_the_second_factor(
    client: Any, province_admin: Any, officer_a: Any
) -> None:
    TotpDevice.objects.create(user=officer_a, secret="JBSWY3DPEHPK3PXP", confirmed=True)
    login(client, province_admin)
    response = client.post(
        _edit_url(officer_a),
        _edit_data(officer_a, new_password="fresh-start-2026", reset_totp="on"),
    )
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.check_password("fresh-start-2026")
    assert not TotpDevice.objects.filter(user=officer_a).exists()


def test_it_changes_nothing_when_a_reset_password_is_weak(
    client: Any, province_admin: Any, officer_a: Any
) -> None:
    login(client, province_admin)
    response = client.post(
        _edit_url(officer_a), _edit_data(officer_a, full_name="Other", new_password="weak")
    )
    assert response.status_code == 200
    officer_a.refresh_from_db()
    assert officer_a.full_name == "Nguyễn Thị Lan"
    assert officer_a.check_password(PASSWORD)


def test_it_revokes_tokens_a_new_role_may_not_hold(db: Any, province_admin: Any) -> None:
    partner = services.user_create(username="vnpt", password=PASSWORD, role="province_admin")
    token, _raw = services.api_token_create(owner=partner, name="sync", scopes=["people:sync"])
    services.user_update(
        user=partner,
        changed_by=province_admin,
        role="partner",
        full_name="",
        phone=None,
        communes=[],
        is_active=True,
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_it_refuses_a_phone_another_user_has(db: Any, citizen: Any, officer_a: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.user_update(
            user=officer_a,
            changed_by=None,
            role="commune_officer",
            full_name=officer_a.full_name,
            phone="+84 912 345 678",
            communes=[COMMUNE_A],
            is_active=True,
        )
    assert "phone" in exc.value.message_dict
