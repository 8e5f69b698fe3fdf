"""Shared test fixtures: named personas and small factories.

Personas: an officer of commune A, an officer of commune B, a helper and a health worker of
commune A, a citizen living in commune A, a province administrator. Tests say who acts, and every
endpoint has a case where the other commune's officer (or another citizen) is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

COMMUNE_A = 31825  # Phường Bạc Liêu, Cà Mau
COMMUNE_B = 32002  # Phường An Xuyên, Cà Mau
PASSWORD = "correct-horse-42-battery"


@pytest.fixture
def commune_a(db: Any) -> Any:
    from places.models import Commune

    return Commune.objects.get(code=COMMUNE_A)


@pytest.fixture
def commune_b(db: Any) -> Any:
    from places.models import Commune

    return Commune.objects.get(code=COMMUNE_B)


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from accounts import services

    def make(username: str, role: str, communes: tuple[int, ...] = (), **extra: Any) -> Any:
        return services.user_create(
            username=username, password=PASSWORD, role=role, communes=communes, **extra
        )

    return make


@pytest.fixture
def officer_a(make_user: Callable[..., Any]) -> Any:
    return make_user("officer.a", "commune_officer", (COMMUNE_A,), full_name="Nguyễn Thị Lan")


@pytest.fixture
def officer_b(make_user: Callable[..., Any]) -> Any:
    return make_user("officer.b", "commune_officer", (COMMUNE_B,), full_name="Trần Văn Hùng")


@pytest.fixture
def helper_a(make_user: Callable[..., Any]) -> Any:
    return make_user("helper.a", "helper", (COMMUNE_A,), full_name="Lê Minh Tú")


@pytest.fixture
def health_worker_a(make_user: Callable[..., Any]) -> Any:
    return make_user("health.a", "health_worker", (COMMUNE_A,), full_name="Phạm Thu Hà")


@pytest.fixture
def province_admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin.province", "province_admin", full_name="Võ Quốc Bảo")


@pytest.fixture
def citizen(make_user: Callable[..., Any]) -> Any:
    return make_user("citizen.a", "citizen", phone="0912345678", full_name="Danh Thị Mai")


@pytest.fixture
def make_person(db: Any) -> Callable[..., Any]:
    """A person in a commune, written straight to the table (registry services come later)."""
    from lib.vn_text import name_key
    from people.models import Person

    counter = iter(range(100000, 999999))

    def make(commune: Any, full_name: str = "Thạch Thị Sà Quân", **extra: Any) -> Any:
        fields: dict[str, Any] = {
            "personal_id": f"0961{88}{next(counter):06d}",
            "date_of_birth": date(1988, 3, 14),
            "sex": "female",
            "ethnicity": "Khmer",
            "ethnicity_code": "05",
        }
        fields.update(extra)
        return Person.objects.create(
            commune=commune, full_name=full_name, name_key=name_key(full_name), **fields
        )

    return make


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client
