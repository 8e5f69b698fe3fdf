from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from help import services
from help.models import Appointment, Corner
from help.tests.corner_factories import FRIDAY_MORNING, MONDAY, at, corner, member
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_morning() -> Any:
    with time_machine.travel(FRIDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(commune_a: Any) -> Corner:
    return corner(commune_a)


def _booked(place: Corner, **extra: Any) -> Appointment:
    fields = {"name": "Danh Thị Mai", "phone": "0912 345 678", "topic": "vneid"}
    fields.update(extra)
    return services.appointment_book(corner=place, starts_at=at(MONDAY, 8), **fields)


FORM = {
    "day": "2026-03-02",
    "slot": "2026-03-02T08:00",
    "name": "Danh Thị Mai",
    "phone": "0912 345 678",
    "topic": "vneid",
    "kind": "corner",
}


# People booking on the site -----------------------------------------------------------------


def test_it_books_a_time_with_a_phone_number_and_shows_the_code(client: Any, place: Corner) -> None:
    form = client.get(reverse("help:book", args=[place.pk]), {"day": "2026-03-02"})
    assert "07:30–08:00" in form.content.decode()

    response = client.post(reverse("help:book", args=[place.pk]), FORM, follow=True)

    booked = Appointment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("help:booking", args=[booked.code])
    assert booked.code in response.content.decode()
    assert Message.objects.filter(recipient="+84912345678", body__contains=booked.code).exists()


def test_it_opens_the_first_day_with_a_free_time(client: Any, place: Corner) -> None:
    response = client.get(reverse("help:book", args=[place.pk]))

    assert response.context["day"] == MONDAY.replace(month=2, day=27)


def test_it_refuses_a_slot_just_taken_by_someone_else(client: Any, place: Corner) -> None:
    page = client.get(reverse("help:book", args=[place.pk]), {"day": "2026-03-02"})
    assert page.status_code == 200
    _booked(place, phone="0987 654 321")

    response = client.post(reverse("help:book", args=[place.pk]), FORM)

    assert response.status_code == 200
    assert Appointment.objects.count() == 1
    assert "vừa có người đặt hết chỗ" in " ".join(response.context["form"].errors["slot"])


def test_it_fills_in_a_logged_in_citizens_name_and_phone(
    client: Any, place: Corner, citizen: Any
) -> None:
    login(client, citizen)

    response = client.get(reverse("help:book", args=[place.pk]), {"day": "2026-03-02"})

    assert response.context["form"].initial == {"name": "Danh Thị Mai", "phone": "0912 345 678"}


def test_it_explains_a_bad_phone_number(client: Any, place: Corner) -> None:
    response = client.post(reverse("help:book", args=[place.pk]), {**FORM, "phone": "12345"})

    assert "không hợp lệ" in response.content.decode()
    assert not Appointment.objects.exists()


def test_it_finds_a_booking_only_with_its_code_and_phone(client: Any, place: Corner) -> None:
    booked = _booked(place)
    assert client.get(reverse("help:booking", args=[booked.code])).status_code == 404

    wrong = client.post(
        reverse("help:booking_lookup"), {"code": booked.code, "phone": "0987654321"}
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].non_field_errors()
    right = client.post(
        reverse("help:booking_lookup"), {"code": booked.code.lower(), "phone": "+84912345678"}
    )
    assert right["Location"] == reverse("help:booking", args=[booked.code])


def test_it_lets_a_person_cancel_and_move_their_booking(client: Any, place: Corner) -> None:
    booked = _booked(place)
    client.post(reverse("help:booking_lookup"), {"code": booked.code, "phone": "0912345678"})

    client.post(
        reverse("help:booking_reschedule", args=[booked.code]),
        {"day": "2026-03-02", "slot": "2026-03-02T09:00"},
    )
    booked.refresh_from_db()
    assert booked.starts_at == at(MONDAY, 9)
    client.post(reverse("help:booking_cancel", args=[booked.code]))
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED


def test_it_keeps_another_persons_booking_private(client: Any, place: Corner) -> None:
    booked = _booked(place)

    assert client.post(reverse("help:booking_cancel", args=[booked.code])).status_code == 404
    assert client.get(reverse("help:booking_reschedule", args=[booked.code])).status_code == 404
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


# Helpers booking for someone ----------------------------------------------------------------


def test_it_lets_a_helper_book_for_someone_with_a_chosen_helper(
    client: Any, place: Corner, helper_a: Any, make_person: Any, commune_a: Any
) -> None:
    member(place, helper_a)
    person = make_person(commune_a, phone="+84912345678")
    login(client, helper_a)

    response = client.post(
        reverse("help:staff_book", args=[place.pk]), {**FORM, "helper": helper_a.pk}
    )

    booked = Appointment.objects.get()
    assert response["Location"] == reverse("help:appointment", args=[booked.pk])
    assert booked.helper == helper_a and booked.created_by == helper_a
    assert booked.person == person
    entry = AuditEntry.objects.get(object_type="help_appointment", action="create")
    assert entry.on_behalf_of == "Danh Thị Mai"


def test_it_shows_only_the_chosen_helpers_free_times(
    client: Any, place: Corner, helper_a: Any
) -> None:
    services.corner_update(corner=place, desks=2, by=None)
    member(place, helper_a)
    _booked(place, helper=helper_a)
    login(client, helper_a)

    anyone = client.get(reverse("help:staff_book", args=[place.pk]), {"day": "2026-03-02"})
    theirs = client.get(
        reverse("help:staff_book", args=[place.pk]), {"day": "2026-03-02", "helper": helper_a.pk}
    )

    assert at(MONDAY, 8) in [s.starts_at for s in anyone.context["slots"]]
    assert at(MONDAY, 8) not in [s.starts_at for s in theirs.context["slots"]]


@pytest.mark.parametrize("name", ["help:appointment", "help:appointment_arrive"])
def test_it_hides_another_communes_appointment(
    client: Any, officer_b: Any, place: Corner, name: str
) -> None:
    booked = _booked(place)
    login(client, officer_b)

    assert client.get(reverse("help:appointment", args=[booked.pk])).status_code == 404
    assert client.post(reverse(name, args=[booked.pk])).status_code == 404
    status = reverse("help:appointment_status", args=[booked.pk])
    assert client.post(status, {"status": "no_show"}).status_code == 404
    assert client.get(reverse("help:staff_book", args=[place.pk])).status_code == 404
    assert client.get(reverse("help:corner_day", args=[place.pk])).status_code == 404


def test_it_writes_who_read_an_appointment(client: Any, officer_a: Any, place: Corner) -> None:
    booked = _booked(place)

    login(client, officer_a).get(reverse("help:appointment", args=[booked.pk]))

    assert AuditEntry.objects.filter(
        action="view", object_type="help_appointment", actor=officer_a
    ).exists()


def test_it_marks_a_no_show_and_cancels_with_an_sms(
    client: Any, officer_a: Any, place: Corner
) -> None:
    booked = _booked(place)
    login(client, officer_a)
    url = reverse("help:appointment_status", args=[booked.pk])

    client.post(url, {"status": "no_show"})
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.NO_SHOW
    client.post(url, {"status": "booked"})
    client.post(url, {"status": "cancelled"})
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert Message.objects.filter(body__contains="da bi huy").count() == 1


def test_it_lists_a_days_appointments_in_few_queries(
    client: Any, officer_a: Any, place: Corner, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        services.appointment_book(
            corner=place,
            starts_at=at(MONDAY, 8) + timedelta(minutes=30 * n),
            name=f"Người {n}",
            phone=f"091234567{n}",
            topic="vneid",
        )
    login(client, officer_a)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("help:corner_day", args=[place.pk]), {"day": "2026-03-02"})

    assert len(response.context["appointments"]) == 5


# API -------------------------------------------------------------------------------------------


def _api_book(client: Any, place: Corner, **extra: Any) -> Any:
    body = {
        "corner_id": place.pk,
        "starts_at": "2026-03-02T08:00:00+07:00",
        "name": "Danh Thị Mai",
        "phone": "0912345678",
        "topic": "vneid",
    }
    body.update(extra)
    return client.post("/api/v1/help/appointments", body, content_type="application/json")


def test_it_books_cancels_and_moves_through_the_api(client: Any, place: Corner) -> None:
    booked = _api_book(client, place)
    assert booked.status_code == 201
    code = booked.json()["code"]

    moved = client.post(
        f"/api/v1/help/appointments/{code}/reschedule",
        {"phone": "0912 345 678", "starts_at": "2026-03-02T13:30:00+07:00"},
        content_type="application/json",
    )
    assert moved.json()["starts_at"] == "2026-03-02T13:30:00+07:00"
    cancelled = client.post(
        f"/api/v1/help/appointments/{code}/cancel",
        {"phone": "0912 345 678"},
        content_type="application/json",
    )
    assert cancelled.json()["status"] == "cancelled"
    wrong = client.post(
        f"/api/v1/help/appointments/{code}/lookup",
        {"phone": "0987 654 321"},
        content_type="application/json",
    )
    assert wrong.status_code == 404


def test_it_refuses_double_and_off_hours_bookings_in_the_api(client: Any, place: Corner) -> None:
    _api_book(client, place)

    double = _api_book(client, place, phone="0987654321")
    late = _api_book(client, place, starts_at="2026-03-02T18:00:00+07:00")

    assert double.status_code == 422
    assert "chọn một giờ khác" in double.json()["error"]["details"][0]["message"]
    assert late.status_code == 422
    assert "không phải giờ hẹn" in late.json()["error"]["details"][0]["message"]


def test_it_lets_only_staff_choose_a_helper_in_the_api(
    client: Any, place: Corner, helper_a: Any
) -> None:
    member(place, helper_a)

    assert _api_book(client, place, helper_id=helper_a.pk).status_code == 403
    login(client, helper_a)
    assert _api_book(client, place, helper_id=helper_a.pk).status_code == 201


def test_it_gives_a_days_appointments_to_the_corners_staff_only(
    client: Any, place: Corner, officer_a: Any, officer_b: Any
) -> None:
    _booked(place)
    url = f"/api/v1/help/corners/{place.pk}/appointments?day=2026-03-02"

    assert client.get(url).status_code == 401
    assert login(client, officer_b).get(url).status_code == 404
    rows = login(client, officer_a).get(url).json()
    assert [r["phone"] for r in rows] == ["+84912345678"]
