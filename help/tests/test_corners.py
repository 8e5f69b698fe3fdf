from __future__ import annotations

from datetime import time
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from help import services
from help.models import Corner, Language
from help.tests.corner_factories import FRIDAY_MORNING, MONDAY, at, corner, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_morning() -> Any:
    with time_machine.travel(FRIDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(commune_a: Any) -> Corner:
    return corner(commune_a)


# The public list -------------------------------------------------------------------------------


def test_it_lists_corners_with_their_next_free_time(client: Any, place: Corner) -> None:
    response = client.get(reverse("help:find"))

    page = response.content.decode()
    assert "Điểm CĐS phường Bạc Liêu" in page
    assert "08:30" in page  # Friday 08:00 has passed; 08:30 is the next slot
    assert "Thứ 2 – Thứ 6: 07:30–11:30, 13:30–17:00" in page


def test_it_filters_corners_by_commune_language_and_service(
    client: Any, place: Corner, commune_b: Any, make_user: Any
) -> None:
    khmer = make_user("helper.b", "helper", (commune_b.code,), full_name="Thạch Sô Phol")
    other = corner(commune_b, name="Điểm CĐS An Xuyên", topics=["dossier"])
    member(other, khmer, (Language.VIETNAMESE, Language.KHMER))

    def names(**query: Any) -> set[str]:
        response = client.get(reverse("help:find"), query)
        return {card["corner"].name for card in response.context["cards"]}

    assert names() == {"Điểm CĐS phường Bạc Liêu", "Điểm CĐS An Xuyên"}
    assert names(language="km") == {"Điểm CĐS An Xuyên"}
    assert names(topic="vneid") == {"Điểm CĐS phường Bạc Liêu"}
    assert names(commune=commune_b.code) == {"Điểm CĐS An Xuyên"}


def test_it_keeps_the_public_list_to_a_few_queries(
    client: Any, commune_a: Any, helper_a: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        member(corner(commune_a, name=f"Điểm {n}"), helper_a)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("help:find"))

    assert len(response.context["cards"]) == 6


def test_it_hides_a_corner_closed_to_the_public(client: Any, place: Corner) -> None:
    services.corner_update(corner=place, is_active=False, by=None)

    assert client.get(reverse("help:corner", args=[place.pk])).status_code == 404
    assert client.get(reverse("help:book", args=[place.pk])).status_code == 404
    assert place.name not in client.get(reverse("help:find")).content.decode()


# Registry (staff) ------------------------------------------------------------------------------


def test_it_lets_an_officer_register_a_corner(client: Any, officer_a: Any, commune_a: Any) -> None:
    login(client, officer_a)

    response = client.post(
        reverse("help:corner_create"),
        {
            "commune": commune_a.code,
            "name": "Điểm CĐS khóm 5",
            "address": "45 Hai Bà Trưng",
            "topics": ["vneid", "payment"],
            "wifi": "free",
            "slot_minutes": 20,
            "desks": 2,
            "is_active": "on",
            "step_free": "on",
        },
    )

    made = Corner.objects.get(name="Điểm CĐS khóm 5")
    assert response["Location"] == reverse("help:corner_hours", args=[made.pk])
    assert set(made.services.values_list("topic", flat=True)) == {"vneid", "payment"}
    assert AuditEntry.objects.filter(object_type="help_corner", object_id=made.pk).exists()


def test_it_explains_bad_coordinates(client: Any, officer_a: Any, commune_a: Any) -> None:
    login(client, officer_a)

    response = client.post(
        reverse("help:corner_create"),
        {
            "commune": commune_a.code,
            "name": "Điểm",
            "address": "1 Trần Phú",
            "latitude": "9.2",
            "wifi": "none",
            "slot_minutes": 20,
            "desks": 1,
        },
    )

    assert "Nhập cả vĩ độ và kinh độ" in response.content.decode()
    assert not Corner.objects.exists()


@pytest.mark.parametrize(
    "name", ["help:corner_detail", "help:corner_edit", "help:corner_hours", "help:member_add"]
)
def test_it_hides_another_communes_corner(
    client: Any, officer_b: Any, place: Corner, name: str
) -> None:
    login(client, officer_b)

    assert client.get(reverse(name, args=[place.pk])).status_code == 404
    assert client.post(reverse(name, args=[place.pk]), {}).status_code == 404


def test_it_refuses_another_communes_closure(client: Any, officer_b: Any, place: Corner) -> None:
    login(client, officer_b)

    response = client.post(reverse("help:closure_add", args=[place.pk]), {"day": "2026-03-02"})

    assert response.status_code == 404
    assert not place.closures.exists()


@pytest.mark.parametrize("name", ["help:staff_corners", "help:corner_create", "help:skills"])
def test_it_refuses_citizens_and_health_workers_the_staff_pages(
    client: Any, citizen: Any, health_worker_a: Any, name: str
) -> None:
    assert login(client, citizen).get(reverse(name)).status_code == 403
    assert login(client, health_worker_a).get(reverse(name)).status_code == 403


def test_it_lets_a_helper_of_the_corner_change_hours_but_not_the_description(
    client: Any, helper_a: Any, make_user: Any, commune_a: Any, place: Corner
) -> None:
    member(place, helper_a)
    outsider = make_user("helper.a2", "helper", (commune_a.code,))
    login(client, helper_a)

    assert client.get(reverse("help:corner_edit", args=[place.pk])).status_code == 403
    response = client.post(
        reverse("help:corner_hours", args=[place.pk]),
        {"d5_1_opens": "07:00", "d5_1_closes": "11:00"},
    )
    assert response.status_code == 302
    assert [(h.weekday, h.opens) for h in place.hours.all()] == [(5, time(7))]
    login(client, outsider)
    assert client.get(reverse("help:corner_hours", args=[place.pk])).status_code == 403


def test_it_refuses_overlapping_hours(place: Corner) -> None:
    with pytest.raises(ValidationError) as refused:
        services.corner_hours_set(
            corner=place,
            intervals=[(0, time(7), time(12)), (0, time(11), time(17))],
            by=None,
        )

    assert "chồng lên nhau" in str(refused.value)
    assert place.hours.count() == 10


def test_it_asks_for_both_ends_of_an_interval(client: Any, officer_a: Any, place: Corner) -> None:
    login(client, officer_a)

    response = client.post(reverse("help:corner_hours", args=[place.pk]), {"d0_1_opens": "07:00"})

    assert "Hãy điền cả giờ mở cửa và giờ đóng cửa" in response.content.decode()
    assert place.hours.count() == 10


def test_it_warns_about_bookings_on_a_new_closed_day(
    client: Any, officer_a: Any, place: Corner
) -> None:
    services.appointment_book(
        corner=place, starts_at=at(MONDAY, 8), name="Mai", phone="0912345678", topic="vneid"
    )
    login(client, officer_a)

    response = client.post(
        reverse("help:closure_add", args=[place.pk]),
        {"day": "2026-03-02", "reason": "Tập huấn"},
        follow=True,
    )

    assert place.closures.get().reason == "Tập huấn"
    assert "1" in str(list(response.context["messages"])[-1])


def test_it_adds_only_helpers_of_the_corners_commune(
    place: Corner, make_user: Any, commune_b: Any, officer_a: Any
) -> None:
    elsewhere = make_user("helper.b", "helper", (commune_b.code,), full_name="Trần B")

    with pytest.raises(ValidationError) as refused:
        services.member_add(corner=place, user=elsewhere, by=None)
    assert "không được phân công" in str(refused.value)
    with pytest.raises(ValidationError):
        services.member_add(corner=place, user=officer_a, by=None)


def test_it_adds_a_team_member_with_languages(
    client: Any, officer_a: Any, helper_a: Any, place: Corner
) -> None:
    login(client, officer_a)

    client.post(
        reverse("help:member_add", args=[place.pk]),
        {"user": helper_a.pk, "languages": ["vi", "km"], "position": "Tổ trưởng"},
    )

    found = place.members.get()
    assert set(found.languages.values_list("language", flat=True)) == {"vi", "km"}
    detail = client.get(reverse("help:corner_detail", args=[place.pk])).content.decode()
    assert "Tổ trưởng" in detail and "Khmer" in detail


def test_it_keeps_the_staff_list_to_a_few_queries(
    client: Any, officer_a: Any, commune_a: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        corner(commune_a, name=f"Điểm {n}")
    login(client, officer_a)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("help:staff_corners"))

    assert len(response.context["page"].object_list) == 5


# API -------------------------------------------------------------------------------------------


def test_it_describes_corners_in_the_api(client: Any, place: Corner, helper_a: Any) -> None:
    member(place, helper_a, (Language.VIETNAMESE, Language.KHMER))

    rows = client.get("/api/v1/help/corners", {"language": "km"}).json()

    assert [r["name"] for r in rows] == ["Điểm CĐS phường Bạc Liêu"]
    assert rows[0]["languages"] == ["km", "vi"]
    assert rows[0]["next_free_slot"] == "2026-02-27T08:30:00+07:00"
    one = client.get(f"/api/v1/help/corners/{place.pk}").json()
    assert one["hours"][0] == {"weekday": 0, "opens": "07:30", "closes": "11:30"}
    slots = client.get(f"/api/v1/help/corners/{place.pk}/slots", {"day": "2026-03-02"}).json()
    assert len(slots) == 15
    assert slots[0]["starts_at"] == "2026-03-02T07:30:00+07:00"


STAFF_PAGES = [
    ("help:staff_corners", False),
    ("help:corner_create", False),
    ("help:skills", False),
    ("help:corner_detail", True),
    ("help:corner_day", True),
    ("help:staff_book", True),
    ("help:queue", True),
    ("help:sessions", True),
]


@pytest.mark.parametrize(("name", "with_corner"), STAFF_PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(
    client: Any, place: Corner, name: str, with_corner: bool
) -> None:
    response = client.get(reverse(name, args=[place.pk] if with_corner else []))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_hides_closed_corners_in_the_api(client: Any, place: Corner) -> None:
    services.corner_update(corner=place, is_active=False, by=None)

    assert client.get(f"/api/v1/help/corners/{place.pk}").status_code == 404
    assert client.get(f"/api/v1/help/corners/{place.pk}/queue-screen").status_code == 404
    assert client.get("/api/v1/help/corners").json() == []
