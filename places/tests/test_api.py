from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from places import services
from places.tests.factories import village

pytestmark = pytest.mark.django_db


@pytest.fixture
def statuses(commune_a: Any, commune_b: Any) -> dict[str, Any]:
    hamlet = village(commune_a, "Ấp Hòa Bình", kind="ap", local_code="HB")
    village(commune_a, "Khóm 1")
    village(commune_b, "Bản Nà Cài")
    services.area_status_create(
        commune_code=commune_a.code,
        status="region_3",
        valid_from=date(2021, 6, 4),
        valid_to=date(2025, 12, 31),
        decision="861/QĐ-TTg",
    )
    services.area_status_create(
        commune_code=commune_a.code,
        status="region_1",
        valid_from=date(2026, 1, 1),
        decision="60/QĐ-BDTTG",
    )
    services.area_status_create(
        commune_code=commune_a.code,
        village_name=hamlet.name,
        status="especially_difficult_village",
        valid_from=date(2026, 1, 1),
        decision="60/QĐ-BDTTG",
        note="Phụ lục II",
    )
    services.area_status_create(
        commune_code=commune_b.code,
        status="region_2",
        valid_from=date(2026, 1, 1),
        decision="60/QĐ-BDTTG",
    )
    return {"hamlet": hamlet}


def test_it_keeps_the_province_and_commune_lists(client: Any) -> None:
    provinces = client.get("/api/v1/places/provinces").json()
    assert len(provinces) == 34

    communes = client.get("/api/v1/places/provinces/96/communes").json()
    assert {"code": 31825, "name": "Phường Bạc Liêu"}.items() <= next(
        c for c in communes if c["code"] == 31825
    ).items()


def test_it_describes_one_commune_with_its_village_count(client: Any, statuses: Any) -> None:
    response = client.get("/api/v1/places/communes/31825")

    assert response.status_code == 200
    assert response.json() == {
        "code": 31825,
        "code_display": "31825",
        "name": "Phường Bạc Liêu",
        "division_type": "phường",
        "province_code": 96,
        "province_name": "Tỉnh Cà Mau",
        "village_count": 2,
    }
    assert client.get("/api/v1/places/communes/4").json()["code_display"] == "00004"


def test_it_answers_404_in_the_common_error_shape_for_an_unknown_commune(client: Any) -> None:
    for url in ("/api/v1/places/communes/99999", "/api/v1/places/communes/99999/villages"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_it_pages_through_the_villages_of_a_commune(
    client: Any, statuses: Any, commune_a: Any, django_assert_max_num_queries: Any
) -> None:
    for number in range(55):
        village(commune_a, f"Tổ {number:02d}")

    with django_assert_max_num_queries(3):
        first = client.get("/api/v1/places/communes/31825/villages").json()

    assert first["count"] == 57
    assert len(first["items"]) == 50
    assert first["items"][0] == {
        "id": statuses["hamlet"].pk,
        "name": "Ấp Hòa Bình",
        "kind": "ap",
        "local_code": "HB",
        "commune_code": 31825,
    }
    second = client.get("/api/v1/places/communes/31825/villages", {"page": 2}).json()
    assert len(second["items"]) == 7


def test_it_lists_the_area_status_in_force_on_a_day(
    client: Any, statuses: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/places/area-status", {"commune": 31825, "on": "2026-03-01"})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    by_status = {row["status"]: row for row in body["items"]}
    assert by_status["region_1"]["village_id"] is None
    assert by_status["especially_difficult_village"] == {
        "id": by_status["especially_difficult_village"]["id"],
        "commune_code": 31825,
        "village_id": statuses["hamlet"].pk,
        "village_name": "Ấp Hòa Bình",
        "status": "especially_difficult_village",
        "valid_from": "2026-01-01",
        "valid_to": None,
        "decision": "60/QĐ-BDTTG",
        "note": "Phụ lục II",
    }


def test_it_gives_the_old_region_on_its_last_day(client: Any, statuses: Any) -> None:
    body = client.get("/api/v1/places/area-status", {"commune": 31825, "on": "2025-12-31"}).json()

    assert [row["status"] for row in body["items"]] == ["region_3"]


def test_it_gives_a_village_its_own_statuses_and_its_commune_region(
    client: Any, statuses: Any
) -> None:
    body = client.get(
        "/api/v1/places/area-status",
        {"commune": 31825, "village": statuses["hamlet"].pk, "on": "2026-01-01"},
    ).json()

    assert sorted(row["status"] for row in body["items"]) == [
        "especially_difficult_village",
        "region_1",
    ]


def test_it_lists_every_period_without_filters(client: Any, statuses: Any) -> None:
    assert client.get("/api/v1/places/area-status").json()["count"] == 4


def test_it_refuses_a_malformed_day(client: Any) -> None:
    response = client.get("/api/v1/places/area-status", {"on": "31/12/2025"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
