from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from help import selectors, services
from help.models import Appointment
from help.tests.corner_factories import FRIDAY_MORNING, MONDAY, at, corner, member
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_morning() -> Any:
    with time_machine.travel(FRIDAY_MORNING, tick=False) as traveller:
        yield traveller


def _book(place: Any, hour: int = 8, minute: int = 0, **extra: Any) -> Appointment:
    fields = {"name": "Danh Thị Mai", "phone": "0912 345 678", "topic": "vneid"}
    fields.update(extra)
    return services.appointment_book(corner=place, starts_at=at(MONDAY, hour, minute), **fields)


def test_it_books_by_phone_alone_and_texts_the_code(commune_a: Any) -> None:
    place = corner(commune_a)

    booked = _book(place)

    assert booked.phone == "+84912345678"
    assert len(booked.code) == 6
    sms = Message.objects.get()
    assert sms.recipient == "+84912345678"
    assert booked.code in sms.body


def test_it_refuses_a_second_booking_of_a_one_desk_slot(commune_a: Any) -> None:
    place = corner(commune_a)
    _book(place)

    with pytest.raises(ValidationError) as refused:
        _book(place, phone="0987 654 321")

    assert "chọn một giờ khác" in str(refused.value)
    assert Appointment.objects.count() == 1


def test_it_fills_every_desk_before_refusing(commune_a: Any) -> None:
    place = corner(commune_a, desks=2)
    first = _book(place, phone="0912 345 678")
    second = _book(place, phone="0987 654 321")

    assert {first.desk, second.desk} == {1, 2}
    with pytest.raises(ValidationError):
        _book(place, phone="0903 111 222")


def test_it_refuses_the_same_phone_twice_at_one_time(commune_a: Any) -> None:
    place = corner(commune_a, desks=2)
    _book(place)

    with pytest.raises(ValidationError) as refused:
        _book(place)

    assert "đã có lịch hẹn" in str(refused.value)


@pytest.mark.parametrize(
    ("hour", "minute"), [(6, 0), (12, 0), (17, 0), (8, 10)], ids=["early", "lunch", "late", "off"]
)
def test_it_refuses_a_time_outside_the_opening_hours(
    commune_a: Any, hour: int, minute: int
) -> None:
    place = corner(commune_a)

    with pytest.raises(ValidationError) as refused:
        _book(place, hour, minute)

    assert "không phải giờ hẹn" in str(refused.value)
    assert "07:30–11:30, 13:30–17:00" in str(refused.value)


def test_it_refuses_a_closed_day(commune_a: Any) -> None:
    place = corner(commune_a)
    services.closure_add(corner=place, day=MONDAY, reason="Tập huấn", by=None)

    with pytest.raises(ValidationError) as refused:
        _book(place)

    assert "nghỉ ngày 02/03/2026 (Tập huấn)" in str(refused.value)
    assert selectors.free_slots(place, MONDAY) == []


def test_it_refuses_a_helper_twice_at_one_time(commune_a: Any, helper_a: Any) -> None:
    place = corner(commune_a, desks=2)
    member(place, helper_a)
    _book(place, helper=helper_a)

    with pytest.raises(ValidationError) as refused:
        _book(place, helper=helper_a, phone="0987 654 321")

    assert "Lê Minh Tú đã có lịch hẹn" in str(refused.value)
    free = selectors.free_slots(place, MONDAY, helper_id=helper_a.pk)
    assert at(MONDAY, 8) not in [s.starts_at for s in free]
    assert at(MONDAY, 8) in [s.starts_at for s in selectors.free_slots(place, MONDAY)]


def test_it_frees_the_slot_when_cancelled_and_moves_a_booking(commune_a: Any) -> None:
    place = corner(commune_a)
    booked = _book(place)
    services.appointment_reschedule(appointment=booked, starts_at=at(MONDAY, 9))

    again = _book(place, phone="0987 654 321")
    assert again.starts_at == at(MONDAY, 8)
    services.appointment_cancel(appointment=booked)
    assert _book(place, 9, phone="0903 111 222").starts_at == at(MONDAY, 9)


def test_it_finds_the_next_free_slot_of_each_corner(commune_a: Any) -> None:
    place = corner(commune_a)
    place.hours.filter(weekday=0).delete()

    assert selectors.next_free_slots([place])[place.pk] == at(
        MONDAY.replace(day=27, month=2), 8, 30
    )
    with time_machine.travel("2026-02-27 17:30:00+07:00", tick=False):
        found = selectors.next_free_slots(selectors.public_corners())

    assert found[place.pk] == at(MONDAY.replace(day=3), 7, 30)


def test_it_reminds_the_day_before_once(commune_a: Any) -> None:
    place = corner(commune_a)
    booked = _book(place)

    with time_machine.travel("2026-03-01 17:05:00+07:00", tick=False):
        assert services.appointment_reminders_send_due() == 1
        assert services.appointment_reminders_send_due() == 0

    booked.refresh_from_db()
    assert booked.reminder_sent_at is not None
    assert Message.objects.filter(body__contains="nhac lich").count() == 1


def test_it_plans_the_reminder_for_17_00_the_day_before(
    commune_a: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks import default_task_backend

    from help.tasks import send_appointment_reminder

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "notifications"],
        }
    }
    place = corner(commune_a)

    with django_capture_on_commit_callbacks(execute=True):
        booked = _book(place)

    (planned,) = [
        r
        for r in default_task_backend.results  # type: ignore[attr-defined]
        if r.task.func == send_appointment_reminder.func
    ]
    assert planned.task.run_after == at(MONDAY.replace(month=3, day=1), 17)
    assert planned.kwargs == {
        "appointment_id": booked.pk,
        "starts_at": booked.starts_at.isoformat(),
    }


@pytest.mark.parametrize(("desks", "outcome"), [(1, "refused"), (2, "desk 2")])
def test_it_lets_the_database_settle_a_race_for_the_last_place(
    commune_a: Any, monkeypatch: Any, desks: int, outcome: str
) -> None:
    place = corner(commune_a, desks=desks)
    original_save = Appointment.save

    def someone_else_first(self: Appointment, *args: Any, **kwargs: Any) -> None:
        # Another phone's booking lands between our check of free desks and our insert.
        monkeypatch.setattr(Appointment, "save", original_save)
        Appointment.objects.bulk_create(
            [
                Appointment(
                    corner=place,
                    name="Lâm Văn Tư",
                    phone="+84987654321",
                    topic="vneid",
                    starts_at=self.starts_at,
                    ends_at=self.ends_at,
                    desk=1,
                    code="RACE01",
                )
            ]
        )
        original_save(self, *args, **kwargs)

    monkeypatch.setattr(Appointment, "save", someone_else_first)

    if outcome == "refused":
        with pytest.raises(ValidationError) as refused:
            _book(place)
        assert "vừa có người đặt hết chỗ" in str(refused.value)
    else:
        assert _book(place).desk == 2


def test_it_sends_due_reminders_from_the_command_line(commune_a: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    _book(corner(commune_a))
    out = StringIO()

    with time_machine.travel("2026-03-01 18:00:00+07:00", tick=False):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 reminder(s) queued in the outbox.",
        "0 reminder(s) queued in the outbox.",
    ]


def test_it_limits_the_bookings_to_come_of_one_phone(commune_a: Any) -> None:
    place = corner(commune_a)
    for hour in (8, 9, 10):
        _book(place, hour)

    with pytest.raises(ValidationError) as refused:
        _book(place, 13, 30)

    assert "đã có 3 lịch hẹn sắp tới" in str(refused.value)
