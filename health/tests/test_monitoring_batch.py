"""Batches of readings at scale: a fixed number of queries, links that always hold, and the
same outcome on SQLite and PostgreSQL whatever path the rows take into the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from health.models import Alert, CareTask, Device, Reading, RejectedReading
from health.monitoring import bulk, services
from health.tests.monitoring_helpers import consented, ingest, item

pytestmark = pytest.mark.django_db

URL = "/api/v1/health/readings"


@pytest.fixture
def patient(make_person, commune_a, officer_a):  # type: ignore[no-untyped-def]
    return consented(make_person(commune_a, "Nguyễn Văn Ba"), officer_a)


@pytest.fixture
def gateway(health_worker_a, commune_a):  # type: ignore[no-untyped-def]
    return services.device_create(label="Cổng xã", commune_id=commune_a.code, actor=health_worker_a)


def reading(personal_id: str, n: int, systolic: int = 128, minutes_ago: int = 30) -> dict:
    at = timezone.localtime() - timedelta(minutes=minutes_ago, seconds=n)
    return {
        "client_id": f"c{n}",
        "personal_id": personal_id,
        "kind": "bp",
        "value": systolic,
        "value2": 80,
        "unit": "mm[Hg]",
        "measured_at": at.isoformat(),
    }


def post(client, token, readings):  # type: ignore[no-untyped-def]
    return client.post(
        URL,
        {"readings": readings},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_it_keeps_a_batchs_query_count_flat_as_the_batch_grows(  # type: ignore[no-untyped-def]
    client, gateway, commune_a, make_person, officer_a, django_assert_max_num_queries
) -> None:
    _device, token = gateway
    people = [
        consented(make_person(commune_a, f"Người Thử {n}"), officer_a).personal_id
        for n in range(30)
    ]

    def batch(first: int, last: int) -> list[dict]:
        # Every other person high enough to open an alert and a task.
        return [
            reading(people[n], 1000 * first + n, systolic=165 if n % 2 else 120)
            for n in range(first, last)
        ]

    # Alerts already open for two of them, so that both batches open some and refresh others.
    post(client, token, [reading(people[1], 90, systolic=165), reading(people[21], 91, 165)])
    with django_assert_max_num_queries(30) as few:
        assert post(client, token, batch(0, 4)).json()["accepted"] == 4
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert post(client, token, batch(4, 30)).json()["accepted"] == 26
    assert Alert.objects.count() == 15
    assert CareTask.objects.count() == 15


def test_a_replayed_batch_changes_nothing_and_refreshes_no_alert_twice(  # type: ignore[no-untyped-def]
    client, gateway, patient
) -> None:
    _device, token = gateway
    batch = [reading(patient.personal_id, n, systolic=165) for n in range(5)]
    first = post(client, token, batch).json()
    again = post(client, token, batch).json()
    assert first["accepted"] == 5
    assert again["duplicate"] == 5
    assert [r["reading_id"] for r in again["results"]] == [
        r["reading_id"] for r in first["results"]
    ]
    alert = Alert.objects.get()
    assert alert.occurrences == 5
    assert CareTask.objects.count() == 1


def test_a_worse_batch_raises_the_alert_and_keeps_one_task_per_kind(  # type: ignore[no-untyped-def]
    client, gateway, patient
) -> None:
    _device, token = gateway
    post(client, token, [reading(patient.personal_id, 1, systolic=150)])
    high = Alert.objects.get()
    post(client, token, [reading(patient.personal_id, 2, systolic=165, minutes_ago=10)])
    raised = Alert.objects.get()
    assert raised.pk == high.pk
    assert raised.severity < high.severity
    assert raised.occurrences == 2
    tasks = CareTask.objects.filter(alert=raised)
    assert tasks.count() == len({t.kind for t in tasks})


def test_a_batch_from_a_device_deleted_meanwhile_stores_nothing(  # type: ignore[no-untyped-def]
    gateway, patient
) -> None:
    device, _token = gateway
    stale = Device.objects.get(pk=device.pk)
    Device.objects.filter(pk=device.pk).delete()
    sender = services.Sender(device=stale, via="api")
    with pytest.raises(PermissionDenied):
        services.readings_ingest(
            items=[reading(patient.personal_id, 1), {"kind": "bp", "value": 900}], sender=sender
        )
    assert not Reading.objects.exists()
    assert not RejectedReading.objects.exists()


def test_deleting_a_device_keeps_its_readings_without_the_link(  # type: ignore[no-untyped-def]
    client, gateway, patient
) -> None:
    device, token = gateway
    post(client, token, [reading(patient.personal_id, 1)])
    Device.objects.filter(pk=device.pk).delete()
    assert Reading.objects.get().device_id is None


def test_a_reading_never_points_at_a_missing_person(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient))
    person_id = patient.pk
    patient.delete()
    assert not Reading.objects.filter(person_id=person_id).exists()
    # A form still holding the deleted person: refused, nothing stored.
    results = ingest(health_worker_a, item(patient))
    assert results[0].status == "rejected"
    assert not Reading.objects.exists()


def test_an_alert_opened_by_a_concurrent_batch_is_taken_not_doubled(  # type: ignore[no-untyped-def]
    client, gateway, patient, monkeypatch
) -> None:
    _device, token = gateway
    post(client, token, [reading(patient.personal_id, 1, systolic=165)])
    # Another batch opened the same alert between this batch's read and its insert.
    monkeypatch.setattr(services, "_open_alerts", lambda keys: {})
    body = post(client, token, [reading(patient.personal_id, 2, systolic=165)]).json()
    assert body["accepted"] == 1
    assert Alert.objects.count() == 1
    assert CareTask.objects.count() == 1


def test_rows_already_there_are_skipped_when_asked(patient) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    columns = ("person_id", "commune_id", "kind", "reason", "priority", "due_at", "status")
    row = (patient.pk, patient.commune_id, "call", "r", 3, now, "open")
    bulk.insert_rows(
        CareTask, (*columns, "dedupe_key", "created_at", "outcome"), [(*row, "k1", now, "")]
    )
    rows = [(*row, key, now, "") for key in ("k1", "k2")]
    assert (
        bulk.insert_rows(
            CareTask, (*columns, "dedupe_key", "created_at", "outcome"), rows, ignore_conflicts=True
        )
        == []
    )
    assert sorted(CareTask.objects.values_list("dedupe_key", flat=True)) == ["k1", "k2"]
