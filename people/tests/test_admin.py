"""The registry in the Django admin: read-only, for province administrators only."""

from __future__ import annotations

import pytest

from conftest import login

pytestmark = pytest.mark.django_db


def test_a_province_administrator_browses_people_without_seeing_full_ids(
    client, province_admin, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a, "Thạch Thị Sà Quân", personal_id="096188123456")
    login(client, province_admin)
    listing = client.get("/admin/people/person/", {"q": "thach thi"})
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Thạch Thị Sà Quân" in text and "096188123456" not in text
    detail = client.get(f"/admin/people/person/{person.pk}/change/")
    assert detail.status_code == 200 and "096188123456" not in detail.content.decode()
    assert (
        client.post(f"/admin/people/person/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_commune_officers_cannot_open_the_registry_admin(client, officer_a) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_a).get("/admin/people/person/")
    assert response.status_code in (302, 403)
