from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from help import services
from help.models import Appointment, Corner, QueueToken
from help.tests.corner_factories import MONDAY, at, corner

pytestmark = pytest.mark.django_db

MONDAY_MORNING = "2026-03-02 07:40:00+07:00"


@pytest.fixture(autouse=True)
def monday_morning() -> Any:
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(commune_a: Any) -> Corner:
    return corner(commune_a)


def _issue(place: Corner, by: Any, **extra: Any) -> QueueToken:
    fields = {"topic": "vneid", "name": "Thạch Sà Quân"}
    fields.update(extra)
    return services.token_issue(corner=place, by=by, **fields)


def test_it_numbers_tickets_from_one_each_day(place: Corner, helper_a: Any) -> None:
    first, second = _issue(place, helper_a), _issue(place, helper_a)
    with time_machine.travel("2026-03-03 07:40:00+07:00", tick=False):
        next_day = _issue(place, helper_a)

    assert (first.number, second.number, next_day.number) == (1, 2, 1)


def test_it_calls_priority_then_booked_then_walk_ins_in_order(place: Corner, helper_a: Any) -> None:
    walk_in = _issue(place, helper_a)
    booking = services.appointment_book(
        corner=place,
        starts_at=at(MONDAY, 8),
        name="Lâm Văn Tư",
        phone="0987654321",
        topic="hi_app",
    )
    booked = _issue(place, helper_a, appointment=booking, topic="", name="")
    elderly = _issue(place, helper_a, priority=True)

    called = [services.token_call_next(corner=place, by=helper_a) for _ in range(4)]

    assert [t.pk if t else None for t in called] == [elderly.pk, booked.pk, walk_in.pk, None]
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.ARRIVED
    assert booked.name == "Lâm Văn Tư" and booked.topic == "hi_app"


def test_it_moves_a_ticket_through_the_day_and_closes_the_booking(
    place: Corner, helper_a: Any
) -> None:
    booking = services.appointment_book(
        corner=place, starts_at=at(MONDAY, 8), name="Tư", phone="0987654321", topic="vneid"
    )
    token = _issue(place, helper_a, appointment=booking)

    for status in ("called", "serving", "done"):
        token = services.token_status_set(token=token, status=status, by=helper_a)

    assert token.served_by == helper_a and token.finished_at is not None
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.DONE
    with pytest.raises(ValidationError) as refused:
        services.token_status_set(token=token, status="serving", by=helper_a)
    assert "tải lại" in str(refused.value)


def test_it_refuses_a_booking_of_another_day_at_the_counter(place: Corner, helper_a: Any) -> None:
    tomorrow = services.appointment_book(
        corner=place,
        starts_at=at(MONDAY.replace(day=3), 8),
        name="Tư",
        phone="0987654321",
        topic="vneid",
    )

    with pytest.raises(ValidationError) as refused:
        _issue(place, helper_a, appointment=tomorrow)

    assert "không phải hôm nay" in str(refused.value)


def test_it_gives_numbers_and_calls_from_the_queue_page(
    client: Any, place: Corner, helper_a: Any
) -> None:
    login(client, helper_a)

    issued = client.post(
        reverse("help:queue", args=[place.pk]),
        {"topic": "payment", "name": "Danh Thị Mai", "phone": "0912345678", "priority": "on"},
    )
    token = QueueToken.objects.get()
    assert issued["Location"] == reverse("help:token", args=[token.pk])
    page = client.get(issued["Location"]).content.decode()
    assert "Danh Thị Mai" in page
    assert reverse("help:case_open") + f"?token={token.pk}" in page
    called = client.post(reverse("help:queue_call_next", args=[place.pk]))
    assert called["Location"] == reverse("help:token", args=[token.pk])
    client.post(reverse("help:token_status", args=[token.pk]), {"status": "left"})
    token.refresh_from_db()
    assert token.status == QueueToken.Status.LEFT
    assert AuditEntry.objects.filter(object_type="help_token", action="view").exists()


def test_it_shows_numbers_but_never_names_on_the_screen(
    client: Any, place: Corner, helper_a: Any
) -> None:
    first = _issue(place, helper_a)
    _issue(place, helper_a, name="Lâm Văn Tư")
    services.token_status_set(token=first, status="called", by=helper_a)

    page = client.get(reverse("help:queue_screen", args=[place.pk])).content.decode()
    data = client.get(f"/api/v1/help/corners/{place.pk}/queue-screen").json()

    assert "Thạch Sà Quân" not in page and "Lâm Văn Tư" not in page
    assert "data-queue-screen" in page and "queue-screen.js" in page
    assert data == {"called": [1], "next": [2], "waiting": 1}


@pytest.mark.parametrize("name", ["help:queue", "help:queue_call_next"])
def test_it_hides_another_communes_queue(
    client: Any, place: Corner, officer_b: Any, helper_a: Any, name: str
) -> None:
    token = _issue(place, helper_a)
    login(client, officer_b)

    assert client.post(reverse(name, args=[place.pk]), {"topic": "vneid"}).status_code == 404
    assert client.get(reverse("help:token", args=[token.pk])).status_code == 404
    status = reverse("help:token_status", args=[token.pk])
    assert client.post(status, {"status": "called"}).status_code == 404
    token.refresh_from_db()
    assert token.status == QueueToken.Status.WAITING
    assert QueueToken.objects.count() == 1


def test_it_refuses_the_queue_to_citizens(client: Any, place: Corner, citizen: Any) -> None:
    assert login(client, citizen).get(reverse("help:queue", args=[place.pk])).status_code == 403


def test_it_lists_the_queue_in_few_queries(
    client: Any, place: Corner, helper_a: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        _issue(place, helper_a, name=f"Người {n}")
    login(client, helper_a)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("help:queue", args=[place.pk]))

    assert len(response.context["queue"]["waiting"]) == 8


def test_it_runs_the_queue_through_the_api(
    client: Any, place: Corner, helper_a: Any, officer_b: Any
) -> None:
    url = f"/api/v1/help/corners/{place.pk}/tokens"
    assert client.post(url, {"topic": "vneid"}, content_type="application/json").status_code == 401
    login(client, officer_b)
    assert client.post(url, {"topic": "vneid"}, content_type="application/json").status_code == 404
    login(client, helper_a)

    issued = client.post(url, {"topic": "vneid", "priority": True}, content_type="application/json")
    assert issued.status_code == 201 and issued.json()["number"] == 1
    called = client.post(f"{url}/call-next")
    assert called.json()["status"] == "called"
    assert client.post(f"{url}/call-next").status_code == 204
    token_id = called.json()["id"]
    done = client.post(
        f"/api/v1/help/tokens/{token_id}/status",
        {"status": "done"},
        content_type="application/json",
    )
    assert done.json()["status"] == "done"
    assert [t["number"] for t in client.get(url).json()] == [1]
    bad = client.post(url, {"topic": "lunch"}, content_type="application/json")
    assert bad.status_code == 422
    login(client, officer_b)
    moved = client.post(
        f"/api/v1/help/tokens/{token_id}/status",
        {"status": "left"},
        content_type="application/json",
    )
    assert moved.status_code == 404
