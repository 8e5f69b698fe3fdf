from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from places.models import AreaStatus, Village
from places.tests.factories import village

pytestmark = pytest.mark.django_db


def test_it_saves_villages_from_the_admin_through_the_service(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    login(client, province_admin)
    assert client.get(reverse("admin:places_village_changelist"), {"q": "hoa"}).status_code == 200

    response = client.post(
        reverse("admin:places_village_add"),
        {"commune": "31825", "name": "Ấp Hoà Bình", "kind": "ap", "local_code": ""},
    )

    assert response.status_code == 302
    created = Village.objects.get()
    assert created.name_key == "ap hoa binh"
    assert AuditEntry.objects.filter(object_type="village", via="admin").exists()


def test_it_shows_the_services_refusal_on_the_admin_form(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    village(commune_a, "Ấp Hòa Bình")
    login(client, province_admin)

    response = client.post(
        reverse("admin:places_village_add"),
        {"commune": "31825", "name": "ap hoa binh", "kind": "ap", "local_code": ""},
    )

    assert response.status_code == 200
    assert "ap hoa binh" in str(response.context["adminform"].form.errors["name"])
    assert Village.objects.count() == 1


def test_it_corrects_an_area_status_in_the_admin(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    login(client, province_admin)
    response = client.post(
        reverse("admin:places_areastatus_add"),
        {
            "commune": "31825",
            "status": "region_3",
            "valid_from": "2021-06-04",
            "decision": "861/QĐ-TTg",
        },
    )
    assert response.status_code == 302
    status = AreaStatus.objects.get()

    response = client.post(
        reverse("admin:places_areastatus_change", args=[status.pk]),
        {"valid_to": "2025-12-31", "decision": "861/QĐ-TTg", "note": "Hết hiệu lực"},
    )

    assert response.status_code == 302
    status.refresh_from_db()
    assert status.note == "Hết hiệu lực"
    assert AuditEntry.objects.filter(object_type="area_status", action="update").exists()


def test_it_keeps_the_official_lists_read_only(client: Any, province_admin: Any) -> None:
    login(client, province_admin)

    assert client.get(reverse("admin:places_commune_changelist")).status_code == 200
    assert client.get(reverse("admin:places_commune_add")).status_code == 403
    assert (
        client.post(reverse("admin:places_commune_change", args=[31825]), {"name": "x"}).status_code
        == 403
    )
