"""Ingesting readings: validation, duplicates, consent, rules, alerts and tasks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from health.models import Alert, CareTask, Reading, RejectedReading, ThresholdOverride
from health.monitoring import services
from health.tests.monitoring_helpers import consented, ingest, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(make_person, commune_a, officer_a):  # type: ignore[no-untyped-def]
    return consented(make_person(commune_a, "Nguyễn Văn Ba"), officer_a)


def test_it_accepts_a_normal_reading_without_alerts(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    [result] = ingest(health_worker_a, item(patient, value=124, value2=78))
    assert result.status == "accepted"
    reading = Reading.objects.get(pk=result.reading_id)
    assert (reading.value, reading.value2, reading.source) == (124, 78, "worker")
    assert not Alert.objects.exists()
    assert AuditEntry.objects.filter(object_type="health_reading", object_id=patient.pk).exists()


@pytest.mark.parametrize(
    ("kind", "value", "value2", "unit", "code"),
    [
        ("bp", 900, 80, None, "value_impossible"),
        ("bp", 80, 120, None, "diastolic_not_below_systolic"),
        ("weight", -3, None, None, "value_impossible"),
        ("weight", 60, None, "stone", "unit_unknown"),
        ("glucose", "abc", None, None, "value_not_a_number"),
        ("pulse", 70, None, None, "kind_unknown"),
    ],
)
def test_it_refuses_impossible_values_and_unknown_units_and_keeps_them(  # type: ignore[no-untyped-def]
    health_worker_a, patient, kind, value, value2, unit, code
) -> None:
    [result] = ingest(health_worker_a, item(patient, kind, value, value2, unit=unit))
    assert (result.status, result.code) == ("rejected", code)
    assert result.message and result.message_en and result.message != result.message_en
    assert not Reading.objects.exists()
    rejected = RejectedReading.objects.get()
    assert rejected.reason_en == result.message_en
    assert rejected.payload["kind"] == kind


def test_it_refuses_readings_from_the_future_beyond_the_clock_skew(
    health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    slightly = item(patient, measured_at=now + timedelta(minutes=2))
    far = item(patient, measured_at=now + timedelta(hours=2))
    results = ingest(health_worker_a, slightly, far, now=now)
    assert [r.status for r in results] == ["accepted", "rejected"]
    assert results[1].code == "measured_in_future"


def test_it_converts_units_to_the_canonical_one(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    results = ingest(
        health_worker_a,
        item(patient, "glucose", 126, unit="mg/dL", context="fasting"),
        item(patient, "temp", 98.6, unit="[degF]"),
        item(patient, "weight", 132, unit="[lb_av]"),
    )
    values = [Reading.objects.get(pk=r.reading_id).value for r in results]
    assert values == [Decimal("6.99"), Decimal("37.00"), Decimal("59.87")]


def test_it_flags_doubtful_values_but_keeps_them(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    [result] = ingest(health_worker_a, item(patient, "temp", Decimal("42.5")))
    assert result.status == "flagged"
    assert "Unusual temperature" in Reading.objects.get().flag


def test_a_duplicate_client_id_returns_the_original_and_counts_once(
    health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    first = item(patient, "glucose", "2.5", client_id="abc-1")
    [one] = ingest(health_worker_a, first)
    [again] = ingest(health_worker_a, dict(first))
    assert again.status == "duplicate"
    assert again.reading_id == one.reading_id
    assert Reading.objects.count() == 1
    alert = Alert.objects.get()
    assert alert.occurrences == 1
    twice = ingest(health_worker_a, item(patient, client_id="x"), item(patient, client_id="x"))
    assert [r.status for r in twice] == ["accepted", "duplicate"]


def test_it_refuses_readings_for_a_person_without_consent(
    health_worker_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a)
    [result] = ingest(health_worker_a, item(person))
    assert (result.status, result.code) == ("rejected", "consent_missing")
    assert RejectedReading.objects.count() == 1


def test_it_refuses_another_communes_person(make_user, patient) -> None:  # type: ignore[no-untyped-def]
    worker_b = make_user("health.b", "health_worker", (32002,))
    [result] = ingest(worker_b, item(patient))
    assert (result.status, result.code) == ("rejected", "person_unknown")


def test_a_first_crisis_reading_asks_for_a_repeat_and_a_second_confirms_it(
    health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    [first] = ingest(
        health_worker_a,
        item(patient, value=186, value2=112, measured_at=now - timedelta(minutes=3)),
    )
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity) == ("bp_crisis", Alert.Severity.HIGH)
    assert list(CareTask.objects.values_list("kind", flat=True)) == ["recheck"]
    assert first.advice_severity == Alert.Severity.HIGH
    [second] = ingest(
        health_worker_a,
        item(patient, value=190, value2=115, measured_at=now - timedelta(minutes=1)),
    )
    alert.refresh_from_db()
    assert alert.severity == Alert.Severity.CRITICAL
    assert alert.occurrences == 2
    assert sorted(CareTask.objects.values_list("kind", flat=True)) == ["call", "recheck"]
    assert second.advice_severity == Alert.Severity.CRITICAL
    # Running the same evaluation again (a replayed batch) adds nothing.
    ingest(health_worker_a, item(patient, value=190, value2=115, measured_at=now))
    assert Alert.objects.count() == 1
    assert CareTask.objects.count() == 2


def test_two_crisis_readings_in_one_batch_confirm_each_other(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    ingest(
        health_worker_a,
        item(patient, value=200, value2=100, measured_at=now - timedelta(minutes=4)),
        item(patient, value=195, value2=100, measured_at=now - timedelta(minutes=2)),
    )
    alert = Alert.objects.get()
    assert alert.severity == Alert.Severity.CRITICAL
    assert alert.occurrences == 2


@pytest.mark.parametrize(
    ("kind", "value", "context", "rule", "severity"),
    [
        ("glucose", "2.8", "", "glucose_hypo_level2", 1),
        ("glucose", "3.5", "", "glucose_hypo_level1", 2),
        ("glucose", "12", "fasting", "glucose_high_fasting", 3),
        ("glucose", "12", "random", None, None),
        ("spo2", 91, "", "spo2_urgent", 1),
        ("spo2", 94, "", "spo2_low", 2),
        ("spo2", 95, "", None, None),
        ("temp", "38.5", "", "temp_fever", 3),
        ("hr", 135, "", "hr_extreme", 2),
    ],
)
def test_it_applies_the_default_thresholds(
    health_worker_a, patient, kind, value, context, rule, severity
) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, kind, value, context=context))
    alert = Alert.objects.first()
    assert (alert.rule if alert else None, alert.severity if alert else None) == (rule, severity)


def test_a_worse_reading_raises_the_open_alert_instead_of_adding_one(
    health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, value=145, value2=85))
    ingest(health_worker_a, item(patient, value=165, value2=95))
    ingest(health_worker_a, item(patient, value=150, value2=92))
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity, alert.occurrences) == ("bp_grade2", 3, 3)


def test_a_persons_override_replaces_the_default(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    services.threshold_override_set(
        person=patient,
        rule="bp_uncontrolled",
        low=None,
        high=Decimal(150),
        reason="Người cao tuổi, bác sĩ chỉ định mục tiêu < 150",
        actor=health_worker_a,
    )
    ingest(health_worker_a, item(patient, value=145, value2=85))
    assert not Alert.objects.exists()
    assert ThresholdOverride.objects.get().set_by == health_worker_a


def test_a_weight_gain_over_three_days_opens_an_alert(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    ingest(health_worker_a, item(patient, "weight", 60, measured_at=now - timedelta(days=2)))
    ingest(health_worker_a, item(patient, "weight", "62.5", measured_at=now))
    assert Alert.objects.get().rule == "weight_gain"


def test_a_critical_alert_is_sent_at_once_to_the_communes_health_workers(  # type: ignore[no-untyped-def]
    health_worker_a, patient, make_user, django_capture_on_commit_callbacks
) -> None:
    from notifications.models import Message

    make_user("health.a2", "health_worker", (31825,), phone="0987654321")
    worker_b = make_user("health.b", "health_worker", (32002,), phone="0977654321")
    with django_capture_on_commit_callbacks(execute=True):
        ingest(health_worker_a, item(patient, "glucose", "2.4"))
    message = Message.objects.get()
    assert message.urgent and message.recipient == "+84987654321"
    assert "N. V. Ba" in message.body and "Nguyễn Văn Ba" not in message.body
    assert not Message.objects.filter(user=worker_b).exists()
