from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import login
from help import services
from help.models import GroupSession, SessionSeat
from help.tests.corner_factories import FRIDAY_MORNING, MONDAY, at, corner, member
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_morning() -> Any:
    with time_machine.travel(FRIDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(commune_a: Any, helper_a: Any) -> GroupSession:
    place = corner(commune_a)
    member(place, helper_a)
    return services.session_create(
        corner=place,
        title="Cài đặt và dùng VNeID",
        helper=helper_a,
        starts_at=at(MONDAY, 8),
        ends_at=at(MONDAY, 10),
        capacity=2,
        skill="vneid-level-2",
        by=helper_a,
    )


def _seat(course: GroupSession, phone: str, name: str = "Danh Thị Mai") -> SessionSeat:
    return services.seat_book(session=course, name=name, phone=phone)


def test_it_plans_a_class_from_the_staff_page(client: Any, commune_a: Any, helper_a: Any) -> None:
    place = corner(commune_a)
    member(place, helper_a)
    login(client, helper_a)

    response = client.post(
        reverse("help:sessions", args=[place.pk]),
        {
            "title": "Thanh toán bằng mã QR",
            "helper": helper_a.pk,
            "day": "2026-03-03",
            "starts": "14:00",
            "ends": "15:30",
            "capacity": 12,
            "skill": "pay-utility-bill",
        },
    )

    made = GroupSession.objects.get()
    assert response["Location"] == reverse("help:staff_session", args=[made.pk])
    assert made.ends_at == at(MONDAY.replace(day=3), 15, 30)


def test_it_books_places_by_phone_until_the_class_is_full(
    client: Any, course: GroupSession
) -> None:
    response = client.post(
        reverse("help:session", args=[course.pk]), {"name": "Danh Thị Mai", "phone": "0912345678"}
    )
    assert response.status_code == 302
    assert Message.objects.filter(recipient="+84912345678").exists()

    again = client.post(
        reverse("help:session", args=[course.pk]), {"name": "Mai", "phone": "0912 345 678"}
    )
    assert "đã đăng ký lớp này" in again.content.decode()
    _seat(course, "0987654321")
    with pytest.raises(ValidationError) as refused:
        _seat(course, "0903111222")
    assert "đủ chỗ" in str(refused.value)
    page = client.get(reverse("help:session", args=[course.pk])).content.decode()
    assert "Lớp đã đủ chỗ. Hãy hỏi điểm hỗ trợ về lớp sau." in page


def test_it_takes_attendance_once_the_class_has_started(
    client: Any, course: GroupSession, helper_a: Any
) -> None:
    came, absent = _seat(course, "0912345678"), _seat(course, "0987654321", "Lâm Tư")
    with pytest.raises(ValidationError):
        services.seat_attendance_set(session=course, attended={came.pk: True}, by=helper_a)

    with time_machine.travel("2026-03-02 09:00:00+07:00", tick=False):
        login(client, helper_a)
        client.post(
            reverse("help:session_attendance", args=[course.pk]),
            {f"seat_{came.pk}": "yes", f"seat_{absent.pk}": "no"},
        )
        listing = client.get(reverse("help:sessions", args=[course.corner_id]))

    came.refresh_from_db()
    absent.refresh_from_db()
    assert (came.attended, absent.attended) == (True, False)
    assert came.marked_by == helper_a
    assert listing.context["page"].object_list[0].attended == 1


def test_it_tells_everyone_booked_when_a_class_is_cancelled(
    client: Any, course: GroupSession, officer_a: Any
) -> None:
    _seat(course, "0912345678")
    login(client, officer_a)

    client.post(reverse("help:session_cancel", args=[course.pk]))

    course.refresh_from_db()
    assert course.cancelled_at is not None
    assert Message.objects.filter(body__contains="da bi huy").count() == 1
    with pytest.raises(ValidationError):
        _seat(course, "0987654321")


@pytest.mark.parametrize(
    "name",
    [
        "help:staff_session",
        "help:session_seat_add",
        "help:session_attendance",
        "help:session_cancel",
    ],
)
def test_it_hides_another_communes_class(
    client: Any, course: GroupSession, officer_b: Any, name: str
) -> None:
    login(client, officer_b)

    assert (
        client.post(
            reverse(name, args=[course.pk]), {"name": "x", "phone": "0912345678"}
        ).status_code
        == 404
    )
    assert client.get(reverse("help:sessions", args=[course.corner_id])).status_code == 404
    course.refresh_from_db()
    assert course.cancelled_at is None and not course.seats.exists()


def test_it_lists_classes_in_few_queries(
    client: Any, course: GroupSession, helper_a: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        services.session_create(
            corner=course.corner,
            title=f"Lớp {n}",
            helper=helper_a,
            starts_at=at(MONDAY, 13),
            ends_at=at(MONDAY, 14),
            capacity=10,
            by=helper_a,
        )
    login(client, helper_a)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("help:sessions", args=[course.corner_id]))

    assert len(response.context["page"].object_list) == 6
