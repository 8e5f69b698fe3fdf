"""The monitoring demo: devices, 90 days of readings, the alerts the real rules make, once."""

from __future__ import annotations

from datetime import date

import pytest

from health.book import demo as book_demo
from health.models import Alert, CareTask, Device, Reading
from health.monitoring import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_books(make_user, make_person, commune_a):  # type: ignore[no-untyped-def]
    make_user("demo.health", "health_worker", (commune_a.code,))
    citizen = make_user("demo.citizen", "citizen", phone="0912345678")
    for n in range(50):
        make_person(commune_a, f"Người Già {n}", date_of_birth=date(1930 + n % 30, 1, 1))
    make_person(commune_a, "Danh Thị Mai", user=citizen, date_of_birth=date(1975, 1, 1))
    book_demo.populate(96, 1)


def test_it_sends_readings_that_make_real_alerts_once(demo_books) -> None:  # type: ignore[no-untyped-def]
    message = demo.populate(96, 1)
    assert "thiết bị / devices" in message
    assert Device.objects.filter(person__isnull=True).count() == 1
    assert Device.objects.filter(person__user__username="demo.citizen").exists()
    assert Reading.objects.count() > 1000
    assert Reading.objects.filter(device__person__isnull=False).exists()
    crisis = Alert.objects.get(rule="bp_crisis", severity=Alert.Severity.CRITICAL)
    assert crisis.status == Alert.Status.OPEN
    hypo = Alert.objects.get(rule="glucose_hypo_level2")
    assert hypo.status == Alert.Status.RESOLVED
    assert CareTask.objects.filter(alert=hypo, status=CareTask.Status.DONE).exists()
    assert Alert.objects.filter(rule="no_reading").exclude(status="resolved").count() >= 2
    assert Alert.objects.filter(rule="bp_grade2").exclude(status="resolved").exists()
    assert Alert.objects.filter(status=Alert.Status.ACKNOWLEDGED).count() == 2
    assert CareTask.objects.filter(status=CareTask.Status.OPEN).exists()

    counts = [m.objects.count() for m in (Device, Reading, Alert, CareTask)]
    again = demo.populate(96, 1)
    assert "0 chỉ số mới" in again
    assert [m.objects.count() for m in (Device, Reading, Alert, CareTask)] == counts


def test_it_says_what_is_missing_without_the_other_demos(db, make_user, commune_a) -> None:  # type: ignore[no-untyped-def]
    assert "langso demo" in demo.populate(96, 1)
    make_user("demo.health", "health_worker", (commune_a.code,))
    assert "health book demo" in demo.populate(96, 1)
    assert not Reading.objects.exists()
